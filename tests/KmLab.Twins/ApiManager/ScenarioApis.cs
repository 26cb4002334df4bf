namespace KmLab.Twins.ApiManager;

// The REST resources WSO2's own integration scenarios call beside the lab's: the Publisher's lifecycle state, the
// DevPortal's Key Manager list and token generation for an existing key mapping, and the generate-keys refusals for a
// Key Manager that creates no OAuth applications.
internal sealed partial class ApiManagerTwin
{
    private static readonly string[] LifecycleReadScopes =
        [ApimFacts.ScopeApiView, ApimFacts.ScopeApiPublish, ApimFacts.ScopeApiCreate, ApimFacts.ScopeApiManage];
    private static readonly string[] KeyManagerListScopes = [ApimFacts.ScopeSubscribe];

    private void MapScenarioApis(WebApplication app)
    {
        app.MapGet(ApimFacts.ApiLifecycleState, LifecycleStateAsync);
        app.MapGet(ApimFacts.DevPortalKeyManagers, DevPortalKeyManagersAsync);
        app.MapPost(ApimFacts.OAuthKeyGenerateToken, GenerateTokenAsync);
        app.MapDelete(ApimFacts.Application, DeleteApplicationAsync);
    }

    /// <summary><c>DELETE /applications/{applicationId}</c> (ApplicationsApiServiceImpl.applicationsApplicationIdDelete,
    /// CAM-4.6 L820-842, simple workflow): 200, the application goes with its key mappings and subscriptions; the
    /// Key Manager's clients stay; 404 for an unknown id.</summary>
    private async Task<IResult> DeleteApplicationAsync(HttpRequest request, string applicationId)
    {
        if ((await AuthorizeAsync(request, DevPortalScopes)).Failure is { } failure) return failure;
        lock (_gate)
        {
            if (FindApplication(applicationId) is not { } application) return ApplicationNotFound(applicationId);
            _state.Applications.Remove(application);
            _published.Subscriptions.RemoveAll(s => s.ApplicationId == applicationId);
            Save();
            SavePublished();
            _context.Log.Info(KeysLogger, $"Application {application.Value.Name} deleted");
            return Results.Ok();
        }
    }

    /// <summary>PublisherCommonUtils.prepareToCreateAPIByDTO (CAM-4.6 L2829-2830): a context without a leading
    /// <c>/</c> gets one.</summary>
    private static Api WithLeadingSlash(Api api) =>
        api.Context!.StartsWith('/') ? api : api with { Context = "/" + api.Context };

    /// <summary>APIConsumerImpl.requestApprovalForApplicationRegistration (CAM-4.6 L2428-2444), after the
    /// "not registered" check and before the key-mapping check: a Key Manager whose token type is EXCHANGED, or whose
    /// <c>enable_oauth_app_creation</c> is false, refuses with 400 901405; nothing is stored.</summary>
    private IResult? OAuthAppCreationRefused(KeyManager keyManager)
    {
        if (keyManager.TokenType != ApimFacts.TokenTypeExchanged && keyManager.EnableOAuthAppCreation != false) return null;
        _context.Log.Error(KeysLogger, $"Key Manager {keyManager.Name} doesn't support to generate Client Application");
        return ApimRest.Error(ApimFacts.KeyManagerDoesNotCreateOAuthApps);
    }

    /// <summary><c>GET /apis/{apiId}/lifecycle-state</c> (ApisApiServiceImpl.getAPILifecycleState, CAM-4.6 L2210-2245):
    /// the lifecycle registry's state name, title case (<c>Created</c>, <c>Published</c>); 404 for an unknown id.</summary>
    private async Task<IResult> LifecycleStateAsync(HttpRequest request, string apiId)
    {
        if ((await AuthorizeAsync(request, LifecycleReadScopes)).Failure is { } failure) return failure;
        lock (_gate)
        {
            if (FindApi(apiId) is not { } stored) return ApiNotFound(apiId);
            var status = stored.Value.LifeCycleStatus ?? "CREATED";
            return ApimRest.Json(new LifecycleState { State = status[..1] + status[1..].ToLowerInvariant() });
        }
    }

    /// <summary><c>GET /api/am/devportal/v3/key-managers</c> (store KeyManagersApiServiceImpl, KeyManagerMappingUtil
    /// CAM-4.6 L24-100): every Key Manager of the organization; <c>tokenEndpoint</c> / <c>revokeEndpoint</c> are the
    /// display endpoints when set and not blank, else the real ones. Reading decrypts every configuration, as the
    /// Admin list does.</summary>
    private async Task<IResult> DevPortalKeyManagersAsync(HttpRequest request)
    {
        if ((await AuthorizeAsync(request, KeyManagerListScopes)).Failure is { } failure) return failure;
        lock (_gate)
        {
            if (_state.KeyManagers.FirstOrDefault(k => k.Undecryptable) is { } undecryptable)
                return DecryptionFailure(undecryptable.Value.Name);
            var list = _state.KeyManagers.Select(k => DevPortalInfo(k.Value)).ToList();
            return ApimRest.Json(new DevPortalKeyManagerList { Count = list.Count, List = list });
        }
    }

    private static DevPortalKeyManagerInfo DevPortalInfo(KeyManager k)
    {
        var properties = k.AdditionalProperties ?? [];
        string? Endpoint(string display, string? displayField, string real, string? realField)
        {
            var shown = (string?)properties[display] ?? displayField;
            return !string.IsNullOrWhiteSpace(shown) ? shown : (string?)properties[real] ?? realField;
        }
        return new DevPortalKeyManagerInfo
        {
            Id = k.Id, Name = k.Name, Type = k.Type, DisplayName = k.DisplayName, Description = k.Description, Enabled = k.Enabled,
            Alias = k.Alias, TokenType = k.TokenType ?? ApimFacts.TokenTypeDirect, AvailableGrantTypes = k.AvailableGrantTypes,
            EnableOAuthAppCreation = k.EnableOAuthAppCreation, EnableTokenGeneration = k.EnableTokenGeneration,
            EnableMapOAuthConsumerApps = k.EnableMapOAuthConsumerApps, EnableTokenEncryption = k.EnableTokenEncryption,
            EnableTokenHashing = k.EnableTokenHashing,
            TokenEndpoint = Endpoint("display_token_endpoint", k.DisplayTokenEndpoint, "token_endpoint", k.TokenEndpoint),
            RevokeEndpoint = Endpoint("display_revoke_endpoint", k.DisplayRevokeEndpoint, "revoke_endpoint", k.RevokeEndpoint),
            AdditionalProperties = [], ApplicationConfiguration = [],
        };
    }

    /// <summary><c>POST /applications/{id}/oauth-keys/{keyMappingId}/generate-token</c> (ApplicationsApiServiceImpl
    /// CAM-4.6 L1358-1427): a client-credentials token for the key mapping's client, with the secret from the body
    /// when it has one, from the mapping's Key Manager; 404 for an unknown application or mapping; a failed token
    /// request is 400 with the exception's code (900967 when it has none).</summary>
    private async Task<IResult> GenerateTokenAsync(HttpRequest request, string applicationId, string keyMappingId)
    {
        if ((await AuthorizeAsync(request, DevPortalScopes)).Failure is { } failure) return failure;
        var body = await Http.ReadJsonAsync<ApplicationTokenGenerateRequest>(request) ?? new ApplicationTokenGenerateRequest();
        ApplicationKey? key;
        StoredKeyManager? keyManager;
        lock (_gate)
        {
            if (FindApplication(applicationId) is not { } application) return ApplicationNotFound(applicationId);
            key = application.Keys.FirstOrDefault(k => k.KeyMappingId == keyMappingId);
            if (key?.ConsumerKey is null)
                return ApimRest.Error(StatusCodes.Status404NotFound, 404, "Not Found", $"Requested consumer key with Id '{keyMappingId}' not found");
            keyManager = InDatabase(key.KeyManager ?? ResidentKeyManagerName);
        }
        var secret = string.IsNullOrEmpty(body.ConsumerSecret) ? key.ConsumerSecret : body.ConsumerSecret;
        var client = _oauth.FindClient(key.ConsumerKey) is { } known
            ? known with { ClientSecret = secret ?? "" }
            : new OAuthClient(key.ConsumerKey, secret ?? "", "", key.SupportedGrantTypes ?? [], key.CallbackUrl, "");
        ApplicationToken? token = null;
        if (keyManager is not null && InRuntime(keyManager))
        {
            token = keyManager.Value.Type == ConnectorCatalog.Default
                ? _oauth.FindClient(key.ConsumerKey) is { } resident && resident.ClientSecret == secret ? ResidentToken(resident, body.Scopes) : null
                : await ApplicationTokenAsync(keyManager.Value, client, body.Scopes, request.HttpContext.RequestAborted);
        }
        if (token is null)
        {
            _context.Log.Error(KeysLogger, $"Error while generating a {key.KeyType} token for application {applicationId} with Key Manager {key.KeyManager}");
            return ApimRest.Error(StatusCodes.Status400BadRequest, ApimFacts.GeneralError.Code, "Bad Request", "Error occurred while calling token endpoint");
        }
        return ApimRest.Json(token);
    }
}
