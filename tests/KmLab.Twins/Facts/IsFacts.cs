namespace KmLab.Twins.Facts;

// WSO2 Identity Server 7 facts the IS twin states itself. Full citations: docs/twins.md, "Identity Server".

internal static class IsFacts
{
    /// <summary>product-is v7.0.0 ships <c>wso2carbon.jks</c>/<c>client-truststore.jks</c>; v7.1.0 and later ship
    /// PKCS12 (<c>[keystore.primary] file_name = "wso2carbon.p12"</c>, <c>[truststore] client-truststore.p12</c>).</summary>
    public static StoreFormat StoreFormat(string version) => version.StartsWith("7.0.", StringComparison.Ordinal) ? Facts.StoreFormat.Jks : Facts.StoreFormat.Pkcs12;

    // Endpoints (IS 7 OpenID discovery document and the connector's defaults, KMIS v2.0.8 WSO2IS7ConnectorConfiguration).
    public const string WellKnown = "/oauth2/token/.well-known/openid-configuration";
    public const string Token = "/oauth2/token";

    /// <summary>The same discovery document under the discovery endpoint's own path (identity-inbound-auth-oauth@5bb3e844 OAuthConstants
    /// OAUTH2_DISCOVERY_EP_URL, OIDCDiscoveryEndpoint "oidcdiscovery").</summary>
    public const string DiscoveryWellKnown = "/oauth2/oidcdiscovery/.well-known/openid-configuration";
    public const string Jwks = "/oauth2/jwks";
    public const string Introspect = "/oauth2/introspect";
    public const string Revoke = "/oauth2/revoke";
    public const string Authorize = "/oauth2/authorize";
    public const string UserInfo = "/oauth2/userinfo";
    public const string Logout = "/oidc/logout";

    // The login leg of the authorization-code flow: the authentication framework's endpoint and the login page
    // (authenticationendpoint webapp) that posts to it.
    public const string CommonAuth = "/commonauth";
    public const string LoginPage = "/authenticationendpoint/login.do";
    public const string OAuthErrorPage = "/authenticationendpoint/oauth2_error.do";

    // The device flow (identity-inbound-auth-oauth@5bb3e844 endpoint/device/DeviceEndpoint.java @Path, UserAuthenticationEndpoint.java
    // @Path; oauth2/device/constants/Constants.java DEVICE_ENDPOINT_PATH, DEVICE_SUCCESS_ENDPOINT_PATH).
    public const string DeviceAuthorize = "/oauth2/device_authorize";
    public const string Device = "/oauth2/device";
    public const string DevicePage = "/authenticationendpoint/device.do";
    public const string DeviceSuccessPage = "/authenticationendpoint/device_success.do";

    /// <summary>JWTTokenIssuer DEFAULT_TYP_HEADER_VALUE: the <c>typ</c> header of IS 7's JWT access tokens
    /// (identity-inbound-auth-oauth@3e682faa L98, L377; identity-inbound-auth-oauth@5bb3e844 L112, L711).</summary>
    public const string AccessTokenType = "at+jwt";

    /// <summary>The super tenant's domain, which a user's fully qualified name ends with.</summary>
    public const string SuperTenantDomain = "carbon.super";

    /// <summary>The handler name an <c>[[resource.access_control]] allowed_auth_handlers</c> must list before IS
    /// accepts a client's own credentials at <c>/oauth2/introspect</c>; by default only a user's Basic works.</summary>
    public const string ClientAuthenticationHandler = "BasicClientAuthentication";
    public const string BasicAuthenticationHandler = "BasicAuthentication";
    public const string ScimMe = "/scim2/Me";
    public const string Roles = "/scim2/v2/Roles";
    public const string ApiResources = "/api/server/v1/api-resources";
    public const string Scopes = "/api/identity/oauth2/v1.0/scopes";
    public const string Dcr = "/api/identity/oauth2/dcr/v1.1/register";
    public const string HealthCheck = "/api/health-check/v1.0/health";

    /// <summary>The listener class of the revocation notifier (KMIS 2.x <c>ApimOauthEventInterceptor.java</c>), as
    /// the <c>[[event_listener]] name</c>, and the property prefix of the headers it adds.</summary>
    public const string NotificationListener = "org.wso2.is.notification.ApimOauthEventInterceptor";
    public const string NotificationHeaderProperty = "header.X-WSO2-KEY-MANAGER";

    /// <summary>The jar that holds that class: artifactId <c>wso2is.notification.event.handlers</c> (KMIS 2.x
    /// components/wso2is.notification.event.handlers/pom.xml L11), dropped into <c>repository/components/dropins</c>.</summary>
    public const string NotificationJarPrefix = "wso2is.notification.event.handlers-";

    /// <summary>KMIS 2.x NotificationConstants.TOKEN_REVOCATION_EVENT.</summary>
    public const string TokenRevocationEventType = "token_revocation";

    /// <summary>SCIM2 role names IS keeps for itself (refused over SCIM unless <c>[role_mgt] allow_system_prefix_for_role</c>).</summary>
    public const string SystemRolePrefix = "system_";
}
