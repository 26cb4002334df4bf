using System.Security.Cryptography.X509Certificates;

namespace KmLab.AppHost.Lab;

/// <summary>The one-time step the <c>https</c> launch profile needs: a developer certificate that this user's store
/// holds and OpenSSL trusts. Without it the dashboard dies with a Kestrel stack trace (no certificate) or shows
/// "Lost connection to the AppHost" (certificate not trusted on Linux); this names the step instead.</summary>
public static class DevCertificate
{
    /// <summary>The extension ASP.NET Core marks its HTTPS development certificate with.</summary>
    private const string AspNetHttpsOid = "1.3.6.1.4.1.311.84.1.1";

    /// <summary>Where <c>dotnet dev-certs https --trust</c> puts the certificate for OpenSSL on Linux.</summary>
    private static string LinuxTrustDirectory =>
        Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".aspnet", "dev-certs", "trust");

    /// <summary>Null when the dashboard can run as configured; otherwise the one line naming the missing step.</summary>
    /// <param name="urls">The AppHost's <c>ASPNETCORE_URLS</c> (the launch profile's <c>applicationUrl</c>).</param>
    /// <param name="sslCertDir">The AppHost's <c>SSL_CERT_DIR</c>.</param>
    public static string? MissingStep(string? urls, string? sslCertDir)
    {
        if (urls is null || !urls.Contains("https://", StringComparison.OrdinalIgnoreCase))
            return null;

        const string orHttp = "or run the http profile, which needs no certificate: dotnet run --project AppHost";
        if (!HasDevelopmentCertificate())
            return $"error: the https profile needs a trusted developer certificate: run `dotnet dev-certs https --trust` once, {orHttp}";

        if (OperatingSystem.IsLinux() && !Trusted(sslCertDir))
            return $"error: the developer certificate is not trusted by OpenSSL: run `dotnet dev-certs https --trust` once and " +
                   $"export SSL_CERT_DIR=\"/etc/ssl/certs:{LinuxTrustDirectory}\", {orHttp}";
        return null;
    }

    private static bool HasDevelopmentCertificate()
    {
        using var store = new X509Store(StoreName.My, StoreLocation.CurrentUser);
        try
        {
            store.Open(OpenFlags.ReadOnly | OpenFlags.OpenExistingOnly);
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            return false; // a new user has no store yet
        }
        var now = DateTime.Now;
        var found = false;
        foreach (var certificate in store.Certificates)
        {
            found |= certificate.Extensions[AspNetHttpsOid] is not null && certificate.NotBefore <= now && now < certificate.NotAfter;
            certificate.Dispose();
        }
        return found;
    }

    private static bool Trusted(string? sslCertDir) =>
        Directory.Exists(LinuxTrustDirectory)
        && Directory.EnumerateFiles(LinuxTrustDirectory).Any()
        && (sslCertDir ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Any(d => Path.GetFullPath(d).TrimEnd('/') == LinuxTrustDirectory);
}
