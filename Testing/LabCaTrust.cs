using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace KmLab.Testing;

/// <summary>TLS that trusts the lab CA of one state folder and nothing else: no system roots, and validation is never
/// switched off. A server certificate must chain to <c>ca/kmlab-ca.pem</c> and cover the host name that was called.</summary>
internal sealed class LabCaTrust : IDisposable
{
    private readonly X509Certificate2 _root;
    private readonly X509Certificate2Collection _intermediates = [];

    private LabCaTrust(X509Certificate2 root) => _root = root;

    /// <summary>Reads the lab CA (and the issuing CA, which only helps build chains).</summary>
    public static LabCaTrust Read(string caCertificate, string issuingCaCertificate)
    {
        if (!File.Exists(caCertificate))
            throw new KmLabTestException($"the lab CA certificate {caCertificate} does not exist; has the lab's prepare step run with this state folder?");
        var trust = new LabCaTrust(X509Certificate2.CreateFromPem(File.ReadAllText(caCertificate)));
        if (File.Exists(issuingCaCertificate))
            trust._intermediates.Add(X509Certificate2.CreateFromPem(File.ReadAllText(issuingCaCertificate)));
        return trust;
    }

    public SocketsHttpHandler CreateHandler() => new()
    {
        SslOptions = new SslClientAuthenticationOptions { RemoteCertificateValidationCallback = Validate },
        ConnectTimeout = TimeSpan.FromSeconds(10),
        PooledConnectionLifetime = TimeSpan.FromMinutes(2),
    };

    private bool Validate(object sender, X509Certificate? certificate, X509Chain? sent, SslPolicyErrors errors)
    {
        if (certificate is null || errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch))
            return false;
        using var leaf = new X509Certificate2(certificate);
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(_root);
        chain.ChainPolicy.ExtraStore.AddRange(_intermediates);
        if (sent is not null) chain.ChainPolicy.ExtraStore.AddRange(sent.ChainPolicy.ExtraStore);
        // The lab CA publishes no revocation lists.
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(leaf);
    }

    public void Dispose()
    {
        _root.Dispose();
        foreach (var certificate in _intermediates) certificate.Dispose();
    }
}
