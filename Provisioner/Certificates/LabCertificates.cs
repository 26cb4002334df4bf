using System.Net;
using System.Security.Cryptography;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Operators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Math;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.X509;
using Org.BouncyCastle.X509.Extension;
using BcCertificate = Org.BouncyCastle.X509.X509Certificate;

namespace KmLab.Provisioner.Certificates;

/// <summary>The lab CA: a root (what truststores and browsers trust) and the issuing CA it signed, which signs the
/// server certificates. Both carry the lab's name constraints; only the issuing CA's key is kept.</summary>
internal sealed record LabCa(BcCertificate Root, BcCertificate Issuing, AsymmetricKeyParameter IssuingKey)
{
    public DateTime NotAfter => Issuing.NotAfter < Root.NotAfter ? Issuing.NotAfter : Root.NotAfter;
}

/// <summary>The names one certificate is for: DNS names (container name and <c>localhost</c>) and loopback addresses.</summary>
internal sealed record CertificateNames(IReadOnlyList<string> DnsNames)
{
    /// <summary>Loopback addresses, so <c>https://127.0.0.1:port</c> works from the host as well.</summary>
    public static readonly IReadOnlyList<IPAddress> Loopback = [IPAddress.Loopback, IPAddress.IPv6Loopback];

    public IEnumerable<GeneralName> ToGeneralNames() =>
        DnsNames.Select(n => new GeneralName(GeneralName.DnsName, n))
            .Concat(Loopback.Select(a => new GeneralName(GeneralName.IPAddress, new DerOctetString(a.GetAddressBytes()))));
}

/// <summary>Makes the lab CA and the server certificates it signs, and decides whether existing ones can stay.</summary>
internal static class LabCertificates
{
    public static readonly TimeSpan CaLifetime = TimeSpan.FromDays(3650);
    public static readonly TimeSpan ServerLifetime = TimeSpan.FromDays(730);

    /// <summary>A server certificate with less than this left is reissued; a CA with less than this left is renewed,
    /// since the certificates it signs could not last longer.</summary>
    public static readonly TimeSpan MinimumRemaining = TimeSpan.FromDays(365);

    // Allows for a little clock skew between the host and the containers.
    private static readonly TimeSpan Backdate = TimeSpan.FromMinutes(5);

    private const int CaKeyBits = 2048; // 3072 made a cold prepare ~60% costlier (docs/performance.md); the CA vouches only for lab names
    private const int ServerKeyBits = 2048; // the IS primary key also signs tokens: RSA 2048 at least
    private const string SignatureAlgorithm = "SHA256WITHRSA";

    /// <summary>A new CA whose name constraints permit only the given names, so trusting it trusts nothing else.
    /// Java ignores the name constraints of a trust anchor (RFC 5280 makes them optional there), so they are also
    /// in an issuing CA that sits in every chain; the root's key is dropped once it has signed that issuing CA, so
    /// no key remains that could sign around the constraints.</summary>
    public static LabCa CreateCa(CertificateNames permitted, DateTime now)
    {
        var keys = GenerateRsaKeyPairs(CaKeyBits, CaKeyBits);
        var (rootKeys, issuingKeys) = (keys[0], keys[1]);
        var rootName = new X509Name($"O=KmLab,CN=KmLab lab CA {now:yyyy-MM-dd HH:mm:ss}Z");
        var issuingName = new X509Name($"O=KmLab,CN=KmLab lab issuing CA {now:yyyy-MM-dd HH:mm:ss}Z");
        var constraints = NameConstraintsFor(permitted);

        var root = NewGenerator(rootName, rootName, rootKeys.Public, now, now + CaLifetime);
        root.AddExtension(X509Extensions.BasicConstraints, true, new BasicConstraints(1));
        root.AddExtension(X509Extensions.KeyUsage, true, new KeyUsage(KeyUsage.KeyCertSign | KeyUsage.CrlSign));
        root.AddExtension(X509Extensions.SubjectKeyIdentifier, false, X509ExtensionUtilities.CreateSubjectKeyIdentifier(rootKeys.Public));
        root.AddExtension(X509Extensions.NameConstraints, true, constraints);
        var rootCertificate = root.Generate(new Asn1SignatureFactory(SignatureAlgorithm, rootKeys.Private));

        var issuing = NewGenerator(rootName, issuingName, issuingKeys.Public, now, now + CaLifetime);
        issuing.AddExtension(X509Extensions.BasicConstraints, true, new BasicConstraints(0));
        issuing.AddExtension(X509Extensions.KeyUsage, true, new KeyUsage(KeyUsage.KeyCertSign | KeyUsage.CrlSign));
        issuing.AddExtension(X509Extensions.SubjectKeyIdentifier, false, X509ExtensionUtilities.CreateSubjectKeyIdentifier(issuingKeys.Public));
        issuing.AddExtension(X509Extensions.AuthorityKeyIdentifier, false, AuthorityKeyIdentifierOf(rootCertificate));
        issuing.AddExtension(X509Extensions.NameConstraints, true, constraints);
        var issuingCertificate = issuing.Generate(new Asn1SignatureFactory(SignatureAlgorithm, rootKeys.Private));

        return new LabCa(rootCertificate, issuingCertificate, issuingKeys.Private);
    }

    /// <summary>A TLS server (and client) certificate for one server, signed by the lab's issuing CA.</summary>
    public static KeyEntry IssueServerCertificate(LabCa ca, CertificateNames names, DateTime now) =>
        IssueServerCertificates(ca, [names], now)[0];

    /// <summary>Several server certificates, their keys generated in parallel.</summary>
    public static IReadOnlyList<KeyEntry> IssueServerCertificates(LabCa ca, IReadOnlyList<CertificateNames> names, DateTime now)
    {
        var keys = GenerateRsaKeyPairs([.. names.Select(_ => ServerKeyBits)]);
        return [.. names.Select((n, i) => Issue(ca, n, keys[i], now))];
    }

    private static KeyEntry Issue(LabCa ca, CertificateNames names, AsymmetricCipherKeyPair keys, DateTime now)
    {
        var notAfter = Min(now + ServerLifetime, ca.NotAfter);
        var generator = NewGenerator(ca.Issuing.SubjectDN, new X509Name($"O=KmLab,CN={names.DnsNames[0]}"), keys.Public, now, notAfter);
        generator.AddExtension(X509Extensions.BasicConstraints, true, new BasicConstraints(false));
        generator.AddExtension(X509Extensions.KeyUsage, true, new KeyUsage(KeyUsage.DigitalSignature | KeyUsage.KeyEncipherment));
        generator.AddExtension(X509Extensions.ExtendedKeyUsage, false,
            new ExtendedKeyUsage(KeyPurposeID.id_kp_serverAuth, KeyPurposeID.id_kp_clientAuth));
        generator.AddExtension(X509Extensions.SubjectAlternativeName, false, new GeneralNames([.. names.ToGeneralNames()]));
        generator.AddExtension(X509Extensions.SubjectKeyIdentifier, false, X509ExtensionUtilities.CreateSubjectKeyIdentifier(keys.Public));
        generator.AddExtension(X509Extensions.AuthorityKeyIdentifier, false, AuthorityKeyIdentifierOf(ca.Issuing));
        var certificate = generator.Generate(new Asn1SignatureFactory(SignatureAlgorithm, ca.IssuingKey));
        return new KeyEntry(keys.Private, [certificate, ca.Issuing, ca.Root]);
    }

    /// <summary>Whether an existing key entry can stay: signed by this CA, the wanted names exactly, its key
    /// matching, and valid for long enough.</summary>
    public static bool CanReuse(KeyEntry entry, LabCa ca, CertificateNames names, DateTime now)
    {
        if (entry.Chain.Count != 3 || !entry.Chain[1].Equals(ca.Issuing) || !entry.Chain[2].Equals(ca.Root))
            return false;
        var leaf = entry.Chain[0];
        if (!leaf.IssuerDN.Equivalent(ca.Issuing.SubjectDN) || !leaf.IsSignatureValid(ca.Issuing.GetPublicKey()))
            return false;
        if (leaf.NotBefore > now || leaf.NotAfter < now + MinimumRemaining)
            return false;
        if (leaf.GetPublicKey() is not RsaKeyParameters publicKey || entry.PrivateKey is not RsaKeyParameters privateKey
            || !publicKey.Modulus.Equals(privateKey.Modulus) || publicKey.Modulus.BitLength < ServerKeyBits)
            return false;
        var wanted = names.ToGeneralNames().Select(n => n.ToString()).Order().ToList();
        var actual = leaf.GetSubjectAlternativeNameExtension()?.GetNames().Select(n => n.ToString()).Order().ToList() ?? [];
        return wanted.SequenceEqual(actual);
    }

    /// <summary>The DNS names a CA's name constraints permit.</summary>
    public static IReadOnlyList<string> PermittedDnsNames(BcCertificate ca)
    {
        var extension = ca.GetExtensionValue(X509Extensions.NameConstraints);
        if (extension is null)
            return [];
        var constraints = NameConstraints.GetInstance(X509ExtensionUtilities.FromExtensionValue(extension));
        return constraints.PermittedSubtreesValue?.GetElements()
            .Where(s => s.Base.TagNo == GeneralName.DnsName)
            .Select(s => s.Base.Name.ToString()!)
            .ToList() ?? [];
    }

    /// <summary>SHA-256 of the DER certificate, as hex: how a user tells two CAs apart.</summary>
    public static string Fingerprint(BcCertificate certificate) => Convert.ToHexString(SHA256.HashData(certificate.GetEncoded()));

    private static X509V3CertificateGenerator NewGenerator(X509Name issuer, X509Name subject, AsymmetricKeyParameter publicKey,
        DateTime now, DateTime notAfter)
    {
        var generator = new X509V3CertificateGenerator();
        generator.SetSerialNumber(new BigInteger(1, RandomNumberGenerator.GetBytes(16)));
        generator.SetIssuerDN(issuer);
        generator.SetSubjectDN(subject);
        generator.SetNotBefore(now - Backdate);
        generator.SetNotAfter(notAfter);
        generator.SetPublicKey(publicKey);
        return generator;
    }

    private static NameConstraints NameConstraintsFor(CertificateNames permitted)
    {
        var subtrees = permitted.DnsNames.Select(n => new GeneralSubtree(new GeneralName(GeneralName.DnsName, n)))
            .Concat(CertificateNames.Loopback.Select(LoopbackSubtree));
        return new NameConstraints(new GeneralSubtrees([.. subtrees]), null);
    }

    private static AuthorityKeyIdentifier AuthorityKeyIdentifierOf(BcCertificate issuer) =>
        new(X509ExtensionUtilities.CreateSubjectKeyIdentifier(issuer.GetPublicKey()).GetKeyIdentifier());

    private static GeneralSubtree LoopbackSubtree(IPAddress address)
    {
        // An iPAddress constraint is the address followed by its mask: a single host here.
        var bytes = address.GetAddressBytes();
        return new GeneralSubtree(new GeneralName(GeneralName.IPAddress,
            new DerOctetString([.. bytes, .. Enumerable.Repeat((byte)0xFF, bytes.Length)])));
    }

    // The platform's RSA (OpenSSL) generates keys much faster than BouncyCastle's managed code, and in parallel
    // when more than one is needed: key generation is nearly all of prepare's time.
    private static AsymmetricCipherKeyPair[] GenerateRsaKeyPairs(params int[] bits)
    {
        var pairs = new AsymmetricCipherKeyPair[bits.Length];
        Parallel.For(0, bits.Length, i =>
        {
            using var rsa = RSA.Create(bits[i]);
            pairs[i] = DotNetUtilities.GetRsaKeyPair(rsa);
        });
        return pairs;
    }

    private static DateTime Min(DateTime a, DateTime b) => a < b ? a : b;
}
