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
        // The result comes last on stdout, after the informational log lines.
        Assert.Matches(@"\nkey manager created: id \S+\nproven: consumer key \S+, issuer https://localhost:\d+/oauth2/token\n$", first.Stdout);
        Assert.Equal(0, second.ExitCode);
        Assert.StartsWith("key manager unchanged: id ", second.StdoutLines[^2]);
        Assert.DoesNotContain(lab.AdminPassword, first.Stdout + first.Stderr + second.Stdout + second.Stderr);
    }

    /// <summary>The Aspire dashboard badges every stderr line: informational lines belong on stdout, warnings and
    /// errors on stderr, one line each.</summary>
    [Fact]
    public async Task Informational_lines_go_to_stdout_and_warnings_to_stderr_one_line_each()
    {
        // The APIM twin answers client registration 500 once after start: the retry is a warning.
        await using var lab = await Lab.StartAsync();

        var run = await RunAsync(lab, lab.AdminPassword);

        Assert.Equal(0, run.ExitCode);
        var logLines = run.StdoutLines.SkipLast(2).ToList();
        Assert.All(logLines, l => Assert.StartsWith("info: ", l));
        Assert.Contains(logLines, l => l.StartsWith("info: KmLab.Provisioner.Register.KeyManagerRegistrar[0] Starting register 'IS7'", StringComparison.Ordinal));
        Assert.Contains(logLines, l => l.Contains("Created Key Manager IS7", StringComparison.Ordinal));
        Assert.NotEmpty(run.StderrLines);
        Assert.All(run.StderrLines, l => Assert.Matches("^(warn|fail|crit): ", l));
        Assert.Contains(run.StderrLines, l => l.Contains("APIM answered 500 to POST /client-registration/v0.17/register; retry 1", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_wrong_password_from_the_environment_is_one_error_line_and_exit_code_20()
    {
        await using var lab = await Lab.StartAsync();

        var run = await RunAsync(lab, "wrong-" + Guid.NewGuid().ToString("N"));

        Assert.Equal(ExitCodes.AuthenticationFailed, run.ExitCode);
        var errorLine = Assert.Single(run.Stderr.Split('\n'), l => l.StartsWith("error: ", StringComparison.Ordinal));
        Assert.Contains("KMLAB_ADMIN_PASSWORD", errorLine);
        Assert.DoesNotContain(run.StdoutLines, l => !l.StartsWith("info: ", StringComparison.Ordinal));
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

    private static Task<ProvisionerCli.Run> RunAsync(Lab lab, string password, params string[] extra) =>
        ProvisionerCli.RunAsync(
            new[]
            {
                "register", "--state", lab.State.FullName, "--apim-url", lab.ApiManager.BaseUrl.ToString(),
                "--is-url", lab.IdentityServer.BaseUrl.ToString(), "--is-internal-url", lab.IsInternalUrl.ToString(),
            }.Concat(extra), password, lab.Logs);
}
