using System.Text.Json.Nodes;
using Refit;

namespace KmLab.Provisioner.IdentityServer;

/// <summary>IS's SCIM2 users and roles v2, with Basic super-admin credentials. Bodies are SCIM JSON (kept as JSON nodes).</summary>
public interface IIdentityServerScimApi
{
    [Get(IdentityServerEndpoints.ScimUsers)]
    Task<JsonObject> FindUsersAsync([Query] string filter, [Header("Authorization")] string basic, CancellationToken cancellationToken);

    [Post(IdentityServerEndpoints.ScimUsers)]
    Task<JsonObject> CreateUserAsync([Body] JsonObject user, [Header("Authorization")] string basic, CancellationToken cancellationToken);

    [Post(IdentityServerEndpoints.RolesSearch)]
    Task<JsonObject> SearchRolesAsync([Body] JsonObject search, [Header("Authorization")] string basic, CancellationToken cancellationToken);

    [Get(IdentityServerEndpoints.Role)]
    Task<JsonObject> GetRoleAsync(string roleId, [Header("Authorization")] string basic, CancellationToken cancellationToken);

    [Patch(IdentityServerEndpoints.Role)]
    Task<JsonObject> PatchRoleAsync(string roleId, [Body] JsonObject patch, [Header("Authorization")] string basic, CancellationToken cancellationToken);
}
