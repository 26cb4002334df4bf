namespace KmLab.Lab.Wso2;

/// <summary>Paths of the API Manager endpoints the lab calls (wso2/carbon-apimgt@e62b84c9:components/apimgt/org.wso2.carbon.apimgt.rest.api.admin.v1/src/main/resources/admin-api.yaml), written once for the
/// Provisioner's Refit clients and the hosting package's readiness checks.</summary>
public static class ApimEndpoints
{
    /// <summary>Turns 200 once APIM has started, without authentication (wso2/carbon-apimgt@e62b84c9:features/apimgt/org.wso2.carbon.apimgt.core.feature/src/main/resources/conf_templates/templates/repository/conf/api-manager.xml.j2:980).</summary>
    public const string StartupHealthCheck = "/api/am/gateway/v2/server-startup-healthcheck";

    /// <summary>APIM's own DCR for REST API clients: Basic admin credentials, answers 200 (not 201).</summary>
    public const string ClientRegistration = "/client-registration/v0.17/register";

    /// <summary>APIM's token endpoint on the servlet port (9443), never the gateway's (8243).</summary>
    public const string Token = "/oauth2/token";

    public const string AdminBase = "/api/am/admin/v4";
    public const string KeyManagers = AdminBase + "/key-managers";
    public const string KeyManager = KeyManagers + "/{keyManagerId}";
    public const string KeyManagersDiscover = KeyManagers + "/discover";
    public const string Settings = AdminBase + "/settings";

    public const string DevPortalBase = "/api/am/devportal/v3";
    public const string Applications = DevPortalBase + "/applications";
    public const string Application = Applications + "/{applicationId}";
    public const string ApplicationGenerateKeys = Application + "/generate-keys";
    public const string ApplicationOAuthKeys = Application + "/oauth-keys";
    public const string ApplicationOAuthKey = ApplicationOAuthKeys + "/{keyMappingId}";
    public const string ApplicationRegenerateSecret = ApplicationOAuthKey + "/regenerate-secret";

    /// <summary>Removes a key mapping that a failed key generation left behind (devportal-api.yaml v3, APIM 4.3–4.6:
    /// no body, 200 with an empty body).</summary>
    public const string ApplicationOAuthKeyCleanUp = ApplicationOAuthKey + "/clean-up";
}

/// <summary>OAuth2 scopes of APIM's REST APIs that <c>register</c> asks for.</summary>
public static class ApimScopes
{
    public const string Admin = "apim:admin";
    public const string AdminOperations = "apim:admin_operations";
    public const string KeyManagersManage = "apim:keymanagers_manage";

    /// <summary><c>GET /settings</c> wants this one besides <c>apim:admin</c>.</summary>
    public const string AdminSettings = "apim:admin_settings";

    /// <summary>DevPortal: create applications and generate their keys.</summary>
    public const string Subscribe = "apim:subscribe";
    public const string AppManage = "apim:app_manage";

    /// <summary>Everything <c>register</c> does, in one token (space-separated, as OAuth2 wants it).</summary>
    public static string Register => string.Join(' ', Admin, AdminOperations, KeyManagersManage, AdminSettings, Subscribe, AppManage);
}

/// <summary>APIM's error codes in <c>Error.code</c> that <c>register</c> tells apart.</summary>
public static class ApimErrorCodes
{
    /// <summary>400: the Key Manager type is unknown (the connector is not installed).</summary>
    public const long KeyManagerTypeUnknown = 901400;

    /// <summary>400: a required connector setting is missing (its key is named only in the server log).</summary>
    public const long ConnectorConfigurationMissing = 901401;

    /// <summary>409: a Key Manager with that name already exists.</summary>
    public const long KeyManagerNameExists = 901402;

    /// <summary>400 at generate-keys: APIM's database has no Key Manager of that name (it checks the database only,
    /// where a new Key Manager is at once; <c>ExceptionCodes.java</c> KEY_MANAGER_NOT_FOUND / _NOT_REGISTERED).</summary>
    public const long KeyManagerNotRegistered = 901403;

    /// <summary>409 at generate-keys: the application already has a key mapping for that key type and Key Manager,
    /// possibly a half-made one that a failed generation left (<c>ExceptionCodes.java</c> KEY_MAPPING_ALREADY_EXIST).</summary>
    public const long KeyMappingExists = 901409;

    /// <summary>409 at API create or import: another API has the context (ExceptionCodes API_CONTEXT_ALREADY_EXISTS,
    /// thrown by PublisherCommonUtils when no version of the same name exists).</summary>
    public const long ApiContextAlreadyExists = 900251;

    /// <summary>404 at the gateway: the API is deployed but has no resource for the request (a revision with it has
    /// not arrived yet, or the operation does not exist; APISecurityConstants/RESTConstants 900906).</summary>
    public const long GatewayResourceNotFound = 900906;

    /// <summary>400 at import or definition update: the OpenAPI document is refused (ExceptionCodes 900751–900762:
    /// invalid, unparsable, unrecognised, no info/paths, URL not retrievable).</summary>
    public static bool IsOpenApiRefusal(long code) => code is >= 900751 and <= 900762;
}

/// <summary>Facts of the WSO2 IS 7 Key Manager connector (wso2-extensions/apim-km-wso2is@df27fd8c:components/wso2is7.key.manager/src/main/java/org/wso2/is7/client/WSO2IS7KeyManagerConstants.java:26; its configuration fields in
/// wso2-extensions/apim-km-wso2is@df27fd8c:components/wso2is7.key.manager/src/main/java/org/wso2/is7/client/WSO2IS7ConnectorConfiguration.java).</summary>
public static class Is7Connector
{
    /// <summary>The connector type for IS 7 (<c>WSO2-IS</c> is the IS 5.x/6.x one). Shipped from APIM 4.3.0.</summary>
    public const string Type = "WSO2-IS-7";

    /// <summary>What GET masks a <c>mask: true</c> property with; sending it back on PUT keeps the stored value.</summary>
    public const string MaskedValue = "*****";

    /// <summary>IS 7 puts the client id into <c>azp</c> and the scopes into <c>scope</c>.</summary>
    public const string ConsumerKeyClaim = "azp";
    public const string ScopesClaim = "scope";

    public const string TokenTypeDirect = "DIRECT";
    public const string CertificateTypeJwks = "JWKS";
    public const string CertificateTypePem = "PEM";

    /// <summary>Organizations a Key Manager serves (4.5.0+); <c>ALL</c> is what the admin portal sends.</summary>
    public const string AllOrganizations = "ALL";

    /// <summary>The grant types the lab asks for on the Key Manager; those the IS well-known document does not
    /// advertise are dropped at registration.</summary>
    public static IReadOnlyList<string> SeedGrantTypes { get; } =
    [
        "password", "client_credentials", "refresh_token", "urn:ietf:params:oauth:grant-type:saml2-bearer", "iwa:ntlm",
        "urn:ietf:params:oauth:grant-type:device_code", "authorization_code",
        "urn:ietf:params:oauth:grant-type:jwt-bearer", "urn:ietf:params:oauth:grant-type:token-exchange",
    ];

    /// <summary>Names of the connector's <c>additionalProperties</c>.</summary>
    public static class Properties
    {
        public const string Username = "Username";

        /// <summary>Masked by GET as <see cref="MaskedValue"/>.</summary>
        public const string Password = "Password";

        /// <summary>4.4.0+, required.</summary>
        public const string ApiResourceManagementEndpoint = "api_resource_management_endpoint";

        /// <summary>4.4.0+, required.</summary>
        public const string RolesEndpoint = "is7_roles_endpoint";

        /// <summary>4.5.0+, a JSON boolean.</summary>
        public const string EnableRolesCreation = "enable_roles_creation";

        /// <summary>4.6.0+: <see cref="BasicAuth"/> (Username/Password) or <see cref="MutualTls"/>.</summary>
        public const string Authentication = "Authentication";

        /// <summary>4.6.0+, a JSON boolean.</summary>
        public const string UserSchemaCacheEnabled = "user_schema_cache_enabled";

        /// <summary>Mirror of <c>enableSelfValidationJWT</c> that the admin portal writes; the top-level field is the switch.</summary>
        public const string SelfValidateJwt = "self_validate_jwt";

        public const string BasicAuth = "BasicAuth";
        public const string MutualTls = "MutualTLS";
    }

    /// <summary>The connector properties an APIM version requires (the connector's configuration fields at the tag
    /// each APIM version ships: apim-km-wso2is v2.0.2, v2.0.3, v2.0.4, v2.0.8, v2.1.3); <c>/settings</c> says the same
    /// where it lists them, and wins when it does.</summary>
    public static IReadOnlyList<string> RequiredProperties(ApiManagerVersion version)
    {
        var names = new List<string> { Properties.Username, Properties.Password };
        if (version.HasRoleEndpoints) names.AddRange([Properties.ApiResourceManagementEndpoint, Properties.RolesEndpoint]);
        if (version.HasAuthenticationMode) names.Add(Properties.Authentication);
        return names;
    }
}
