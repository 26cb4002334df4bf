namespace KmLab.Twins.ApiManager;

// Publisher REST API v4: APIs, their revisions and deployments to the Default gateway, and the Publish lifecycle step.
internal sealed partial class ApiManagerTwin
{
    private const string PublisherLogger = "org.wso2.carbon.apimgt.impl.APIProviderImpl";

    /// <summary>APIM keeps at most this many revisions per API.</summary>
    private const int MaxRevisions = 5;

    private static readonly string[] ApiReadScopes = [ApimFacts.ScopeApiView, ApimFacts.ScopeApiManage, ApimFacts.ScopeApiCreate];
    private static readonly string[] ApiWriteScopes = [ApimFacts.ScopeApiCreate, ApimFacts.ScopeApiManage];
    private static readonly string[] ApiDeployScopes = [ApimFacts.ScopeApiCreate, ApimFacts.ScopeApiManage, ApimFacts.ScopeApiPublish];
    private static readonly string[] ApiPublishScopes = [ApimFacts.ScopeApiPublish, ApimFacts.ScopeApiManage];

    private PublisherState _published = new();

    private void MapPublisher(WebApplication app)
    {
        _published = PublisherState.Load(_context.Options.DataDirectory);
        app.MapGet(ApimFacts.Apis, ListApisAsync);
        app.MapPost(ApimFacts.Apis, CreateApiAsync);
        app.MapGet(ApimFacts.Api, GetApiAsync);
        app.MapPut(ApimFacts.Api, UpdateApiAsync);
        app.MapPost(ApimFacts.ApiImportOpenApi, ImportOpenApiAsync).DisableAntiforgery();
        app.MapPut(ApimFacts.ApiSwagger, UpdateSwaggerAsync).DisableAntiforgery();
        app.MapPost(ApimFacts.ApiRevisions, CreateRevisionAsync);
        app.MapGet(ApimFacts.ApiDeployments, ListDeploymentsAsync);
        app.MapPost(ApimFacts.ApiDeployRevision, DeployRevisionAsync);
        app.MapPost(ApimFacts.ChangeLifecycle, ChangeLifecycleAsync);
        app.MapPost(ApimFacts.ApiGenerateKey, GenerateInternalKeyAsync);
    }

    private void SavePublished() => _published.Save(_context.Options.DataDirectory);

    /// <summary><c>GET /apis?query=</c>: <c>name:</c>, <c>version:</c>, <c>context:</c> modifiers match partially
    /// (quotes make them exact); a bare term matches names.</summary>
    private async Task<IResult> ListApisAsync(HttpRequest request, string? query)
    {
        if ((await AuthorizeAsync(request, ApiReadScopes)).Failure is { } failure) return failure;
        var conditions = (query ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(term =>
        {
            var colon = term.IndexOf(':');
            return colon < 0 ? ("name", term) : (term[..colon], term[(colon + 1)..]);
        }).ToList();
        lock (_gate)
        {
            var rows = _published.Apis.Select(a => a.Value)
                .Where(api => conditions.All(c => Matches(c.Item1 switch
                {
                    "version" => api.Version,
                    "context" => api.Context,
                    "status" => api.LifeCycleStatus,
                    "provider" => api.Provider,
                    _ => api.Name,
                }, c.Item2)))
                .Select(api => new ApiInfo
                {
                    Id = api.Id, Name = api.Name, Context = api.Context, Version = api.Version, Provider = api.Provider,
                    Type = api.Type, LifeCycleStatus = api.LifeCycleStatus,
                }).ToList();
            return ApimRest.Json(new ApiList { Count = rows.Count, List = rows });
        }

        static bool Matches(string? value, string wanted) => wanted.Length > 1 && wanted.StartsWith('"') && wanted.EndsWith('"')
            ? string.Equals(value, wanted[1..^1], StringComparison.OrdinalIgnoreCase)
            : value?.Contains(wanted, StringComparison.OrdinalIgnoreCase) == true;
    }

    /// <summary><c>POST /apis</c>: 201 with the API in state CREATED; name+version and context must be free.</summary>
    private async Task<IResult> CreateApiAsync(HttpRequest request)
    {
        var (token, failure) = await AuthorizeAsync(request, ApiWriteScopes);
        if (failure is not null) return failure;
        return await AddApiAsync(request, await Http.ReadJsonAsync<Api>(request), token!.Subject);
    }

    /// <summary><c>POST /apis/import-openapi</c> (ApisApiServiceImpl.importOpenAPIDefinition): multipart
    /// <c>additionalProperties</c> (required, the API as JSON) and the definition as <c>file</c> or
    /// <c>inlineAPIDefinition</c>; an invalid definition is 400 with its first error's code; the operations are the
    /// definition's paths (authType from <c>x-auth-type</c>, else Any); then the same checks as <c>POST /apis</c>.</summary>
    private async Task<IResult> ImportOpenApiAsync(HttpRequest request)
    {
        var (token, failure) = await AuthorizeAsync(request, ApiWriteScopes);
        if (failure is not null) return failure;
        var form = await Http.ReadFormAsync(request);
        if (string.IsNullOrWhiteSpace(form["additionalProperties"]))
            return ApimRest.Error(ApimFacts.AdditionalPropertiesMissing);
        Api? body;
        try
        {
            body = System.Text.Json.JsonSerializer.Deserialize<Api>(form["additionalProperties"].ToString(), WireJson.Options);
        }
        catch (System.Text.Json.JsonException)
        {
            return ApimRest.Error(ApimFacts.AdditionalPropertiesUnparsable);
        }
        var definition = form.Files["file"] is { } file ? await new StreamReader(file.OpenReadStream()).ReadToEndAsync(request.HttpContext.RequestAborted)
            : form["inlineAPIDefinition"].ToString();
        if (OpenApiOperations(definition) is not { } operations) return OpenApiRefused(definition);
        return await AddApiAsync(request, body is null ? null : body with { Operations = operations }, token!.Subject);
    }

    /// <summary><c>PUT /apis/{apiId}/swagger</c> (updateAPISwagger): multipart <c>apiDefinition</c> (or <c>file</c>);
    /// the API's operations become the definition's; 200 with the definition.</summary>
    private async Task<IResult> UpdateSwaggerAsync(HttpRequest request, string apiId)
    {
        var (token, failure) = await AuthorizeAsync(request, ApiDeployScopes);
        if (failure is not null) return failure;
        lock (_gate)
        {
            if (FindApi(apiId) is not { } existing) return ApiNotFound(apiId);
            if (RefusedPerLifecycle(existing.Value, token!) is { } refused) return refused;
        }
        var form = await Http.ReadFormAsync(request);
        var definition = form.Files["file"] is { } file ? await new StreamReader(file.OpenReadStream()).ReadToEndAsync(request.HttpContext.RequestAborted)
            : form["apiDefinition"].ToString();
        if (OpenApiOperations(definition) is not { } operations) return OpenApiRefused(definition);
        lock (_gate)
        {
            if (FindApi(apiId) is not { } stored) return ApiNotFound(apiId);
            stored.Value = stored.Value with { Operations = operations };
            SavePublished();
        }
        return Results.Text(definition, "application/json");
    }

    /// <summary>The operations of a JSON OpenAPI 3 / Swagger 2 definition, or null when APIM's validation refuses it
    /// (<see cref="OpenApiRefused"/> says how). The twin reads JSON only (real APIM also converts YAML).
    /// Auth types: OASParserUtil.preProcess (CAM-4.6 L1523-1531) first turns <c>x-wso2-disable-security</c> into
    /// <c>x-auth-type: None</c>, at the API level for every operation, at the operation level only when the document
    /// has some root <c>x-</c> extension at all (processDisableSecurityExtension returns early without one, OAS3Parser
    /// L2526-2560); then an operation without <c>x-auth-type</c> is internally <c>Any</c> (L503-509), which the REST
    /// API shows as <c>Application &amp; Application User</c> (APIMappingUtil.mapInternalToOASAuthType L3673-3684).</summary>
    private static List<ApiOperation>? OpenApiOperations(string definition)
    {
        if (OpenApiProblem(definition) is not null) return null;
        var root = (System.Text.Json.Nodes.JsonObject)System.Text.Json.Nodes.JsonNode.Parse(definition)!;
        var rootExtensions = root.Where(p => p.Key.StartsWith("x-", StringComparison.Ordinal)).ToList();
        var apiLevelDisabled = rootExtensions.Any(p => p.Key == ApimFacts.DisableSecurityExtension && IsTrue(p.Value));
        var operations = ((System.Text.Json.Nodes.JsonObject)root["paths"]!).SelectMany(path => (path.Value as System.Text.Json.Nodes.JsonObject ?? [])
            .Where(verb => ApimFacts.OpenApiVerbs.Contains(verb.Key))
            .Select(verb =>
            {
                var disabled = rootExtensions.Count > 0 && (apiLevelDisabled || IsTrue(verb.Value?[ApimFacts.DisableSecurityExtension]));
                var internalAuthType = disabled ? ApimFacts.AuthTypeNone : (string?)verb.Value?["x-auth-type"] ?? ApimFacts.AuthTypeAny;
                return new ApiOperation
                {
                    Id = "", Target = path.Key, Verb = verb.Key.ToUpperInvariant(),
                    AuthType = RestAuthType(internalAuthType), ThrottlingPolicy = (string?)verb.Value?["x-throttling-tier"] ?? "Unlimited",
                };
            })).ToList();
        return operations.Count == 0 ? null : operations;

        // OASParserUtil.getDisableSecurity: Boolean.parseBoolean of the value's text.
        static bool IsTrue(System.Text.Json.Nodes.JsonNode? value) =>
            value is not null && string.Equals(value.GetValueKind() == System.Text.Json.JsonValueKind.String ? (string?)value : value.ToJsonString(), "true", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>APIMappingUtil.mapInternalToOASAuthType (CAM-4.6 L3673-3684): None stays None, Application and
    /// Application_User get their REST names, anything else (Any included) is Application &amp; Application User.</summary>
    private static string RestAuthType(string internalAuthType) => internalAuthType switch
    {
        ApimFacts.AuthTypeNone => ApimFacts.AuthTypeNone,
        "Application" => "Application",
        "Application_User" => "Application User",
        _ => ApimFacts.AuthTypeApplicationOrUser,
    };

    /// <summary>The first message APIM's validation reports for a definition, as (code, description), or null when it
    /// has none. OASParserUtil.validateAPIDefinition (CAM-4.6 L986-1017) → OAS3Parser.validateAPIDefinition (L917-941):
    /// any message of swagger-parser makes the definition invalid, each one an OPENAPI_PARSE_EXCEPTION (900754) item
    /// whose description is the message (addErrorToValidationResponse L1132-1140). The twin reports the messages the
    /// lab can meet, in swagger-parser's order: <c>info.title</c>, <c>info.version</c>, then each operation's
    /// <c>responses</c>.</summary>
    private static (WireError Error, string Description)? OpenApiProblem(string definition)
    {
        System.Text.Json.Nodes.JsonObject? root;
        try
        {
            root = System.Text.Json.Nodes.JsonNode.Parse(definition) as System.Text.Json.Nodes.JsonObject;
        }
        catch (System.Text.Json.JsonException e)
        {
            return (ApimFacts.OpenApiParseError, "com.google.gson.JsonSyntaxException: " + e.Message);
        }
        if (root is null || (root["openapi"] is null && root["swagger"] is null))
            return (ApimFacts.OpenApiParseError, "attribute swagger or openapi should present");
        if (root["info"] is not System.Text.Json.Nodes.JsonObject info || root["paths"] is not System.Text.Json.Nodes.JsonObject paths)
            return (ApimFacts.OpenApiNoInfoOrPaths, ApimFacts.OpenApiNoInfoOrPaths.Description);
        foreach (var attribute in new[] { "title", "version" })
            if (info[attribute] is null)
                return (ApimFacts.OpenApiParseError, $"attribute info.{attribute} is missing");
        foreach (var path in paths)
            foreach (var verb in (path.Value as System.Text.Json.Nodes.JsonObject ?? []).Where(v => ApimFacts.OpenApiVerbs.Contains(v.Key)))
                if (verb.Value?["responses"] is null)
                    return (ApimFacts.OpenApiParseError, $"attribute paths.'{path.Key}'({verb.Key}).responses is missing");
        return null;
    }

    /// <summary>The REST layer answers the first error item (APIMappingUtil.getErrorDTOFromErrorListItems L3491-3510).
    /// A definition with no operation at all is refused as one without <c>paths</c>.</summary>
    private static IResult OpenApiRefused(string definition)
    {
        var (error, description) = OpenApiProblem(definition) ?? (ApimFacts.OpenApiNoInfoOrPaths, ApimFacts.OpenApiNoInfoOrPaths.Description);
        return ApimRest.Error(error.Status, error.Code, error.Message, description);
    }

    /// <summary>PublisherCommonUtils.prepareToCreateAPIByDTO (CAM-4.6 L2893-2921): when a version of the same name exists,
    /// the same version is 409 900300 (API_ALREADY_EXISTS); when none exists, a context another API holds is 409 900251
    /// (API_CONTEXT_ALREADY_EXISTS, "An API with context '%s' already exists").</summary>
    private async Task<IResult> AddApiAsync(HttpRequest request, Api? body, string provider)
    {
        if (body is null || string.IsNullOrWhiteSpace(body.Name) || string.IsNullOrWhiteSpace(body.Version) || string.IsNullOrWhiteSpace(body.Context))
            return ApimRest.Error(StatusCodes.Status400BadRequest, 900400, "Bad Request", "API name, version and context are required");
        body = WithLeadingSlash(body);
        Api api;
        lock (_gate)
        {
            if (ValidateApiScopes(body) is { } invalid) return invalid;
            var versions = _published.Apis.Where(a => a.Value.Name == body.Name).Select(a => a.Value.Version).ToList();
            if (versions.Any(v => string.Equals(v, body.Version, StringComparison.OrdinalIgnoreCase)))
                return ApimRest.Error(ApimFacts.ApiAlreadyExists);
            if (versions.Count == 0 && _published.Apis.Any(a => string.Equals(a.Value.Context, body.Context, StringComparison.OrdinalIgnoreCase)))
            {
                var taken = ApimFacts.ApiContextAlreadyExists;
                return ApimRest.Error(taken.Status, taken.Code, taken.Message, string.Format(System.Globalization.CultureInfo.InvariantCulture, taken.Description, body.Context));
            }
            api = body with
            {
                Id = Guid.NewGuid().ToString(), Provider = provider, LifeCycleStatus = "CREATED", Type = body.Type ?? "HTTP",
                KeyManagers = body.KeyManagers is { Count: > 0 } keyManagers ? keyManagers : ["all"],
                Operations = body.Operations?.Select(o => o with { Id = o.Id ?? "" }).ToList(),
            };
            _published.Apis.Add(new StoredApi { Value = api });
            SavePublished();
            _context.Log.Info(PublisherLogger, $"API {api.Name}:{api.Version} created by {api.Provider} (id {api.Id})");
        }
        // APIProviderImpl.addAPI registers the API's local scopes with its Key Managers before answering.
        await RegisterLocalScopesAsync(api, request.HttpContext.RequestAborted);
        request.HttpContext.Response.Headers.Location = $"{_context.AdvertisedBase}{ApimFacts.Apis}/{api.Id}";
        return ApimRest.Json(api, StatusCodes.Status201Created);
    }

    private async Task<IResult> GetApiAsync(HttpRequest request, string apiId)
    {
        if ((await AuthorizeAsync(request, ApiReadScopes)).Failure is { } failure) return failure;
        lock (_gate)
            return FindApi(apiId) is { } api ? ApimRest.Json(api.Value) : ApiNotFound(apiId);
    }

    /// <summary><c>PUT /apis/{apiId}</c>: name, version, context, provider and state stay as they are.</summary>
    private async Task<IResult> UpdateApiAsync(HttpRequest request, string apiId)
    {
        var (token, failure) = await AuthorizeAsync(request, ApiDeployScopes);
        if (failure is not null) return failure;
        if (await Http.ReadJsonAsync<Api>(request) is not { } body)
            return ApimRest.Error(StatusCodes.Status400BadRequest, 900400, "Bad Request", "The API body is not valid");
        Api updated;
        lock (_gate)
        {
            if (FindApi(apiId) is not { } stored) return ApiNotFound(apiId);
            if (RefusedPerLifecycle(stored.Value, token!) is { } refused) return refused;
            if (ValidateApiScopes(body) is { } invalid) return invalid;
            var current = stored.Value;
            stored.Value = body with
            {
                Id = current.Id, Name = current.Name, Version = current.Version, Context = current.Context,
                Provider = current.Provider, LifeCycleStatus = current.LifeCycleStatus, Type = body.Type ?? current.Type,
                KeyManagers = body.KeyManagers is { Count: > 0 } keyManagers ? keyManagers : current.KeyManagers,
            };
            SavePublished();
            updated = stored.Value;
        }
        // updateAPI registers local scopes new to the API (APIProviderImpl L752-791).
        await RegisterLocalScopesAsync(updated, request.HttpContext.RequestAborted);
        return ApimRest.Json(updated);
    }

    /// <summary><c>POST /apis/{apiId}/revisions</c>: 201 with a frozen copy of the API as it is now.</summary>
    private async Task<IResult> CreateRevisionAsync(HttpRequest request, string apiId)
    {
        var (token, failure) = await AuthorizeAsync(request, ApiDeployScopes);
        if (failure is not null) return failure;
        var body = await Http.ReadJsonAsync<ApiRevision>(request);
        lock (_gate)
        {
            if (FindApi(apiId) is not { } stored) return ApiNotFound(apiId);
            if (RefusedPerLifecycle(stored.Value, token!) is { } refused) return refused;
            if (stored.Revisions.Count >= MaxRevisions)
                return ApimRest.Error(StatusCodes.Status400BadRequest, 900400, "Bad Request",
                    $"Maximum number of revisions per API has reached. Need to remove stale revision to create a new Revision for API with API UUID: {apiId}");
            stored.RevisionCounter++;
            var revision = new ApiRevision
            {
                Id = Guid.NewGuid().ToString(), DisplayName = $"Revision {stored.RevisionCounter}", Description = body?.Description,
                CreatedTime = DateTimeOffset.UtcNow, DeploymentInfo = [],
            };
            stored.Revisions.Add(new StoredRevision { Info = revision, Snapshot = stored.Value });
            SavePublished();
            _context.Log.Info(PublisherLogger, $"Revision {revision.DisplayName} of API {stored.Value.Name}:{stored.Value.Version} created (id {revision.Id})");
            return ApimRest.Json(revision, StatusCodes.Status201Created);
        }
    }

    private async Task<IResult> ListDeploymentsAsync(HttpRequest request, string apiId)
    {
        if ((await AuthorizeAsync(request, ApiReadScopes)).Failure is { } failure) return failure;
        lock (_gate)
            return FindApi(apiId) is { } stored
                ? ApimRest.Json(new ApiRevisionDeploymentList { List = [.. stored.Deployments] })
                : ApiNotFound(apiId);
    }

    /// <summary><c>POST /apis/{apiId}/deploy-revision?revisionId=</c> (ApisApiServiceImpl.deployAPIRevision, CAM-4.6
    /// L4338-4402): after the lifecycle check, each deployment names a gateway environment of deployment.toml (else 400
    /// 900504) and one of its virtual hosts (missing: 400 900511, unknown: 400 900512; ApisApiServiceImplUtils
    /// L1108-1151); a revision replaces whatever was deployed to that environment before; 201 with every deployment
    /// of the API (getAPIRevisionsDeploymentList), not only the new ones.</summary>
    private async Task<IResult> DeployRevisionAsync(HttpRequest request, string apiId, string? revisionId)
    {
        var (token, failure) = await AuthorizeAsync(request, ApiDeployScopes);
        if (failure is not null) return failure;
        if (await Http.ReadJsonAsync<List<ApiRevisionDeployment>>(request) is not { Count: > 0 } body)
            return ApimRest.Error(StatusCodes.Status400BadRequest, 900400, "Bad Request", "A list of deployments is required");
        lock (_gate)
        {
            if (FindApi(apiId) is not { } stored) return ApiNotFound(apiId);
            if (RefusedPerLifecycle(stored.Value, token!) is { } refused) return refused;
            foreach (var wanted in body)
            {
                if (wanted.Name is null || !_context.Config.GatewayEnvironments.TryGetValue(wanted.Name, out var vhosts))
                {
                    var missing = ApimFacts.GatewayEnvironmentNotFound;
                    // ExceptionCodes.from(INVALID_GATEWAY_ENVIRONMENT, "name '<env>'") formats that into the description.
                    return ApimRest.Error(missing.Status, missing.Code, missing.Message,
                        string.Format(System.Globalization.CultureInfo.InvariantCulture, missing.Description, $"name '{wanted.Name}'"));
                }
                if (string.IsNullOrEmpty(wanted.Vhost)) return ApimRest.Error(ApimFacts.VhostNotProvided);
                if (!vhosts.Contains(wanted.Vhost)) return ApimRest.Error(ApimFacts.InvalidVhost);
            }
            if (stored.Revisions.FirstOrDefault(r => r.Info.Id == revisionId) is not { } revision)
                return ApimRest.Error(StatusCodes.Status404NotFound, 404, "Not Found", $"Requested revision with Id '{revisionId}' not found");
            var deployed = body.Select(d => d with
            {
                RevisionUuid = revision.Info.Id, Status = "APPROVED",
                DeployedTime = DateTimeOffset.UtcNow, DisplayOnDevportal = d.DisplayOnDevportal ?? true,
            }).ToList();
            stored.Deployments.RemoveAll(d => deployed.Any(n => n.Name == d.Name));
            stored.Deployments.AddRange(deployed);
            SavePublished();
            _context.Log.Info(PublisherLogger, $"Revision {revision.Info.DisplayName} of API {stored.Value.Name}:{stored.Value.Version} deployed to {string.Join(", ", deployed.Select(d => d.Name))}");
            return ApimRest.Json(stored.Deployments.ToList(), StatusCodes.Status201Created);
        }
    }

    /// <summary><c>POST /apis/change-lifecycle?apiId=&amp;action=</c>: Publish moves CREATED (or PROTOTYPED) to PUBLISHED;
    /// no approval workflow is configured, as in the default APIM.</summary>
    private async Task<IResult> ChangeLifecycleAsync(HttpRequest request, string? apiId, string? action)
    {
        if ((await AuthorizeAsync(request, ApiPublishScopes)).Failure is { } failure) return failure;
        lock (_gate)
        {
            if (apiId is null || FindApi(apiId) is not { } stored) return ApiNotFound(apiId ?? "");
            if (action != ApimFacts.PublishAction || stored.Value.LifeCycleStatus is not ("CREATED" or "PROTOTYPED"))
                return ApimRest.Error(StatusCodes.Status400BadRequest, 900400, "Bad Request",
                    $"Action '{action}' is not allowed in the state {stored.Value.LifeCycleStatus} of API {stored.Value.Name}");
            stored.Value = stored.Value with { LifeCycleStatus = ApimFacts.PublishedState };
            SavePublished();
            _context.Log.Info(PublisherLogger, $"API {stored.Value.Name}:{stored.Value.Version} published");
            return ApimRest.Json(new WorkflowResponse { WorkflowStatus = "APPROVED", LifecycleState = new LifecycleState { State = "Published" } });
        }
    }

    /// <summary><c>POST /apis/{apiId}/generate-key</c> (Try Out): an internal key, as ApisApiServiceImpl CAM-4.6
    /// L3915-3919 and APIProviderImpl.generateApiKey L7976-8034 make it: InternalAPIKeyGenerator's JWT (RS256, kid
    /// <c>gateway_certificate_alias</c>, signed with the primary keystore's key), <c>aud</c> the API id,
    /// <c>token_type</c> InternalKey, <c>subscribedAPIs</c> the API; 200 <c>{apikey, validityTime: 60000}</c>.</summary>
    private async Task<IResult> GenerateInternalKeyAsync(HttpRequest request, string apiId)
    {
        var (token, failure) = await AuthorizeAsync(request, ApimFacts.ScopeApiGenerateKey, ApimFacts.ScopeApiCreate, ApimFacts.ScopeApiManage);
        if (failure is not null) return failure;
        Api api;
        lock (_gate)
        {
            if (FindApi(apiId) is not { } stored) return ApiNotFound(apiId);
            api = stored.Value;
        }
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var claims = new Dictionary<string, object>
        {
            ["sub"] = token!.Subject,
            ["jti"] = Guid.NewGuid().ToString(),
            ["aud"] = new[] { apiId },
            ["iss"] = _context.AdvertisedBase + ApimFacts.Token,
            ["iat"] = now,
            ["exp"] = now + 60000,
            ["subscribedAPIs"] = new[] { new Dictionary<string, string> { ["name"] = api.Name, ["context"] = api.Context, ["publisher"] = api.Provider ?? "", ["version"] = api.Version } },
            ["keytype"] = "PRODUCTION",
            ["token_type"] = ApimFacts.InternalKeyTokenType,
        };
        var key = new Microsoft.IdentityModel.Tokens.X509SecurityKey(_context.PrimaryCertificate) { KeyId = ApimFacts.GatewayCertificateAlias };
        var jwt = new Microsoft.IdentityModel.JsonWebTokens.JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(
            new Microsoft.IdentityModel.Tokens.SecurityTokenDescriptor
            {
                Claims = claims,
                SigningCredentials = new Microsoft.IdentityModel.Tokens.SigningCredentials(key, Microsoft.IdentityModel.Tokens.SecurityAlgorithms.RsaSha256),
            });
        return Results.Json(new System.Text.Json.Nodes.JsonObject { ["apikey"] = jwt, ["validityTime"] = 60000 });
    }

    private StoredApi? FindApi(string id) => _published.Apis.FirstOrDefault(a => a.Value.Id == id);

    /// <summary>ApisApiServiceImpl.validateAPIOperationsPerLC (CAM-4.6 L1096-1115, run after the existence check by
    /// PUT L1043, PUT swagger L2988, create revision L4238, deploy L4349): a PUBLISHED or DEPRECATED API is changed only
    /// with a publish, manage, import-export or admin scope in the token; otherwise 403 900380.</summary>
    private static IResult? RefusedPerLifecycle(Api api, TokenInfo token)
    {
        if (api.LifeCycleStatus is not (ApimFacts.PublishedState or ApimFacts.DeprecatedState)
            || token.Scopes.Any(ApimFacts.PublishedApiUpdateScopes.Contains)) return null;
        var refused = ApimFacts.ApiUpdateForbiddenPerLifecycle;
        return ApimRest.Error(refused.Status, refused.Code, refused.Message, string.Format(System.Globalization.CultureInfo.InvariantCulture, refused.Description, api.LifeCycleStatus));
    }

    private static IResult ApiNotFound(string id) =>
        ApimRest.Error(StatusCodes.Status404NotFound, 404, "Not Found", $"Requested API with Id '{id}' not found");
}
