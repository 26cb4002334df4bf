using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using KmLab.Provisioner.Certificates;
using KmLab.Provisioner.Tests.TestSupport;
using KmLab.Provisioner.Wso2;

namespace KmLab.Provisioner.Tests;

/// <summary>Each server's keystore is accepted by a client that trusts only the peer's truststore.</summary>
public sealed class TlsHandshakeTests
{
    [Theory]
    [InlineData("7.0.0", "is7")]
    [InlineData("7.0.0", "localhost")]
    [InlineData("7.3.0", "is7")]
    [InlineData("7.3.0", "localhost")]
    public async Task APIM_trusts_the_IS_certificate(string isVersion, string targetHost)
    {
        using var lab = new TempLab();
        lab.Prepare(TempLab.Topology(isVersion));
        using var server = KeyStoreFiles.ReadKeyEntry(lab.IsKeyStore(isVersion), Wso2KeyStores.Password);

        var (accepted, refused) = await Tls.HandshakeAsync(lab.IsKeyStore(isVersion),
            KeyStoreFiles.ReadTrustedCertificates(lab.ApimTrustStore, Wso2KeyStores.Password), targetHost);

        Assert.Null(refused);
        Assert.Equal(server.Thumbprint, accepted);
    }

    [Theory]
    [InlineData("7.0.0", "apim")]
    [InlineData("7.3.0", "apim")]
    [InlineData("7.3.0", "localhost")]
    public async Task IS_trusts_the_APIM_certificate(string isVersion, string targetHost)
    {
        using var lab = new TempLab();
        lab.Prepare(TempLab.Topology(isVersion));
        using var server = KeyStoreFiles.ReadKeyEntry(lab.ApimKeyStore, Wso2KeyStores.Password);

        var (accepted, refused) = await Tls.HandshakeAsync(lab.ApimKeyStore,
            KeyStoreFiles.ReadTrustedCertificates(lab.IsTrustStore(isVersion), Wso2KeyStores.Password), targetHost);

        Assert.Null(refused);
        Assert.Equal(server.Thumbprint, accepted);
    }

    [Fact]
    public async Task Each_server_trusts_itself()
    {
        using var lab = new TempLab();
        lab.Prepare();
        var (_, refused) = await Tls.HandshakeAsync(lab.ApimKeyStore,
            KeyStoreFiles.ReadTrustedCertificates(lab.ApimTrustStore, Wso2KeyStores.Password), "apim");

        Assert.Null(refused);
    }

    [Fact]
    public async Task A_certificate_for_another_lab_host_is_refused()
    {
        using var lab = new TempLab();
        lab.Prepare();
        var (accepted, refused) = await Tls.HandshakeAsync(lab.ApimKeyStore,
            KeyStoreFiles.ReadTrustedCertificates(lab.IsTrustStore(), Wso2KeyStores.Password), "is7");

        Assert.Null(accepted);
        Assert.NotNull(refused);
    }

    [Fact]
    public async Task The_server_has_to_send_its_issuers_because_clients_trust_only_the_root()
    {
        using var lab = new TempLab();
        lab.Prepare();
        using var leafOnly = KeyStoreFiles.ReadKeyEntry(lab.IsKeyStore(), Wso2KeyStores.Password);

        var (accepted, refused) = await Tls.HandshakeAsync(leafOnly,
            KeyStoreFiles.ReadTrustedCertificates(lab.ApimTrustStore, Wso2KeyStores.Password), "is7");

        Assert.Null(accepted);
        Assert.NotNull(refused);
    }

    [Fact]
    public async Task An_unrelated_self_signed_certificate_is_refused()
    {
        using var lab = new TempLab();
        lab.Prepare();
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=is7", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("is7");
        request.CertificateExtensions.Add(names.Build());
        using var stranger = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));

        var (accepted, refused) = await Tls.HandshakeAsync(stranger,
            KeyStoreFiles.ReadTrustedCertificates(lab.ApimTrustStore, Wso2KeyStores.Password), "is7");

        Assert.Null(accepted);
        Assert.NotNull(refused);
    }
}
