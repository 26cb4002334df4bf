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
        var wanted = EqFilterValue(filter, "displayName");
        JsonNode[] rows;
        lock (_roles)
            rows = [.. _roles.Values.Where(r => wanted is null || (string?)r["displayName"] == wanted).Select(r => (JsonNode)new JsonObject
            {
                ["id"] = (string?)r["id"], ["displayName"] = (string?)r["displayName"], ["audience"] = r["audience"]!.DeepClone(), ["meta"] = r["meta"]!.DeepClone(),
            })];
        return ScimList(rows);
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

    /// <summary>PatchOp on <c>permissions</c> (add, replace, remove) and <c>users</c>; 200 with the role. Charon's
    /// RoleResourceV2Manager takes two routes. A <c>remove</c> whose path is exactly <c>users</c>, or a <c>replace</c>
    /// of <c>users</c>, patches a copy of the role in request order with RFC 7644 semantics, where a remove without a
    /// filter deletes the attribute whatever <c>value</c> says, and SCIMRoleManagerV2.updateRole then removes every
    /// member missing from the copy. Otherwise the operations run one by one in request order (PatchOperation's
    /// execution order): <c>add users</c> and <c>remove users[value eq "id"]</c> change one member each, and a user id
    /// that resolves to no user is 400 invalidValue.</summary>
    private async Task<IResult> PatchRoleAsync(HttpRequest request, string id)
    {
        if (await CallerAsync(request) is null) return Results.Unauthorized();
        if (await Http.ReadJsonAsync<JsonObject>(request) is not { } body || body["Operations"] is not JsonArray operations)
            return ScimError(StatusCodes.Status400BadRequest, "Operations are required.");
        var patches = operations.OfType<JsonObject>().Select(o => (Op: ((string?)o["op"])?.ToLowerInvariant(), Path: (string?)o["path"], Values: Values(o["value"]))).ToList();
        var updateAllUsers = patches.Any(p => p.Path == IsRbacFacts.RoleUsers && p.Op is "remove" or "replace");
        lock (_roles)
        {
            if (!_roles.TryGetValue(id, out var stored)) return ScimError(StatusCodes.Status404NotFound, $"A role with the id: {id} does not exist.");
            var role = (JsonObject)stored.DeepClone();
            foreach (var (op, rawPath, values) in patches)
            {
                if (op is not ("add" or "replace" or "remove"))
                    return ScimError(StatusCodes.Status400BadRequest, "Unknown operation.", IsRbacFacts.ScimInvalidSyntax);
                var (path, member, error) = ParseRolePath(rawPath, op);
                if (error is not null) return error;
                if (path == "permissions" && op != "remove" && UnknownPermission(values) is { } unknown)
                    return ScimError(StatusCodes.Status400BadRequest, $"Permission: {unknown} is not a scope of any API resource.");
                var named = member is null ? values : [member];
                if (path == IsRbacFacts.RoleUsers && (op != "remove" || (member is not null && !updateAllUsers))
                    && named.Any(u => !_users.ContainsKey(u)))
                    return ScimError(StatusCodes.Status400BadRequest, IsRbacFacts.UnresolvedUser, IsRbacFacts.ScimInvalidValue);
                var current = Values(role[path]);
                IReadOnlyList<string> next = (op, member) switch
                {
                    ("replace", _) => values,
                    ("add", _) => [.. current.Union(values)],
                    ("remove", null) when path == IsRbacFacts.RoleUsers => [], // no filter: the whole attribute goes
                    ("remove", { } one) => [.. current.Where(v => v != one)],
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

    /// <summary>A PatchOp path on a role: <c>permissions</c>, <c>users</c>, or (for <c>remove</c> only, as
    /// RoleResourceV2Manager.processRemovePatchOperation reads it) <c>users[value eq "id"]</c>, the one member to
    /// remove.</summary>
    private (string Path, string? Member, IResult? Error) ParseRolePath(string? path, string op)
    {
        if (path is "permissions" or IsRbacFacts.RoleUsers) return (path, null, null);
        var filter = path is null ? null : RoleMemberFilter().Match(path);
        if (filter is not { Success: true })
            return ("", null, ScimError(StatusCodes.Status400BadRequest, $"Operation {op} on {path} is not supported.", IsRbacFacts.ScimInvalidSyntax));
        if (op != "remove")
            return ("", null, ScimError(StatusCodes.Status400BadRequest, "Not a valid attribute.", IsRbacFacts.ScimInvalidSyntax));
        if (!filter.Groups["op"].Value.Equals("eq", StringComparison.OrdinalIgnoreCase))
            return ("", null, ScimError(StatusCodes.Status501NotImplemented, "Only Eq filter is supported"));
        var value = filter.Groups["value"].Value.Trim('"');
        var member = filter.Groups["attribute"].Value == "value" ? value : _users.Values.FirstOrDefault(u => u.UserName == value)?.Id ?? value;
        return (IsRbacFacts.RoleUsers, member, null);
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"^users\[(?<attribute>value|display) (?<op>\S+) (?<value>\S+)\]$", System.Text.RegularExpressions.RegexOptions.IgnoreCase)]
    private static partial System.Text.RegularExpressions.Regex RoleMemberFilter();

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
