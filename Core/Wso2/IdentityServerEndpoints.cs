namespace KmLab.Lab.Wso2;

/// <summary>Paths of the WSO2 Identity Server 7 endpoints the lab uses or hands to APIM, as the IS 7 connector
/// names them (wso2-extensions/apim-km-wso2is@df27fd8c:components/wso2is7.key.manager/src/main/java/org/wso2/is7/client/WSO2IS7ConnectorConfiguration.java), written once for the Provisioner's Refit clients and the hosting package's readiness
/// checks.</summary>
public static class IdentityServerEndpoints
{
    /// <summary>The OpenID discovery document; IS serves it under the token endpoint, which is also the issuer.</summary>
    public const string WellKnown = "/oauth2/token/.well-known/openid-configuration";

    public const string Token = "/oauth2/token";
    public const string Jwks = "/oauth2/jwks";
    public const string Introspect = "/oauth2/introspect";
    public const string Revoke = "/oauth2/revoke";

    /// <summary>The authorize endpoint (not <see cref="ScimMe"/>, which the connector takes as its user-info endpoint).</summary>
    public const string Authorize = "/oauth2/authorize";

    /// <summary>What discovery returns as userinfo; the IS 7 connector wants <see cref="ScimMe"/> instead.</summary>
    public const string UserInfo = "/oauth2/userinfo";

    /// <summary>The userinfo endpoint the IS 7 connector reads user attributes from.</summary>
    public const string ScimMe = "/scim2/Me";

    /// <summary>SCIM2 roles v2: the connector's <c>is7_roles_endpoint</c> (APIM 4.4.0+).</summary>
    public const string Roles = "/scim2/v2/Roles";
    public const string Role = Roles + "/{roleId}";
    public const string RolesSearch = Roles + "/.search";

    /// <summary>SCIM2 users of the primary user store (super-admin Basic auth).</summary>
    public const string ScimUsers = "/scim2/Users";

    /// <summary>API resources: the connector's <c>api_resource_management_endpoint</c> (APIM 4.4.0+).</summary>
    public const string ApiResources = "/api/server/v1/api-resources";

    /// <summary>OAuth2 scope management: the Key Manager's scope management endpoint for IS 7.</summary>
    public const string Scopes = "/api/identity/oauth2/v1.0/scopes";

    /// <summary>DCR the connector registers applications' clients with.</summary>
    public const string ClientRegistration = "/api/identity/oauth2/dcr/v1.1/register";

    public const string HealthCheck = "/api/health-check/v1.0/health";
}

/// <summary>The SCIM 2.0 message and resource schema URNs IS's SCIM2 endpoints require in request bodies
/// (RFC 7643 section 8.7.1, RFC 7644 sections 3.4.3 and 3.5.2).</summary>
public static class ScimSchemas
{
    public const string PatchOp = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
    public const string SearchRequest = "urn:ietf:params:scim:api:messages:2.0:SearchRequest";
    public const string User = "urn:ietf:params:scim:schemas:core:2.0:User";
}
