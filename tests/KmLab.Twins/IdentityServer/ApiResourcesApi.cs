namespace KmLab.Twins.IdentityServer;

// API resources (/api/server/v1/api-resources): the list (filter "identifier eq X"; rows without scopes), POST, GET
// one (with scopes), PATCH addedScopes, DELETE. A scope name is unique in the tenant, across resources.
internal sealed partial class IdentityServerTwin
{
    private readonly ConcurrentDictionary<string, JsonObject> _apiResources = new();

    private void MapApiResources(WebApplication app)
    {
        app.MapGet(IsFacts.ApiResources, ListApiResourcesAsync);
        app.MapPost(IsFacts.ApiResources, CreateApiResourceAsync);
        app.MapGet(IsFacts.ApiResources + "/{id}", GetApiResourceAsync);
        app.MapPatch(IsFacts.ApiResources + "/{id}", PatchApiResourceAsync);
        app.MapDelete(IsFacts.ApiResources + "/{id}", DeleteApiResourceAsync);
        app.MapDelete(IsFacts.ApiResources + "/{id}/scopes/{name}", DeleteScopeAsync);
    }

    /// <summary>DELETE one scope of a resource (the connector's deleteScope): 204; roles lose it as a permission.</summary>
    private async Task<IResult> DeleteScopeAsync(HttpRequest request, string id, string name)
    {
        if (await CallerAsync(request) is null) return Results.Unauthorized();
        lock (_apiResources)
        {
            if (!_apiResources.TryGetValue(id, out var resource)) return ApiResourceNotFound(id);
            var scopes = (JsonArray)resource["scopes"]!;
            if (scopes.OfType<JsonObject>().FirstOrDefault(s => (string?)s["name"] == name) is not { } scope)
                return ManagementError(StatusCodes.Status404NotFound, "APR-60007", "Scope not found.", $"No scope {name} in API resource {id}.");
            scopes.Remove(scope);
        }
        lock (_roles)
            foreach (var role in _roles.Values)
                if (role["permissions"] is JsonArray permissions && permissions.OfType<JsonObject>().FirstOrDefault(p => (string?)p["value"] == name) is { } permission)
                    permissions.Remove(permission);
        return Results.NoContent();
    }

    /// <summary>Every scope of every API resource: what the tenant has registered.</summary>
    private HashSet<string> RegisteredScopes()
    {
        lock (_apiResources)
            return [.. _apiResources.Values.SelectMany(r => ScopeNames(r["scopes"]))];
    }

    private static IEnumerable<string> ScopeNames(JsonNode? scopes) =>
        scopes is JsonArray array ? array.OfType<JsonObject>().Select(s => (string?)s["name"]).OfType<string>() : [];

    private async Task<IResult> ListApiResourcesAsync(HttpRequest request, string? filter)
    {
        if (await CallerAsync(request) is null) return Results.Unauthorized();
        var wanted = EqFilterValue(filter, "identifier");
        JsonNode[] rows;
        lock (_apiResources)
            rows = [.. _apiResources.Values.Where(r => wanted is null || (string?)r["identifier"] == wanted).Select(r =>
            {
                var row = (JsonObject)r.DeepClone();
                row.Remove("scopes");
                return (JsonNode)row;
            })];
        return Results.Json(new JsonObject { ["totalResults"] = rows.Length, ["apiResources"] = new JsonArray(rows), ["links"] = new JsonArray() });
    }

    private async Task<IResult> CreateApiResourceAsync(HttpRequest request)
    {
        if (await CallerAsync(request) is null) return Results.Unauthorized();
        if (await Http.ReadJsonAsync<JsonObject>(request) is not { } resource || (string?)resource["identifier"] is not { Length: > 0 } identifier)
            return ManagementError(StatusCodes.Status400BadRequest, "APR-60001", "Invalid request.", "API resource identifier is required.");
        lock (_apiResources)
        {
            if (_apiResources.Values.Any(r => (string?)r["identifier"] == identifier))
                return ManagementError(StatusCodes.Status409Conflict, "APR-65003", "API resource already exists.", $"API resource with identifier {identifier} already exists.");
            if (TakenScope(ScopeNames(resource["scopes"])) is { } taken) return ScopeExists(taken);
            var id = Guid.NewGuid().ToString();
            resource["id"] = id;
            resource["self"] = _context.AdvertisedBase + IsFacts.ApiResources + "/" + id;
            resource["type"] ??= "BUSINESS";
            resource["scopes"] ??= new JsonArray();
            _apiResources[id] = resource;
            return Results.Json(resource.DeepClone(), statusCode: StatusCodes.Status201Created);
        }
    }

    private async Task<IResult> GetApiResourceAsync(HttpRequest request, string id)
    {
        if (await CallerAsync(request) is null) return Results.Unauthorized();
        lock (_apiResources)
            return _apiResources.TryGetValue(id, out var resource) ? Results.Json(resource.DeepClone()) : ApiResourceNotFound(id);
    }

    /// <summary>PATCH <c>{"addedScopes":[{name, displayName, description}]}</c> (what the connector sends): 200.</summary>
    private async Task<IResult> PatchApiResourceAsync(HttpRequest request, string id)
    {
        if (await CallerAsync(request) is null) return Results.Unauthorized();
        var body = await Http.ReadJsonAsync<JsonObject>(request);
        lock (_apiResources)
        {
            if (!_apiResources.TryGetValue(id, out var resource)) return ApiResourceNotFound(id);
            var added = body?["addedScopes"] as JsonArray ?? [];
            if (TakenScope(ScopeNames(added)) is { } taken) return ScopeExists(taken);
            var scopes = (JsonArray)resource["scopes"]!;
            foreach (var scope in added.OfType<JsonObject>()) scopes.Add(scope.DeepClone());
            _context.Log.Info("org.wso2.carbon.identity.api.resource.mgt.APIResourceManagerImpl",
                $"Scopes {string.Join(", ", ScopeNames(added))} added to API resource {(string?)resource["identifier"]}");
            return Results.Json(resource.DeepClone());
        }
    }

    private async Task<IResult> DeleteApiResourceAsync(HttpRequest request, string id)
    {
        if (await CallerAsync(request) is null) return Results.Unauthorized();
        _apiResources.TryRemove(id, out _);
        return Results.NoContent();
    }

    private string? TakenScope(IEnumerable<string> names)
    {
        var registered = RegisteredScopes();
        return names.FirstOrDefault(registered.Contains);
    }

    private static IResult ScopeExists(string name) =>
        ManagementError(StatusCodes.Status409Conflict, "APR-65007", "Scope already exists.", $"Scope with name {name} already exists.");

    private static IResult ApiResourceNotFound(string id) =>
        ManagementError(StatusCodes.Status404NotFound, "APR-60002", "API resource not found.", $"No API resource with id {id}.");
}
