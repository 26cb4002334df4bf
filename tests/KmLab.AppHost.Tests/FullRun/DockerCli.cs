using System.Diagnostics;

namespace KmLab.AppHost.Tests.FullRun;

/// <summary>The docker command line, for what the tests check beside Aspire: images, containers left behind.</summary>
public static class DockerCli
{
    public const string IdentityServerTwin = "kmlab/wso2is-twin:dev";
    public const string ApiManagerTwin = "kmlab/wso2am-twin:dev";
    private const string BuildScript = "tests/docker/build-twin-images.sh";

    /// <summary>Null when docker is not installed.</summary>
    public static async Task<(int ExitCode, string Output)?> RunAsync(params string[] args)
    {
        var start = new ProcessStartInfo("docker") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
            start.ArgumentList.Add(arg);
        try
        {
            using var process = Process.Start(start)!;
            var output = process.StandardOutput.ReadToEndAsync();
            var errors = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            return (process.ExitCode, (await output + await errors).Trim());
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }

    /// <summary>The ids of the containers, running or not, that Aspire created for a resource (named "name-suffix").</summary>
    public static async Task<List<string>> ContainersOfAsync(string resource)
    {
        var ps = await RunAsync("ps", "--all", "--no-trunc", "--filter", $"name=^/?{resource}-", "--format", "{{.ID}}");
        return ps is (0, var output) ? output.Split('\n', StringSplitOptions.RemoveEmptyEntries).ToList() : [];
    }

    public static async Task RemoveAsync(IEnumerable<string> containers)
    {
        foreach (var id in containers)
            await RunAsync("rm", "--force", "--volumes", id);
    }

    /// <summary>The twin images, built with the script CI runs when they are missing (so a plain `dotnet test` works).
    /// Returns why the full run cannot happen here, or null.</summary>
    public static async Task<string?> EnsureTwinImagesAsync()
    {
        var info = await RunAsync("info", "--format", "{{.ServerVersion}}");
        if (info is null)
            return "docker is not installed";
        if (info.Value.ExitCode != 0)
            return $"no Docker engine answers ({info.Value.Output.Split('\n')[0]})";
        if (await HaveTwinsAsync())
            return null;

        var root = RepositoryRoot();
        if (root is null)
            return $"the twin images are missing and {BuildScript} is not above {AppContext.BaseDirectory}";
        var start = new ProcessStartInfo("bash", [Path.Combine(root, BuildScript)])
        {
            WorkingDirectory = root, RedirectStandardOutput = true, RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0 || !await HaveTwinsAsync())
            return $"{BuildScript} exited {process.ExitCode}: {string.Join(" | ", (await output + await errors).Split('\n', StringSplitOptions.RemoveEmptyEntries).TakeLast(3))}";
        return null;
    }

    private static async Task<bool> HaveTwinsAsync()
    {
        foreach (var image in new[] { IdentityServerTwin, ApiManagerTwin })
            if (await RunAsync("image", "inspect", "--format", "{{.Id}}", image) is not (0, _))
                return false;
        return true;
    }

    private static string? RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, BuildScript)))
                return dir.FullName;
        return null;
    }
}
