using System.Diagnostics;

namespace KmLab.Register.Tests;

/// <summary>The provisioner as a user runs it: its own process, the password from the environment, no OTLP endpoint.</summary>
internal static class ProvisionerCli
{
    public sealed record Run(int ExitCode, string Stdout, string Stderr)
    {
        public IReadOnlyList<string> StdoutLines => Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        public IReadOnlyList<string> StderrLines => Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);

        /// <summary>The one <c>error:</c> line a failure prints.</summary>
        public string ErrorLine => Assert.Single(StderrLines, l => l.StartsWith("error: ", StringComparison.Ordinal));

        public override string ToString() => $"exit {ExitCode}\nstdout:\n{Stdout}\nstderr:\n{Stderr}";
    }

    public static async Task<Run> RunAsync(IEnumerable<string> arguments, string password, LogSink? logs = null,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var ct = TestContext.Current.CancellationToken;
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(typeof(KeyManagerRegistrar).Assembly.Location);
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        start.Environment[LabTopology.AdminPasswordVariable] = password;
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
            start.Environment[name] = value;
        start.Environment.Remove("OTEL_EXPORTER_OTLP_ENDPOINT");
        // Hermetic: prepare fetches WSO2's handler jar only from a repository a test names (port 1: nothing listens).
        if (environment?.ContainsKey(Provisioner.Prepare.HandlerJarDownload.RepositoryVariable) != true)
            start.Environment[Provisioner.Prepare.HandlerJarDownload.RepositoryVariable] = "http://127.0.0.1:1/";
        // Plain text, as a console that is not a terminal gets it.
        start.Environment["DOTNET_SYSTEM_CONSOLE_ALLOW_ANSI_COLOR_REDIRECTION"] = "false";

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        try
        {
            await process.WaitForExitAsync(ct);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
        var run = new Run(process.ExitCode, (await stdout).Replace("\r", ""), (await stderr).Replace("\r", ""));
        logs?.Add(run.Stdout);
        logs?.Add(run.Stderr);
        return run;
    }
}
