namespace KmLab.Lab.Wso2;

/// <summary>Paths of APIM's Publisher REST API v4
/// (wso2/carbon-apimgt@e62b84c9:components/apimgt/org.wso2.carbon.apimgt.rest.api.publisher.v1/src/main/resources/publisher-api.yaml)
/// and of the DevPortal v3 subscriptions the lab's smoke uses, written once for the Provisioner's Refit clients.</summary>
public static class ApimPublisherEndpoints
{
    public const string PublisherBase = "/api/am/publisher/v4";
    public const string Apis = PublisherBase + "/apis";
    public const string Api = Apis + "/{apiId}";
    public const string ApiRevisions = Api + "/revisions";

    /// <summary>publisher-api.yaml <c>importOpenAPIDefinition</c> (4.3–4.7): multipart <c>file</c> | <c>url</c> |
    /// <c>inlineAPIDefinition</c> plus <c>additionalProperties</c> (the API as JSON: at least name, version, context,
    /// endpointConfig); 201 with the API, whose operations come from the document's paths.</summary>
    public const string ApiImportOpenApi = Apis + "/import-openapi";

    /// <summary>publisher-api.yaml <c>updateAPISwagger</c>: multipart <c>apiDefinition</c> | <c>url</c> | <c>file</c>;
    /// replaces the API's operations (and scopes) with the document's.</summary>
    public const string ApiSwagger = Api + "/swagger";

    /// <summary>Takes <c>?revisionId=</c> and a list of deployments, each naming a gateway environment and one of its
    /// virtual hosts (<c>vhost</c> is required); answers 201 with every deployment of the API, not only the new ones.</summary>
    public const string ApiDeployRevision = Api + "/deploy-revision";
    public const string ApiDeployments = Api + "/deployments";

    /// <summary>Takes <c>?apiId=&amp;action=</c> (e.g. <c>Publish</c>); answers 200 with a WorkflowResponse.</summary>
    public const string ChangeLifecycle = Apis + "/change-lifecycle";

    /// <summary>Shared scopes: <c>POST</c> answers 201 even when a Key Manager could not register the scope (APIM
    /// only logs that); <c>DELETE</c> of a scope an API uses answers 409.</summary>
    public const string SharedScopes = PublisherBase + "/scopes";
    public const string SharedScope = SharedScopes + "/{scopeId}";

    /// <summary>DevPortal v3 subscriptions: <c>GET ?apiId=&amp;applicationId=</c>, <c>POST</c> answers 201.</summary>
    public const string Subscriptions = ApimEndpoints.DevPortalBase + "/subscriptions";
}

/// <summary>Scopes of the Publisher and DevPortal REST APIs that the smoke asks for.</summary>
public static class ApimPublisherScopes
{
    public const string ApiView = "apim:api_view";
    public const string ApiCreate = "apim:api_create";
    public const string ApiPublish = "apim:api_publish";

    /// <summary>Covers every API operation of the Publisher; an admin holds it.</summary>
    public const string ApiManage = "apim:api_manage";
    public const string SubscriptionManage = "apim:sub_manage";

    /// <summary>What publisher-api.yaml's <c>/scopes</c> operations want (or <see cref="ApiManage"/>).</summary>
    public const string SharedScopeManage = "apim:shared_scope_manage";

    /// <summary>Everything the smoke does, in one token (space-separated).</summary>
    public static string Smoke => string.Join(' ', ApiView, ApiCreate, ApiPublish, ApiManage,
        ApimScopes.Subscribe, ApimScopes.AppManage, SubscriptionManage);
}

/// <summary>Facts of APIM's publishing model and gateway that the smoke relies on.</summary>
public static class ApimPublishing
{
    /// <summary>The gateway environment every APIM ships; its virtual host is the server's host name.</summary>
    public const string DefaultGatewayEnvironment = "Default";

    /// <summary>The lifecycle action that publishes an API, and the state it reaches.</summary>
    public const string PublishAction = "Publish";
    public const string PublishedState = "PUBLISHED";

    /// <summary>An API's operations ask for an application token or a user token from an application.</summary>
    public const string AuthTypeApplicationAndUser = "Application & Application User";

    /// <summary>An operation the gateway serves without authentication (APIConstants.AUTH_NO_AUTHENTICATION).</summary>
    public const string AuthTypeNone = "None";

    /// <summary>OAuth2 with basic auth and API keys optional; what the Publisher portal sets by default.</summary>
    public static IReadOnlyList<string> DefaultSecuritySchemes { get; } = ["oauth2", "oauth_basic_auth_api_key_mandatory"];

    /// <summary><c>endpointConfig.endpoint_type</c> of a plain HTTP(S) backend.</summary>
    public const string HttpEndpointType = "http";

    /// <summary>The gateway's answer (403) when the token's application has no subscription to the API.</summary>
    public const long GatewaySubscriptionMissing = 900908;

    /// <summary>The gateway's answer (401) to a token it cannot validate (unknown issuer, bad signature, expired).</summary>
    public const long GatewayInvalidCredentials = 900901;

    /// <summary>The gateway's description for <see cref="GatewaySubscriptionMissing"/>.</summary>
    public const string SubscriptionMissingDescription = "User is NOT authorized to access the Resource. API Subscription validation failed.";
}
