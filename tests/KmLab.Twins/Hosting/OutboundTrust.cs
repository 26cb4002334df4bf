using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace KmLab.Twins.Hosting;

/// <summary>Outbound HTTPS that trusts only the server's truststore, as the JVM does with
/// <c>client-truststore</c>. APIM's start script switches host name verification off (chain only); IS checks both.</summary>
internal sealed class OutboundTrust(X509Certificate2Collection trusted, bool verifyHostName, TwinLog log, string logger)
{
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
            log.Error(logger, $"javax.net.ssl.SSLPeerUnverifiedException: Certificate for <{host}> doesn't match any of the subject alternative names (certificate subject {leaf.Subject})");
            return false;
        }
        return true;
    }
}
