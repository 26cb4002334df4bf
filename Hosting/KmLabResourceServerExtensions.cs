using Aspire.Hosting.ApplicationModel;
using KmLab.Lab;

namespace Aspire.Hosting;

/// <summary>Wires a service to the lab as an OAuth2 resource server that accepts IS's tokens.</summary>
public static class KmLabResourceServerExtensions
{
    /// <summary>The configuration section ASP.NET Core's JWT bearer handler binds for its default scheme
    /// (<c>AddAuthentication().AddJwtBearer()</c>), as environment variable prefix.</summary>
    public const string BearerSection = "Authentication__Schemes__Bearer__";

    /// <summary>Names the lab CA file (PEM) for code that builds its own trust, e.g. on macOS or Windows.</summary>
    public const string CaCertificateVariable = "KmLab__CaCertificate";

    /// <summary>The folder (in the state folder) that holds only the lab CA, for OpenSSL's <c>SSL_CERT_DIR</c>.</summary>
    public const string TrustDirectoryName = "trust";

    /// <summary>Gives <paramref name="builder"/> what ASP.NET Core's JWT bearer authentication needs to accept IS's
    /// tokens, in the configuration names it reads: <c>Authentication__Schemes__Bearer__Authority</c> and
    /// <c>__ValidIssuer</c> (IS's issuer, under which IS serves its discovery document and so its JWKS), and
    /// <c>__ValidAudiences__&lt;n&gt;</c> for each audience (IS puts the client id of the token's application into
    /// <c>aud</c>; without one ASP.NET Core rejects every token unless the service sets <c>ValidateAudience</c> off, as the sample does). On Linux, <c>SSL_CERT_DIR</c> adds a
    /// folder holding the lab CA to the system's trust, so the service's TLS to IS validates (nothing is switched
    /// off); <see cref="CaCertificateVariable"/> names the CA file. The service starts once <c>prepare</c> has written
    /// the lab CA.</summary>
    /// <param name="builder">The service (a project or an executable running on the host).</param>
    /// <param name="lab">The lab whose IS issues the tokens.</param>
    /// <param name="audiences">The accepted <c>aud</c> values: the client ids (consumer keys) of the applications
    /// whose tokens the service takes.</param>
    public static IResourceBuilder<T> WithKmLabResourceServer<T>(this IResourceBuilder<T> builder, IResourceBuilder<KmLabResource> lab,
        params string[] audiences)
        where T : IResourceWithEnvironment, IResourceWithWaitSupport
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(lab);
        ArgumentNullException.ThrowIfNull(audiences);

        var resource = lab.Resource;
        return builder
            .WaitForCompletion(lab.ApplicationBuilder.CreateResourceBuilder(resource.Prepare))
            .WithEnvironment(context =>
            {
                var env = context.EnvironmentVariables;
                env[BearerSection + "Authority"] = resource.TokenUrl;
                env[BearerSection + "ValidIssuer"] = resource.TokenUrl;
                for (var i = 0; i < audiences.Length; i++)
                    env[$"{BearerSection}ValidAudiences__{i}"] = audiences[i];
                env[CaCertificateVariable] = resource.Layout.CaCertificate;
                if (context.ExecutionContext.IsRunMode && OperatingSystem.IsLinux())
                    env["SSL_CERT_DIR"] = TrustedDirectories(resource.Layout);
            });
    }

    /// <summary>A folder with the lab CA alone, then the system's folder(s): .NET on Linux reads the trusted roots
    /// from every folder in <c>SSL_CERT_DIR</c>. Written when the service starts, after prepare wrote the CA (the
    /// issuing CA and the CA's key stay out: only the root is a trust anchor).</summary>
    internal static string TrustedDirectories(LabLayout layout)
    {
        var trust = Path.Combine(layout.Root, TrustDirectoryName);
        Directory.CreateDirectory(trust);
        if (File.Exists(layout.CaCertificate))
            File.Copy(layout.CaCertificate, Path.Combine(trust, Path.GetFileName(layout.CaCertificate)), overwrite: true);

        var system = Environment.GetEnvironmentVariable("SSL_CERT_DIR") is { Length: > 0 } inherited ? inherited
            : Directory.Exists("/etc/ssl/certs") ? "/etc/ssl/certs" : null;
        return system is null ? trust : $"{trust}{Path.PathSeparator}{system}";
    }
}
