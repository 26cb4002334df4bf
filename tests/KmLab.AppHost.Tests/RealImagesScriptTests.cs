using System.Diagnostics;
using System.Text.RegularExpressions;
using KmLab.Hosting;
using YamlDotNet.RepresentationModel;

namespace KmLab.AppHost.Tests;

/// <summary>The real-image run anyone can start (.ci/real-images) and its GitHub workflow. Neither can run here (no
/// registry is reachable), so this checks what can be: the script's refusals, its memory figure, and that the
/// workflow parses, calls the script and covers the pairs the README lists.</summary>
public sealed partial class RealImagesScriptTests
{
    private const string Script = ".ci/real-images";
    private const string Workflow = ".github/workflows/real-images.yml";

    [Fact]
    public void The_workflow_runs_the_script_for_each_pair_the_README_lists_and_keeps_the_logs_the_script_leaves()
    {
        var yaml = new YamlStream();
        using (var reader = new StreamReader(Path.Combine(Root, Workflow)))
            yaml.Load(reader);
        var job = (YamlMappingNode)((YamlMappingNode)((YamlMappingNode)yaml.Documents[0].RootNode)["jobs"]).Children.Values.Single();
        var include = (YamlSequenceNode)((YamlMappingNode)((YamlMappingNode)job["strategy"])["matrix"])["include"];
        var matrixPairs = include.Cast<YamlMappingNode>().Select(p => $"{p["is"]}:{p["apim"]}").Order().ToList();
        var steps = ((YamlSequenceNode)job["steps"]).Cast<YamlMappingNode>().ToList();
        var run = steps.Single(s => s.Children.ContainsKey("run") && s["run"].ToString().Contains("bash " + Script, StringComparison.Ordinal));
        var upload = steps.Single(s => s.Children.ContainsKey("uses") && s["uses"].ToString().StartsWith("actions/upload-artifact@", StringComparison.Ordinal));

        Assert.Equal("ubuntu-latest", job["runs-on"].ToString());
        Assert.Equal(ReadmePairs(), matrixPairs);
        Assert.Equal(ScriptDefaultPairs(), matrixPairs);
        Assert.Equal("bash .ci/real-images \"${{ matrix.is }}:${{ matrix.apim }}\"", run["run"].ToString());
        var logs = ((YamlMappingNode)run["env"])["KMLAB_REAL_IMAGES_LOGS"].ToString();
        Assert.Equal("always()", upload["if"].ToString());
        Assert.Equal(logs.TrimEnd('/'), ((YamlMappingNode)upload["with"])["path"].ToString().TrimEnd('/'));
        Assert.Contains($"logs_root=\"${{KMLAB_REAL_IMAGES_LOGS:-{logs}}}\"", File.ReadAllText(Path.Combine(Root, Script)));
    }

    [Fact]
    public void The_script_asks_the_engine_for_the_memory_the_AppHost_preflight_asks_for()
    {
        var figure = RequiredMiB().Match(File.ReadAllText(Path.Combine(Root, Script)));

        Assert.True(figure.Success, $"{Script} states no REQUIRED_ENGINE_MIB");
        Assert.Equal(Preflight.Wso2EngineMemoryBytes, long.Parse(figure.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) * 1024 * 1024);
    }

    [Fact]
    public void Where_no_registry_has_the_images_the_script_refuses_in_one_line_before_any_test_runs()
    {
        // A tag no registry has: here (no registry reachable) and on a connected machine alike, the pull fails.
        var (exitCode, _, error) = RunScript(["9.9.9:9.9.9"]);

        Assert.Equal(2, exitCode);
        var line = Assert.Single(Lines(error));
        Assert.Matches("^real-images: (cannot pull wso2/wso2(am|is):9.9.9 \\(.+\\): this machine reaches no registry that has it; run where Docker Hub is reachable|no Docker engine answers|the Docker engine has \\d+ MiB of memory)", line);
        Assert.False(Directory.Exists(Path.Combine(Root, "artifacts", "real-images", "9.9.9_9.9.9")));
    }

    [Fact]
    public void An_engine_with_too_little_memory_is_one_line_naming_both_figures()
    {
        var (exitCode, output, error) = RunScript(["7.3.0:4.7.0"], FakeDocker(memTotalBytes: 2L * 1024 * 1024 * 1024));

        Assert.Equal(2, exitCode);
        Assert.Equal("", output);
        Assert.Equal("real-images: the Docker engine has 2048 MiB of memory and WSO2's IS and APIM JVMs need about 4500 MiB (heaps -Xmx1536m + -Xmx2048m, as the AppHost's preflight requires); give Docker more memory or use a larger machine",
            Assert.Single(Lines(error)));
    }

    [Fact]
    public void A_pair_that_is_not_IS_colon_APIM_is_one_line()
    {
        var (exitCode, _, error) = RunScript(["7.3.0/4.7.0"]);

        Assert.Equal(2, exitCode);
        Assert.StartsWith("real-images: '7.3.0/4.7.0' is not a version pair; give IS:APIM, e.g. 7.3.0:4.7.0", Assert.Single(Lines(error)));
    }

    [GeneratedRegex(@"readonly REQUIRED_ENGINE_MIB=(\d+)")]
    private static partial Regex RequiredMiB();

    [GeneratedRegex(@"\d+\.\d+\.\d+:\d+\.\d+\.\d+")]
    private static partial Regex Pair();

    /// <summary>The pairs README's real-image section names.</summary>
    private static List<string> ReadmePairs()
    {
        var readme = File.ReadAllText(Path.Combine(Root, "README.md"));
        var start = readme.IndexOf("### Real images", StringComparison.Ordinal);
        Assert.True(start >= 0, "README has no '### Real images' section");
        var end = readme.IndexOf("\n#", start + 1, StringComparison.Ordinal);
        return [.. Pair().Matches(readme[start..(end < 0 ? readme.Length : end)]).Select(m => m.Value).Distinct().Order()];
    }

    private static List<string> ScriptDefaultPairs()
    {
        var line = File.ReadLines(Path.Combine(Root, Script)).Single(l => l.StartsWith("readonly DEFAULT_PAIRS=", StringComparison.Ordinal));
        return [.. Pair().Matches(line).Select(m => m.Value).Order()];
    }

    /// <summary>A docker command that reports <paramref name="memTotalBytes"/> and nothing else, first on PATH.</summary>
    private static string FakeDocker(long memTotalBytes)
    {
        var bin = Directory.CreateTempSubdirectory("kmlab-fake-docker-").FullName;
        var docker = Path.Combine(bin, "docker");
        File.WriteAllText(docker, $"#!/usr/bin/env bash\n[[ \"$1\" == info ]] && {{ echo {memTotalBytes}; exit 0; }}\necho \"fake docker: $*\" >&2; exit 1\n");
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(docker, (UnixFileMode)0b111_101_101);
        return bin;
    }

    private static (int ExitCode, string Output, string Error) RunScript(string[] arguments, string? pathFirst = null)
    {
        var start = new ProcessStartInfo("bash", [Path.Combine(Root, Script), .. arguments])
        {
            WorkingDirectory = Root, RedirectStandardOutput = true, RedirectStandardError = true,
        };
        if (pathFirst is not null)
            start.Environment["PATH"] = pathFirst + Path.PathSeparator + Environment.GetEnvironmentVariable("PATH");
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var error = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{Script} {string.Join(' ', arguments)} did not end within 2 minutes");
        }
        return (process.ExitCode, output.Result, error.Result);
    }

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    private static string Root
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, Script)))
                    return dir.FullName;
            throw new InvalidOperationException($"{Script} is not above {AppContext.BaseDirectory}");
        }
    }
}
