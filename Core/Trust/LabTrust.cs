using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace KmLab.Provisioner.Register;

/// <summary>The lab CA from a state folder, as the provisioner's clients trust it: the root <c>prepare</c> wrote is the
/// only trust anchor; the issuing CA, when present, only helps build chains.</summary>
public sealed class LabTrust : IDisposable
{
    private LabTrust(LabLayout layout, X509Certificate2 root, X509Certificate2Collection intermediates) =>
        (Layout, Root, Intermediates) = (layout, root, intermediates);

    public LabLayout Layout { get; }
    public X509Certificate2 Root { get; }
    public X509Certificate2Collection Intermediates { get; }

    /// <summary>Reads the lab CA; a missing or unreadable file is <see cref="ExitCodes.CorruptState"/> naming it.</summary>
    public static LabTrust Read(LabLayout layout)
    {
        var root = ReadCertificate(layout.CaCertificate, layout);
        var intermediates = new X509Certificate2Collection();
        if (File.Exists(layout.IssuingCaCertificate)) intermediates.Add(ReadCertificate(layout.IssuingCaCertificate, layout));
        return new LabTrust(layout, root, intermediates);
    }

    /// <summary>TLS to one lab server with this trust.</summary>
    internal LabTls For(string serverName, Uri baseUrl) => new(serverName, baseUrl, Root, Layout.CaCertificate, Intermediates);

    private static X509Certificate2 ReadCertificate(string path, LabLayout layout)
    {
        try
        {
            return X509Certificate2.CreateFromPem(File.ReadAllText(path));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException)
        {
            throw new LabException(ExitCodes.CorruptState,
                $"the lab CA certificate {path} cannot be read; run prepare --state {layout.Root} first.");
        }
    }

    public void Dispose()
    {
        Root.Dispose();
        foreach (var certificate in Intermediates) certificate.Dispose();
    }
}
