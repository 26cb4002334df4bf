using System.Text.RegularExpressions;

namespace KmLab.Register.Tests;

/// <summary>Every provisioner command line the README shows runs as printed, as a separate process (the CLI's real
/// entry point), against in-process twins; and every exit code of its troubleshooting table is produced by what the
/// table says. Only what cannot work on a test machine is substituted: the state folder, and the URLs, which become the
/// twins' loopback ports (and the lab network's <c>is7</c>, which resolves only there, becomes IS's loopback address).</summary>
public sealed class ReadmeCommandLineTests
{
    private const string Prefix = "dotnet run --project Provisioner -- ";

    [Fact]
    public void The_readme_shows_prepare_register_smoke_roles_publish_and_demo()
    {
        Assert.Equal(["prepare", "register", "smoke", "roles", "publish", "demo"], ReadmeLines().Select(l => l.Command));
    }

    [Fact]
    public async Task Prepare_runs_as_printed_with_and_without_its_options()
    {
        var line = ReadmeLine("prepare");
        using var state = new TempState();

        var plain = await ProvisionerCli.RunAsync(Substitute(line.Required, state.Path, urls: null), "pw-readme");
        var full = await ProvisionerCli.RunAsync(Substitute(line.All, state.Path, urls: null), "pw-readme");

        Assert.True(plain.ExitCode == 0, plain.ToString());
        Assert.True(full.ExitCode == 0, full.ToString());
        Assert.StartsWith($"prepared {state.Path}", plain.StdoutLines[0]);
        Assert.Contains(plain.StdoutLines, l => l.StartsWith("token revocation: not wired", StringComparison.Ordinal));
        Assert.Contains(full.StdoutLines, l => l.StartsWith("lab CA created", StringComparison.Ordinal)); // --renew-ca is in the full line
    }

    [Fact]
    public async Task Register_and_smoke_run_as_printed_against_the_twins()
    {
        await using var lab = await Lab.StartAsync();
        var urls = Urls(lab);

        var register = await ProvisionerCli.RunAsync(Substitute(ReadmeLine("register").Required, lab.State.FullName, urls), lab.AdminPassword, lab.Logs);
        var dryRun = await ProvisionerCli.RunAsync(Substitute(ReadmeLine("register").All, lab.State.FullName, urls), lab.AdminPassword, lab.Logs);
        // is7 resolves only on the lab network: the sample API's backend is IS as the (here in-process) gateway reaches it.
        var smoke = await ProvisionerCli.RunAsync(
            Substitute(ReadmeLine("smoke").All, lab.State.FullName, urls).Concat(["--is-internal-url", lab.IsInternalUrl.ToString()]),
            lab.AdminPassword, lab.Logs);

        Assert.True(register.ExitCode == 0, register.ToString());
        Assert.StartsWith("key manager created: id ", register.StdoutLines[^2]);
        Assert.True(dryRun.ExitCode == 0, dryRun.ToString());
        Assert.Equal("IS7", (string?)System.Text.Json.Nodes.JsonNode.Parse(dryRun.Stdout)!["name"]);
        var roles = await ProvisionerCli.RunAsync(
            Substitute(ReadmeLine("roles").All, lab.State.FullName, urls).Concat(["--is-internal-url", lab.IsInternalUrl.ToString()]),
            lab.AdminPassword, lab.Logs);
        Assert.True(smoke.ExitCode == 0, smoke.ToString());
        Assert.True(roles.ExitCode == 0, roles.ToString());
        Assert.Contains(roles.StdoutLines, l => Regex.IsMatch(l, @"^roles: GET https://localhost:\d+/kmlab-rbac/1\.0\.0/health -> 200 for kmlab-alice .*, 403 900910 for kmlab-bob"));
        Assert.DoesNotContain(lab.AdminPassword, roles.Stdout + roles.Stderr);
        Assert.Contains(smoke.StdoutLines, l => Regex.IsMatch(l, @"^GET https://localhost:\d+/kmlab/1\.0\.0/health -> 200 "));
        Assert.DoesNotContain(lab.AdminPassword, register.Stdout + register.Stderr + dryRun.Stdout + dryRun.Stderr + smoke.Stdout + smoke.Stderr);

        var publish = await ProvisionerCli.RunAsync(Substitute(ReadmeLine("publish").All, lab.State.FullName, urls), lab.AdminPassword, lab.Logs);
        var demo = await ProvisionerCli.RunAsync(
            Substitute(ReadmeLine("demo").All, lab.State.FullName, urls).Concat(["--is-internal-url", lab.IsInternalUrl.ToString()]),
            lab.AdminPassword, lab.Logs, DemoPasswords);
        Assert.True(publish.ExitCode == 0, publish.ToString());
        Assert.Contains(publish.StdoutLines, l => Regex.IsMatch(l, @"^gateway https://localhost:\d+/kmlab-orders/1\.0\.0 \(answered 200\)"));
        var application = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(new LabLayout(lab.State.FullName).ApplicationFile("KmLabApps")))!;
        Assert.True(demo.ExitCode == 0, demo.ToString());
        Assert.Contains(demo.StdoutLines, l => l.StartsWith("demo: GET ", StringComparison.Ordinal) && l.Contains("403 900910 for kmlab-demo-guest", StringComparison.Ordinal));
        Assert.Contains(demo.StdoutLines, l => l.Contains("$KMLAB_DEMO_GUEST_PASSWORD", StringComparison.Ordinal)); // --curl is in the full line
        foreach (var secret in DemoPasswords.Values.Append(lab.AdminPassword).Append((string)application["consumerSecret"]!))
            Assert.DoesNotContain(secret, publish.Stdout + publish.Stderr + demo.Stdout + demo.Stderr);
    }

    private static readonly Dictionary<string, string> DemoPasswords = new()
    {
        [LabTopology.DemoReaderPasswordVariable] = "Readme-reader-1",
        [LabTopology.DemoGuestPasswordVariable] = "Readme-guest-1",
    };

    [Fact]
    public async Task Each_commands_help_runs_and_names_every_option_the_readme_shows()
    {
        var root = await ProvisionerCli.RunAsync(["--help"], "unused");
        Assert.Equal(0, root.ExitCode);

        foreach (var line in ReadmeLines())
        {
            var help = await ProvisionerCli.RunAsync([line.Command, "--help"], "unused");

            Assert.True(help.ExitCode == 0, help.ToString());
            Assert.Contains(line.Command, root.Stdout);
            foreach (var option in line.All.Where(t => t.StartsWith("--", StringComparison.Ordinal)))
                Assert.True(help.Stdout.Contains(option, StringComparison.Ordinal), $"{line.Command} --help does not name {option}:\n{help.Stdout}");
        }
    }

    /// <summary>The codes of the troubleshooting table, as the README lists them.</summary>
    public static TheoryData<int> TableCodes => new(TroubleshootingCodes());

    [Fact]
    public void Every_exit_code_of_the_table_has_a_case_here_and_every_case_is_in_the_table()
    {
        Assert.Equal(Cases.Order(), TroubleshootingCodes().Order());
    }

    private static readonly int[] Cases = [2, 10, 11, 12, 13, 14, 16, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35];

    [Theory]
    [MemberData(nameof(TableCodes))]
    public async Task Each_exit_code_of_the_table_is_produced_by_what_it_says(int code)
    {
        var (run, secret) = await ProduceAsync(code);

        Assert.True(run.ExitCode == code, run.ToString());
        Assert.DoesNotContain('\n', run.ErrorLine);
        Assert.DoesNotContain(secret, run.Stdout + run.Stderr);
    }

    private static async Task<(ProvisionerCli.Run Run, string Secret)> ProduceAsync(int code)
    {
        const string secret = "Pw-readme-secret-1"; // also a demo password IS takes (exit 34 below)
        using var state = new TempState();
        var prepare = Substitute(ReadmeLine("prepare").Required, state.Path, urls: null);
        switch (code)
        {
            case ExitCodes.Usage:
            {
                await using var lab = await Lab.StartAsync();
                return (await RegisterAsync(lab, ["--apim-url", "http://localhost:9443"]), lab.AdminPassword);
            }
            case ExitCodes.UnsupportedVersion:
                return (await ProvisionerCli.RunAsync(With(prepare, "--is-version", "6.0.0"), secret), secret);
            case ExitCodes.InvalidOffset:
                return (await ProvisionerCli.RunAsync(With(prepare, "--is-offset", "0"), secret), secret);
            case ExitCodes.InvalidHostName:
                return (await ProvisionerCli.RunAsync(With(prepare, "--is-host", "Bad_Host"), secret), secret);
            case ExitCodes.StateNotWritable:
            {
                var file = Path.Combine(state.Path, "a-file");
                File.WriteAllText(file, "not a folder");
                return (await ProvisionerCli.RunAsync(With(prepare, "--state", file), secret), secret);
            }
            case ExitCodes.CorruptState:
            {
                // prepare has not run: smoke (and register) name it.
                await using var lab = await Lab.StartAsync();
                var empty = Path.Combine(state.Path, "empty");
                Directory.CreateDirectory(empty);
                var register = await RegisterAsync(lab, ["--state", empty]);
                Assert.Equal(ExitCodes.CorruptState, register.ExitCode);
                return (await SmokeAsync(lab, ["--state", empty]), lab.AdminPassword);
            }
            case ExitCodes.InvalidEncryptionKey:
                // The named variable holds no 64-hex key (here: the admin password variable the runner sets).
                return (await ProvisionerCli.RunAsync(
                    With(prepare, "--apim-version", "4.7.0").Concat(["--encryption-key-env", LabTopology.AdminPasswordVariable]), secret), secret);
            case ExitCodes.AuthenticationFailed:
            {
                await using var lab = await Lab.StartAsync();
                return (await RegisterAsync(lab, [], password: secret), secret);
            }
            case ExitCodes.ConnectorMissing:
            {
                await using var lab = await Lab.StartAsync(apim: o => o with { InstalledConnectors = ["default", "WSO2-IS"] });
                return (await RegisterAsync(lab, []), lab.AdminPassword);
            }
            case ExitCodes.ConnectorPropertyMissing:
            {
                await using var lab = await Lab.StartAsync(apim: o => o with { ExtraRequiredConnectorProperties = ["kmlab_unknown_setting"] });
                return (await RegisterAsync(lab, []), lab.AdminPassword);
            }
            case ExitCodes.UntrustedCertificate:
            {
                // Another lab's state folder: neither server's certificate chains to its CA.
                await using var lab = await Lab.StartAsync();
                LabPreparer.Prepare(new PrepareRequest(state.Path, lab.Topology));
                return (await RegisterAsync(lab, ["--state", state.Path]), lab.AdminPassword);
            }
            case ExitCodes.IssuerMismatch:
            {
                await using var lab = await Lab.StartAsync(identityServer: o => o with { IssuerOverride = "https://elsewhere:9444/oauth2/token" });
                return (await RegisterAsync(lab, []), lab.AdminPassword);
            }
            case ExitCodes.NotReady:
            {
                // A server that answers but never turns healthy: IS's twin has no APIM health endpoint. The window leaves a
                // loaded machine time for a first answer (none at all would be 26, unreachable).
                await using var lab = await Lab.StartAsync();
                return (await RegisterAsync(lab, ["--apim-url", lab.IdentityServer.BaseUrl.ToString(), "--readiness-timeout", "10"]), lab.AdminPassword);
            }
            case ExitCodes.Unreachable:
            {
                await using var lab = await Lab.StartAsync();
                return (await RegisterAsync(lab, ["--apim-url", "https://no-such-host.invalid:9443"]), lab.AdminPassword);
            }
            case ExitCodes.KeyManagerNotUsable:
            {
                await using var lab = await Lab.StartAsync(apim: o => o with { KeyManagerPropagationDelay = TimeSpan.FromMinutes(5) });
                return (await RegisterAsync(lab, ["--usable-timeout", "2"]), lab.AdminPassword);
            }
            case ExitCodes.ApiError:
            {
                await using var lab = await Lab.StartAsync(apim: o => o with { FailKeyManagerList = true });
                return (await RegisterAsync(lab, []), lab.AdminPassword);
            }
            case ExitCodes.KeyManagerNotRegistered:
                return await KeyManagerGoneAsync();
            case ExitCodes.SmokeFailed:
            {
                // register has not run.
                await using var lab = await Lab.StartAsync();
                return (await SmokeAsync(lab, []), lab.AdminPassword);
            }
            case ExitCodes.ContextTaken:
            {
                await using var lab = await Lab.StartAsync();
                Assert.Equal(0, (await RegisterAsync(lab, [])).ExitCode);
                Assert.Equal(0, (await PublishAsync(lab, [])).ExitCode);
                return (await PublishAsync(lab, ["--name", "KmLabOther"]), lab.AdminPassword);
            }
            case ExitCodes.OpenApiUnreadable:
            {
                await using var lab = await Lab.StartAsync();
                return (await PublishAsync(lab, ["--openapi", Path.Combine(state.Path, "missing.json")], without: "--operation"), lab.AdminPassword);
            }
            case ExitCodes.NameRefused:
            {
                await using var lab = await Lab.StartAsync();
                return (await ProvisionerCli.RunAsync(
                    With(Substitute(ReadmeLine("roles").Required, lab.State.FullName, Urls(lab)), "--allowed-user", "a b"), lab.AdminPassword, lab.Logs), lab.AdminPassword);
            }
            case ExitCodes.UserPasswordMismatch:
            {
                await using var lab = await Lab.StartAsync();
                Assert.Equal(0, (await RegisterAsync(lab, [])).ExitCode);
                var demo = Substitute(ReadmeLine("demo").All, lab.State.FullName, Urls(lab)).Concat(["--is-internal-url", lab.IsInternalUrl.ToString()]).ToArray();
                var first = await ProvisionerCli.RunAsync(demo, lab.AdminPassword, lab.Logs, DemoPasswords);
                Assert.True(first.ExitCode == 0, first.ToString());
                var changed = new Dictionary<string, string>(DemoPasswords) { [LabTopology.DemoGuestPasswordVariable] = secret };
                return (await ProvisionerCli.RunAsync(demo, lab.AdminPassword, lab.Logs, changed), secret);
            }
            case ExitCodes.PublishFailed:
            {
                // register has not run: the lab application gets no keys from Key Manager IS7.
                await using var lab = await Lab.StartAsync();
                return (await PublishAsync(lab, []), lab.AdminPassword);
            }
            default:
                throw new InvalidOperationException($"no case for exit code {code}: add one here");
        }
    }

    /// <summary>29: the Key Manager is deleted while register waits for it to propagate, so key generation names a
    /// Key Manager APIM's database no longer has (400 901403), which no waiting can fix.</summary>
    private static async Task<(ProvisionerCli.Run, string)> KeyManagerGoneAsync()
    {
        await using var lab = await Lab.StartAsync(apim: o => o with { KeyManagerPropagationDelay = TimeSpan.FromMinutes(5) });
        var ct = TestContext.Current.CancellationToken;
        using var portal = await LabDevPortal.ConnectAsync(lab);
        var probe = await portal.TryGenerateKeysAsync(await portal.ProofApplicationAsync(), "Not-A-Key-Manager");
        if (probe is null || Wso2Failures.ReadError(probe)?.Code != ApimErrorCodes.KeyManagerNotRegistered)
            Assert.Skip($"the APIM twin answers {(int?)probe?.StatusCode} {(probe is null ? null : Wso2Failures.ReadError(probe)?.Code)} to an unknown Key Manager; real APIM answers 400 901403 (ExceptionCodes.java), which this case needs.");

        var run = RegisterAsync(lab, ["--usable-timeout", "120"]);
        KmLab.Provisioner.Apim.KeyManagerInfo? created = null;
        while (created is null && !run.IsCompleted)
        {
            await Task.Delay(100, ct);
            created = (await portal.Admin.GetKeyManagersAsync(ct)).List.FirstOrDefault(k => k.Name == RegisterRequest.DefaultKeyManagerName);
        }
        if (created is not null) await portal.Admin.DeleteKeyManagerAsync(created.Id!, ct);
        var result = await run;
        Assert.Contains("'IS7'", result.ErrorLine);
        return (result, lab.AdminPassword);
    }

    private static Task<ProvisionerCli.Run> RegisterAsync(Lab lab, string[] changes, string? password = null) =>
        ProvisionerCli.RunAsync(With(Substitute(ReadmeLine("register").Required, lab.State.FullName, Urls(lab)), changes),
            password ?? lab.AdminPassword, lab.Logs);

    private static Task<ProvisionerCli.Run> PublishAsync(Lab lab, string[] changes, string? without = null)
    {
        // The full line: its optional URLs are the twins' ports here (the defaults are the lab's fixed ports).
        var words = Substitute(ReadmeLine("publish").All, lab.State.FullName, Urls(lab)).ToList();
        if (without is not null && words.IndexOf(without) is var at and >= 0) words.RemoveRange(at, 2);
        return ProvisionerCli.RunAsync(With([.. words], changes), lab.AdminPassword, lab.Logs);
    }

    private static Task<ProvisionerCli.Run> SmokeAsync(Lab lab, string[] changes) =>
        ProvisionerCli.RunAsync(
            With(Substitute(ReadmeLine("smoke").Required, lab.State.FullName, Urls(lab)), ["--is-internal-url", lab.IsInternalUrl.ToString(), .. changes]),
            lab.AdminPassword, lab.Logs);

    // ---- the README, read as a user reads it

    private sealed record ReadmeCommand(string Command, string[] Required, string[] All);

    private static string Readme()
    {
        var folder = new DirectoryInfo(AppContext.BaseDirectory);
        while (folder is not null && !File.Exists(Path.Combine(folder.FullName, "KmLab.sln"))) folder = folder.Parent;
        return File.ReadAllText(Path.Combine(folder?.FullName ?? throw new InvalidOperationException("KmLab.sln not found above the test folder"), "README.md"));
    }

    private static string Section(string heading)
    {
        var text = Readme();
        var start = text.IndexOf("\n## " + heading + "\n", StringComparison.Ordinal);
        Assert.True(start >= 0, $"README has no section '{heading}'");
        var end = text.IndexOf("\n## ", start + 4, StringComparison.Ordinal);
        return end < 0 ? text[start..] : text[start..end];
    }

    /// <summary>The lines of the first code block of "The provisioner on its own", each as its required words and as all
    /// its words (the optional <c>[...]</c> groups with their brackets removed).</summary>
    private static IReadOnlyList<ReadmeCommand> ReadmeLines()
    {
        var block = Regex.Match(Section("The provisioner on its own"), "```bash\n(.*?)```", RegexOptions.Singleline).Groups[1].Value;
        return [.. block.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line =>
        {
            Assert.StartsWith(Prefix, line);
            var words = line[Prefix.Length..];
            var required = Regex.Replace(words, @"\[[^\]]*\]", " ");
            var all = words.Replace("[", " ").Replace("]", " ");
            // Words as a shell splits them: a double-quoted word (e.g. --operation "GET /health") is one.
            string[] Split(string s) => [.. Regex.Matches(s, "\"([^\"]*)\"|(\\S+)").Select(m => m.Groups[1].Success ? m.Groups[1].Value : m.Groups[2].Value)];
            return new ReadmeCommand(Split(words)[0], Split(required), Split(all));
        })];
    }

    private static ReadmeCommand ReadmeLine(string command) => ReadmeLines().Single(l => l.Command == command);

    private static IReadOnlyList<int> TroubleshootingCodes() =>
        [.. Regex.Matches(Section("Troubleshooting"), @"^\| (\d+) \|", RegexOptions.Multiline).Select(m => int.Parse(m.Groups[1].Value))];

    /// <summary>The README's URLs and what each is on this machine.</summary>
    private static Dictionary<string, string> Urls(Lab lab) => new()
    {
        ["https://localhost:9443"] = lab.ApiManager.BaseUrl.ToString(),
        ["https://localhost:9444"] = lab.IdentityServer.BaseUrl.ToString(),
        ["https://is7:9444"] = lab.IsInternalUrl.ToString(),
        ["https://is7:9444/api/health-check/v1.0"] = new Uri(lab.IsInternalUrl, "/api/health-check/v1.0").ToString(),
        ["https://localhost:8243"] = lab.ApiManager.GatewayUrl!.ToString(),
        ["URL"] = lab.IdentityServer.BaseUrl.ToString(),
    };

    private static string[] Substitute(string[] words, string state, Dictionary<string, string>? urls)
    {
        var result = words.ToArray();
        for (var i = 0; i < result.Length; i++)
        {
            if (i > 0 && result[i - 1] == "--state") result[i] = state;
            else if (urls is not null && urls.TryGetValue(result[i], out var url)) result[i] = url;
        }
        return result;
    }

    /// <summary>The words with each option of <paramref name="changes"/> set to its value (replaced, or appended).</summary>
    private static string[] With(string[] words, params string[] changes)
    {
        var result = words.ToList();
        for (var c = 0; c < changes.Length; c += 2)
        {
            var at = result.IndexOf(changes[c]);
            if (at >= 0) result[at + 1] = changes[c + 1];
            else result.AddRange([changes[c], changes[c + 1]]);
        }
        return [.. result];
    }

    private sealed class TempState : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("kmlab-readme-").FullName;

        public void Dispose()
        {
            try { Directory.Delete(Path, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }
}
