namespace KmLab.Provisioner.Wso2;

/// <summary>The keystore conventions both images ship with (wso2-facts.md, "Keystores and trust").</summary>
public static class Wso2KeyStores
{
    public const string Password = "wso2carbon";
    public const string Alias = "wso2carbon";

    /// <summary>The primary keystore: TLS, token signing and internal encryption all use it.</summary>
    public static string KeyStoreFileName(KeyStoreFormat format) => "wso2carbon" + Extension(format);

    public static string TrustStoreFileName(KeyStoreFormat format) => "client-truststore" + Extension(format);

    /// <summary>The <c>type</c> value deployment.toml expects.</summary>
    public static string TomlType(KeyStoreFormat format) => format == KeyStoreFormat.Jks ? "JKS" : "PKCS12";

    private static string Extension(KeyStoreFormat format) => format == KeyStoreFormat.Jks ? ".jks" : ".p12";
}
