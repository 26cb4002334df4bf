using System.Text.Json.Nodes;
using KmLab.Provisioner.Apim;
using Refit;

namespace KmLab.Provisioner.Roles;

/// <summary>Where the role proof talks to: APIM's shared scopes, IS's SCIM2 users and roles v2.</summary>
public static class RoleEndpoints
{
    public const string SharedScopes = Wso2.ApimPublisherEndpoints.PublisherBase + "/scopes";
    public const string SharedScope = SharedScopes + "/{scopeId}";
    public const string ScimUsers = "/scim2/Users";
    public const string Roles = Wso2.IdentityServerEndpoints.Roles;
    public const string Role = Roles + "/{roleId}";
    public const string RolesSearch = Roles + "/.search";

    /// <summary>publisher-api.yaml: <c>/scopes</c> wants <c>apim:shared_scope_manage</c> (or api_manage).</summary>
    public const string SharedScopeManage = "apim:shared_scope_manage";

    public const string PatchOpSchema = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
    public const string SearchSchema = "urn:ietf:params:scim:api:messages:2.0:SearchRequest";
    public const string UserSchema = "urn:ietf:params:scim:schemas:core:2.0:User";
}

[Headers("Authorization: Bearer")]
public interface IApimSharedScopesApi
{
    [Get(RoleEndpoints.SharedScopes)]
    Task<ScopeList> GetSharedScopesAsync(CancellationToken cancellationToken);

    /// <summary>201 even when the Key Managers could not register it (APIM only logs that).</summary>
    [Post(RoleEndpoints.SharedScopes)]
    Task<Scope> CreateSharedScopeAsync([Body] Scope scope, CancellationToken cancellationToken);

    [Delete(RoleEndpoints.SharedScope)]
    Task DeleteSharedScopeAsync(string scopeId, CancellationToken cancellationToken);
}

/// <summary>IS's SCIM2 endpoints, with Basic super-admin credentials. Bodies are SCIM JSON (kept as JSON nodes).</summary>
public interface IIdentityServerScimApi
{
    [Get(RoleEndpoints.ScimUsers)]
    Task<JsonObject> FindUsersAsync([Query] string filter, [Header("Authorization")] string basic, CancellationToken cancellationToken);

    [Post(RoleEndpoints.ScimUsers)]
    Task<JsonObject> CreateUserAsync([Body] JsonObject user, [Header("Authorization")] string basic, CancellationToken cancellationToken);

    [Post(RoleEndpoints.RolesSearch)]
    Task<JsonObject> SearchRolesAsync([Body] JsonObject search, [Header("Authorization")] string basic, CancellationToken cancellationToken);

    [Get(RoleEndpoints.Role)]
    Task<JsonObject> GetRoleAsync(string roleId, [Header("Authorization")] string basic, CancellationToken cancellationToken);

    [Patch(RoleEndpoints.Role)]
    Task<JsonObject> PatchRoleAsync(string roleId, [Body] JsonObject patch, [Header("Authorization")] string basic, CancellationToken cancellationToken);
}
