using System.Text;

namespace KmLab.Provisioner.Tests;

/// <summary>The lab CA's name constraints: whoever trusts it trusts it for the lab's own names only, even for a
/// certificate the lab's CA key signed.</summary>
public sealed class NameConstraintTests
{
    [Fact]
    public async Task Dotnet_refuses_a_lab_signed_certificate_for_an_outside_name()
    {
        using var lab = TempLab.Prepared();
        var trusted = KeyStoreFiles.ReadTrustedCertificates(lab.ApimTrustStore, Wso2KeyStores.Password);
        var outsider = IssueWithLabCa(lab, "example.com");

        var (accepted, refused) = await Tls.HandshakeAsync(outsider, trusted, "example.com");

        Assert.Null(accepted);
        Assert.NotNull(refused);
        var status = BuildChain(outsider, trusted);
        Assert.Contains(X509ChainStatusFlags.HasNotPermittedNameConstraint, status);
    }

    [Fact]
    public void Dotnet_accepts_the_lab_certificates_under_the_same_policy()
    {
        using var lab = TempLab.Prepared();

        var status = BuildChain(lab.ApimKeyStore, KeyStoreFiles.ReadTrustedCertificates(lab.IsTrustStore(), Wso2KeyStores.Password));

        Assert.Empty(status);
    }

    [Fact]
    public void Java_refuses_a_lab_signed_certificate_for_an_outside_name_and_accepts_the_lab_ones()
    {
        using var lab = TempLab.Prepared(TempLab.Topology("7.1.0"));
        var outsider = ChainFile(IssueWithLabCa(lab, "example.com"));
        var identityServer = ChainFile(lab.IsKeyStore("7.1.0"));

        // APIM's (JKS) and IS 7.1's (PKCS12) truststores, validated as a JVM does.
        foreach (var trustStore in new[] { lab.ApimTrustStore, lab.IsTrustStore("7.1.0") })
        {
            var refused = Tools.JavaCheck(trustStore, outsider);
            Assert.Equal(3, refused.ExitCode);
            Assert.Contains("name constraints", refused.Output, StringComparison.OrdinalIgnoreCase);

            var accepted = Tools.JavaCheck(trustStore, identityServer);
            Assert.True(accepted.ExitCode == 0, accepted.Output + accepted.Error);
            Assert.Equal("VALID", accepted.Output.Trim());
        }
    }

    /// <summary>What someone holding the lab's CA key could sign: a certificate for a name outside the lab,
    /// in a keystore like the lab's.</summary>
    private static string IssueWithLabCa(TempLab lab, string name)
    {
        var entry = LabCertificates.IssueServerCertificate(LabCaFiles.Read(lab.Layout), new CertificateNames([name]), DateTime.UtcNow);
        var path = Path.Combine(lab.Root, $"{name}.p12");
        File.WriteAllBytes(path, KeyStoreFiles.Write(KeyStoreFormat.Pkcs12, Wso2KeyStores.Password, Wso2KeyStores.Alias, entry, trusted: []));
        return path;
    }

    /// <summary>The key entry's chain as a PEM file, without the root: the path a server sends.</summary>
    private static string ChainFile(string keyStore)
    {
        using var leaf = KeyStoreFiles.ReadKeyEntry(keyStore, Wso2KeyStores.Password);
        var issuers = KeyStoreFiles.ReadIssuers(keyStore, Wso2KeyStores.Password);
        var pem = new StringBuilder(leaf.ExportCertificatePem()).Append('\n');
        foreach (var issuer in issuers.Where(c => c.Subject != c.Issuer))
            pem.Append(issuer.ExportCertificatePem()).Append('\n');
        var path = keyStore + ".chain.pem";
        File.WriteAllText(path, pem.ToString());
        return path;
    }

    private static X509ChainStatusFlags[] BuildChain(string keyStore, X509Certificate2Collection trusted)
    {
        using var leaf = KeyStoreFiles.ReadKeyEntry(keyStore, Wso2KeyStores.Password);
        using var chain = new X509Chain { ChainPolicy = Tls.TrustOnly(trusted) };
        chain.ChainPolicy.ExtraStore.AddRange(KeyStoreFiles.ReadIssuers(keyStore, Wso2KeyStores.Password));
        chain.Build(leaf);
        return [.. chain.ChainStatus.Select(s => s.Status)];
    }
}
