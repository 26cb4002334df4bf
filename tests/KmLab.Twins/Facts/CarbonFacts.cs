namespace KmLab.Twins.Facts;

// WSO2 facts both products share (the Carbon kernel and WSO2's images). Full citations: docs/twins.md, "Carbon".

/// <summary>A keystore format as deployment.toml names it in <c>type</c>.</summary>
internal enum StoreFormat { Jks, Pkcs12 }

internal static class CarbonFacts
{
    /// <summary>docker-apim 4.3.x–4.6.x and docker-is 7.0.x–7.3.x <c>docker-entrypoint.sh</c>: copies this folder over
    /// the product home (<c>cp -RL …/wso2-config-volume/* …</c>) at every start.</summary>
    public const string ConfigVolume = "/home/wso2carbon/wso2-config-volume";
    public const string UserHome = "/home/wso2carbon";

    /// <summary>Under the product home (and so under the config volume).</summary>
    public static string DeploymentToml(string home) => Path.Combine(home, "repository", "conf", "deployment.toml");
    public static string SecurityDirectory(string home) => Path.Combine(home, "repository", "resources", "security");
    public static string Dropins(string home) => Path.Combine(home, "repository", "components", "dropins");

    /// <summary>carbon.xml <c>Ports/ServletTransports/HTTPS</c> 9443 and the gateway's passthrough HTTPS 8243,
    /// both moved by <c>[server] offset</c>.</summary>
    public const int ServletHttps = 9443;
    public const int GatewayHttps = 8243;

    /// <summary>The shipped keystores' store password, key password and key alias (deployment.toml
    /// <c>[keystore.tls]</c>/<c>[keystore.primary]</c> defaults in both products).</summary>
    public const string KeyStorePassword = "wso2carbon";
    public const string KeyAlias = "wso2carbon";

    public static string Extension(StoreFormat format) => format == StoreFormat.Jks ? ".jks" : ".p12";
    public static string TomlType(StoreFormat format) => format == StoreFormat.Jks ? "JKS" : "PKCS12";

    /// <summary>The primary keystore and the truststore of a product that ships <paramref name="format"/> stores.</summary>
    public static string KeyStoreFile(StoreFormat format) => "wso2carbon" + Extension(format);
    public static string TrustStoreFile(StoreFormat format) => "client-truststore" + Extension(format);

    /// <summary>OAuth 2 grant type names (RFC 6749 §4.3, §4.4) as both products spell them.</summary>
    public const string ClientCredentialsGrant = "client_credentials";
    public const string PasswordGrant = "password";
    public const string RefreshTokenGrant = "refresh_token";
    public const string AuthorizationCodeGrant = "authorization_code";
    public const string DeviceCodeGrant = "urn:ietf:params:oauth:grant-type:device_code";
}
