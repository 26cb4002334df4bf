using System.Net;
using System.Net.Sockets;
using KmLab.Provisioner.Certificates;

namespace KmLab.Register.Tests;

/// <summary>Each bad input and fault: one line naming the problem and the fix, and its own exit code.</summary>
public sealed class FaultTests
{
    [Fact]
    public async Task A_wrong_admin_password_is_authentication_failed()
    {
        await using var lab = await Lab.StartAsync();

        var e = await lab.FailAsync(lab.Request(password: "not-the-password"));

        Assert.Equal(ExitCodes.AuthenticationFailed, e.ExitCode);
        Assert.Equal($"APIM refused the credentials at POST {ApimEndpoints.ClientRegistration} (401); set KMLAB_ADMIN_PASSWORD to the admin password the servers were started with.", e.Message);
    }

    [Fact]
    public async Task An_apim_without_the_is7_connector_is_connector_missing()
    {
        await using var lab = await Lab.StartAsync(apim: o => o with { InstalledConnectors = ["default", "WSO2-IS"] });

        var e = await lab.FailAsync(lab.Request());

        Assert.Equal(ExitCodes.ConnectorMissing, e.ExitCode);
        Assert.Equal("this APIM version has no WSO2-IS-7 connector; use 4.3.0 or later.", e.Message);
        Assert.DoesNotContain(lab.ApiManager.Requests, r => r.Method == "POST" && r.Path == ApimEndpoints.KeyManagers);
    }

    [Fact]
    public async Task A_certificate_from_another_lab_ca_is_untrusted_and_named()
    {
        await using var lab = await Lab.StartAsync();
        await using var other = await Lab.StartAsync();

        // The other lab's state folder holds a different CA: neither server's certificate chains to it.
        var e = await lab.FailAsync(lab.Request() with { StateDirectory = other.State.FullName });

        Assert.Equal(ExitCodes.UntrustedCertificate, e.ExitCode);
        Assert.Matches(@"^(APIM|IS) at https://localhost:\d+/ presented certificate 'CN=[^']+' that cannot be trusted: the lab CA did not issue it; run prepare with this --state and restart (APIM|IS) so it serves a certificate from the lab CA at .+kmlab-ca\.pem\.$", e.Message);
    }

    [Fact]
    public async Task An_APIM_truststore_without_the_lab_CA_fails_discover_naming_IS_its_certificate_and_the_fix()
    {
        string? isSubject = null;
        await using var lab = await Lab.StartAsync(prepared: (layout, topology) =>
        {
            // APIM boots with the truststore another prepare wrote: another lab CA, not the one that issued IS's certificate.
            var other = Directory.CreateTempSubdirectory("kmlab-other-");
            try
            {
                LabPreparer.Prepare(new PrepareRequest(other.FullName, topology));
                var trustStore = Wso2KeyStores.TrustStoreFileName(topology.ApiManagerVersion.KeyStoreFormat);
                File.Copy(Path.Combine(LabLayout.SecurityDirectory(new LabLayout(other.FullName).ApiManagerVolume), trustStore),
                    Path.Combine(LabLayout.SecurityDirectory(layout.ApiManagerVolume), trustStore), overwrite: true);
            }
            finally
            {
                other.Delete(recursive: true);
            }
            using var isCertificate = KeyStoreFiles.ReadKeyEntry(Path.Combine(LabLayout.SecurityDirectory(layout.IdentityServerVolume),
                Wso2KeyStores.KeyStoreFileName(topology.IdentityServerVersion.KeyStoreFormat)), Wso2KeyStores.Password);
            isSubject = isCertificate.Subject;
        });

        var e = await lab.FailAsync(lab.Request());

        Assert.Equal(ExitCodes.UntrustedCertificate, e.ExitCode);
        var isServer = lab.IsInternalUrl.GetLeftPart(UriPartial.Authority);
        Assert.Equal($"APIM could not fetch IS's well-known document at {isServer}{IdentityServerEndpoints.WellKnown} (500 to POST {ApimEndpoints.KeyManagersDiscover}): APIM does not trust IS at {isServer}, certificate '{isSubject}'; run prepare with this --state and restart APIM so its truststore holds the lab CA at {new LabLayout(lab.State.FullName).CaCertificate} (if APIM cannot reach {isServer} at all, fix --is-internal-url).", e.Message);
        Assert.DoesNotContain('\n', e.Message);
        // APIM itself answered the generic 500 and named the cause only in its log, as the real server does.
        Assert.Contains(lab.ApiManager.LogLines, l => l.Contains("global exception mapper", StringComparison.Ordinal));
        Assert.Contains(lab.ApiManager.LogLines, l => l.Contains("PKIX path building failed", StringComparison.Ordinal) && l.Contains(isSubject!, StringComparison.Ordinal));
        Assert.DoesNotContain(lab.ApiManager.Requests, r => r.Method is "POST" or "PUT" && r.Path.StartsWith(ApimEndpoints.KeyManagers, StringComparison.Ordinal)
                                                          && r.Path != ApimEndpoints.KeyManagersDiscover);
    }

    [Fact]
    public async Task A_required_connector_field_register_cannot_fill_stops_the_run_before_any_write()
    {
        await using var lab = await Lab.StartAsync(apim: o => o with { ExtraRequiredConnectorProperties = [UnknownProperty] });

        var e = await lab.FailAsync(lab.Request());

        Assert.Equal(ExitCodes.ConnectorPropertyMissing, e.ExitCode);
        Assert.Equal($"this APIM's WSO2-IS-7 connector requires '{UnknownProperty}', which register does not know how to fill; add it to the connector facts (Core/Wso2/ApimEndpoints.cs) for this APIM version.", e.Message);
        Assert.DoesNotContain(lab.ApiManager.Requests, r => r.Path.StartsWith(ApimEndpoints.KeyManagers, StringComparison.Ordinal)
                                                          && r.Path != ApimEndpoints.KeyManagersDiscover && r.Method is "POST" or "PUT");
    }

    [Fact]
    public async Task A_required_connector_property_only_the_save_asks_for_is_901401_translated()
    {
        // /settings does not list it, so register sends the Key Manager and APIM refuses it, naming the key in its log only.
        await using var lab = await Lab.StartAsync(apim: o => o with
        {
            ExtraRequiredConnectorProperties = [UnknownProperty], SettingsOmitExtraRequired = true,
        });

        var e = await lab.FailAsync(lab.Request());

        Assert.Equal(ExitCodes.ConnectorPropertyMissing, e.ExitCode);
        Assert.Equal("APIM refused the Key Manager because a required WSO2-IS-7 connector property is missing (Missing required configuration); the property is named in APIM's server log (wso2carbon.log): add it to the connector facts in Core/Wso2/ApimEndpoints.cs.", e.Message);
        Assert.Contains(lab.ApiManager.LogLines, l => l.Contains($"Key Manager Configuration value for {UnknownProperty} is/are required", StringComparison.Ordinal));
        // A 400 is an answer, not a transient failure: sent once.
        Assert.Single(lab.ApiManager.Requests, r => r.Method == "POST" && r.Path == ApimEndpoints.KeyManagers);
    }

    [Fact]
    public async Task An_expired_server_certificate_from_the_lab_ca_is_untrusted_naming_server_subject_and_dates()
    {
        string? subject = null;
        (DateTime NotBefore, DateTime NotAfter) validity = default;
        await using var lab = await Lab.StartAsync(prepared: (layout, topology) =>
        {
            var keyStore = ServeExpiredCertificate(layout, topology);
            using var served = KeyStoreFiles.ReadKeyEntry(keyStore, Wso2KeyStores.Password);
            (subject, validity) = (served.Subject, (served.NotBefore.ToUniversalTime(), served.NotAfter.ToUniversalTime()));
        });

        var e = await lab.FailAsync(lab.Request());

        Assert.Equal(ExitCodes.UntrustedCertificate, e.ExitCode);
        Assert.Equal($"IS at {lab.IdentityServer.BaseUrl} presented certificate '{subject}' that cannot be trusted: it is not valid now (valid {validity.NotBefore:u} to {validity.NotAfter:u}); run prepare with this --state and restart IS so it serves a certificate from the lab CA at {new LabLayout(lab.State.FullName).CaCertificate}.", e.Message);
        Assert.True(validity.NotAfter < DateTime.UtcNow, "the served certificate must have expired");
    }

    [Fact]
    public async Task A_persistent_500_from_the_admin_api_is_an_api_error_after_the_retries()
    {
        await using var lab = await Lab.StartAsync(apim: o => o with { FailKeyManagerList = true });

        var e = await lab.FailAsync(lab.Request());

        Assert.Equal(ExitCodes.ApiError, e.ExitCode);
        Assert.Equal($"APIM answered 500 to GET {ApimEndpoints.KeyManagers}: 500 Internal server error – The server encountered an internal error. Please contact administrator.; check APIM's log, fix the cause and re-run register.", e.Message);
        // The first try and every retry reached APIM before register gave up.
        var attempts = lab.ApiManager.Requests.Count(r => r.Method == "GET" && r.Path == ApimEndpoints.KeyManagers);
        Assert.True(attempts > 1, $"{attempts} attempt(s)");
        Assert.Equal(attempts - 1, lab.Logs.Lines.Count(l => l.Contains($"APIM answered 500 to GET {ApimEndpoints.KeyManagers}; retry", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_token_whose_iss_differs_from_the_well_known_issuer_is_issuer_mismatch()
    {
        const string wrong = "https://elsewhere:9444/oauth2/token";
        await using var lab = await Lab.StartAsync(identityServer: o => o with { IssuerOverride = wrong });

        var e = await lab.FailAsync(lab.Request());

        Assert.Equal(ExitCodes.IssuerMismatch, e.ExitCode);
        Assert.Equal($"IS issues tokens with iss '{wrong}' but Key Manager 'IS7' expects '{lab.IdentityServer.AdvertisedBase}/oauth2/token' (from IS's well-known document); make IS's token issuer match its well-known document ([server] hostname in IS's deployment.toml), restart IS and re-run register.", e.Message);
    }

    [Fact]
    public async Task A_server_that_answers_but_never_turns_healthy_is_not_ready_and_named()
    {
        await using var lab = await Lab.StartAsync();
        // IS's server answers every request, but not APIM's startup health check (404), as a server still starting does.
        var request = lab.Request() with { ApimUrl = lab.IdentityServer.BaseUrl, ReadinessTimeout = TimeSpan.FromSeconds(2) };

        var e = await lab.FailAsync(request);

        Assert.Equal(ExitCodes.NotReady, e.ExitCode);
        Assert.Equal($"APIM at {lab.IdentityServer.BaseUrl} did not become ready within 2 s (last: 404 from {ApimEndpoints.StartupHealthCheck}); check APIM's log for startup errors, then re-run register.", e.Message);
    }

    [Fact]
    public async Task A_port_nobody_listens_on_is_unreachable_and_named()
    {
        await using var lab = await Lab.StartAsync();
        var closed = new Uri($"https://localhost:{FreePort()}");

        var e = await lab.FailAsync(lab.Request() with { IsUrl = closed, ReadinessTimeout = TimeSpan.FromSeconds(2) });

        Assert.Equal(ExitCodes.Unreachable, e.ExitCode);
        Assert.Equal($"cannot reach IS at {closed} within 2 s (last: connection refused or dropped); check the URL and that IS is running and reachable from here.", e.Message);
    }

    [Fact]
    public async Task An_unknown_host_name_is_unreachable_at_once()
    {
        await using var lab = await Lab.StartAsync();
        var nowhere = new Uri("https://no-such-host.invalid:9443");

        var e = await lab.FailAsync(lab.Request() with { ApimUrl = nowhere });

        Assert.Equal(ExitCodes.Unreachable, e.ExitCode);
        Assert.Equal($"cannot reach APIM at {nowhere} (host name not found); check the URL.", e.Message);
    }

    [Fact]
    public async Task A_key_manager_that_never_reaches_the_runtime_is_not_usable()
    {
        await using var lab = await Lab.StartAsync(apim: o => o with { KeyManagerPropagationDelay = TimeSpan.FromMinutes(5) });

        var e = await lab.FailAsync(lab.Request() with { UsableTimeout = TimeSpan.FromSeconds(2) });

        Assert.Equal(ExitCodes.KeyManagerNotUsable, e.ExitCode);
        Assert.StartsWith("Key Manager 'IS7' did not become usable within 2 s (last: ", e.Message);
        Assert.EndsWith($"check APIM's and IS's logs (APIM must reach IS at {lab.IsInternalUrl} with the connector's credentials), then re-run register.", e.Message);
    }

    [Fact]
    public async Task Transient_500s_from_client_registration_are_retried_until_it_works()
    {
        await using var lab = await Lab.StartAsync(apim: o => o with { TransientRegistrationErrors = 3 });

        var result = await lab.RegisterAsync();

        Assert.Equal(RegisterOutcomes.Created, result.Outcome);
        Assert.Equal(4, lab.ApiManager.Requests.Count(r => r.Path == ApimEndpoints.ClientRegistration));
        Assert.Equal(3, lab.Logs.Lines.Count(l => l.Contains($"APIM answered 500 to POST {ApimEndpoints.ClientRegistration}; retry", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Client_registration_500s_beyond_the_connections_retries_are_retried_until_the_readiness_timeout()
    {
        // More 500s than one window of the connection's retries (7 attempts): WSO2's harness keeps retrying too.
        await using var lab = await Lab.StartAsync(apim: o => o with { TransientRegistrationErrors = 9 });

        var result = await lab.RegisterAsync(lab.Request() with { ReadinessTimeout = TimeSpan.FromSeconds(60) });

        Assert.Equal(RegisterOutcomes.Created, result.Outcome);
        Assert.Equal(10, lab.ApiManager.Requests.Count(r => r.Path == ApimEndpoints.ClientRegistration));
        var window = Assert.Single(lab.Logs.Lines, l => l.Contains("APIM client registration still answers 500 after", StringComparison.Ordinal));
        Assert.EndsWith("retrying until 60 s", window);
    }

    [Fact]
    public async Task Client_registration_that_never_recovers_is_not_ready_within_the_readiness_timeout()
    {
        await using var lab = await Lab.StartAsync(apim: o => o with { TransientRegistrationErrors = int.MaxValue });

        var e = await lab.FailAsync(lab.Request() with { ReadinessTimeout = TimeSpan.FromSeconds(3) });

        Assert.Equal(ExitCodes.NotReady, e.ExitCode);
        Assert.Equal($"APIM client registration ({ApimEndpoints.ClientRegistration}) still failed 3 s after its health check turned 200; check APIM's log for start-up errors, then re-run register.", e.Message);
    }

    [Fact]
    public async Task A_run_after_a_half_done_run_completes_it()
    {
        // The first run registers the Key Manager but gives up before APIM's runtime has it; the next run finishes.
        await using var lab = await Lab.StartAsync(apim: o => o with { KeyManagerPropagationDelay = TimeSpan.FromSeconds(3) });
        var halfDone = await lab.FailAsync(lab.Request() with { UsableTimeout = TimeSpan.FromMilliseconds(500) });

        var result = await lab.RegisterAsync();

        Assert.Equal(ExitCodes.KeyManagerNotUsable, halfDone.ExitCode);
        Assert.Equal(RegisterOutcomes.Unchanged, result.Outcome);
        Assert.False(string.IsNullOrEmpty(result.ConsumerKey));
    }

    [Theory]
    [InlineData("http://localhost:9443", "--apim-url 'http://localhost:9443/' is not an https URL; give one like https://localhost:9443.")]
    public async Task A_plain_http_url_is_a_usage_error(string url, string message)
    {
        await using var lab = await Lab.StartAsync();

        var e = await lab.FailAsync(lab.Request() with { ApimUrl = new Uri(url) });

        Assert.Equal(ExitCodes.Usage, e.ExitCode);
        Assert.Equal(message, e.Message);
    }

    /// <summary>A connector property no APIM version has, so register cannot know how to fill it.</summary>
    private const string UnknownProperty = "kmlab_unknown_setting";

    /// <summary>Replaces IS's keystore with a server certificate from the lab's own issuing CA that has expired,
    /// issued by prepare's certificate code as of 800 days ago; returns the keystore's path.</summary>
    private static string ServeExpiredCertificate(LabLayout layout, LabTopology topology)
    {
        var ca = LabCaFiles.Read(layout);
        var expired = LabCertificates.IssueServerCertificate(ca,
            new CertificateNames([topology.IdentityServerHost, LabTopology.PublicHostName]), DateTime.UtcNow.AddDays(-800));
        var format = topology.IdentityServerVersion.KeyStoreFormat;
        var path = Path.Combine(LabLayout.SecurityDirectory(layout.IdentityServerVolume), Wso2KeyStores.KeyStoreFileName(format));
        File.WriteAllBytes(path, KeyStoreFiles.Write(format, Wso2KeyStores.Password, Wso2KeyStores.Alias, expired, trusted: []));
        return path;
    }

    private static int FreePort()
    {
        using var socket = new TcpListener(IPAddress.Loopback, 0);
        socket.Start();
        return ((IPEndPoint)socket.LocalEndpoint).Port;
    }
}
