using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace KmLab.Containers.Tests.Lab;

/// <summary>HTTP clients that trust the lab CA and nothing else, as a user who imported kmlab-ca.pem would
/// (the host name is still checked).</summary>
public static class LabHttp
{
    public static HttpClient TrustingLabCa(string caPemPath, TimeSpan? timeout = null)
    {
        var policy = new X509ChainPolicy { TrustMode = X509ChainTrustMode.CustomRootTrust, RevocationMode = X509RevocationMode.NoCheck };
        policy.CustomTrustStore.Add(X509Certificate2.CreateFromPem(File.ReadAllText(caPemPath)));
        var handler = new SocketsHttpHandler
        {
            // Short-lived connections: servers restart under the tests.
            PooledConnectionLifetime = TimeSpan.FromSeconds(10),
            SslOptions = new SslClientAuthenticationOptions { CertificateChainPolicy = policy },
        };
        return new HttpClient(handler) { Timeout = timeout ?? TimeSpan.FromSeconds(30) };
    }
}
