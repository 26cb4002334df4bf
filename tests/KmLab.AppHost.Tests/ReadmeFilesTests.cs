using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using YamlDotNet.RepresentationModel;

namespace KmLab.AppHost.Tests;

/// <summary>README's files for a new repository (the blocks marked <c>&lt;!-- user-file: path [part n] --&gt;</c>,
/// which <c>bash .ci/sample readme</c> writes into an empty folder, builds and runs), the users' CI workflow it quotes,
/// and every file, script and variable the READMEs name. The build and the run are .ci/sample's; this checks, fast,
/// what would make them fail or mislead a reader.</summary>
public sealed partial class ReadmeFilesTests
{
    private const string Workflow = "samples/ci/kmlab-e2e.yml";

    private static readonly string[] PackageReadmes = ["README.md", "Hosting/README.md", "TestingKit/README.md", "Core/README.md", "Provisioner/README.md"];

    [Fact]
    public void The_readme_shows_every_file_of_a_new_repository_each_part_once_and_in_order()
    {
        var files = UserFiles();

        Assert.Equal(
            [".gitignore", "global.json", "nuget.config", "Orders.Api/Orders.Api.csproj", "Orders.Api/Program.cs", "Orders.Api/Properties/launchSettings.json",
             "Orders.AppHost/AppHost.cs", "Orders.AppHost/Orders.AppHost.csproj", "Orders.AppHost/Properties/launchSettings.json",
             "Orders.E2E/Orders.E2E.csproj", "Orders.E2E/OrdersTests.cs"],
            files.Keys.Order(StringComparer.OrdinalIgnoreCase));
        foreach (var (path, text) in files)
        {
            if (path.EndsWith(".json", StringComparison.Ordinal))
                using (JsonDocument.Parse(text)) { }
            if (path.EndsWith(".csproj", StringComparison.Ordinal) || path.EndsWith(".config", StringComparison.Ordinal))
                XDocument.Parse(text);
        }
        // The AppHost's parts: the builder, the sample's lines, the run.
        var apphost = files["Orders.AppHost/AppHost.cs"];
        Assert.StartsWith("var builder = DistributedApplication.CreateBuilder(args);", apphost);
        Assert.Contains("builder.AddKmLab(\"kmlab\")", apphost);
        Assert.EndsWith("builder.Build().Run();\n", apphost);
    }

    [Fact]
    public void A_marker_without_its_code_block_or_a_part_missing_is_refused()
    {
        Assert.Contains("user-file Orders.Api/Program.cs is not followed by a code block",
            Assert.Throws<InvalidOperationException>(() => UserFiles("<!-- user-file: Orders.Api/Program.cs -->\ntext\n")).Message);
        Assert.Contains("Orders.AppHost/AppHost.cs has parts 1, 3",
            Assert.Throws<InvalidOperationException>(() => UserFiles(
                "<!-- user-file: Orders.AppHost/AppHost.cs part 1 -->\n```csharp\na\n```\n<!-- user-file: Orders.AppHost/AppHost.cs part 3 -->\n```csharp\nb\n```\n")).Message);
    }

    [Fact]
    public void Every_package_the_readme_files_reference_is_packed_here_or_pinned_as_the_sample_pins_it()
    {
        var files = UserFiles();
        var samplePins = XDocument.Load(Path.Combine(Root, "samples/Directory.Packages.props")).Descendants("PackageVersion")
            .ToDictionary(p => (string)p.Attribute("Include")!, p => (string)p.Attribute("Version")!);
        var prefix = XDocument.Load(Path.Combine(Root, "Directory.Build.props")).Descendants("VersionPrefix").Single().Value;
        var packed = PackedIds();
        var references = files.Where(f => f.Key.EndsWith(".csproj", StringComparison.Ordinal))
            .SelectMany(f => XDocument.Parse(f.Value).Descendants("PackageReference").Select(r => (Project: f.Key, Id: (string)r.Attribute("Include")!, Version: (string?)r.Attribute("Version"))))
            .ToList();

        Assert.Contains(references, r => r.Project == "Orders.Api/Orders.Api.csproj" && r.Id == "Microsoft.AspNetCore.Authentication.JwtBearer");
        Assert.Contains(references, r => r.Project == "Orders.AppHost/Orders.AppHost.csproj" && r.Id == "KmLab.Hosting");
        Assert.Contains(references, r => r.Project == "Orders.E2E/Orders.E2E.csproj" && r.Id == "KmLab.Testing");
        foreach (var (project, id, version) in references)
        {
            Assert.False(version is null, $"{project}: {id} has no Version (a new repository has no central package versions)");
            if (id.StartsWith("KmLab.", StringComparison.Ordinal))
            {
                Assert.Contains(id, packed);
                // .ci/sample packs <prefix>-ci.<time>: the range takes the newest such prerelease.
                Assert.Equal($"{prefix}-*", version);
            }
            else
            {
                Assert.True(samplePins.TryGetValue(id, out var pinned), $"{project}: {id} is not one the sample restores (samples/Directory.Packages.props)");
                Assert.Equal(pinned, version);
            }
        }
        Assert.Equal(Sdk(File.ReadAllText(Path.Combine(Root, "samples/Orders.AppHost/Orders.AppHost.csproj"))), Sdk(files["Orders.AppHost/Orders.AppHost.csproj"]));
        Assert.NotEmpty(XDocument.Parse(files["Orders.AppHost/Orders.AppHost.csproj"]).Descendants("UserSecretsId").Single().Value);
        // The packages folder nuget.config names is the one .gitignore and the workflow fill.
        Assert.Equal("kmlab-packages", (string?)XDocument.Parse(files["nuget.config"]).Descendants("add").Single().Attribute("value"));
        Assert.Contains("kmlab-packages/", files[".gitignore"].Split('\n'));
        Assert.Contains(".kmlab/", files[".gitignore"].Split('\n'));
        using var readmeSdk = JsonDocument.Parse(files["global.json"]);
        using var repoSdk = JsonDocument.Parse(File.ReadAllText(Path.Combine(Root, "global.json")));
        Assert.Equal(repoSdk.RootElement.GetProperty("sdk").GetProperty("version").GetString(), readmeSdk.RootElement.GetProperty("sdk").GetProperty("version").GetString());
        Assert.Equal("Microsoft.Testing.Platform", readmeSdk.RootElement.GetProperty("test").GetProperty("runner").GetString());
    }

    [Fact]
    public void The_readme_service_and_launch_profiles_are_the_samples()
    {
        var files = UserFiles();

        foreach (var path in new[] { "Orders.Api/Program.cs", "Orders.Api/Properties/launchSettings.json", "Orders.AppHost/Properties/launchSettings.json" })
            Assert.Equal(File.ReadAllText(Path.Combine(Root, "samples", path)).ReplaceLineEndings("\n").TrimEnd(), files[path].TrimEnd());
    }

    [Fact]
    public void The_users_workflow_the_readme_quotes_is_the_file_and_runs_the_readmes_suite_on_the_twins_and_on_wso2s_images()
    {
        var readme = Readme();
        var quoted = Verbatim().Match(readme);
        var files = UserFiles();

        Assert.True(quoted.Success, $"README.md quotes no <!-- verbatim: {Workflow} --> block");
        Assert.Equal(Workflow, quoted.Groups["file"].Value);
        Assert.Equal(File.ReadAllText(Path.Combine(Root, Workflow)).ReplaceLineEndings("\n"), quoted.Groups["code"].Value);

        var yaml = new YamlStream();
        yaml.Load(new StringReader(quoted.Groups["code"].Value));
        var jobs = (YamlMappingNode)((YamlMappingNode)yaml.Documents[0].RootNode)["jobs"];
        Assert.Equal(["twins", "wso2"], jobs.Children.Keys.Select(k => k.ToString()));
        foreach (var (name, images) in new[] { ("twins", "twin"), ("wso2", "wso2") })
        {
            var job = (YamlMappingNode)jobs[name];
            var steps = ((YamlSequenceNode)job["steps"]).Cast<YamlMappingNode>().ToList();
            Assert.Equal("ubuntu-latest", job["runs-on"].ToString());
            Assert.Equal("actions/checkout@v4", steps[0]["uses"].ToString());
            var kmlab = (YamlMappingNode)steps[1]["with"];
            Assert.Equal(("${{ vars.KMLAB_REPOSITORY }}", "${{ vars.KMLAB_REF }}", "kmlab"), (kmlab["repository"].ToString(), kmlab["ref"].ToString(), kmlab["path"].ToString()));
            Assert.Equal("global.json", ((YamlMappingNode)steps[2]["with"])["global-json-file"].ToString());
            Assert.Equal("mkdir -p kmlab-packages && bash kmlab/.ci/sample pack && cp kmlab/artifacts/packages/*.nupkg kmlab-packages/", steps[3]["run"].ToString());
            var test = steps[^1];
            Assert.Equal("dotnet test --project Orders.E2E", test["run"].ToString());
            Assert.Equal(images, ((YamlMappingNode)test["env"])["Parameters__images"].ToString());
        }
        Assert.True(files.ContainsKey("Orders.E2E/Orders.E2E.csproj"));
        var twins = ((YamlSequenceNode)((YamlMappingNode)jobs["twins"])["steps"]).Cast<YamlMappingNode>().Single(s => s.Children.ContainsKey("run") && s["run"].ToString().Contains("build-twin-images.sh", StringComparison.Ordinal));
        Assert.Equal("${{ vars.KMLAB_TWIN_REGISTRY }}", ((YamlMappingNode)twins["env"])["KMLAB_TWIN_REGISTRY"].ToString());
        Assert.Contains("bash kmlab/tests/docker/build-twin-images.sh", twins["run"].ToString());
        // The tags the pulled images get are the ones the build script makes and the lab runs.
        var script = File.ReadAllText(Path.Combine(Root, "tests/docker/build-twin-images.sh"));
        foreach (var image in new[] { "wso2is-twin", "wso2am-twin" })
            Assert.Contains($"kmlab/{image}:dev", script);
        Assert.Contains("docker tag \"$KMLAB_TWIN_REGISTRY/$image:dev\" \"kmlab/$image:dev\"", twins["run"].ToString());
        Assert.Contains("for image in wso2is-twin wso2am-twin; do", twins["run"].ToString());
    }

    [Fact]
    public void Every_file_script_and_variable_the_readmes_name_exists()
    {
        var code = string.Join('\n', CodeFiles().Select(File.ReadAllText));
        var missing = new List<string>();
        foreach (var readme in PackageReadmes)
        {
            var text = File.ReadAllText(Path.Combine(Root, readme));
            foreach (Match m in RepositoryPath().Matches(text))
            {
                var path = m.Groups["path"].Value.TrimEnd('.', ',', ':', ';', ')');
                if (!File.Exists(Path.Combine(Root, path)) && !Directory.Exists(Path.Combine(Root, path)))
                    missing.Add($"{readme}: {path}");
            }
            foreach (Match m in Link().Matches(text))
                if (!File.Exists(Path.Combine(Root, m.Groups["target"].Value)) && !Directory.Exists(Path.Combine(Root, m.Groups["target"].Value)))
                    missing.Add($"{readme}: link {m.Groups["target"].Value}");
            foreach (Match m in Variable().Matches(text))
                if (!code.Contains(m.Value, StringComparison.Ordinal))
                    missing.Add($"{readme}: variable {m.Value}");
        }
        Assert.Empty(missing);
    }

    /// <summary>The README's user files: each marker's code block, the parts of one file joined in order of number.</summary>
    private static Dictionary<string, string> UserFiles(string? readme = null)
    {
        var lines = (readme ?? Readme()).Split('\n');
        var parts = new Dictionary<string, SortedDictionary<int, string>>(StringComparer.Ordinal);
        for (var i = 0; i < lines.Length; i++)
        {
            if (UserFile().Match(lines[i]) is not { Success: true } marker) continue;
            var path = marker.Groups["path"].Value;
            var part = marker.Groups["part"].Success ? int.Parse(marker.Groups["part"].Value, System.Globalization.CultureInfo.InvariantCulture) : 1;
            var open = i + 1;
            while (open < lines.Length && lines[open].StartsWith("<!--", StringComparison.Ordinal)) open++;
            if (open >= lines.Length || !lines[open].StartsWith("```", StringComparison.Ordinal))
                throw new InvalidOperationException($"user-file {path} is not followed by a code block");
            var close = Array.FindIndex(lines, open + 1, l => l == "```");
            if (close < 0) throw new InvalidOperationException($"user-file {path}: its code block is not closed");
            var of = parts.TryGetValue(path, out var existing) ? existing : parts[path] = [];
            if (!of.TryAdd(part, string.Concat(lines[(open + 1)..close].Select(l => l + "\n"))))
                throw new InvalidOperationException($"user-file {path} part {part} appears twice");
            i = close;
        }
        foreach (var (path, of) in parts)
            if (!of.Keys.SequenceEqual(Enumerable.Range(1, of.Count)))
                throw new InvalidOperationException($"{path} has parts {string.Join(", ", of.Keys)}: they must run 1, 2, ...");
        return parts.ToDictionary(p => p.Key, p => string.Concat(p.Value.Values), StringComparer.Ordinal);
    }

    private static HashSet<string> PackedIds()
    {
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var project in new[] { "Core/KmLab.Core.csproj", "Provisioner/KmLab.Provisioner.csproj", "Hosting/KmLab.Hosting.csproj", "TestingKit/KmLab.Testing.csproj" })
        {
            var xml = XDocument.Load(Path.Combine(Root, project));
            if (xml.Descendants("IsPackable").Any(p => p.Value == "true"))
                ids.Add(xml.Descendants("PackageId").SingleOrDefault()?.Value ?? Path.GetFileNameWithoutExtension(project));
        }
        return ids;
    }

    private static IEnumerable<string> CodeFiles()
    {
        foreach (var folder in new[] { "Core", "Hosting", "Provisioner", "TestingKit", "AppHost", "samples" })
            foreach (var file in Directory.EnumerateFiles(Path.Combine(Root, folder), "*.cs", SearchOption.AllDirectories))
                if (!file.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                    && !file.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
                    yield return file;
        foreach (var file in Directory.EnumerateFiles(Path.Combine(Root, ".ci")))
            yield return file;
        yield return Path.Combine(Root, "tests/docker/build-twin-images.sh");
        yield return Path.Combine(Root, Workflow);
        foreach (var file in Directory.EnumerateFiles(Path.Combine(Root, "tests"), "*.cs", SearchOption.AllDirectories))
            if (file.Contains($"{Path.DirectorySeparatorChar}KmLab.Containers.Tests{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
                yield return file;
    }

    private static string Sdk(string csproj) => (string)XDocument.Parse(csproj).Root!.Attribute("Sdk")!;

    private static string Readme() => File.ReadAllText(Path.Combine(Root, "README.md")).ReplaceLineEndings("\n");

    [GeneratedRegex(@"^<!-- user-file: (?<path>[^ ]+)( part (?<part>[0-9]+))? -->$")]
    private static partial Regex UserFile();

    [GeneratedRegex(@"<!-- verbatim: (?<file>[^ ]+) -->\n```yaml\n(?<code>.*?)```\n", RegexOptions.Singleline)]
    private static partial Regex Verbatim();

    /// <summary>A path into this repository as the READMEs write it (scripts, samples, tests, docs, workflows).</summary>
    [GeneratedRegex(@"(?<![\w/.-])(?<path>(\.ci|\.github|samples|tests|docs|AppHost|Hosting|Core|Provisioner|TestingKit)/[\w./-]*[\w])(?![\w<*])")]
    private static partial Regex RepositoryPath();

    [GeneratedRegex(@"\]\((?!https?:)(?<target>[^)#]+)\)")]
    private static partial Regex Link();

    /// <summary>The environment variables of KmLab's own (the others, Aspire's and .NET's, are theirs to name).</summary>
    [GeneratedRegex(@"\b(KMLAB_[A-Z0-9_]+|KmLab__[A-Za-z]+)\b")]
    private static partial Regex Variable();

    private static string Root
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "KmLab.sln")))
                    return dir.FullName;
            throw new InvalidOperationException($"KmLab.sln is not above {AppContext.BaseDirectory}");
        }
    }
}
