namespace KmLab.Provisioner.Tests;

/// <summary>The lab CA stays the same between runs (a user trusts it once), and is replaced only when it has to be,
/// never silently overwritten.</summary>
public sealed class CaLifecycleTests
{
    [Fact]
    public void A_second_run_reuses_the_CA_and_certificates_and_writes_nothing()
    {
        using var lab = new TempLab();
        var first = lab.Prepare();
        var after = lab.Snapshot();

        var second = lab.Prepare();

        Assert.True(first.CaCreated);
        Assert.Equal(["apim", "is7"], first.CertificatesIssued.Order());
        Assert.False(second.CaCreated);
        Assert.Equal(first.CaFingerprint, second.CaFingerprint);
        Assert.Empty(second.CertificatesIssued);
        Assert.Empty(second.FilesWritten);
        Assert.Equal(after, lab.Snapshot());
    }

    [Fact]
    public void A_new_version_reuses_the_CA_and_writes_the_stores_that_version_expects()
    {
        using var lab = new TempLab();
        var first = lab.Prepare(TempLab.Topology("7.3.0", "4.6.0"));

        var second = lab.Prepare(TempLab.Topology("7.0.0", "4.6.0"));

        Assert.Equal(first.CaFingerprint, second.CaFingerprint);
        Assert.Equal(["is7"], second.CertificatesIssued);
        Assert.Contains(lab.IsKeyStore("7.0.0"), second.FilesWritten);
        Assert.Contains(lab.IsTrustStore("7.0.0"), second.FilesWritten);
        Assert.DoesNotContain(lab.ApimKeyStore, second.FilesWritten);
    }

    [Fact]
    public void An_expired_CA_is_renewed_with_a_warning_and_kept_beside_the_new_one()
    {
        using var lab = new TempLab();
        var topology = TempLab.Topology();
        lab.Prepare(topology);
        var expired = LabCertificates.CreateCa(new CertificateNames(["is7", "apim", "localhost"]), DateTime.UtcNow.AddYears(-11));
        File.WriteAllBytes(lab.Layout.CaCertificate, LabCaFiles.RootPem(expired));
        File.WriteAllBytes(lab.Layout.IssuingCaCertificate, LabCaFiles.IssuingPem(expired));
        File.WriteAllBytes(lab.Layout.CaPrivateKey, LabCaFiles.IssuingKeyPem(expired));

        var result = lab.Prepare(topology);

        Assert.True(result.CaCreated);
        Assert.Contains(result.Warnings, w => w.StartsWith("the lab CA expired on ") && w.Contains(lab.Layout.CaCertificate));
        Assert.NotEqual(LabCertificates.Fingerprint(expired.Root), result.CaFingerprint);
        Assert.Equal(LabCaFiles.RootPem(expired), File.ReadAllBytes(Assert.Single(Retired(lab, "kmlab-ca.pem"))));
        Assert.Equal(LabCaFiles.IssuingPem(expired), File.ReadAllBytes(Assert.Single(Retired(lab, "kmlab-issuing-ca.pem"))));
        Assert.Equal(LabCaFiles.IssuingKeyPem(expired), File.ReadAllBytes(Assert.Single(Retired(lab, "kmlab-ca.key"))));
        // Both server certificates now chain to the new CA.
        Assert.Equal(["apim", "is7"], result.CertificatesIssued.Order());
        var newCa = LabCaFiles.Read(lab.Layout);
        var isEntry = KeyStoreFiles.Read(lab.IsKeyStore(), Wso2KeyStores.Password).KeyEntries[Wso2KeyStores.Alias];
        Assert.True(isEntry.Chain[0].IsSignatureValid(newCa.Issuing.GetPublicKey()));
    }

    [Fact]
    public void Renew_ca_moves_the_old_CA_aside_and_makes_a_new_one()
    {
        using var lab = new TempLab();
        var first = lab.Prepare();
        var oldPem = File.ReadAllBytes(lab.Layout.CaCertificate);

        var renewed = lab.Prepare(renewCa: true);
        var again = lab.Prepare();

        Assert.True(renewed.CaCreated);
        Assert.NotEqual(first.CaFingerprint, renewed.CaFingerprint);
        Assert.Equal(oldPem, File.ReadAllBytes(Assert.Single(Retired(lab, "kmlab-ca.pem"))));
        Assert.Single(Retired(lab, "kmlab-ca.key"));
        Assert.False(again.CaCreated);
        Assert.Equal(renewed.CaFingerprint, again.CaFingerprint);
    }

    [Fact]
    public void Renew_ca_also_recovers_from_a_corrupt_CA()
    {
        using var lab = TempLab.Prepared();
        File.WriteAllText(lab.Layout.CaPrivateKey, "garbage");
        Assert.Equal(ExitCodes.CorruptState, Assert.Throws<LabException>(() => lab.Prepare()).ExitCode);

        var renewed = lab.Prepare(renewCa: true);

        Assert.True(renewed.CaCreated);
        Assert.Equal("garbage", File.ReadAllText(Assert.Single(Retired(lab, "kmlab-ca.key"))));
    }

    [Fact]
    public void A_host_name_the_CA_was_not_made_for_is_refused()
    {
        using var lab = TempLab.Prepared();
        var before = lab.Snapshot();

        var e = Assert.Throws<LabException>(() => lab.Prepare(TempLab.Topology(isHost: "identity")));

        Assert.Equal(ExitCodes.InvalidHostName, e.ExitCode);
        Assert.Equal($"the lab CA in {lab.Layout.CaCertificate} is not valid for host name 'identity'; keep the host names it was made for, or run prepare with --renew-ca to make a new CA.", e.Message);
        Assert.Equal(before, lab.Snapshot());
        Assert.True(lab.Prepare(TempLab.Topology(isHost: "identity"), renewCa: true).CaCreated);
    }

    [Fact]
    public void A_server_certificate_close_to_expiry_is_reissued_and_the_other_kept()
    {
        using var lab = TempLab.Prepared();
        var ca = LabCaFiles.Read(lab.Layout);
        // Issued long ago: two years' lifetime leaves 200 days.
        var old = LabCertificates.IssueServerCertificate(ca, new CertificateNames(["is7", "localhost"]), DateTime.UtcNow.AddDays(200 - 730));
        File.WriteAllBytes(lab.IsKeyStore(), KeyStoreFiles.Write(KeyStoreFormat.Pkcs12, Wso2KeyStores.Password, Wso2KeyStores.Alias, old, trusted: []));
        var apimKeyStore = File.ReadAllBytes(lab.ApimKeyStore);

        var result = lab.Prepare();

        Assert.Equal(["is7"], result.CertificatesIssued);
        var leaf = KeyStoreFiles.Read(lab.IsKeyStore(), Wso2KeyStores.Password).KeyEntries[Wso2KeyStores.Alias].Chain[0];
        Assert.True(leaf.NotAfter > DateTime.UtcNow.AddYears(1));
        Assert.Equal(apimKeyStore, File.ReadAllBytes(lab.ApimKeyStore));
    }

    private static string[] Retired(TempLab lab, string fileName) =>
        Directory.GetFiles(lab.Layout.CaDirectory, fileName + ".retired-*");
}
