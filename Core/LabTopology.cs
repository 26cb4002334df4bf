using KmLab.Lab.Wso2;

namespace KmLab.Lab;

/// <summary>What one lab is made of: the two versions, IS's port offset and the container names the servers
/// call each other by. Both servers keep <c>[server] hostname = "localhost"</c> as shipped (wso2/product-apim@2530387c:all-in-one-apim/modules/distribution/product/src/main/conf/deployment.toml:2), so the
/// URLs a browser meets (issuer, portals) are the host's, and containers reach each other by container name.</summary>
public sealed record LabTopology(
    IdentityServerVersion IdentityServerVersion,
    ApiManagerVersion ApiManagerVersion,
    int IdentityServerOffset,
    string IdentityServerHost,
    string ApiManagerHost,
    string AdminUser,
    string AdminPassword)
{
    /// <summary>The host name both servers put into the URLs a browser meets (issuer, portals, redirects).</summary>
    public const string PublicHostName = "localhost";

    public const string DefaultIdentityServerHost = "is7";
    public const string DefaultApiManagerHost = "apim";

    /// <summary>The images ship with admin/admin; the lab keeps the user name and takes the password as a secret.</summary>
    public const string DefaultAdminUser = "admin";
    public const string DefaultAdminPassword = "admin";
    public const string AdminPasswordVariable = "KMLAB_ADMIN_PASSWORD";

    /// <summary>The demo users' passwords (<c>demo</c>): the user holding the demo role, and the one without it. The
    /// AppHost sets them from secret parameters; the CLI reads them from the environment only.</summary>
    public const string DemoReaderPasswordVariable = "KMLAB_DEMO_READER_PASSWORD";
    public const string DemoGuestPasswordVariable = "KMLAB_DEMO_GUEST_PASSWORD";

    /// <summary>The demo's API (<c>demo</c> records it as <c>apis/KmLabDemo.json</c>) and its DevPortal application.</summary>
    public const string DemoApiName = "KmLabDemo";
    public const string DemoApplication = "KmLabDemo";

    /// <summary>The demo's gateway context, its users (the reader holds <see cref="DemoRole"/>, the guest does not) and
    /// the scope the role grants: what the dashboard's curl lines name.</summary>
    public const string DemoContext = "/kmlab-demo";
    public const string DemoReader = "kmlab-demo-reader";
    public const string DemoGuest = "kmlab-demo-guest";
    public const string DemoRole = "kmlab_demo_reader";
    public const string DemoScope = "kmlab_demo_read";

    /// <summary>The name <c>register</c> gives IS's Key Manager in APIM unless told otherwise; every later step
    /// generates keys against it.</summary>
    public const string DefaultKeyManagerName = "IS7";

    /// <summary>The DevPortal application <c>publish</c> subscribes by default (password and client-credentials grants).</summary>
    public const string DefaultLabApplication = "KmLabApps";

    /// <summary>Where the AppHost puts a user-supplied APIM encryption key for <c>prepare --encryption-key-env</c>.</summary>
    public const string ApimEncryptionKeyVariable = "KMLAB_APIM_ENCRYPTION_KEY";

    /// <summary>The admin password from <see cref="AdminPasswordVariable"/>, or the images' default when it is unset
    /// or empty. The CLI takes it from the environment only, never from a flag (flags show in process lists).</summary>
    public static string AdminPasswordFromEnvironment() =>
        Environment.GetEnvironmentVariable(AdminPasswordVariable) is { Length: > 0 } password ? password : DefaultAdminPassword;

    public int IdentityServerHttpsPort => LabUrls.IdentityServerHttpsPort(IdentityServerOffset);
    public int IdentityServerHttpPort => LabUrls.IdentityServerHttpPort(IdentityServerOffset);

    /// <summary>Keeps the password out of ToString, and so out of any log line that prints the topology.</summary>
    public override string ToString() =>
        $"IS {IdentityServerVersion} ({IdentityServerHost}, offset {IdentityServerOffset}), APIM {ApiManagerVersion} ({ApiManagerHost}), admin {AdminUser}";
}
