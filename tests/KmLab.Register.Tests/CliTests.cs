using System.Diagnostics;
using KmLab.Provisioner;
using KmLab.Provisioner.Register;

namespace KmLab.Register.Tests;

/// <summary>The <c>register</c> command as a user runs it: a separate process, password from the environment,
/// the result on stdout, one error line on stderr and a distinct exit code.</summary>
public sealed class CliTests
{
    [Fact]
    public async Task Register_prints_the_outcome_consumer_key_and_issuer_then_unchanged_on_a_rerun()
    {
        await using var lab = await Lab.StartAsync();

        var first = await RunAsync(lab, lab.AdminPassword);
        var second = await RunAsync(lab, lab.AdminPassword);

        Assert.Equal(0, first.ExitCode);
        Assert.Matches(@"^key manager created: id \S+\nproven: consumer key \S+, issuer https://localhost:\d+/oauth2/token\n$", first.Stdout);
        Assert.Equal(0, second.ExitCode);
        Assert.StartsWith("key manager unchanged: id ", second.Stdout);
        Assert.DoesNotContain(lab.AdminPassword, first.Stdout + first.Stderr + second.Stdout + second.Stderr);
    }

    [Fact]
    public async Task A_wrong_password_from_the_environment_is_one_error_line_and_exit_code_20()
    {
        await using var lab = await Lab.StartAsync();

        var run = await RunAsync(lab, "wrong-" + Guid.NewGuid().ToString("N"));

        Assert.Equal(ExitCodes.AuthenticationFailed, run.ExitCode);
        var errorLine = Assert.Single(run.Stderr.Split('\n'), l => l.StartsWith("error: ", StringComparison.Ordinal));
        Assert.Contains("KMLAB_ADMIN_PASSWORD", errorLine);
        Assert.Equal("", run.Stdout);
    }

    [Fact]
    public async Task Dry_run_prints_json_only_on_stdout()
    {
        await using var lab = await Lab.StartAsync();

        var run = await RunAsync(lab, lab.AdminPassword, "--dry-run", "--name", "Lab-IS7");

        Assert.Equal(0, run.ExitCode);
        var json = System.Text.Json.Nodes.JsonNode.Parse(run.Stdout)!;
        Assert.Equal("Lab-IS7", (string?)json["name"]);
        Assert.Equal("*****", (string?)json["additionalProperties"]!["Password"]);
        Assert.DoesNotContain(lab.AdminPassword, run.Stdout + run.Stderr);
    }

    private sealed record Run(int ExitCode, string Stdout, string Stderr);

    private static async Task<Run> RunAsync(Lab lab, string password, params string[] extra)
    {
        var ct = TestContext.Current.CancellationToken;
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(typeof(KeyManagerRegistrar).Assembly.Location);
        foreach (var arg in new[]
                 {
                     "register", "--state", lab.State.FullName, "--apim-url", lab.ApiManager.BaseUrl.ToString(),
                     "--is-url", lab.IdentityServer.BaseUrl.ToString(), "--is-internal-url", lab.IsInternalUrl.ToString(),
                 }.Concat(extra))
            start.ArgumentList.Add(arg);
        start.Environment[LabTopology.AdminPasswordVariable] = password;
        start.Environment.Remove("OTEL_EXPORTER_OTLP_ENDPOINT");

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        var run = new Run(process.ExitCode, (await stdout).Replace("\r", ""), (await stderr).Replace("\r", ""));
        lab.Logs.Add(run.Stdout);
        lab.Logs.Add(run.Stderr);
        return run;
    }
}
