using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using KmLab.Twins.Facts;
using KmLab.Twins.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace KmLab.Twins.IdentityServer;

// SCIM2 Roles v2 (/scim2/v2/Roles): list and .search by displayName (rows without permissions and users, as IS
// lists them), GET one, POST (refusing system_* names unless [role_mgt] allow_system_prefix_for_role, and permissions
// that are not registered scopes), PATCH permissions and users.
internal sealed partial class IdentityServerTwin
{
    private readonly ConcurrentDictionary<string, JsonObject> _roles = new();

    private void MapRbac(WebApplication app)
    {
        app.MapGet(IsFacts.Roles, ListRolesAsync);
        app.MapPost(IsRbacFacts.RolesSearch, SearchRolesAsync);
        app.MapPost(IsFacts.Roles, CreateRoleAsync);
        app.MapGet(IsFacts.Roles + "/{id}", GetRoleAsync);
        app.MapPatch(IsFacts.Roles + "/{id}", PatchRoleAsync);
        MapApiResources(app);
        MapUsers(app);
    }

    private async Task<IResult> ListRolesAsync(HttpRequest request, string? filter)
    {
        if (await CallerAsync(request) is null) return Results.Unauthorized();
        return RoleList(filter);
    }

    private async Task<IResult> SearchRolesAsync(HttpRequest request)
    {
        if (await CallerAsync(request) is null) return Results.Unauthorized();
        var body = await Http.ReadJsonAsync<JsonObject>(request);
        return RoleList((string?)body?["filter"]);
    }

    /// <summary>Only the <c>displayName eq X</c> filter the connector (and the lab) send.</summary>
    private IResult RoleList(string? filter)
    {
        var wanted = filter is not null && filter.StartsWith("displayName eq ", StringComparison.OrdinalIgnoreCase)
            ? filter["displayName eq ".Length..].Trim().Trim('"') : null;
        JsonNode[] rows;
        lock (_roles)
            rows = [.. _roles.Values.Where(r => wanted is null || (string?)r["displayName"] == wanted).Select(r => (JsonNode)new JsonObject
            {
                ["id"] = (string?)r["id"], ["displayName"] = (string?)r["displayName"], ["audience"] = r["audience"]!.DeepClone(), ["meta"] = r["meta"]!.DeepClone(),
            })];
        return Results.Json(new JsonObject
        {
            ["schemas"] = new JsonArray(IsRbacFacts.ScimListSchema),
            ["totalResults"] = rows.Length,
            ["startIndex"] = 1,
            ["itemsPerPage"] = rows.Length,
            ["Resources"] = new JsonArray(rows),
        }, contentType: IsRbacFacts.ScimContentType);
    }

    private async Task<IResult> GetRoleAsync(HttpRequest request, string id)
    {
        if (await CallerAsync(request) is null) return Results.Unauthorized();
        lock (_roles)
            return _roles.TryGetValue(id, out var role)
                ? Results.Json(role.DeepClone(), contentType: IsRbacFacts.ScimContentType)
                : ScimError(StatusCodes.Status404NotFound, $"A role with the id: {id} does not exist.");
    }

    private async Task<IResult> CreateRoleAsync(HttpRequest request)
    {
        if (await CallerAsync(request) is null) return Results.Unauthorized();
        if (await Http.ReadJsonAsync<JsonObject>(request) is not { } body || (string?)body["displayName"] is not { Length: > 0 } name)
            return ScimError(StatusCodes.Status400BadRequest, "Role name is required.");
        // RoleManagementServiceImpl.addRole (carbon-identity-framework): at most 255 characters, no user-store domain
        // separator (roles v2 live in the internal domain); IdentityRoleManagementClientException, SCIM 400.
        if (name.Length > IsRbacFacts.RoleNameMaxLength)
            return ScimError(StatusCodes.Status400BadRequest, $"Provided role name exceeds the maximum length of {IsRbacFacts.RoleNameMaxLength} characters.");
        if (name.Contains('/'))
            return ScimError(StatusCodes.Status400BadRequest, $"Invalid character: / contains in the role name: {name}.");
        if (name.StartsWith(IsFacts.SystemRolePrefix, StringComparison.OrdinalIgnoreCase) && !_context.Config.AllowSystemPrefixForRole)
        {
            _context.Log.Warn(IsRbacFacts.RoleManagementLogger, $"Refused role {name}: the {IsFacts.SystemRolePrefix} prefix is reserved");
            return ScimError(StatusCodes.Status400BadRequest, $"Invalid role name: {name}. Role names with the prefix: system_, is not allowed to be created from externally in the system.");
        }
        var permissions = Values(body["permissions"]);
        if (UnknownPermission(permissions) is { } unknown)
            return ScimError(StatusCodes.Status400BadRequest, $"Permission: {unknown} is not a scope of any API resource.");
        lock (_roles)
        {
            if (_roles.Values.Any(r => (string?)r["displayName"] == name))
                return ScimError(StatusCodes.Status409Conflict, $"Role name: {name} is already there in the system. Please pick another role name.");
            var id = Guid.NewGuid().ToString();
            var role = new JsonObject
            {
                ["schemas"] = new JsonArray(IsRbacFacts.ScimRoleSchema),
                ["id"] = id,
                ["displayName"] = name,
                ["audience"] = new JsonObject { ["value"] = "10084a8d-113f-4211-a0d5-efe36b082211", ["display"] = "Super", ["type"] = IsRbacFacts.OrganizationAudience },
                ["permissions"] = new JsonArray([.. permissions.Select(p => (JsonNode)new JsonObject { ["value"] = p, ["display"] = p })]),
                ["users"] = new JsonArray([.. Values(body["users"]).Select(u => (JsonNode)new JsonObject { ["value"] = u })]),
                ["meta"] = new JsonObject { ["resourceType"] = "Role", ["location"] = _context.AdvertisedBase + IsFacts.Roles + "/" + id },
            };
            _roles[id] = role;
            _context.Log.Info(IsRbacFacts.RoleManagementLogger, $"Role {name} created (id {id}) with permissions {string.Join(", ", permissions)}");
            return Results.Json(role.DeepClone(), contentType: IsRbacFacts.ScimContentType, statusCode: StatusCodes.Status201Created);
        }
    }

    /// <summary>PatchOp on <c>permissions</c> (add, replace, remove) and <c>users</c> (add, remove); 200 with the role.</summary>
    private async Task<IResult> PatchRoleAsync(HttpRequest request, string id)
    {
        if (await CallerAsync(request) is null) return Results.Unauthorized();
        if (await Http.ReadJsonAsync<JsonObject>(request) is not { } body || body["Operations"] is not JsonArray operations)
            return ScimError(StatusCodes.Status400BadRequest, "Operations are required.");
        lock (_roles)
        {
            if (!_roles.TryGetValue(id, out var stored)) return ScimError(StatusCodes.Status404NotFound, $"A role with the id: {id} does not exist.");
            var role = (JsonObject)stored.DeepClone();
            foreach (var operation in operations.OfType<JsonObject>())
            {
                var op = ((string?)operation["op"])?.ToLowerInvariant();
                var path = (string?)operation["path"];
                var values = Values(operation["value"]);
                if (path is not ("permissions" or "users") || op is not ("add" or "replace" or "remove") || (path == "users" && op == "replace"))
                    return ScimError(StatusCodes.Status400BadRequest, $"Operation {op} on {path} is not supported.");
                if (path == "permissions" && op != "remove" && UnknownPermission(values) is { } unknown)
                    return ScimError(StatusCodes.Status400BadRequest, $"Permission: {unknown} is not a scope of any API resource.");
                if (path == "users" && op == "add" && values.FirstOrDefault(u => !_users.ContainsKey(u)) is { } missing)
                    return ScimError(StatusCodes.Status400BadRequest, $"A user with the id: {missing} does not exist.");
                var current = Values(role[path]);
                var next = op switch
                {
                    "replace" => values,
                    "add" => [.. current.Union(values)],
                    _ => [.. current.Except(values)],
                };
                role[path] = new JsonArray([.. next.Select(v => (JsonNode)(path == "permissions"
                    ? new JsonObject { ["value"] = v, ["display"] = v }
                    : new JsonObject { ["value"] = v }))]);
            }
            _roles[id] = role;
            _context.Log.Info(IsRbacFacts.RoleManagementLogger, $"Role {(string?)role["displayName"]} updated: permissions {string.Join(", ", Values(role["permissions"]))}; {Values(role["users"]).Count} users");
            return Results.Json(role.DeepClone(), contentType: IsRbacFacts.ScimContentType);
        }
    }

    /// <summary>The <c>value</c>s of a SCIM multi-valued attribute (objects with <c>value</c>, or plain strings).</summary>
    private static IReadOnlyList<string> Values(JsonNode? node) =>
        node is JsonArray array
            ? [.. array.Select(v => v is JsonObject o ? (string?)o["value"] : v?.GetValueKind() == System.Text.Json.JsonValueKind.String ? (string?)v : null).OfType<string>()]
            : [];

    /// <summary>Organization-role permissions must already be scopes of the tenant (RoleManagementUtils.validatePermissionsForOrganization).</summary>
    private string? UnknownPermission(IEnumerable<string> permissions)
    {
        var registered = RegisteredScopes();
        return permissions.FirstOrDefault(p => !registered.Contains(p));
    }

    /// <summary>The permissions of every role <paramref name="userName"/> holds.</summary>
    private HashSet<string> RolePermissions(string userName)
    {
        var user = _users.Values.FirstOrDefault(u => u.UserName == userName);
        if (user is null) return [];
        lock (_roles)
            return [.. _roles.Values.Where(r => Values(r["users"]).Contains(user.Id)).SelectMany(r => Values(r["permissions"]))];
    }

    /// <summary>DefaultOAuth2ScopeValidator with <c>[oauth] authorize_all_scopes</c>: OIDC scopes pass; the super admin
    /// keeps the internal scopes; any other scope must be registered (an API resource's) and, the application being
    /// authorized for every registered scope only with the flag, is then granted for client credentials
    /// (M2MScopeValidationHandler) and for a user only when one of the user's roles has it as a permission
    /// (RoleBasedScopeValidationHandler).</summary>
    private IReadOnlyList<string> GrantScopes(ScopeRequest request)
    {
        var registered = RegisteredScopes();
        HashSet<string>? permissions = null;
        return [.. request.Requested.Distinct().Where(s =>
        {
            if (IsRbacFacts.OidcScopes.Contains(s)) return true;
            if (s.StartsWith("internal_", StringComparison.Ordinal)) return request.Subject == _context.Config.AdminUser;
            if (!_context.Config.AuthorizeAllScopes || !registered.Contains(s)) return false;
            if (request.Grant == CarbonFacts.ClientCredentialsGrant) return true;
            permissions ??= RolePermissions(request.Subject);
            return permissions.Contains(s);
        })];
    }
}
