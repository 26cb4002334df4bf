namespace KmLab.Provisioner.Configuration;

/// <summary>The <c>[[event_listener]]</c> through which a WSO2 identity component tells APIM that a token was revoked
/// (wso2/product-apim@2530387c:all-in-one-apim/modules/distribution/product/src/main/conf/deployment.toml, <c>[[event_listener]]</c> <c>token_revocation</c>). APIM ships it for its resident Key Manager; IS needs it added, plus the
/// notification handler jar in its dropins, to notify APIM about tokens IS revokes.</summary>
public static class TokenRevocationListener
{
    public const string Id = "token_revocation";

    /// <summary>The extension point the listener hooks into; any other type is not loaded for this purpose.</summary>
    public const string Type = "org.wso2.carbon.identity.core.handler.AbstractIdentityHandler";

    /// <summary>The interceptor class the notification handler jar provides.</summary>
    public const string Name = "org.wso2.is.notification.ApimOauthEventInterceptor";

    public const int Order = 1;

    /// <summary>APIM's internal endpoint that takes revocation events (servlet port).</summary>
    public const string NotifyPath = "/internal/data/v1/notify";

    /// <summary>The property key that becomes the <c>X-WSO2-KEY-MANAGER</c> header of each notification. WSO2 writes
    /// it single-quoted; a double-quoted key is the same TOML key, and WSO2's parser normalises both.</summary>
    public const string KeyManagerHeaderProperty = "header.X-WSO2-KEY-MANAGER";

    /// <summary>The header value APIM maps to an IS 7 Key Manager: any other value is dropped silently with a 200.</summary>
    public const string IdentityServerKeyManager = "WSO2-IS";

    /// <summary>The header value of APIM's own (resident) Key Manager, as APIM ships it.</summary>
    public const string ResidentKeyManager = "default";

    public static string NotificationEndpoint(string apimHost, int apimHttpsPort) => $"https://{apimHost}:{apimHttpsPort}{NotifyPath}";

    internal static EventListenerSection Section(string notificationEndpoint, string username, string password, string keyManager) =>
        new(Id, Type, Name, Order,
        [
            new("notification_endpoint", notificationEndpoint),
            new("username", username),
            new("password", password),
            new(KeyManagerHeaderProperty, keyManager),
        ]);
}
