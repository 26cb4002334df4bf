using System.Text.RegularExpressions;

namespace KmLab.Register.Tests;

/// <summary>The README's sample code is the sample's code: every C# block the README marks
/// <c>&lt;!-- from &lt;file&gt; --&gt;</c> equals, line for line, a <c>// &lt;readme:name&gt;</c> region of that file
/// (the sample AppHost's few lines, the E2E suite's start and one test). A change to either without the other fails here.</summary>
public sealed partial class ReadmeSampleTests
{
    [Fact]
    public void The_readme_shows_the_sample_AppHost_and_E2E_code_verbatim()
    {
        var root = RepositoryRoot();
        var blocks = FromBlock().Matches(File.ReadAllText(Path.Combine(root, "README.md")).ReplaceLineEndings("\n"));

        Assert.Equal(["samples/Orders.AppHost/AppHost.cs", "samples/Orders.E2E/OrdersLab.cs", "samples/Orders.E2E/OrdersEndToEndTests.cs"],
            blocks.Select(b => b.Groups["file"].Value));
        foreach (Match block in blocks)
        {
            var file = block.Groups["file"].Value;
            var regions = Regions(File.ReadAllText(Path.Combine(root, file)));
            Assert.True(regions.Count > 0, $"{file} has no // <readme:...> region");
            Assert.Contains(block.Groups["code"].Value.TrimEnd('\n'), regions);
        }
    }

    [Fact]
    public void The_sample_AppHost_uses_the_package_calls_the_contract_names()
    {
        var apphost = Regions(File.ReadAllText(Path.Combine(RepositoryRoot(), "samples/Orders.AppHost/AppHost.cs"))).Single();

        Assert.Contains("builder.AddKmLab(\"kmlab\")", apphost);
        Assert.Contains(".WithKmLabResourceServer(lab)", apphost);
        Assert.Contains("lab.AddGatewayApi(\"orders-api\", orders, context: \"/orders\", version: \"1.0.0\")", apphost);
    }

    /// <summary>Each region's lines without the marker lines, less their common indentation.</summary>
    private static List<string> Regions(string source)
    {
        var lines = source.ReplaceLineEndings("\n").Split('\n');
        var regions = new List<string>();
        for (var i = 0; i < lines.Length; i++)
        {
            if (RegionStart().Match(lines[i]) is not { Success: true } start) continue;
            var end = Array.FindIndex(lines, i + 1, l => l.Trim() == $"// </readme:{start.Groups["name"].Value}>");
            Assert.True(end > i, $"region readme:{start.Groups["name"].Value} is not closed");
            var body = lines[(i + 1)..end];
            var indent = body.Where(l => l.Trim().Length > 0).Min(l => l.Length - l.TrimStart().Length);
            regions.Add(string.Join('\n', body.Select(l => l.Length >= indent ? l[indent..] : l.Trim())));
            i = end;
        }
        return regions;
    }

    private static string RepositoryRoot()
    {
        var folder = new DirectoryInfo(AppContext.BaseDirectory);
        while (folder is not null && !File.Exists(Path.Combine(folder.FullName, "KmLab.sln"))) folder = folder.Parent;
        return folder?.FullName ?? throw new InvalidOperationException("KmLab.sln not found above the test folder");
    }

    [GeneratedRegex(@"<!-- from (?<file>[^ ]+) -->\n```csharp\n(?<code>.*?)```", RegexOptions.Singleline)]
    private static partial Regex FromBlock();

    [GeneratedRegex(@"^\s*// <readme:(?<name>[a-z0-9-]+)>")]
    private static partial Regex RegionStart();
}
