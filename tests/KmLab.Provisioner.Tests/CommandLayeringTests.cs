using System.Text.RegularExpressions;

namespace KmLab.Provisioner.Tests;

/// <summary>The Provisioner's layering rule: a command folder imports only lower layers (the clients, Wso2Rest,
/// Publishing, Proofs, Core), never another command folder, so what two commands share has a home below both; the
/// lower layers import no command folder.</summary>
public sealed partial class CommandLayeringTests
{
    /// <summary>One folder, and one namespace, per command; <c>Cli</c> sits above them and may use them all.</summary>
    private static readonly string[] CommandFolders = ["Prepare", "Register", "Smoke", "Roles", "Publish", "Demo"];

    [Fact]
    public void No_command_folder_imports_another()
    {
        var provisioner = Path.Combine(RepositoryRoot(), "Provisioner");
        var crossings = new List<string>();
        foreach (var folder in CommandFolders)
        {
            var directory = Path.Combine(provisioner, folder);
            if (!Directory.Exists(directory)) continue;
            foreach (var file in Directory.EnumerateFiles(directory, "*.cs", SearchOption.AllDirectories))
                crossings.AddRange(CommandImports(File.ReadAllText(file), folder)
                    .Select(other => $"{Path.GetRelativePath(provisioner, file)} imports {other}"));
        }

        Assert.Empty(crossings);
    }

    [Fact]
    public void No_shared_layer_imports_a_command_folder()
    {
        var provisioner = Path.Combine(RepositoryRoot(), "Provisioner");
        var upward = Directory.EnumerateDirectories(provisioner)
            .Where(d => !CommandFolders.Contains(Path.GetFileName(d)) && Path.GetFileName(d) is not ("Cli" or "bin" or "obj"))
            .SelectMany(d => Directory.EnumerateFiles(d, "*.cs", SearchOption.AllDirectories))
            .SelectMany(file => CommandImports(File.ReadAllText(file), ownFolder: "")
                .Select(command => $"{Path.GetRelativePath(provisioner, file)} imports {command}"));

        Assert.Empty(upward);
    }

    [Fact]
    public void The_check_sees_a_using_a_static_using_and_a_qualified_name()
    {
        const string source = """
            using KmLab.Provisioner.Wso2Rest;
            using KmLab.Provisioner.Register;
            using static KmLab.Provisioner.Roles.RoleProof;
            namespace KmLab.Provisioner.Smoke;
            class C { object x = KmLab.Provisioner.Demo.LabDemo.ApiName; object y = KmLab.Provisioner.Smoke.LabSmoke.Command; }
            """;

        Assert.Equal(["Demo", "Register", "Roles"], CommandImports(source, "Smoke"));
    }

    /// <summary>The other command folders <paramref name="source"/> names, through <c>using</c> or a qualified name.</summary>
    private static string[] CommandImports(string source, string ownFolder) =>
        [.. ProvisionerNamespace().Matches(source).Select(m => m.Groups[1].Value)
            .Where(name => name != ownFolder && CommandFolders.Contains(name)).Distinct().Order(StringComparer.Ordinal)];

    [GeneratedRegex(@"\bKmLab\.Provisioner\.([A-Za-z0-9_]+)\b")]
    private static partial Regex ProvisionerNamespace();

    private static string RepositoryRoot()
    {
        var folder = new DirectoryInfo(AppContext.BaseDirectory);
        while (folder is not null && !File.Exists(Path.Combine(folder.FullName, "KmLab.sln"))) folder = folder.Parent;
        return folder?.FullName ?? throw new InvalidOperationException("KmLab.sln not found above the test folder");
    }
}
