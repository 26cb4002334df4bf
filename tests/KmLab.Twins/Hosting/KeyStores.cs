using System.Buffers.Binary;
using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Pkcs;
using Org.BouncyCastle.Security;
using BcCertificate = Org.BouncyCastle.X509.X509Certificate;

namespace KmLab.Twins.Hosting;

/// <summary>A keystore file the server cannot load (missing, damaged, wrong password, no such alias).</summary>
internal sealed class KeyStoreUnreadableException(string message) : Exception(message);

/// <summary>Reads the JKS and PKCS12 stores a WSO2 server loads, with BouncyCastle: the server's own reading, not the
/// lab's writer's. The format comes from the bytes, as the JVM's keystore loader tolerates a mislabelled file.</summary>
internal sealed class KeyStore
{
    private readonly Dictionary<string, (AsymmetricKeyParameter Key, BcCertificate[] Chain)> _keys = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, BcCertificate> _trusted = new(StringComparer.OrdinalIgnoreCase);

    private KeyStore() { }

    public static KeyStore Load(string path, string password)
    {
        if (!File.Exists(path)) throw new KeyStoreUnreadableException($"{path} does not exist");
        var bytes = File.ReadAllBytes(path);
        var store = new KeyStore();
        try
        {
            using var stream = new MemoryStream(bytes, writable: false);
            // JKS starts with the magic number 0xFEEDFEED; PKCS12 is one DER SEQUENCE.
            if (bytes.Length >= 4 && BinaryPrimitives.ReadUInt32BigEndian(bytes) == 0xFEEDFEED)
            {
                var jks = new JksStore();
                jks.Load(stream, password.ToCharArray());
                foreach (var alias in jks.Aliases)
                {
                    if (jks.IsKeyEntry(alias)) store._keys[alias] = (jks.GetKey(alias, password.ToCharArray()), jks.GetCertificateChain(alias));
                    else if (jks.IsCertificateEntry(alias)) store._trusted[alias] = jks.GetCertificate(alias);
                }
            }
            else
            {
                var p12 = new Pkcs12StoreBuilder().Build();
                p12.Load(stream, password.ToCharArray());
                foreach (var alias in p12.Aliases)
                {
                    if (p12.IsKeyEntry(alias)) store._keys[alias] = (p12.GetKey(alias).Key, [.. p12.GetCertificateChain(alias).Select(c => c.Certificate)]);
                    else if (p12.IsCertificateEntry(alias)) store._trusted[alias] = p12.GetCertificate(alias).Certificate;
                }
            }
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or ArgumentException or Org.BouncyCastle.Security.SecurityUtilityException or GeneralSecurityException)
        {
            throw new KeyStoreUnreadableException($"{path} cannot be loaded: {e.Message}");
        }
        return store;
    }

    /// <summary>The key entry's certificate with its private key (Kestrel and signing want both).</summary>
    public X509Certificate2 KeyEntry(string alias)
    {
        var (key, chain) = Entry(alias);
        var pfx = new Pkcs12StoreBuilder().Build();
        pfx.SetKeyEntry(alias, new AsymmetricKeyEntry(key), [.. chain.Select(c => new X509CertificateEntry(c))]);
        using var stream = new MemoryStream();
        pfx.Save(stream, [], new SecureRandom());
        return X509CertificateLoader.LoadPkcs12(stream.ToArray(), "");
    }

    /// <summary>The certificates after the leaf in the key entry's chain (sent along in the TLS handshake).</summary>
    public X509Certificate2Collection Issuers(string alias) =>
        [.. Entry(alias).Chain.Skip(1).Select(c => X509CertificateLoader.LoadCertificate(c.GetEncoded()))];

    /// <summary>Every <c>trustedCertEntry</c>.</summary>
    public X509Certificate2Collection Trusted() =>
        [.. _trusted.Values.Select(c => X509CertificateLoader.LoadCertificate(c.GetEncoded()))];

    /// <summary>What Java's KeyStore.getCertificate(alias) returns: the trusted certificate, or a key entry's own; else null.</summary>
    public X509Certificate2? Certificate(string alias) =>
        _trusted.TryGetValue(alias, out var c) ? X509CertificateLoader.LoadCertificate(c.GetEncoded())
        : _keys.TryGetValue(alias, out var k) ? X509CertificateLoader.LoadCertificate(k.Chain[0].GetEncoded()) : null;

    private (AsymmetricKeyParameter Key, BcCertificate[] Chain) Entry(string alias) =>
        _keys.TryGetValue(alias, out var entry) ? entry : throw new KeyStoreUnreadableException($"it has no key entry '{alias}'");
}
