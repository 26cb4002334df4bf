using System.Globalization;
using System.Text.RegularExpressions;

namespace KmLab.Provisioner.Tests;

/// <summary>The JDK's keytool reads every generated store as the WSO2 images will (formats: Core's KeyStoreFormat).</summary>
public sealed class KeytoolTests
{
    /// <summary>Every supported version of each product appears once.</summary>
    public static TheoryData<string, string> VersionPairs => new()
    {
        { "7.0.0", "4.3.0" }, { "7.1.0", "4.4.0" }, { "7.2.0", "4.5.0" }, { "7.3.0", "4.6.0" },
    };

    [Theory]
    [MemberData(nameof(VersionPairs))]
    public void Keytool_reads_every_keystore_and_truststore(string isVersion, string apimVersion)
    {
        using var lab = TempLab.Prepared(TempLab.Topology(isVersion, apimVersion));
        var caFingerprint = JavaFingerprint(X509Certificate2.CreateFromPem(File.ReadAllText(lab.Layout.CaCertificate)));
        var isType = isVersion == "7.0.0" ? "JKS" : "PKCS12";

        AssertKeyStore(Tools.KeytoolList(lab.IsKeyStore(isVersion)), isType, "is7", caFingerprint);
        AssertTrustStore(Tools.KeytoolList(lab.IsTrustStore(isVersion)), isType, caFingerprint, entries: 1);
        AssertKeyStore(Tools.KeytoolList(lab.ApimKeyStore), "JKS", "apim", caFingerprint);
        AssertTrustStore(Tools.KeytoolList(lab.ApimTrustStore), "JKS", caFingerprint, entries: 2);
    }

    /// <summary>APIM validates Publisher internal keys (Try Out) and API-key JWTs with the certificate its truststore
    /// holds under <c>gateway_certificate_alias</c>: its own primary-keystore certificate (WSO2's docs: export alias
    /// wso2carbon of wso2carbon.jks, import it under that alias).</summary>
    [Fact]
    public void Apims_truststore_holds_its_own_signing_certificate_under_gateway_certificate_alias()
    {
        using var lab = TempLab.Prepared();
        var signing = KeyStoreFiles.ReadKeyEntry(lab.ApimKeyStore, Wso2KeyStores.Password);

        var listing = Tools.KeytoolList(lab.ApimTrustStore);
        var entry = Tools.Run("keytool", "-J-Duser.language=en", "-list", "-v", "-keystore", lab.ApimTrustStore,
            "-storepass", Wso2KeyStores.Password, "-alias", "gateway_certificate_alias");
        var isListing = Tools.KeytoolList(lab.IsTrustStore());
        lab.Prepare(); // a re-run keeps the truststore as it is
        var rerun = lab.Prepare();

        Assert.Contains("Alias name: kmlab-ca", listing);
        Assert.Equal(0, entry.ExitCode);
        Assert.Contains("Entry type: trustedCertEntry", entry.Output);
        Assert.Contains($"SHA256: {JavaFingerprint(signing)}", entry.Output);
        Assert.Contains("Owner: CN=apim, O=KmLab", entry.Output);
        Assert.DoesNotContain("gateway_certificate_alias", isListing); // IS has no such lookup
        Assert.Empty(rerun.FilesWritten);
    }

    [Fact]
    public void File_names_follow_each_image_version()
    {
        using var lab = TempLab.Prepared(TempLab.Topology("7.0.0", "4.5.0"));
        lab.Prepare(TempLab.Topology("7.2.0", "4.5.0"));

        var security = LabLayout.SecurityDirectory(lab.Layout.IdentityServerVolume);
        Assert.True(File.Exists(Path.Combine(security, "wso2carbon.jks")));
        Assert.True(File.Exists(Path.Combine(security, "client-truststore.jks")));
        Assert.True(File.Exists(Path.Combine(security, "wso2carbon.p12")));
        Assert.True(File.Exists(Path.Combine(security, "client-truststore.p12")));
        Assert.Equal(["client-truststore.jks", "wso2carbon.jks"],
            Directory.GetFiles(LabLayout.SecurityDirectory(lab.Layout.ApiManagerVolume)).Select(Path.GetFileName).Order());
    }

    private static void AssertKeyStore(string listing, string type, string host, string caFingerprint)
    {
        Assert.Contains($"Keystore type: {type}", listing);
        Assert.Contains("Your keystore contains 1 entry", listing);
        Assert.Contains($"Alias name: {Wso2KeyStores.Alias}", listing);
        Assert.Contains("Entry type: PrivateKeyEntry", listing);
        Assert.Contains("Certificate chain length: 3", listing); // server, issuing CA, root
        Assert.Contains($"Owner: CN={host}, O=KmLab", listing);
        Assert.Contains("Subject Public Key Algorithm: 2048-bit RSA key", listing);
        Assert.Contains("ExtendedKeyUsages [\n  serverAuth\n  clientAuth\n]", listing);
        Assert.Contains($"DNSName: {host}\n  DNSName: localhost\n  IPAddress: 127.0.0.1", listing);
        Assert.Contains($"SHA256: {caFingerprint}", listing); // the chain ends at the lab's root
        var leafUntil = ValidUntil(listing).First();
        Assert.True(leafUntil > DateTime.UtcNow.AddYears(1), $"the {host} certificate is valid only until {leafUntil:u}");
    }

    private static void AssertTrustStore(string listing, string type, string caFingerprint, int entries)
    {
        Assert.Contains($"Keystore type: {type}", listing);
        Assert.Contains(entries == 1 ? "Your keystore contains 1 entry" : $"Your keystore contains {entries} entries", listing);
        Assert.Contains("Entry type: trustedCertEntry", listing);
        Assert.Contains($"SHA256: {caFingerprint}", listing);
        Assert.True(ValidUntil(listing).Max() > DateTime.UtcNow.AddYears(5));
    }

    private static IEnumerable<DateTime> ValidUntil(string listing) =>
        Regex.Matches(listing, @"until: (\w{3} \w{3} \d{2} \d{2}:\d{2}:\d{2} UTC \d{4})")
            .Select(m => DateTime.ParseExact(m.Groups[1].Value, "ddd MMM dd HH:mm:ss 'UTC' yyyy", CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal));

    /// <summary>SHA-256 as keytool prints it: colon-separated upper-case hex.</summary>
    internal static string JavaFingerprint(X509Certificate2 certificate) =>
        string.Join(':', certificate.GetCertHash(HashAlgorithmName.SHA256).Select(b => b.ToString("X2")));
}
