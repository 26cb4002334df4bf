namespace KmLab.Twins.ApiManager;

// Shared scopes (Publisher /scopes), the local-scope role check of an API, and the WSO2-IS-7 connector's registerScope:
// the scope goes into IS's API resource and onto the IS role of each binding, synchronously, at scope creation and
// at API create/update (APIProviderImpl) - never at publish, subscription or key generation. Only Key Managers the
// runtime already holds take part (a new one arrives asynchronously), and a failure in IS is only logged.
internal sealed partial class ApiManagerTwin
{
    private static readonly string[] ScopeReadScopes = [ApimFacts.ScopeApiView, ApimFacts.ScopeApiManage, ApimRbacFacts.ScopeSharedScopeManage, ApimFacts.ScopeApiCreate];
    private static readonly string[] ScopeWriteScopes = [ApimRbacFacts.ScopeSharedScopeManage, ApimFacts.ScopeApiManage];

    private void MapScopes(WebApplication app)
    {
        app.MapGet(ApimRbacFacts.SharedScopes, ListSharedScopesAsync);
        app.MapPost(ApimRbacFacts.SharedScopes, CreateSharedScopeAsync);
        app.MapGet(ApimRbacFacts.SharedScope, GetSharedScopeAsync);
        app.MapDelete(ApimRbacFacts.SharedScope, DeleteSharedScopeAsync);
    }

    private async Task<IResult> ListSharedScopesAsync(HttpRequest request)
    {
        if ((await AuthorizeAsync(request, ScopeReadScopes)).Failure is { } failure) return failure;
        lock (_gate)
            return ApimRest.Json(new ScopeList { Count = _published.SharedScopes.Count, List = [.. _published.SharedScopes] });
    }

    private async Task<IResult> GetSharedScopeAsync(HttpRequest request, string scopeId)
    {
        if ((await AuthorizeAsync(request, ScopeReadScopes)).Failure is { } failure) return failure;
        lock (_gate)
            return _published.SharedScopes.FirstOrDefault(s => s.Id == scopeId) is { } scope ? ApimRest.Json(scope) : ScopeNotFound(scopeId);
    }

    /// <summary>ScopesApiServiceImpl.addSharedScope: no role check (unlike local scopes); 201 even when the Key
    /// Managers' registration fails (APIProviderImpl.addSharedScope only logs it).</summary>
    private async Task<IResult> CreateSharedScopeAsync(HttpRequest request)
    {
        if ((await AuthorizeAsync(request, ScopeWriteScopes)).Failure is { } failure) return failure;
        if (await Http.ReadJsonAsync<Scope>(request) is not { Name.Length: > 0 } body)
            return ApimRest.Error(StatusCodes.Status400BadRequest, 900400, "Bad Request", "Scope name is required");
        Scope scope;
        lock (_gate)
        {
            if (_published.SharedScopes.Any(s => s.Name == body.Name) || ScopeInAnyApi(body.Name))
                return ApimRest.Error(StatusCodes.Status409Conflict, 900986, "Scope already exists", $"Scope {body.Name} already exists");
            scope = body with { Id = Guid.NewGuid().ToString(), DisplayName = body.DisplayName ?? body.Name, Bindings = body.Bindings ?? [], UsageCount = 0 };
            _published.SharedScopes.Add(scope);
            SavePublished();
        }
        _context.Log.Info(PublisherLogger, $"Shared scope {scope.Name} created (id {scope.Id}), bound to {string.Join(", ", scope.Bindings!)}");
        await RegisterScopesAsync([scope], RuntimeIs7KeyManagers(null), request.HttpContext.RequestAborted);
        return ApimRest.Json(scope, StatusCodes.Status201Created);
    }

    /// <summary>deleteSharedScope: removed here, then from each Key Manager (the connector's deleteScope removes the
    /// scope from IS's API resource; a failure is logged).</summary>
    private async Task<IResult> DeleteSharedScopeAsync(HttpRequest request, string scopeId)
    {
        if ((await AuthorizeAsync(request, ScopeWriteScopes)).Failure is { } failure) return failure;
        Scope? scope;
        lock (_gate)
        {
            scope = _published.SharedScopes.FirstOrDefault(s => s.Id == scopeId);
            if (scope is null) return ScopeNotFound(scopeId);
            if (_published.Apis.Any(a => (a.Value.Scopes ?? []).Any(s => s.Shared == true && s.Scope.Name == scope.Name)))
                return ApimRest.Error(StatusCodes.Status409Conflict, 900987, "Shared scope is in use", $"Shared scope {scope.Name} is used by an API");
            _published.SharedScopes.Remove(scope);
            SavePublished();
        }
        foreach (var keyManager in RuntimeIs7KeyManagers(null))
        {
            var connection = Is7Connection(keyManager);
            if (connection is null) continue;
            try
            {
                var resource = await ApiResourceIdAsync(connection, request.HttpContext.RequestAborted);
                if (resource is not null)
                    await SendAsync(connection, HttpMethod.Delete, $"{connection.ApiResources}/{resource}/scopes/{Uri.EscapeDataString(scope.Name)}", null, request.HttpContext.RequestAborted);
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or InvalidOperationException)
            {
                _context.Log.Error(ApimRbacFacts.ConnectorLogger, $"Error while deleting scope {scope.Name} from {keyManager.Name}: {e.GetBaseException().Message}");
            }
        }
        return Results.Ok();
    }

    /// <summary>PublisherCommonUtils.validateScopes: a local scope's bindings must be roles APIM has (903250); a shared
    /// one must exist. Null when the API's scopes are acceptable.</summary>
    private IResult? ValidateApiScopes(Api api)
    {
        foreach (var apiScope in api.Scopes ?? [])
        {
            if (apiScope.Shared == true)
            {
                if (!_published.SharedScopes.Any(s => s.Name == apiScope.Scope.Name))
                    return ApimRest.Error(StatusCodes.Status400BadRequest, 900400, "Bad Request", $"Shared scope {apiScope.Scope.Name} does not exist");
                continue;
            }
            if ((apiScope.Scope.Bindings ?? []).FirstOrDefault(r => !ApimRbacFacts.DefaultRoles.Contains(r)) is { } role)
                return ApimRest.Error(StatusCodes.Status400BadRequest, ApimRbacFacts.ScopeRoleMissing, "Invalid user roles found",
                    $"Invalid user roles found in scope {apiScope.Scope.Name}: {role}");
        }
        return null;
    }

    private bool ScopeInAnyApi(string name) =>
        _published.Apis.Any(a => (a.Value.Scopes ?? []).Any(s => s.Shared != true && s.Scope.Name == name));

    /// <summary>The local scopes of an API, registered at API create/update with the API's Key Managers.</summary>
    private Task RegisterLocalScopesAsync(Api api, CancellationToken ct)
    {
        var local = (api.Scopes ?? []).Where(s => s.Shared != true).Select(s => s.Scope).ToList();
        return local.Count == 0 ? Task.CompletedTask : RegisterScopesAsync(local, RuntimeIs7KeyManagers(api.KeyManagers), ct);
    }

    /// <summary>The enabled WSO2-IS-7 Key Managers the runtime holds (KeyManagerHolder), of <paramref name="allowed"/>
    /// (null or <c>all</c>: every one).</summary>
    private List<KeyManager> RuntimeIs7KeyManagers(IReadOnlyList<string>? allowed)
    {
        lock (_gate)
            return [.. _state.KeyManagers.Where(k => k.Value.Type == ApimFacts.Is7Type && k.Value.Enabled != false && InRuntime(k)
                    && (allowed is null || allowed.Contains("all") || allowed.Contains(k.Value.Name)))
                .Select(k => k.Value)];
    }

    private sealed record Is7Endpoints(string ApiResources, string Roles, string Basic, bool RolesCreation);

    /// <summary>What the connector reads from the Key Manager's <c>additionalProperties</c>; null before v2.0.3 (no
    /// API-resource endpoints: the v2.0.2 legacy scope API is left out).</summary>
    private Is7Endpoints? Is7Connection(KeyManager keyManager)
    {
        var p = keyManager.AdditionalProperties;
        if (!_version.ConnectorHasRoleEndpoints || p is null) return null;
        if ((string?)p[ApimFacts.ApiResourceManagementEndpoint] is not { Length: > 0 } resources || (string?)p[ApimFacts.RolesEndpoint] is not { Length: > 0 } roles)
            return null;
        // The connector gets its properties decrypted (4.7.0 stores the password encrypted with [encryption] key).
        var basic = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{PlainProperty(keyManager, ApimFacts.Username)}:{PlainProperty(keyManager, ApimFacts.Password)}"));
        // v2.0.4+ reads the flag as a JSON boolean (WSO2IS7KeyManager L887-888); v2.0.3 always creates, under the raw name.
        var creation = !_version.ConnectorHasRoleCreation || p[ApimFacts.EnableRolesCreation] is JsonValue v && v.GetValueKind() == System.Text.Json.JsonValueKind.True;
        return new Is7Endpoints(resources.TrimEnd('/'), roles.TrimEnd('/'), basic, creation);
    }

    /// <summary>registerScope for each Key Manager: the scope into the API resource (PATCH addedScopes, or POST the
    /// resource), then for each binding the IS role (search, GET, PATCH replace permissions; or POST it when role
    /// creation is on). Errors are logged, not returned.</summary>
    private async Task RegisterScopesAsync(IReadOnlyList<Scope> scopes, IReadOnlyList<KeyManager> keyManagers, CancellationToken ct)
    {
        foreach (var keyManager in keyManagers)
        {
            if (Is7Connection(keyManager) is not { } connection)
            {
                _context.Log.Warn(ApimRbacFacts.ConnectorLogger, $"Key Manager {keyManager.Name}: connector {_version.ConnectorVersion} scope registration through the legacy scope API is not modelled; scopes not registered");
                continue;
            }
            foreach (var scope in scopes)
            {
                try
                {
                    await RegisterScopeAsync(connection, scope, ct);
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException or InvalidOperationException)
                {
                    _context.Log.Error(ApimRbacFacts.ConnectorLogger, $"Error while registering scope {scope.Name} in Key Manager {keyManager.Name}: {e.GetBaseException().Message}");
                }
            }
        }
    }

    private async Task RegisterScopeAsync(Is7Endpoints connection, Scope scope, CancellationToken ct)
    {
        var scopeJson = new JsonObject { ["name"] = scope.Name, ["displayName"] = scope.DisplayName ?? scope.Name, ["description"] = scope.Description ?? "" };
        var resourceId = await ApiResourceIdAsync(connection, ct);
        if (resourceId is null)
            await SendAsync(connection, HttpMethod.Post, connection.ApiResources, new JsonObject
            {
                ["name"] = ApimRbacFacts.ApiResourceIdentifier, ["identifier"] = ApimRbacFacts.ApiResourceIdentifier,
                ["requiresAuthorization"] = true, ["scopes"] = new JsonArray(scopeJson),
            }, ct);
        else
            await SendAsync(connection, HttpMethod.Patch, $"{connection.ApiResources}/{resourceId}", new JsonObject { ["addedScopes"] = new JsonArray(scopeJson) }, ct);

        foreach (var binding in scope.Bindings ?? [])
        {
            if (ApimRbacFacts.Is7RoleName(binding, mapped: _version.ConnectorHasRoleCreation && connection.RolesCreation) is not { } roleName)
            {
                _context.Log.Error(ApimRbacFacts.ConnectorLogger, $"Role {binding} of scope {scope.Name} cannot be mapped to an IS 7 role (Application roles are not supported)");
                continue;
            }
            var found = await SendAsync(connection, HttpMethod.Post, connection.Roles + "/.search", new JsonObject
            {
                ["schemas"] = new JsonArray("urn:ietf:params:scim:api:messages:2.0:SearchRequest"), ["startIndex"] = 1, ["filter"] = $"displayName eq {roleName}",
            }, ct);
            var roleId = (string?)(found?["Resources"] as JsonArray)?.FirstOrDefault()?["id"];
            if (roleId is not null)
            {
                var role = await SendAsync(connection, HttpMethod.Get, $"{connection.Roles}/{roleId}", null, ct);
                var permissions = ((role?["permissions"] as JsonArray) ?? []).Select(p => (string?)p?["value"]).OfType<string>().Append(scope.Name).Distinct();
                await SendAsync(connection, HttpMethod.Patch, $"{connection.Roles}/{roleId}", new JsonObject
                {
                    ["schemas"] = new JsonArray("urn:ietf:params:scim:api:messages:2.0:PatchOp"),
                    ["Operations"] = new JsonArray(new JsonObject
                    {
                        ["op"] = "replace", ["path"] = "permissions",
                        ["value"] = new JsonArray([.. permissions.Select(p => (JsonNode)new JsonObject { ["value"] = p, ["display"] = p })]),
                    }),
                }, ct);
            }
            else if (connection.RolesCreation)
            {
                await SendAsync(connection, HttpMethod.Post, connection.Roles, new JsonObject
                {
                    ["displayName"] = roleName,
                    ["permissions"] = new JsonArray(new JsonObject { ["value"] = scope.Name, ["display"] = scope.Name }),
                }, ct);
            }
            else
            {
                _context.Log.Warn(ApimRbacFacts.ConnectorLogger, $"Role {roleName} does not exist in IS and role creation is off; scope {scope.Name} not bound to it");
            }
        }
    }

    private async Task<string?> ApiResourceIdAsync(Is7Endpoints connection, CancellationToken ct)
    {
        var list = await SendAsync(connection, HttpMethod.Get,
            $"{connection.ApiResources}?filter={Uri.EscapeDataString($"identifier eq {ApimRbacFacts.ApiResourceIdentifier}")}", null, ct);
        return (string?)(list?["apiResources"] as JsonArray)?.FirstOrDefault()?["id"];
    }

    /// <summary>One call to IS with the Key Manager's Basic credentials, over TLS checked against APIM's truststore.
    /// A non-2xx answer throws (the connector turns it into an APIManagementException that is logged).</summary>
    private async Task<JsonNode?> SendAsync(Is7Endpoints connection, HttpMethod method, string url, JsonNode? body, CancellationToken ct)
    {
        using var message = new HttpRequestMessage(method, url);
        message.Headers.Authorization = new AuthenticationHeaderValue("Basic", connection.Basic);
        if (body is not null) message.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        using var response = await _outbound.SendAsync(message, ct);
        var text = await response.Content.ReadAsStringAsync(ct);
        if (!response.IsSuccessStatusCode)
            throw new InvalidOperationException($"{method} {url} answered {(int)response.StatusCode}: {text}");
        return text.Length == 0 ? null : JsonNode.Parse(text);
    }

    private static IResult ScopeNotFound(string id) =>
        ApimRest.Error(StatusCodes.Status404NotFound, 404, "Not Found", $"Requested scope with Id '{id}' not found");
}
