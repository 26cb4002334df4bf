using System.Net;
using System.Text.Json.Nodes;
using KmLab.Provisioner.Apim;
using KmLab.Provisioner.IdentityServer;
using KmLab.Provisioner.Wso2Rest;
using Refit;

namespace KmLab.Provisioner.Proofs;

/// <summary>The shared scope bound to the APIM role, the IS role the connector makes for it (holding the scope as a
/// permission), and that role's members: the user with it in, the user without it out.</summary>
internal sealed class SharedScopeRole(RolesRequest request, Wso2Connection apim, IApimSharedScopesApi shared, Wso2Connection identityServer,
    string basic, Wso2Calls calls, ILogger logger)
{
    private readonly IIdentityServerScimApi _scim = identityServer.Refit<IIdentityServerScimApi>();

    /// <summary>The shared scope in APIM, and the id of IS's role holding it as a permission. A scope APIM made while the
    /// Key Manager was still propagating never reached IS: it is deleted and made again until IS has it.</summary>
    public async Task<string> EnsureAsync(string is7Role, CancellationToken ct)
    {
        var fix = $"check the scope in APIM's Publisher portal (Scopes) and APIM's log, then re-run {request.Command}";
        var deadline = DateTimeOffset.UtcNow + request.ScopeTimeout;
        for (var attempt = 1; ; attempt++)
        {
            var scope = (await calls.CallAsync(apim, "GET " + ApimPublisherEndpoints.SharedScopes, fix, () => shared.GetSharedScopesAsync(ct))).List
                .FirstOrDefault(s => s.Name == request.ScopeName);
            if (scope is not null && !(scope.Bindings ?? []).Contains(request.Role))
                throw calls.Failed($"shared scope {request.ScopeName} exists in APIM bound to {string.Join(", ", scope.Bindings ?? [])}, not to {request.Role}; give another --scope or bind it to {request.Role} in the Publisher portal");
            if (scope is null)
            {
                scope = await calls.CallAsync(apim, "POST " + ApimPublisherEndpoints.SharedScopes, fix, () => shared.CreateSharedScopeAsync(new Scope
                {
                    Name = request.ScopeName, DisplayName = request.ScopeName, Description = "KmLab role-based authorization proof", Bindings = [request.Role],
                }, ct));
                logger.LogInformation("Created shared scope {Scope} (id {Id}) bound to {Role}", scope.Name, scope.Id, request.Role);
            }

            if (await RoleWithPermissionAsync(is7Role, ct) is { } roleId) return roleId;
            if (DateTimeOffset.UtcNow >= deadline)
                throw calls.Failed($"IS has no role {is7Role} with permission {request.ScopeName} after {request.ScopeTimeout.TotalSeconds:0} s; check that IS's deployment.toml has [role_mgt] allow_system_prefix_for_role = true (prepare writes it) and that APIM reaches IS's is7_roles_endpoint, then re-run {request.Command}");
            // What WSO2's harness does: the scope went to no IS 7 Key Manager yet, so remove it and create it again.
            logger.LogInformation("IS has no role {Role} with permission {Scope} yet (attempt {Attempt}); the Key Manager may still be propagating: deleting the scope to create it again",
                is7Role, request.ScopeName, attempt);
            try
            {
                await shared.DeleteSharedScopeAsync(scope.Id!, ct);
            }
            catch (ApiException e) when (e.StatusCode == HttpStatusCode.Conflict)
            {
                throw calls.Failed($"shared scope {request.ScopeName} never reached IS and is used by an API, so it cannot be made again; delete API {request.ApiName} in the Publisher portal, then re-run {request.Command}");
            }
            await Task.Delay(TimeSpan.FromSeconds(Math.Min(attempt, 5)), ct);
        }
    }

    private async Task<string?> RoleWithPermissionAsync(string is7Role, CancellationToken ct)
    {
        var fix = $"check IS's roles in its console, then re-run {request.Command}";
        var found = await calls.CallAsync(identityServer, "POST " + IdentityServerEndpoints.RolesSearch, fix, () => _scim.SearchRolesAsync(new JsonObject
        {
            ["schemas"] = new JsonArray(ScimSchemas.SearchRequest), ["startIndex"] = 1, ["filter"] = $"displayName eq {is7Role}",
        }, basic, ct));
        if ((string?)(found["Resources"] as JsonArray)?.FirstOrDefault(r => (string?)r?["displayName"] == is7Role)?["id"] is not { } roleId) return null;
        var role = await calls.CallAsync(identityServer, "GET " + IdentityServerEndpoints.Role, fix, () => _scim.GetRoleAsync(roleId, basic, ct));
        return Values(role["permissions"]).Contains(request.ScopeName) ? roleId : null;
    }

    /// <summary>Adds the allowed user to the role and removes the denied one, in one PATCH, only when needed.</summary>
    public async Task MembersAsync(string roleId, string is7Role, string allowedId, string deniedId, CancellationToken ct)
    {
        var fix = $"check the role's users in IS's console, then re-run {request.Command}";
        var users = Values((await calls.CallAsync(identityServer, "GET " + IdentityServerEndpoints.Role, fix, () => _scim.GetRoleAsync(roleId, basic, ct)))["users"]);
        var operations = new JsonArray();
        if (!users.Contains(allowedId)) operations.Add(new JsonObject { ["op"] = "add", ["path"] = "users", ["value"] = new JsonArray(new JsonObject { ["value"] = allowedId }) });
        // Not path "users" with a value: IS would remove every member.
        if (users.Contains(deniedId)) operations.Add(new JsonObject { ["op"] = "remove", ["path"] = IdentityServerRoleMembers.OneMemberPath(deniedId) });
        if (operations.Count == 0) return;
        await calls.CallAsync(identityServer, "PATCH " + IdentityServerEndpoints.Role, fix, () => _scim.PatchRoleAsync(roleId,
            new JsonObject { ["schemas"] = new JsonArray(ScimSchemas.PatchOp), ["Operations"] = operations }, basic, ct));
        logger.LogInformation("Role {Role}: {User} added as member{Removed}", is7Role, request.AllowedUser, users.Contains(deniedId) ? $", {request.DeniedUser} removed" : "");
    }

    private static IReadOnlyList<string> Values(JsonNode? node) =>
        node is JsonArray array ? [.. array.Select(v => (string?)v?["value"]).OfType<string>()] : [];
}
