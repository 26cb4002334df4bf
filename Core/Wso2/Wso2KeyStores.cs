namespace KmLab.Lab.Wso2;

/// <summary>The keystore conventions both images ship with (wso2/product-apim@2530387c:all-in-one-apim/modules/distribution/product/src/main/conf/deployment.toml:28-33, <c>[keystore.tls]</c>;
/// wso2/product-is@v7.1.0:modules/distribution/src/repository/resources/conf/deployment.toml, <c>[keystore.primary]</c>).</summary>
public static class Wso2KeyStores
{
    public const string Password = "wso2carbon";
    public const string Alias = "wso2carbon";

    /// <summary>The truststore alias under which APIM looks up its own signing (primary keystore) certificate to
    /// validate Publisher internal keys (Try Out) and API-key JWTs (carbon-apimgt
    /// <c>org.wso2.carbon.apimgt.common.gateway.constants.APIConstants.GATEWAY_PUBLIC_CERTIFICATE_ALIAS</c>;
    /// <c>InternalAPIKeyAuthenticator</c> → <c>GatewayUtils.getCertificateFromParentTrustStore</c>).</summary>
    public const string ApiManagerSigningCertificateAlias = "gateway_certificate_alias";

    /// <summary>The primary keystore: TLS, token signing and internal encryption all use it.</summary>
    public static string KeyStoreFileName(KeyStoreFormat format) => "wso2carbon" + Extension(format);

    public static string TrustStoreFileName(KeyStoreFormat format) => "client-truststore" + Extension(format);

    /// <summary>The <c>type</c> value deployment.toml expects.</summary>
    public static string TomlType(KeyStoreFormat format) => format == KeyStoreFormat.Jks ? "JKS" : "PKCS12";

    private static string Extension(KeyStoreFormat format) => format == KeyStoreFormat.Jks ? ".jks" : ".p12";
}
