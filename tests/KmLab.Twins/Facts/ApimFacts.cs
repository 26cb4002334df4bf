namespace KmLab.Twins.Facts;

// WSO2 API Manager facts the APIM twin states itself. Each line names its source briefly; docs/twins.md has the
// full citation (repository, commit, path, line). CAM-4.3 = carbon-apimgt fb680d80 (v9.29.120), CAM-4.6 = e62b84c9
// (v9.32.147); KMIS = wso2-extensions/apim-km-wso2is at the tag shipped with the APIM version.

/// <summary>The APIM version the twin plays, and what differs between versions.</summary>
internal sealed record ApimRelease(string Version)
{
    private int Minor => int.TryParse(Version.Split('.').ElementAtOrDefault(1), out var m) ? m : 0;

    /// <summary>product-apim all-in-one-apim/pom.xml <c>wso2is7.km.version</c>: 4.3.0→2.0.2, 4.4.0→2.0.3,
    /// 4.5.0→2.0.4, 4.6.0→2.0.8, 4.7.0→2.1.3.</summary>
    public string ConnectorVersion => Minor switch { 3 => "2.0.2", 4 => "2.0.3", 5 => "2.0.4", 6 => "2.0.8", _ => "2.1.3" };

    /// <summary>KMIS v2.0.3+: <c>api_resource_management_endpoint</c> and <c>is7_roles_endpoint</c> (required).</summary>
    public bool ConnectorHasRoleEndpoints => Minor >= 4;

    /// <summary>KMIS v2.0.4+: <c>enable_roles_creation</c> checkbox.</summary>
    public bool ConnectorHasRoleCreation => Minor >= 5;

    /// <summary>KMIS v2.0.8 (and 2.1.x): credentials move to <c>getAuthConfigurations()</c> (the <c>Authentication</c>
    /// dropdown), <c>user_schema_cache_enabled</c> appears; admin-api.yaml 4.6.0 adds <c>authConfigurations</c>.</summary>
    public bool ConnectorHasAuthConfigurations => Minor >= 6;

    /// <summary>admin-api.yaml 4.6.0 adds <c>KeyManagerConfiguration.updateDisabled</c>; its DTO initialises it to
    /// <c>false</c>, so every connector setting carries it from 4.6 on and none before (carbon-apimgt
    /// e62b84c9 rest.api.admin.v1 <c>KeyManagerConfigurationDTO.java</c> L34; absent at fb680d80, f3adc4d4, 2a785f86).</summary>
    public bool SettingsHaveUpdateDisabled => Minor >= 6;

    /// <summary>4.7.0 encrypts internal data with the symmetric key of <c>[encryption] key</c> (PAPIM v4.7.0
    /// <c>…/resources/conf/default.json</c>: <c>SymmetricKeyInternalCryptoProvider</c>, <c>AES/GCM/NoPadding</c>;
    /// <c>api-manager.sh</c> L320 runs EncryptionKeyGenerator first). Earlier versions encrypt with the keystore's
    /// RSA key, which the twin does not model.</summary>
    public bool EncryptsWithSymmetricKey => Minor >= 7;

    /// <summary>KMIS 2.1.x WSO2IS7KeyManager (v2.1.2 L854-864, L1851-1888): a userinfo endpoint not ending in
    /// <c>scim2/me</c> sends user-claim lookups to <c>POST …/claims/generate</c> below it (the Key Manager's
    /// <c>/keymanager-operations/user-info</c> when none is set). 2.0.x (v2.0.2–v2.0.8 <c>getUserClaims</c>) always
    /// sends <c>GET</c> to the userinfo endpoint with the user's token.</summary>
    public bool ConnectorRoutesClaimsByUserInfoEndpoint => Minor >= 7;

    /// <summary>APIM ships JKS stores in every supported version (product-apim …/resources/security/wso2carbon.jks,
    /// client-truststore.jks; deployment.toml <c>[keystore.tls] type = "JKS"</c>).</summary>
    public StoreFormat StoreFormat => StoreFormat.Jks;

    public override string ToString() => Version;
}

internal static class ApimFacts
{
    // --- Routes ---------------------------------------------------------------------------------------------------
    /// <summary>AllowedURI in api-manager.xml.j2 (CAM-4.6 L980): no authentication.</summary>
    public const string StartupHealthCheck = "/api/am/gateway/v2/server-startup-healthcheck";
    /// <summary>APIM's own DCR for REST API clients (CAM RegistrationServiceImpl, answers 200).</summary>
    public const string ClientRegistration = "/client-registration/v0.17/register";
    public const string Token = "/oauth2/token";
    /// <summary>internal-data-service NotifyApi (CAM-4.6 NotifyApi.java L46).</summary>
    public const string Notify = "/internal/data/v1/notify";

    public const string AdminBase = "/api/am/admin/v4";
    public const string KeyManagers = AdminBase + "/key-managers";
    public const string KeyManager = KeyManagers + "/{keyManagerId}";
    public const string KeyManagersDiscover = KeyManagers + "/discover";
    public const string Settings = AdminBase + "/settings";

    public const string DevPortalBase = "/api/am/devportal/v3";
    public const string Applications = DevPortalBase + "/applications";
    public const string Application = Applications + "/{applicationId}";
    public const string GenerateKeys = Application + "/generate-keys";
    public const string OAuthKeys = Application + "/oauth-keys";
    /// <summary>devportal-api.yaml (CAM-4.6 L3155): "Clean up keys after failed key generation"; 200, empty body.</summary>
    public const string OAuthKeyCleanUp = OAuthKeys + "/{keyMappingId}/clean-up";
    /// <summary>devportal-api.yaml <c>POST /applications/{applicationId}/oauth-keys/{keyMappingId}/generate-token</c>.</summary>
    public const string OAuthKeyGenerateToken = OAuthKeys + "/{keyMappingId}/generate-token";
    /// <summary>devportal-api.yaml <c>GET /key-managers</c> (scope <c>apim:subscribe</c>).</summary>
    public const string DevPortalKeyManagers = DevPortalBase + "/key-managers";
    public const string Subscriptions = DevPortalBase + "/subscriptions";

    public const string PublisherBase = "/api/am/publisher/v4";
    public const string Apis = PublisherBase + "/apis";
    public const string Api = Apis + "/{apiId}";
    public const string ApiRevisions = Api + "/revisions";
    public const string ApiDeployRevision = Api + "/deploy-revision";
    public const string ApiDeployments = Api + "/deployments";
    public const string ChangeLifecycle = Apis + "/change-lifecycle";
    /// <summary>publisher-api.yaml <c>getAPILifecycleState</c>.</summary>
    public const string ApiLifecycleState = Api + "/lifecycle-state";
    /// <summary>publisher-api.yaml <c>importOpenAPIDefinition</c> (CAM-4.6 L5196, CAM-4.3 L2235): multipart.</summary>
    public const string ApiImportOpenApi = Apis + "/import-openapi";
    /// <summary>publisher-api.yaml <c>updateAPISwagger</c> (CAM-4.6 L799, CAM-4.3 L532): multipart <c>apiDefinition</c>.</summary>
    public const string ApiSwagger = Api + "/swagger";
    public static readonly IReadOnlySet<string> OpenApiVerbs = new HashSet<string> { "get", "put", "post", "delete", "patch", "head", "options" };
    /// <summary>APIConstants.AUTH_APPLICATION_OR_USER_LEVEL_TOKEN: what an imported operation without x-auth-type gets
    /// internally (CAM-4.6 OAS3Parser L503-509).</summary>
    public const string AuthTypeAny = "Any";
    /// <summary>APIConstants.OASResourceAuthTypes.APPLICATION_OR_APPLICATION_USER (CAM-4.6 APISpecParserConstants L210):
    /// what the REST API shows for <see cref="AuthTypeAny"/> and for any internal value it does not map otherwise
    /// (APIMappingUtil.mapInternalToOASAuthType L3673-3684).</summary>
    public const string AuthTypeApplicationOrUser = "Application & Application User";
    /// <summary>APISpecParserConstants.X_WSO2_DISABLE_SECURITY (CAM-4.6 L118): true at the API or the operation level
    /// makes the operation's <c>x-auth-type</c> None (OAS3Parser.processDisableSecurityExtension L2526-2560).</summary>
    public const string DisableSecurityExtension = "x-wso2-disable-security";
    /// <summary>APIConstants.AUTH_NO_AUTHENTICATION (CAM-4.6 L1433): the gateway serves the resource without a token
    /// (APIAuthenticationHandler L501-507, handleNoAuthentication).</summary>
    public const string AuthTypeNone = "None";
    /// <summary>publisher-api.yaml (CAM-4.6 L6929) <c>generateInternalAPIKey</c>: 200 <c>{apikey, validityTime}</c>.</summary>
    public const string ApiGenerateKey = Api + "/generate-key";

    // --- Scopes (admin-api.yaml, devportal-api.yaml, publisher-api.yaml of CAM-4.3 and CAM-4.6) --------------------
    public const string ScopeAdmin = "apim:admin";
    public const string ScopeAdminOperations = "apim:admin_operations";
    public const string ScopeKeyManagersManage = "apim:keymanagers_manage";
    public const string ScopeAdminSettings = "apim:admin_settings";
    public const string ScopeSubscribe = "apim:subscribe";
    public const string ScopeAppManage = "apim:app_manage";
    public const string ScopeSubManage = "apim:sub_manage";
    public const string ScopeApiView = "apim:api_view";
    public const string ScopeApiCreate = "apim:api_create";
    public const string ScopeApiPublish = "apim:api_publish";
    public const string ScopeApiManage = "apim:api_manage";
    public const string ScopeApiGenerateKey = "apim:api_generate_key";

    /// <summary>The REST API scopes the twin's APIs ask for (each is in the tenant's RESTAPIScopes map with roles).</summary>
    public static readonly IReadOnlySet<string> RestApiScopes = new HashSet<string>
    {
        ScopeAdmin, ScopeAdminOperations, ScopeKeyManagersManage, ScopeAdminSettings, ScopeSubscribe, ScopeAppManage,
        ScopeSubManage, ScopeApiView, ScopeApiCreate, ScopeApiPublish, ScopeApiManage, ScopeApiGenerateKey,
    };

    /// <summary>SystemScopesIssuer (CAM-4.6 L83, L418): what a token carries when no requested scope is granted.</summary>
    public const string DefaultScope = "default";

    // --- Error codes (CAM-4.6 ExceptionCodes.java; same numbers and statuses at CAM-4.3) ---------------------------
    public static readonly WireError KeyManagerTypeNotConfigured = new(901400, 400, "Key Manager Type not configured", "Key Manager Type not configured"); // L444
    public static readonly WireError RequiredConfigurationMissing = new(901401, 400, "Required Key Manager configuration missing", "Missing required configuration"); // L445
    public static readonly WireError KeyManagerAlreadyExists = new(901402, 409, "Key Manager Already Exists", "Key Manager Already Exists"); // L447
    public static readonly WireError KeyManagerNotRegistered = new(901403, 400, "Key Manager not Registered", "Key Manager not Registered"); // L448
    public static readonly WireError KeyMappingAlreadyExists = new(901409, 409, "Key Mappings already exists", "Key Mappings already exists"); // L464
    public static readonly WireError KeyManagerNotFound = new(901411, 404, "Key Manager not Found", "Key Manager not found"); // L449
    public static readonly WireError ApiContextAlreadyExists = new(900251, 409, "The API context already exists.", "An API with context '{0}' already exists"); // L33
    public static readonly WireError ApiAlreadyExists = new(900300, 409, "The API already exists.", "The API already exists"); // L40
    public static readonly WireError ApiUpdateForbiddenPerLifecycle = new(900380, 403, "Insufficient permission to update the API", "Updating the API is restricted as as it is {0}."); // L128
    public static readonly WireError GatewayEnvironmentNotFound = new(900504, 400, "Invalid Gateway Environment", "Gateway Environment with name '{0}' not found"); // L159
    public static readonly WireError VhostNotProvided = new(900511, 400, "Gateway Environment virtual hosts name not provided", "Gateway Environment VHOST name not provided"); // L174
    public static readonly WireError InvalidVhost = new(900512, 400, "Invalid virtual host name provided", "Virtual host with provided vhost name does not exist"); // L176
    public static readonly WireError OpenApiNoInfoOrPaths = new(900753, 400, "Invalid OpenAPI Definition", "Required property 'info' or 'paths' are not provided."); // L263
    public static readonly WireError OpenApiParseError = new(900754, 400, "Error while parsing OpenAPI definition", "Error while parsing OpenAPI definition"); // L264
    public static readonly WireError AdditionalPropertiesMissing = new(903215, 400, "'additionalProperties' is required and should not be null", "The field 'additionalProperties' is required and should not be null"); // L681
    public static readonly WireError AdditionalPropertiesUnparsable = new(903216, 400, "Error while parsing 'additionalProperties'", "Error while parsing 'additionalProperties'"); // L685
    /// <summary>Any APIManagementException without its own code (APIManagementException(String) → INTERNAL_ERROR, L341).</summary>
    public static readonly WireError KeyManagerDoesNotCreateOAuthApps = new(901405, 400, "Key Manager doesn't support generating OAuth applications", "Key Manager doesn't support generating OAuth applications"); // L455
    /// <summary>GlobalThrowableMapper (CAM-4.6 rest.api.util L128-138) for the interceptors' AuthenticationException:
    /// code 401, empty message, the exception text as description.</summary>
    public static readonly WireError RestScopeValidationFailed = new(401, 401, "", "Unauthenticated request");
    public static readonly WireError GeneralError = new(900967, 500, "General Error", "Server Error Occurred");

    // --- Key mappings (CAM-4.6 ApiMgtDAO.createApplicationRegistrationEntry L300-308, APIConstants L1567-1570) -------
    /// <summary>The row's STATE right after the insert: the workflow status, APPROVED with the simple executor.</summary>
    public const string KeyStateApproved = "APPROVED";
    /// <summary>Set once the Key Manager created the client (AbstractApplicationRegistrationWorkflowExecutor L160).</summary>
    public const string KeyStateCompleted = "COMPLETED";
    public const string KeyModeCreated = "CREATED";

    // --- Key Managers -----------------------------------------------------------------------------------------------
    /// <summary>APIConstants.KeyManager.DEFAULT_KEY_MANAGER / DEFAULT_KEY_MANAGER_TYPE (CAM-4.6 L3040).</summary>
    public const string ResidentKeyManagerName = "Resident Key Manager";
    public const string ResidentKeyManagerType = "default";
    /// <summary>KMIS WSO2ISConstants.WSO2IS_TYPE: the IS 5.x/6.x connector.</summary>
    public const string LegacyIsType = "WSO2-IS";
    /// <summary>KMIS WSO2IS7KeyManagerConstants.WSO2_IS7_TYPE / WSO2_IS7_DISPLAY_NAME.</summary>
    public const string Is7Type = "WSO2-IS-7";
    public const string Is7DisplayName = "WSO2 Identity Server 7";
    public const string MaskedValue = "*****";
    /// <summary>carbon-apimgt APIConstants.KeyManager.KEY_MANAGER_OPERATIONS_USERINFO_ENDPOINT: the connector's
    /// default user-info base when the Key Manager names no userinfo endpoint (KMIS v2.1.2 WSO2IS7KeyManager L854-861).</summary>
    public const string KeyManagerOperationsUserInfo = "/keymanager-operations/user-info";
    /// <summary>KMIS v2.1.2 WSO2IS7KeyManager L1869/L1920: the connector's message when a user-claim lookup fails.</summary>
    public const string UserInfoLookupFailed = "Error while getting user info";
    /// <summary>CAM-4.6 gateway JWTValidator L1088: the gateway's log line when the Key Manager's lookup throws.</summary>
    public const string GatewayClaimRetrievalFailed = "Error while retrieving User claims from Key Manager";
    /// <summary>carbon-apimgt UserClient.generateClaims: POST below the user-info base.</summary>
    public const string GenerateClaims = "/claims/generate";
    /// <summary>SymmetricKeyInternalCryptoProvider's transformation in 4.7.0 (PAPIM v4.7.0 default.json).</summary>
    public const string InternalCipherTransformation = "AES/GCM/NoPadding";
    /// <summary>PAPIM v4.7.0 api-manager.sh L320: the class that writes <c>[encryption] key</c> when there is none.</summary>
    public const string EncryptionKeyGenerator = "org.wso2.carbon.apimgt.encryption.key.generator.EncryptionKeyGenerator";
    /// <summary>carbon-apimgt APIAdminImpl.getDecryptedValue: a CryptoException becomes this APIManagementException.</summary>
    public const string DecryptionFailed = "Error while Decrypting value";
    /// <summary>carbon-kernel SymmetricKeyInternalCryptoProvider.decrypt's CryptoException message.</summary>
    public const string GcmDecryptionFailed = "An error occurred while decrypting using the algorithm : 'AES/GCM/NoPadding'";
    public const string CertificateJwks = "JWKS";
    public const string CertificatePem = "PEM";
    public const string TokenTypeDirect = "DIRECT";
    public const string TokenTypeExchanged = "EXCHANGED";
    public const string DefaultConsumerKeyClaim = "azp";
    public const string DefaultScopesClaim = "scope";

    /// <summary>KMIS WSO2IS7KeyManagerConstants.ConnectorConfigurationConstants (v2.0.8 L41-53); before v2.0.8 the
    /// credentials are plain connection configurations named "Username"/"Password" (v2.0.2 L56-60).</summary>
    public const string Authentication = "Authentication";
    public const string BasicAuth = "BasicAuth";
    public const string MutualTls = "MutualTLS";
    public const string Username = "Username";
    public const string Password = "Password";
    public const string IdentityUser = "IdentityUser";
    public const string MutualTlsOptions = "MutualTLSOptions";
    public const string ServerWide = "ServerWide";
    public const string TenantWide = "TenantWide";
    public const string TenantWideCertificate = "TenantWideCertificate";
    public const string ApiResourceManagementEndpoint = "api_resource_management_endpoint";
    public const string RolesEndpoint = "is7_roles_endpoint";
    public const string EnableRolesCreation = "enable_roles_creation";
    public const string UserSchemaCacheEnabled = "user_schema_cache_enabled";

    /// <summary>Key Manager fields the generate-keys flow reads: <c>enableTokenGeneration</c> (APIConstants.KeyManager
    /// ENABLE_TOKEN_GENERATION) and the connector's token endpoint (KMIS v2.0.8 WSO2IS7KeyManager L822-826).</summary>
    public const string TokenEndpointProperty = "token_endpoint";
    public const string ClientRegistrationEndpointProperty = "client_registration_endpoint";

    // --- Revocation notifications -------------------------------------------------------------------------------------
    /// <summary>NotificationEventService.processEvent (CAM-4.6 L44-50): the header picks the event handler by type; an
    /// empty header means <c>default</c>. Handlers: DefaultKeyManagerEventHandlerImpl (<c>default</c>, CAM-4.6 L54) and
    /// the connector's WSO2ISNotificationEventHandler (<c>WSO2-IS</c>, KMIS v2.0.8 L30). Others: no handler, 200.</summary>
    public const string KeyManagerHeader = "X-WSO2-KEY-MANAGER";
    public static readonly IReadOnlyList<string> NotificationHandlerTypes = [ResidentKeyManagerType, LegacyIsType];

    // --- Gateway ----------------------------------------------------------------------------------------------------
    /// <summary>APISecurityConstants (CAM-4.6 L26-35).</summary>
    public const long GatewayInvalidCredentials = 900901;
    public const long GatewayMissingCredentials = 900902;
    public const string InvalidCredentialsMessage = "Invalid Credentials";
    public const string SignatureVerificationFailed = "Invalid JWT token. Signature verification failed.";
    /// <summary>APIAuthenticationHandler.handleAuthFailure: 403 for a missing subscription.</summary>
    public const long GatewaySubscriptionMissing = 900908;
    public const string SubscriptionMissingDescription = "User is NOT authorized to access the Resource. API Subscription validation failed.";
    public const long GatewayScopeMismatch = 900910;
    public const string DefaultGatewayEnvironment = "Default";
    public const string PublishAction = "Publish";
    public const string PublishedState = "PUBLISHED";
    public const string DeprecatedState = "DEPRECATED";
    /// <summary>ApisApiServiceImpl.validateAPIOperationsPerLC (CAM-4.6 L1096-1115; RestApiConstants L56-60): a PUBLISHED
    /// or DEPRECATED API is updated (PUT, swagger, revisions, deployments) only with one of these token scopes.</summary>
    public static readonly IReadOnlySet<string> PublishedApiUpdateScopes = new HashSet<string>
    {
        ScopeApiPublish, "apim:api_import_export", ScopeApiManage, ScopeAdmin,
    };
    public const string SubscriptionUnblocked = "UNBLOCKED";
    public const string ApplicationTokenTypeJwt = "JWT";

    /// <summary>APIMgtGatewayConstants.INTERNAL_KEY (CAM-4.6 L183): the Try Out header.</summary>
    public const string InternalKeyHeader = "Internal-Key";
    /// <summary>The <c>token_type</c> claim of an internal key (APIConstants.JwtTokenConstants L2592-2593).</summary>
    public const string InternalKeyTokenType = "InternalKey";
    /// <summary>org.wso2.carbon.apimgt.core.default.json (CAM-4.6 L111, L115): <c>apim.publisher.key_alias</c>, the
    /// kid InternalAPIKeyGenerator.buildHeader puts into the key and the truststore alias the gateway verifies it with
    /// (InternalAPIKeyAuthenticator L148-152 → GatewayUtils.verifyTokenSignature L947-970).</summary>
    public const string GatewayCertificateAlias = "gateway_certificate_alias";
}

/// <summary>One ExceptionCodes entry: what RestApiUtil.getErrorDTO(ErrorHandler) writes, with its HTTP status.</summary>
internal sealed record WireError(long Code, int Status, string Message, string Description);
