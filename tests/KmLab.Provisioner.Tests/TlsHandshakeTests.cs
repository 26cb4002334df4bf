namespace KmLab.Provisioner.Tests;

/// <summary>Each server's keystore is accepted by a client that trusts only the peer's truststore.</summary>
public sealed class TlsHandshakeTests
{
    /// <summary>The server whose keystore is met, the IS version, and the name its peer's client asks for: APIM's
    /// client meets IS as "is7" (or "localhost", the published port), IS's client meets APIM as "apim" (or "localhost").</summary>
    public static TheoryData<string, string, string> Peers => new()
    {
        { "IS", "7.0.0", "is7" }, { "IS", "7.0.0", "localhost" }, { "IS", "7.3.0", "is7" }, { "IS", "7.3.0", "localhost" },
        { "APIM", "7.0.0", "apim" }, { "APIM", "7.3.0", "apim" }, { "APIM", "7.3.0", "localhost" },
    };

    [Theory]
    [MemberData(nameof(Peers))]
    public async Task The_peer_trusts_the_servers_certificate(string server, string isVersion, string targetHost)
    {
        using var lab = TempLab.Prepared(TempLab.Topology(isVersion));
        var (keyStore, peerTrustStore) = server == "IS"
            ? (lab.IsKeyStore(isVersion), lab.ApimTrustStore)
            : (lab.ApimKeyStore, lab.IsTrustStore(isVersion));
        using var certificate = KeyStoreFiles.ReadKeyEntry(keyStore, Wso2KeyStores.Password);

        var (accepted, refused) = await Tls.HandshakeAsync(keyStore, Trusted(peerTrustStore), targetHost);

        Assert.Null(refused);
        Assert.Equal(certificate.Thumbprint, accepted);
    }

    [Fact]
    public async Task Each_server_trusts_itself()
    {
        using var lab = TempLab.Prepared();
        var (_, refused) = await Tls.HandshakeAsync(lab.ApimKeyStore, Trusted(lab.ApimTrustStore), "apim");

        Assert.Null(refused);
    }

    [Fact]
    public async Task A_certificate_for_another_lab_host_is_refused()
    {
        using var lab = TempLab.Prepared();
        var (accepted, refused) = await Tls.HandshakeAsync(lab.ApimKeyStore, Trusted(lab.IsTrustStore()), "is7");

        Assert.Null(accepted);
        Assert.NotNull(refused);
    }

    [Fact]
    public async Task The_server_has_to_send_its_issuers_because_clients_trust_only_the_root()
    {
        using var lab = TempLab.Prepared();
        using var leafOnly = KeyStoreFiles.ReadKeyEntry(lab.IsKeyStore(), Wso2KeyStores.Password);

        var (accepted, refused) = await Tls.HandshakeAsync(leafOnly, Trusted(lab.ApimTrustStore), "is7");

        Assert.Null(accepted);
        Assert.NotNull(refused);
    }

    [Fact]
    public async Task An_unrelated_self_signed_certificate_is_refused()
    {
        using var lab = TempLab.Prepared();
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=is7", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("is7");
        request.CertificateExtensions.Add(names.Build());
        using var stranger = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));

        var (accepted, refused) = await Tls.HandshakeAsync(stranger, Trusted(lab.ApimTrustStore), "is7");

        Assert.Null(accepted);
        Assert.NotNull(refused);
    }

    private static X509Certificate2Collection Trusted(string trustStore) =>
        KeyStoreFiles.ReadTrustedCertificates(trustStore, Wso2KeyStores.Password);
}
