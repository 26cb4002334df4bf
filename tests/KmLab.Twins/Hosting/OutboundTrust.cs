using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace KmLab.Twins.Hosting;

/// <summary>Outbound HTTPS that trusts only the server's truststore, as the JVM does with
/// <c>client-truststore</c>. APIM's start script switches host name verification off for its HTTP clients (chain
/// only); IS checks both. With <paramref name="exemptLocalhost"/> the check is Synapse's DefaultAndLocalhost verifier
/// (APIM's gateway → backend sender): a target host of <c>localhost</c>, <c>localhost.localdomain</c>,
/// <c>127.0.0.1</c> or <c>::1</c> passes whatever the certificate names (wso2/wso2-synapse@2f43a179
/// modules/transports/core/nhttp/src/main/java/org/apache/synapse/transport/http/conn/ClientSSLSetupHandler.java,
/// LOCALHOSTS and DEFAULT_AND_LOCALHOST).</summary>
internal sealed class OutboundTrust(X509Certificate2Collection trusted, bool verifyHostName, TwinLog log, string logger, bool exemptLocalhost = false)
{
    private static readonly string[] LocalHosts = ["::1", "127.0.0.1", "localhost", "localhost.localdomain"];

    public HttpClient CreateClient() => new(new SocketsHttpHandler
    {
        SslOptions = new SslClientAuthenticationOptions { RemoteCertificateValidationCallback = Validate },
        PooledConnectionLifetime = TimeSpan.FromMinutes(1),
    })
    { Timeout = TimeSpan.FromSeconds(30) };

    private bool Validate(object sender, System.Security.Cryptography.X509Certificates.X509Certificate? certificate, X509Chain? handshakeChain, SslPolicyErrors errors)
    {
        if (certificate is null) return false;
        var leaf = certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        // The handshake's chain carries the intermediates the server sent; rebuild it against the truststore only.
        var chain = handshakeChain ?? new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.CustomTrustStore.AddRange(trusted);
        chain.ChainPolicy.ExtraStore.AddRange(trusted);
        var host = (sender as SslStream)?.TargetHostName ?? "";
        if (!chain.Build(leaf))
        {
            log.Error(logger, $"javax.net.ssl.SSLHandshakeException: PKIX path building failed: unable to find valid certification path to requested target (host {host}, certificate subject {leaf.Subject})");
            return false;
        }
        if (verifyHostName && errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch))
        {
            if (exemptLocalhost && LocalHosts.Contains(host.Trim().ToLowerInvariant().Trim('[', ']')))
                return true;
            log.Error(logger, exemptLocalhost
                ? $"javax.net.ssl.SSLException: Host name verification failed for host : {host} (certificate subject {leaf.Subject})"
                : $"javax.net.ssl.SSLPeerUnverifiedException: Certificate for <{host}> doesn't match any of the subject alternative names (certificate subject {leaf.Subject})");
            return false;
        }
        return true;
    }
}
