namespace KmLab.Provisioner.Tests;

/// <summary>The keystore reading API the twins and the register step use.</summary>
public sealed class KeyStoreFilesTests
{
    [Fact]
    public void The_format_comes_from_the_bytes_not_the_file_name()
    {
        using var lab = TempLab.Prepared(TempLab.Topology("7.3.0"));
        // Some APIM images ship a client-truststore.jks that is PKCS12 inside.
        var disguised = Path.Combine(lab.Root, "client-truststore.jks");
        File.Copy(lab.IsTrustStore(), disguised);

        Assert.Equal(KeyStoreFormat.Pkcs12, KeyStoreFiles.DetectFormat(File.ReadAllBytes(disguised)));
        Assert.Equal(KeyStoreFormat.Jks, KeyStoreFiles.DetectFormat(File.ReadAllBytes(lab.ApimTrustStore)));
        Assert.Equal(
            System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPem(File.ReadAllText(lab.Layout.CaCertificate)).Thumbprint,
            KeyStoreFiles.ReadTrustedCertificates(disguised, Wso2KeyStores.Password).Single().Thumbprint);
        Assert.Throws<InvalidDataException>(() => KeyStoreFiles.DetectFormat("hello"u8.ToArray()));
    }

    [Theory]
    [InlineData("7.0.0")]
    [InlineData("7.3.0")]
    public void The_key_entry_comes_with_its_private_key(string isVersion)
    {
        using var lab = TempLab.Prepared(TempLab.Topology(isVersion));

        using var certificate = KeyStoreFiles.ReadKeyEntry(lab.IsKeyStore(isVersion), Wso2KeyStores.Password);

        Assert.True(certificate.HasPrivateKey);
        Assert.Equal("CN=is7, O=KmLab", certificate.Subject);
        Assert.Equal(2048, certificate.GetRSAPrivateKey()!.KeySize);
    }

    [Fact]
    public void A_wrong_password_or_alias_is_a_clear_error()
    {
        using var lab = TempLab.Prepared();

        var wrongPassword = Assert.Throws<LabException>(() => KeyStoreFiles.ReadKeyEntry(lab.ApimKeyStore, "nope"));
        var wrongAlias = Assert.Throws<LabException>(() => KeyStoreFiles.ReadKeyEntry(lab.ApimKeyStore, Wso2KeyStores.Password, "other"));

        Assert.Equal(ExitCodes.CorruptState, wrongPassword.ExitCode);
        Assert.Contains(lab.ApimKeyStore, wrongPassword.Message);
        Assert.Equal($"keystore {lab.ApimKeyStore} cannot be read: it has no key entry 'other'; delete it and run prepare again to regenerate it.", wrongAlias.Message);
    }
}
