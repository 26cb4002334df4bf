using System.Security.Cryptography.X509Certificates;
using KmLab.Provisioner;
using KmLab.Provisioner.Prepare;
using KmLab.Lab.Wso2;
using KmLab.Twins.Hosting;

namespace KmLab.Twins.Tests;

/// <summary>The twins boot from a real <c>prepare</c> output and refuse what WSO2's config parser refuses.</summary>
public sealed class BootContractTests : IDisposable
{
    private readonly string _state = Path.Combine(Path.GetTempPath(), "kmlab-twins-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly LabLayout _layout;

    public BootContractTests()
    {
        var topology = new LabTopology(Wso2Versions.DefaultIdentityServer, Wso2Versions.DefaultApiManager, 1,
            LabTopology.DefaultIdentityServerHost, LabTopology.DefaultApiManagerHost, LabTopology.DefaultAdminUser, "twin-" + Guid.NewGuid().ToString("N")[..6]);
        LabPreparer.Prepare(new PrepareRequest(_state, topology));
        _layout = new LabLayout(_state);
    }

    public void Dispose() => Directory.Delete(_state, recursive: true);

    private TwinOptions IdentityServer => new(_layout.IdentityServerVolume, Wso2Versions.DefaultIdentityServer.Version) { HttpsPort = 0 };

    [Fact]
    public async Task A_second_oauth_table_stops_the_identity_server_with_the_parser_error()
    {
        File.AppendAllText(LabLayout.DeploymentToml(_layout.IdentityServerVolume), "\n[oauth]\ndrop_unregistered_scopes = true\n");

        var refused = await Assert.ThrowsAsync<TwinRefusedException>(() => Twins.StartIdentityServerAsync(IdentityServer, TestContext.Current.CancellationToken));

        Assert.Contains(refused.LogLines, l => l.Contains("ERROR {org.wso2.config.mapper.TomlParser} - oauth previously defined at line"));
        Assert.Contains(refused.LogLines, l => l.Contains("Error while performing configuration changes"));
    }

    [Fact]
    public async Task An_inline_array_of_tables_is_refused()
    {
        var toml = LabLayout.DeploymentToml(_layout.IdentityServerVolume);
        File.AppendAllText(toml, "\n[apim]\nevent_listener = [{ id = \"x\" }]\n");

        var refused = await Assert.ThrowsAsync<TwinRefusedException>(() => Twins.StartIdentityServerAsync(IdentityServer, TestContext.Current.CancellationToken));

        Assert.Contains(refused.LogLines, l => l.Contains("apim.event_listener is an inline array of tables"));
    }

    [Fact]
    public async Task Scim_me_answers_403_without_its_access_control_entry_and_the_advertised_issuer_follows_the_port()
    {
        var toml = LabLayout.DeploymentToml(_layout.IdentityServerVolume);
        var text = File.ReadAllText(toml);
        var entry = text.IndexOf("[[resource.access_control]]", StringComparison.Ordinal);
        Assert.True(entry >= 0, "prepare wrote no [[resource.access_control]] entry");
        var end = text.IndexOf("\n[", entry + 1, StringComparison.Ordinal);
        File.WriteAllText(toml, text[..entry] + (end < 0 ? "" : text[(end + 1)..]));

        await using var twin = await Twins.StartIdentityServerAsync(IdentityServer, TestContext.Current.CancellationToken);
        using var http = TrustingLabCa();
        using var me = await http.GetAsync(new Uri(twin.BaseUrl, "/scim2/Me"), TestContext.Current.CancellationToken);
        var wellKnown = await http.GetStringAsync(new Uri(twin.BaseUrl, "/oauth2/token/.well-known/openid-configuration"), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Forbidden, me.StatusCode);
        Assert.Contains($"\"issuer\":\"https://localhost:{twin.BaseUrl.Port}/oauth2/token\"", wellKnown);
    }

    private HttpClient TrustingLabCa()
    {
        var ca = X509Certificate2.CreateFromPem(File.ReadAllText(_layout.CaCertificate));
        var handler = new SocketsHttpHandler();
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, chain, errors) =>
        {
            if (chain is null) return false;
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            chain.ChainPolicy.CustomTrustStore.Add(ca);
            return certificate is not null && chain.Build(X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()))
                && (errors & System.Net.Security.SslPolicyErrors.RemoteCertificateNameMismatch) == 0;
        };
        return new HttpClient(handler);
    }
}
