using System.Buffers.Binary;
using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Pkcs;
using Org.BouncyCastle.Security;
using BcCertificate = Org.BouncyCastle.X509.X509Certificate;

namespace KmLab.Provisioner.Certificates;

/// <summary>A private key with its certificate chain, leaf first, as a keystore holds it.</summary>
internal sealed record KeyEntry(AsymmetricKeyParameter PrivateKey, IReadOnlyList<BcCertificate> Chain);

/// <summary>What one keystore file holds, whatever its format.</summary>
internal sealed record KeyStoreContents(
    KeyStoreFormat Format,
    IReadOnlyDictionary<string, KeyEntry> KeyEntries,
    IReadOnlyDictionary<string, BcCertificate> TrustedCertificates);

/// <summary>Reads and writes the JKS and PKCS12 keystores the WSO2 images use (BouncyCastle does both formats).</summary>
public static class KeyStoreFiles
{
    private const uint JksMagic = 0xFEEDFEED;
    private const byte DerSequence = 0x30;

    /// <summary>The format from the bytes: some images ship a <c>.jks</c> file that is PKCS12 inside.</summary>
    public static KeyStoreFormat DetectFormat(byte[] bytes)
    {
        if (bytes.Length >= 4 && BinaryPrimitives.ReadUInt32BigEndian(bytes) == JksMagic)
            return KeyStoreFormat.Jks;
        if (bytes.Length >= 2 && bytes[0] == DerSequence) // a PKCS12 PFX is one DER SEQUENCE
            return KeyStoreFormat.Pkcs12;
        throw new InvalidDataException("it is neither a JKS nor a PKCS12 keystore");
    }

    /// <summary>The certificate of a key entry with its private key, ready for Kestrel or SslStream.</summary>
    public static X509Certificate2 ReadKeyEntry(string path, string password, string alias = Wso2KeyStores.Alias)
    {
        var entry = ReadEntry(path, password, alias);
        // .NET loads a certificate together with its key from PKCS12 only, so convert in memory.
        var pfx = Write(KeyStoreFormat.Pkcs12, password, alias, entry, trusted: []);
        return X509CertificateLoader.LoadPkcs12(pfx, password);
    }

    /// <summary>The certificates that follow a key entry's certificate in its chain (for the lab: its issuing CA,
    /// then its root). A TLS server must send them along, since clients trust only the root: Kestrel's
    /// <c>ServerCertificateChain</c>, or <c>SslStreamCertificateContext.Create(certificate, issuers)</c>.</summary>
    public static X509Certificate2Collection ReadIssuers(string path, string password, string alias = Wso2KeyStores.Alias)
    {
        var entry = ReadEntry(path, password, alias);
        var issuers = new X509Certificate2Collection();
        foreach (var certificate in entry.Chain.Skip(1))
            issuers.Add(X509CertificateLoader.LoadCertificate(certificate.GetEncoded()));
        return issuers;
    }

    /// <summary>The trusted-certificate entries (Java's <c>trustedCertEntry</c>) of a truststore.</summary>
    public static X509Certificate2Collection ReadTrustedCertificates(string path, string password)
    {
        var collection = new X509Certificate2Collection();
        foreach (var certificate in Read(path, password).TrustedCertificates.Values)
            collection.Add(X509CertificateLoader.LoadCertificate(certificate.GetEncoded()));
        return collection;
    }

    private static KeyEntry ReadEntry(string path, string password, string alias) =>
        Read(path, password).KeyEntries.GetValueOrDefault(alias) ?? throw Unreadable(path, $"it has no key entry '{alias}'");

    internal static KeyStoreContents Read(string path, string password)
    {
        var bytes = File.ReadAllBytes(path);
        try
        {
            return Parse(bytes, password);
        }
        catch (Exception e) when (e is not LabException)
        {
            throw Unreadable(path, e is InvalidDataException ? e.Message : "it is damaged or its password is not the expected one");
        }
    }

    internal static KeyStoreContents Parse(byte[] bytes, string password)
    {
        var format = DetectFormat(bytes);
        var keys = new Dictionary<string, KeyEntry>();
        var trusted = new Dictionary<string, BcCertificate>();
        using var stream = new MemoryStream(bytes, writable: false);
        if (format == KeyStoreFormat.Jks)
        {
            var store = new JksStore();
            store.Load(stream, password.ToCharArray());
            foreach (var alias in store.Aliases)
            {
                if (store.IsKeyEntry(alias))
                    keys[alias] = new KeyEntry(store.GetKey(alias, password.ToCharArray()), store.GetCertificateChain(alias));
                else if (store.IsCertificateEntry(alias))
                    trusted[alias] = store.GetCertificate(alias);
            }
        }
        else
        {
            var store = new Pkcs12StoreBuilder().Build();
            store.Load(stream, password.ToCharArray());
            foreach (var alias in store.Aliases)
            {
                if (store.IsKeyEntry(alias))
                    keys[alias] = new KeyEntry(store.GetKey(alias).Key, [.. store.GetCertificateChain(alias).Select(c => c.Certificate)]);
                else if (store.IsCertificateEntry(alias))
                    trusted[alias] = store.GetCertificate(alias).Certificate;
            }
        }
        return new KeyStoreContents(format, keys, trusted);
    }

    /// <summary>A keystore holding at most one key entry and any number of trusted certificates; the key password
    /// is the store password, as WSO2 expects.</summary>
    internal static byte[] Write(KeyStoreFormat format, string password, string? alias, KeyEntry? key,
        IReadOnlyList<(string Alias, BcCertificate Certificate)> trusted)
    {
        using var stream = new MemoryStream();
        if (format == KeyStoreFormat.Jks)
        {
            var store = new JksStore();
            if (key is not null)
                store.SetKeyEntry(alias!, key.PrivateKey, password.ToCharArray(), [.. key.Chain]);
            foreach (var (trustedAlias, certificate) in trusted)
                store.SetCertificateEntry(trustedAlias, certificate);
            store.Save(stream, password.ToCharArray());
        }
        else
        {
            // Java lists a PKCS12 certificate as trustedCertEntry only when it carries Oracle's trusted-key-usage attribute.
            var store = new Pkcs12StoreBuilder().SetEnableOracleTrustedKeyUsage(true).Build();
            if (key is not null)
                store.SetKeyEntry(alias!, new AsymmetricKeyEntry(key.PrivateKey), [.. key.Chain.Select(c => new X509CertificateEntry(c))]);
            foreach (var (trustedAlias, certificate) in trusted)
                store.SetCertificateEntry(trustedAlias, new X509CertificateEntry(certificate));
            store.Save(stream, password.ToCharArray(), new SecureRandom());
        }
        return stream.ToArray();
    }

    private static LabException Unreadable(string path, string reason) =>
        new(ExitCodes.CorruptState, $"keystore {path} cannot be read: {reason}; delete it and run prepare again to regenerate it.");
}
