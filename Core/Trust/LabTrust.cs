using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace KmLab.Lab;

/// <summary>The lab CA from a state folder, the one trust every client of the lab uses (the Provisioner, the hosting
/// package's health checks, KmLab.Testing and the tests): the root <c>prepare</c> wrote is the only trust anchor (no
/// system roots, validation never switched off); the issuing CA, when present, only helps build chains.</summary>
public sealed class LabTrust : IDisposable
{
    private LabTrust(string caCertificate, X509Certificate2 root, X509Certificate2Collection intermediates) =>
        (CaCertificate, Root, Intermediates) = (caCertificate, root, intermediates);

    /// <summary>The PEM file the root came from (<see cref="LabLayout.CaCertificate"/>).</summary>
    public string CaCertificate { get; }
    public X509Certificate2 Root { get; }
    public X509Certificate2Collection Intermediates { get; }

    /// <summary>Reads the lab CA; a missing or unreadable file is <see cref="ExitCodes.CorruptState"/> naming it.</summary>
    public static LabTrust Read(LabLayout layout) => Read(layout.CaCertificate, layout.IssuingCaCertificate, layout.Root);

    /// <summary>Reads the lab CA from <paramref name="caCertificate"/> (PEM) and, when the file exists, the issuing CA.</summary>
    public static LabTrust Read(string caCertificate, string? issuingCaCertificate = null) =>
        Read(caCertificate, issuingCaCertificate, Path.GetDirectoryName(Path.GetDirectoryName(Path.GetFullPath(caCertificate)))!);

    private static LabTrust Read(string caCertificate, string? issuingCaCertificate, string stateRoot)
    {
        var root = ReadCertificate(caCertificate, stateRoot);
        var intermediates = new X509Certificate2Collection();
        if (issuingCaCertificate is not null && File.Exists(issuingCaCertificate))
            intermediates.Add(ReadCertificate(issuingCaCertificate, stateRoot));
        return new LabTrust(caCertificate, root, intermediates);
    }

    /// <summary>TLS to one lab server with this trust, remembering why it refused a certificate.</summary>
    public LabTls For(string serverName, Uri baseUrl) => new(serverName, baseUrl, this);

    /// <summary>Chain validation anchored in the lab CA only; revocation is not checked (the lab CA publishes no
    /// revocation lists).</summary>
    public X509ChainPolicy ChainPolicy() => TrustOnly([Root], Intermediates);

    /// <summary>TLS client options that trust the lab CA only; .NET still checks the host name.</summary>
    public SslClientAuthenticationOptions ClientOptions() => new() { CertificateChainPolicy = ChainPolicy() };

    /// <summary>An HTTP handler that trusts the lab CA only, for clients that call several lab servers.</summary>
    /// <param name="pooledConnectionLifetime">How long a connection is reused; two minutes when null (shorter
    /// where servers restart under the caller).</param>
    public SocketsHttpHandler CreateHandler(TimeSpan? pooledConnectionLifetime = null) => new()
    {
        SslOptions = ClientOptions(),
        ConnectTimeout = TimeSpan.FromSeconds(10),
        PooledConnectionLifetime = pooledConnectionLifetime ?? TimeSpan.FromMinutes(2),
    };

    /// <summary>Chain validation anchored in <paramref name="roots"/> only, not in the machine's store;
    /// <paramref name="intermediates"/> only help build chains.</summary>
    public static X509ChainPolicy TrustOnly(IEnumerable<X509Certificate2> roots, X509Certificate2Collection? intermediates = null)
    {
        var policy = new X509ChainPolicy
        {
            TrustMode = X509ChainTrustMode.CustomRootTrust,
            RevocationMode = X509RevocationMode.NoCheck,
        };
        foreach (var root in roots) policy.CustomTrustStore.Add(root);
        if (intermediates is not null) policy.ExtraStore.AddRange(intermediates);
        return policy;
    }

    private static X509Certificate2 ReadCertificate(string path, string stateRoot)
    {
        try
        {
            return X509Certificate2.CreateFromPem(File.ReadAllText(path));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException)
        {
            throw new LabException(ExitCodes.CorruptState,
                $"the lab CA certificate {path} cannot be read; run prepare --state {stateRoot} first.");
        }
    }

    public void Dispose()
    {
        Root.Dispose();
        foreach (var certificate in Intermediates) certificate.Dispose();
    }
}
