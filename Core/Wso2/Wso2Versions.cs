using KmLab.Lab;

namespace KmLab.Lab.Wso2;

/// <summary>How a product version stores its keystore and truststore: IS 7.1+ ships PKCS12 (wso2/product-is@v7.1.0:modules/distribution/src/repository/resources/conf/deployment.toml,
/// <c>[keystore.primary]</c>), APIM and IS 7.0 JKS (wso2/product-apim@2530387c:all-in-one-apim/modules/distribution/product/src/main/conf/deployment.toml:28, <c>[keystore.tls]</c>).</summary>
public enum KeyStoreFormat { Jks, Pkcs12 }

/// <summary>One supported <c>wso2/wso2is</c> image version and the facts that differ between versions.</summary>
public sealed record IdentityServerVersion(string Version)
{
    public string Image => $"{Wso2Images.IdentityServer}:{Version}";
    public string ProductHome => $"{Wso2Images.UserHome}/wso2is-{Version}";

    /// <summary>IS 7.0 ships JKS stores; IS 7.1 and later ship PKCS12 (<c>wso2carbon.p12</c>).</summary>
    public KeyStoreFormat KeyStoreFormat => Version == "7.0.0" ? KeyStoreFormat.Jks : KeyStoreFormat.Pkcs12;

    /// <summary><c>[oauth] authorize_all_scopes</c> is not known to IS 7.0.0 GA.</summary>
    public bool SupportsAuthorizeAllScopes => Version != "7.0.0";

    /// <summary>The container user (<c>wso2carbon</c>) of the IS image.</summary>
    public int ContainerUid => 802;

    public override string ToString() => Version;
}

/// <summary>One supported <c>wso2/wso2am</c> image version and the facts that differ between versions.</summary>
public sealed record ApiManagerVersion(string Version)
{
    public string Image => $"{Wso2Images.ApiManager}:{Version}";
    public string ProductHome => $"{Wso2Images.UserHome}/wso2am-{Version}";
    public KeyStoreFormat KeyStoreFormat => KeyStoreFormat.Jks;
    public int ContainerUid => 10001;

    private int Minor => int.Parse(Version.Split('.')[1]);

    /// <summary>4.4.0 made <c>api_resource_management_endpoint</c> and <c>is7_roles_endpoint</c> required, and
    /// role-based authorization with IS 7 part of the GA product (4.3.0 needs a paid update level).</summary>
    public bool HasRoleEndpoints => Minor >= 4;

    /// <summary>4.5.0 added the connector's <c>enable_roles_creation</c> and the Key Manager's <c>allowedOrganizations</c>.</summary>
    public bool HasRoleCreation => Minor >= 5;

    /// <summary>4.6.0 added the connector's <c>Authentication</c> mode and <c>user_schema_cache_enabled</c>.</summary>
    public bool HasAuthenticationMode => Minor >= 6;

    /// <summary>4.7.0 encrypts its internal data (the Key Manager connector's Password among it) with the symmetric
    /// key of <c>[encryption] key</c> (product-apim v4.7.0 default.json: <c>SymmetricKeyInternalCryptoProvider</c>,
    /// <c>AES/GCM/NoPadding</c>); without one, its start script writes a random key into the product's copy of
    /// deployment.toml, which the image's entrypoint replaces at the next start.</summary>
    public bool HasInternalEncryptionKey => Minor >= 7;

    /// <summary>The version of <c>wso2is.notification.event.handlers</c> (apim-km-wso2is) WSO2's docs for this APIM
    /// version put into IS's dropins: the connector version it ships (product-apim all-in-one-apim/pom.xml
    /// <c>wso2is7.km.version</c>; 4.7.0 docs configure-wso2is7-connector.md ask for 2.1.3).</summary>
    public string NotificationHandlerVersion => Minor switch { 3 => "2.0.2", 4 => "2.0.3", 5 => "2.0.4", 6 => "2.0.8", _ => "2.1.3" };

    public override string ToString() => Version;
}

/// <summary>The versions KmLab supports, and its default pair.</summary>
public static class Wso2Versions
{
    public static IReadOnlyList<IdentityServerVersion> IdentityServer { get; } =
        [new("7.0.0"), new("7.1.0"), new("7.2.0"), new("7.3.0")];

    public static IReadOnlyList<ApiManagerVersion> ApiManager { get; } =
        [new("4.3.0"), new("4.4.0"), new("4.5.0"), new("4.6.0"), new("4.7.0")];

    /// <summary>The newest GA pair, IS 7.3.0 with APIM 4.7.0 (product-is v7.3.0, product-apim v4.7.0; no later tag).</summary>
    public static IdentityServerVersion DefaultIdentityServer => IdentityServer[^1];
    public static ApiManagerVersion DefaultApiManager => ApiManager[^1];

    public static IdentityServerVersion ParseIdentityServer(string version) =>
        IdentityServer.FirstOrDefault(v => v.Version == version?.Trim())
        ?? throw new LabException(ExitCodes.UnsupportedVersion,
            $"IS version '{version}' is not supported; use --is-version with one of {string.Join(", ", IdentityServer)}.");

    public static ApiManagerVersion ParseApiManager(string version) =>
        ApiManager.FirstOrDefault(v => v.Version == version?.Trim())
        ?? throw new LabException(ExitCodes.UnsupportedVersion,
            $"APIM version '{version}' is not supported; use --apim-version with one of {string.Join(", ", ApiManager)}.");
}

/// <summary>Image names and the container layout shared by both WSO2 images.</summary>
public static class Wso2Images
{
    public const string IdentityServer = "wso2/wso2is";
    public const string ApiManager = "wso2/wso2am";
    public const string UserHome = "/home/wso2carbon";

    /// <summary>The entrypoint copies this folder over the product home at every start.</summary>
    public const string ConfigVolume = UserHome + "/wso2-config-volume";

    /// <summary>JVM heap, read by the images' start scripts.</summary>
    public const string JvmMemOptsVariable = "JVM_MEM_OPTS";
}

/// <summary>Carbon's ports before <c>[server] offset</c> is added (wso2/product-apim@2530387c:all-in-one-apim/modules/distribution/product/src/main/conf/deployment.toml:3; the servlet port as
/// <c>${mgt.transport.https.port}</c> and the gateway's as <c>${https.nio.port}</c> in the same file).</summary>
public static class Wso2Ports
{
    public const int ServletHttps = 9443;
    public const int ServletHttp = 9763;
    public const int GatewayHttps = 8243;
    public const int GatewayHttp = 8280;

    /// <summary>The lab runs IS with offset 1 (9444) beside APIM (9443), inside and outside the containers, so a URL
    /// differs between the host and the lab network only by its host name.</summary>
    public const int DefaultIdentityServerOffset = 1;
}
