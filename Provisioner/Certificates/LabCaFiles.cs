using System.Security.Cryptography;
using System.Text;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Pkcs;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.X509;

namespace KmLab.Provisioner.Certificates;

/// <summary>The lab CA as PEM files: the root certificate a user imports, the issuing CA certificate, and the
/// issuing CA's PKCS#8 private key (the root's key is not kept).</summary>
internal static class LabCaFiles
{
    private const string CertificateLabel = "CERTIFICATE";
    private const string PrivateKeyLabel = "PRIVATE KEY";

    public static byte[] RootPem(LabCa ca) => Pem(CertificateLabel, ca.Root.GetEncoded());

    public static byte[] IssuingPem(LabCa ca) => Pem(CertificateLabel, ca.Issuing.GetEncoded());

    public static byte[] IssuingKeyPem(LabCa ca) =>
        Pem(PrivateKeyLabel, PrivateKeyInfoFactory.CreatePrivateKeyInfo(ca.IssuingKey).GetEncoded());

    /// <summary>Reads the three files; anything unusable is a <see cref="ExitCodes.CorruptState"/> naming the file.</summary>
    public static LabCa Read(LabLayout layout)
    {
        var root = ReadCaCertificate(layout.CaCertificate);
        var issuing = ReadCaCertificate(layout.IssuingCaCertificate);
        if (!issuing.IssuerDN.Equivalent(root.SubjectDN) || !issuing.IsSignatureValid(root.GetPublicKey()))
            throw Corrupt(layout.IssuingCaCertificate, $"it was not signed by the root in {layout.CaCertificate}");
        var key = Parse(layout.CaPrivateKey, PrivateKeyLabel, der => (RsaPrivateCrtKeyParameters)PrivateKeyFactory.CreateKey(der));
        if (issuing.GetPublicKey() is not RsaKeyParameters publicKey || !publicKey.Modulus.Equals(key.Modulus))
            throw Corrupt(layout.CaPrivateKey, $"it is not the key of {layout.IssuingCaCertificate}");
        return new LabCa(root, issuing, key);
    }

    private static X509Certificate ReadCaCertificate(string path)
    {
        var certificate = Parse(path, CertificateLabel, der => new X509CertificateParser().ReadCertificate(der)
            ?? throw new InvalidDataException("no certificate"));
        return certificate.GetBasicConstraints() >= 0 ? certificate : throw Corrupt(path, "it is not a CA certificate");
    }

    private static T Parse<T>(string path, string label, Func<byte[], T> decode)
    {
        try
        {
            var text = File.ReadAllText(path);
            var fields = PemEncoding.Find(text);
            if (text[fields.Label] != label)
                throw new InvalidDataException($"expected a PEM {label}");
            return decode(Convert.FromBase64String(text[fields.Base64Data]));
        }
        catch (Exception)  // whatever the parser's complaint, the fix is the same
        {
            throw Corrupt(path, "it cannot be read");
        }
    }

    private static byte[] Pem(string label, byte[] der) => Encoding.ASCII.GetBytes(PemEncoding.WriteString(label, der) + "\n");

    private static LabException Corrupt(string path, string reason) =>
        new(ExitCodes.CorruptState, $"lab CA file {path} is unusable ({reason}); run prepare with --renew-ca to move the old CA aside and make a new one.");
}
