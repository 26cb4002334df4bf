using System.Diagnostics;
using System.Text.RegularExpressions;
using KmLab.Tests.Shared;
using Microsoft.Playwright;

namespace KmLab.Benchmarks;

/// <summary>`run`: the lab started as the README starts it (`dotnet run --project AppHost -- --Parameters:images=twin`)
/// and, in the same run on the same machine, a bare AppHost with the same two twin containers and the same health
/// checks and no lab steps (BareAppHost/). Each is timed from its command's start to its dashboard URL printed and to
/// its dashboard, read in chromium, showing the end: `register` Finished for the lab, both servers Running and
/// healthy for the bare one. Without options the lab runs twice on one state folder and the second run is timed, as a
/// developer's daily run meets the state folder the last one left. Needs Docker, the twin images and /usr/bin/chromium
/// (or KMLAB_CHROMIUM).</summary>
public static partial class RunBenchmark
{
    private static string Chromium => Environment.GetEnvironmentVariable("KMLAB_CHROMIUM") is { Length: > 0 } path ? path : "/usr/bin/chromium";

    public sealed record Times(double DashboardUrl, double ServersHealthy, double? RegisterFinished);

    public static async Task RunAsync(string[] args, CancellationToken ct = default)
    {
        var root = ContainersBenchmark.RepositoryRoot();
        var persistent = args.Contains("--persistent");
        // A newcomer: a new HOME (no user secrets, no developer certificate, no dotnet first-use sentinel), the
        // machine's NuGet package folder kept so that nothing is downloaded.
        var freshHome = args.Contains("--fresh-home") ? Directory.CreateTempSubdirectory("kmlab-run-benchmark-home-").FullName : null;
        // The lab's fixed ports (9443, 9444, 8243, 8280, and the AppHost's own): one lab at a time on this machine.
        using var ports = await LabPortsLock.AcquireAsync(LabPortsLock.DefaultWait, m => Console.WriteLine($"  waiting: {m}"), ct);
        var state = Directory.CreateTempSubdirectory("kmlab-run-benchmark-").FullName;
        Console.WriteLine($"run (twins, default pair, state {state}); Docker storage driver {await StorageDriverAsync(ct)}; load average at start: {LoadAverage()}");

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = Chromium, Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });

        string[] lab = ["run", "--project", "AppHost", "--", "--Parameters:images=twin", $"--Parameters:state-dir={state}"];
        if (persistent)
        {
            // The first run creates the persistent containers; the timed one reuses them.
            lab = [.. lab, "--Parameters:persistent=true"];
            Report("lab, persistent, first run", await TimeAsync(browser, root, lab, register: true, freshHome, ct));
        }
        else if (freshHome is null)
        {
            // A developer's daily run meets the state folder the last run left (.kmlab/state): the first run here
            // makes it (new lab CA and certificates), the timed one reuses it.
            Report("lab, first run (new state folder)", await TimeAsync(browser, root, lab, register: true, freshHome, ct));
        }
        var labTimes = await TimeAsync(browser, root, lab, register: true, freshHome, ct);
        Report(persistent ? "lab, persistent, second run" : freshHome is null ? "lab (dotnet run --project AppHost), state folder kept" : "lab, fresh HOME, new state folder", labTimes);
        if (persistent)
        {
            await RemovePersistentContainersAsync(ct);
            return;
        }

        var bare = await TimeAsync(browser, root,
            ["run", "--project", "tests/KmLab.Benchmarks/BareAppHost", "--", "--state", state], register: false, freshHome, ct);
        Report("bare AppHost (same two twins, same health checks)", bare);

        var overhead = labTimes.RegisterFinished!.Value - bare.ServersHealthy;
        Console.WriteLine($"  lab overhead: {overhead:0.0} s; ratio lab register Finished / bare both healthy: {labTimes.RegisterFinished / bare.ServersHealthy:0.00}");
        Console.WriteLine($"  load average at end: {LoadAverage()}");
    }

    private static void Report(string what, Times times) =>
        Console.WriteLine($"  {what}: dashboard URL {times.DashboardUrl:0.0} s, both servers healthy {times.ServersHealthy:0.0} s" +
                          (times.RegisterFinished is { } r ? $", register Finished {r:0.0} s" : ""));

    /// <summary>Starts the AppHost with dotnet run in a process group of its own, reads its dashboard until the end,
    /// then stops it with Ctrl+C (SIGINT to the group), as a user does.</summary>
    private static async Task<Times> TimeAsync(IBrowser browser, string root, string[] dotnetArgs, bool register, string? home,
        CancellationToken ct)
    {
        var start = new ProcessStartInfo("setsid", ["dotnet", .. dotnetArgs])
        {
            WorkingDirectory = root, RedirectStandardOutput = true, RedirectStandardError = true,
        };
        if (home is not null)
        {
            start.Environment["NUGET_PACKAGES"] = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
                ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
            start.Environment["HOME"] = home;
            start.Environment["DOTNET_CLI_HOME"] = home;
        }
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start)!;
        var login = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var output = new System.Text.StringBuilder();
        void Read(string? line)
        {
            if (line is null)
                return;
            lock (output)
                output.AppendLine(line);
            if (LoginLine().Match(line) is { Success: true } m)
                login.TrySetResult(m.Groups[1].Value);
        }
        process.OutputDataReceived += (_, e) => Read(e.Data);
        process.ErrorDataReceived += (_, e) => Read(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
            limit.CancelAfter(TimeSpan.FromMinutes(5));
            var exited = process.WaitForExitAsync(limit.Token);
            if (await Task.WhenAny(login.Task, exited) != login.Task)
                throw new InvalidOperationException($"dotnet {string.Join(' ', dotnetArgs)} ended before printing its dashboard URL:\n{output}");
            var url = clock.Elapsed.TotalSeconds;

            var page = await browser.NewPageAsync();
            await page.GotoAsync(await login.Task);
            double? healthy = null, finished = null;
            while (healthy is null || (register && finished is null))
            {
                limit.Token.ThrowIfCancellationRequested();
                if (healthy is null && await RowTextAsync(page, "is7") is { } is7 && Healthy(is7)
                    && await RowTextAsync(page, "apim") is { } apim && Healthy(apim))
                    healthy = clock.Elapsed.TotalSeconds;
                if (register && finished is null && await RowTextAsync(page, "register") is { } row && row.Contains("Finished", StringComparison.Ordinal))
                    finished = clock.Elapsed.TotalSeconds;
                await Task.Delay(200, limit.Token);
            }
            await page.CloseAsync();
            return new Times(url, healthy.Value, finished);
        }
        finally
        {
            await StopAsync(process);
        }
    }

    /// <summary>The dashboard's "Running (Unhealthy)" until the health checks pass, then "Running".</summary>
    private static bool Healthy(string row) => row.Contains("Running", StringComparison.Ordinal) && !row.Contains("Running (", StringComparison.Ordinal);

    private static async Task<string?> RowTextAsync(IPage page, string resource)
    {
        var row = page.GetByRole(AriaRole.Row, new() { NameRegex = new Regex($"^\\w+: {resource} ") });
        return await row.CountAsync() == 1 ? await row.InnerTextAsync() : null;
    }

    private static async Task StopAsync(Process process)
    {
        if (process.HasExited)
            return;
        // setsid made the process the leader of its group: the group is dotnet run, the AppHost and Aspire's DCP.
        using (var kill = Process.Start("kill", ["-INT", "--", $"-{process.Id}"]))
            await kill.WaitForExitAsync();
        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
        }
    }

    private static async Task RemovePersistentContainersAsync(CancellationToken ct)
    {
        using var ps = Process.Start(new ProcessStartInfo("docker", ["ps", "-aq", "--filter", "name=^is7-", "--filter", "name=^apim-"]) { RedirectStandardOutput = true })!;
        var ids = (await ps.StandardOutput.ReadToEndAsync(ct)).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        await ps.WaitForExitAsync(ct);
        if (ids.Length > 0)
        {
            using var rm = Process.Start("docker", ["rm", "-f", .. ids]);
            await rm.WaitForExitAsync(ct);
        }
    }

    /// <summary>The engine's storage driver decides what a container's create and removal cost (vfs copies the whole
    /// image each time), so it belongs beside every figure.</summary>
    private static async Task<string> StorageDriverAsync(CancellationToken ct)
    {
        using var info = Process.Start(new ProcessStartInfo("docker", ["info", "--format", "{{.Driver}}"]) { RedirectStandardOutput = true })!;
        var driver = (await info.StandardOutput.ReadToEndAsync(ct)).Trim();
        await info.WaitForExitAsync(ct);
        return driver.Length > 0 ? driver : "unknown";
    }

    public static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";

    [GeneratedRegex(@"Login to the dashboard at (\S+)")]
    private static partial Regex LoginLine();
}
