namespace KmLab.Twins.Facts;

// APIM facts of role-based authorization with the WSO2-IS-7 connector: shared and local scopes, the connector's
// scope registration in IS, the role-name mapping, the gateway's scope check. Citations: docs/twins.md,
// "APIM: scopes and role-based authorization".

internal static class ApimRbacFacts
{
    public const string SharedScopes = ApimFacts.PublisherBase + "/scopes";
    public const string SharedScope = SharedScopes + "/{scopeId}";

    /// <summary>publisher-api.yaml <c>/scopes</c>: GET wants one of view/manage, POST and DELETE shared_scope_manage or api_manage.</summary>
    public const string ScopeSharedScopeManage = "apim:shared_scope_manage";

    /// <summary>The one API resource the connector keeps every APIM scope in (KMIS 2.x WSO2IS7KeyManager L156).</summary>
    public const string ApiResourceIdentifier = "User-defined-oauth2-resource";

    /// <summary>The roles a fresh APIM has (its user store's admin role and the Internal roles of api-manager.xml).</summary>
    public static readonly IReadOnlySet<string> DefaultRoles = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        "admin", "Internal/everyone", "Internal/subscriber", "Internal/creator", "Internal/publisher", "Internal/devops",
        "Internal/analytics", "Internal/observer",
    };

    /// <summary>ExceptionCodes: a local scope bound to a role APIM lacks (PublisherCommonUtils.validateScopes).</summary>
    public const long ScopeRoleMissing = 903250;

    /// <summary>JWTValidator / APISecurityConstants.INVALID_SCOPE: 403 (GatewayUtils).</summary>
    public const string ScopeMismatchMessage = "The access token does not allow you to access the requested resource";

    public const string ConnectorLogger = "org.wso2.is7.client.WSO2IS7KeyManager";

    /// <summary>KMIS v2.0.4+ WSO2IS7KeyManager (L2033-2043) with <c>enable_roles_creation</c>: <c>Internal/x</c> is
    /// IS's <c>x</c>, <c>Application/*</c> is refused (null), any other <c>x</c> is <c>system_primary_x</c>. Without
    /// the flag (and in v2.0.3) the name is used as it is.</summary>
    public static string? Is7RoleName(string apimRole, bool mapped)
    {
        if (!mapped) return apimRole;
        if (apimRole.StartsWith("Internal/", StringComparison.OrdinalIgnoreCase)) return apimRole["Internal/".Length..];
        if (apimRole.StartsWith("Application/", StringComparison.OrdinalIgnoreCase)) return null;
        return "system_primary_" + apimRole;
    }
}
