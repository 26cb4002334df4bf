using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using KmLab.Provisioner;

namespace KmLab.Register.Tests;

/// <summary>An HttpClient for tests that trusts the lab CA only, as register does.</summary>
internal static class LabHttp
{
    public static HttpClient Client(Lab lab)
    {
        var ca = X509Certificate2.CreateFromPem(File.ReadAllText(new LabLayout(lab.State.FullName).CaCertificate));
        var policy = new X509ChainPolicy { TrustMode = X509ChainTrustMode.CustomRootTrust, RevocationMode = X509RevocationMode.NoCheck };
        policy.CustomTrustStore.Add(ca);
        return new HttpClient(new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions { CertificateChainPolicy = policy },
        });
    }
}
