using System.Net.Http.Json;
using KmLab.Twins.IdentityServer;

namespace KmLab.Twins.ApiManager;

// DevPortal REST API v3: applications and their keys, generated through the Key Manager.
internal sealed partial class ApiManagerTwin
{
    private const string KeysLogger = "org.wso2.carbon.apimgt.impl.APIConsumerImpl";
    private static readonly string[] DevPortalScopes = [ApimFacts.ScopeSubscribe, ApimFacts.ScopeAppManage];

    private void MapDevPortal(WebApplication app)
    {
        app.MapGet(ApimFacts.Applications, ListApplicationsAsync);
        app.MapPost(ApimFacts.Applications, AddApplicationAsync);
        app.MapGet(ApimFacts.Application, GetApplicationAsync);
        app.MapPost(ApimFacts.GenerateKeys, GenerateKeysAsync);
        app.MapGet(ApimFacts.OAuthKeys, ListKeysAsync);
        app.MapPost(ApimFacts.OAuthKeyCleanUp, CleanUpKeyAsync);
    }

    private async Task<IResult> ListApplicationsAsync(HttpRequest request, string? query)
    {
        if ((await AuthorizeAsync(request, DevPortalScopes)).Failure is { } failure) return failure;
        lock (_gate)
        {
            var list = _state.Applications.Select(a => a.Value)
                .Where(a => query is null || a.Name.Contains(query, StringComparison.OrdinalIgnoreCase))
                .Select(a => new ApplicationInfo
                {
                    ApplicationId = a.ApplicationId, Name = a.Name, ThrottlingPolicy = a.ThrottlingPolicy,
                    Description = a.Description, Status = a.Status, Owner = a.Owner,
                }).ToList();
            return ApimRest.Json(new ApplicationList { Count = list.Count, List = list });
        }
    }

    private async Task<IResult> AddApplicationAsync(HttpRequest request)
    {
        var (token, failure) = await AuthorizeAsync(request, DevPortalScopes);
        if (failure is not null) return failure;
        if (await Http.ReadJsonAsync<Application>(request) is not { } body || string.IsNullOrWhiteSpace(body.Name))
            return ApimRest.Error(StatusCodes.Status400BadRequest, 900400, "Bad Request", "Application name is required");
        lock (_gate)
        {
            if (_state.Applications.Any(a => a.Value.Name == body.Name))
                return ApimRest.Error(StatusCodes.Status409Conflict, 409, "Conflict", $"A duplicate application already exists by the name - {body.Name}");
            var application = body with
            {
                ApplicationId = Guid.NewGuid().ToString(), Status = "APPROVED", Owner = token!.Subject,
                TokenType = body.TokenType ?? ApimFacts.ApplicationTokenTypeJwt, SubscriptionCount = 0, Keys = [],
            };
            _state.Applications.Add(new StoredApplication { Value = application });
            Save();
            return ApimRest.Json(application, StatusCodes.Status201Created);
        }
    }

    private async Task<IResult> GetApplicationAsync(HttpRequest request, string applicationId)
    {
        if ((await AuthorizeAsync(request, DevPortalScopes)).Failure is { } failure) return failure;
        lock (_gate)
            return FindApplication(applicationId) is { } app ? ApimRest.Json(app.Value with { Keys = app.Keys }) : ApplicationNotFound(applicationId);
    }

    private async Task<IResult> ListKeysAsync(HttpRequest request, string applicationId)
    {
        if ((await AuthorizeAsync(request, DevPortalScopes)).Failure is { } failure) return failure;
        lock (_gate)
            return FindApplication(applicationId) is { } app
                ? ApimRest.Json(new ApplicationKeyList { Count = app.Keys.Count, List = [.. app.Keys] })
                : ApplicationNotFound(applicationId);
    }

    /// <summary><c>POST /applications/{id}/generate-keys</c>, in real APIM's order (APIConsumerImpl CAM-4.6 L2415-2553,
    /// ApplicationRegistrationSimpleWorkflowExecutor.complete, AbstractApplicationRegistrationWorkflowExecutor
    /// L124-182): the Key Manager from the database only (400 901403), an existing key mapping (409 901409), then
    /// the key-mapping row is inserted, and only then the runtime holder is asked for the Key Manager. Whatever fails
    /// after the insert answers 500 900967 and leaves the row as it is: nothing is rolled back.</summary>
    private async Task<IResult> GenerateKeysAsync(HttpRequest request, string applicationId)
    {
        if ((await AuthorizeAsync(request, DevPortalScopes)).Failure is { } failure) return failure;
        if (await Http.ReadJsonAsync<ApplicationKeyGenerateRequest>(request) is not { } body)
            return ApimRest.Error(StatusCodes.Status400BadRequest, 900400, "Bad Request", "The key generation request is not valid");
        var keyManagerName = string.IsNullOrEmpty(body.KeyManager) ? ResidentKeyManagerName : body.KeyManager;
        StoredApplication? application;
        ApplicationKey row;
        StoredKeyManager? stored;
        lock (_gate)
        {
            application = FindApplication(applicationId);
            if (application is null) return ApplicationNotFound(applicationId);
            stored = InDatabase(keyManagerName);
            if (stored is null || stored.Value.Enabled == false)
            {
                _context.Log.Error(KeysLogger, $"Key Manager {keyManagerName} doesn't exist in Tenant carbon.super");
                return ApimRest.Error(ApimFacts.KeyManagerNotRegistered);
            }
            keyManagerName = stored.Value.Name;
            if (OAuthAppCreationRefused(stored.Value) is { } refused) return refused;
            if (application.Keys.Any(k => k.KeyManager == keyManagerName && k.KeyType == body.KeyType))
            {
                _context.Log.Error(KeysLogger, $"Key Mappings already exists for application {application.Value.Name}");
                return ApimRest.Error(ApimFacts.KeyMappingAlreadyExists);
            }
            // ApiMgtDAO.createApplicationRegistrationEntry (L300-308): STATE is the workflow status, no consumer key yet.
            row = new ApplicationKey
            {
                KeyMappingId = Guid.NewGuid().ToString(), KeyManager = keyManagerName, KeyType = body.KeyType,
                KeyState = ApimFacts.KeyStateApproved, Mode = ApimFacts.KeyModeCreated, SupportedGrantTypes = [], AdditionalProperties = [],
            };
            application.Keys.Add(row);
            Save();
        }

        if (!InRuntime(stored))
            return KeyGenerationFailed($"Key Manager {keyManagerName} not configured");
        var keyManager = stored.Value;

        var clientName = $"{application.Value.Owner}_{application.Value.Name}_{body.KeyType}";
        OAuthClient client;
        if (keyManager.Type == ConnectorCatalog.Default)
        {
            client = new OAuthClient(OAuthServer.NewClientId(), OAuthServer.NewSecret(), clientName, body.GrantTypesToBeSupported,
                body.CallbackUrl, application.Value.Owner ?? _context.Config.AdminUser);
            _oauth.Add(client);
        }
        else if (await RegisterWithKeyManagerAsync(keyManager, clientName, body, request.HttpContext.RequestAborted) is { } registered)
        {
            client = registered;
        }
        else
        {
            return KeyGenerationFailed($"Can not create OAuth application : {clientName} with Key Manager {keyManagerName}");
        }

        // updateOAuthAppAssociation + updateApplicationRegistration(COMPLETED), before the token is asked for.
        var completed = row with
        {
            ConsumerKey = client.ClientId, ConsumerSecret = client.ClientSecret, SupportedGrantTypes = client.GrantTypes,
            CallbackUrl = client.CallbackUrl, KeyState = ApimFacts.KeyStateCompleted,
        };
        lock (_gate)
        {
            application.Keys[application.Keys.FindIndex(k => k.KeyMappingId == row.KeyMappingId)] = completed;
            Save();
        }
        _context.Log.Info(KeysLogger, $"Generated {body.KeyType} keys of application {application.Value.Name} with Key Manager {keyManagerName}: consumer key {client.ClientId}");

        ApplicationToken? token = null;
        if (keyManager.EnableTokenGeneration == true && client.GrantTypes.Contains(CarbonFacts.ClientCredentialsGrant))
        {
            token = keyManager.Type == ConnectorCatalog.Default
                ? ResidentToken(client, body.Scopes)
                : await ApplicationTokenAsync(keyManager, client, body.Scopes, request.HttpContext.RequestAborted);
            if (token is null)
                return KeyGenerationFailed($"Error occurred while calling token endpoint of Key Manager {keyManagerName}");
        }
        return ApimRest.Json(completed with { Token = token ?? new ApplicationToken { AccessToken = "", TokenScopes = ["N/A"], ValidityTime = 0 } });
    }

    /// <summary>The exception that ends key generation after the row exists: APIUtil.handleException → WorkflowException
    /// → APIManagementException without a code of its own, which the REST layer answers with INTERNAL_ERROR.</summary>
    private IResult KeyGenerationFailed(string cause)
    {
        _context.Log.Error(KeysLogger, $"Error occurred while executing SubscriberKeyMgtClient. {cause}");
        return ApimRest.Error(ApimFacts.GeneralError);
    }

    /// <summary><c>POST /oauth-keys/{keyMappingId}/clean-up</c> (ApplicationsApiServiceImpl CAM-4.6 L1312-1326,
    /// APIConsumerImpl L3932-3939): deletes the registration and the key-mapping row whatever their state, leaves the
    /// Key Manager's client alone, answers 200 with no body; an unknown mapping id is a no-op.</summary>
    private async Task<IResult> CleanUpKeyAsync(HttpRequest request, string applicationId, string keyMappingId)
    {
        if ((await AuthorizeAsync(request, DevPortalScopes)).Failure is { } failure) return failure;
        lock (_gate)
        {
            // getLightweightApplicationByUUID returns null and application.getId() throws: the generic 500.
            if (FindApplication(applicationId) is not { } application) return InternalServerError();
            if (application.Keys.RemoveAll(k => k.KeyMappingId == keyMappingId) > 0)
            {
                Save();
                _context.Log.Info(KeysLogger, $"Key mapping {keyMappingId} of application {application.Value.Name} cleaned up");
            }
        }
        return Results.Ok();
    }

    /// <summary>KMIS WSO2IS7KeyManager.getNewApplicationAccessToken (v2.0.8 L498-545): client_credentials at the Key
    /// Manager's <c>token_endpoint</c> (the internal one), Basic client credentials, through the truststore. Null when
    /// the call fails ("Error occurred while calling token endpoint").</summary>
    private async Task<ApplicationToken?> ApplicationTokenAsync(KeyManager keyManager, OAuthClient client, IReadOnlyList<string>? scopes, CancellationToken ct)
    {
        var endpoint = keyManager.TokenEndpoint ?? (string?)keyManager.AdditionalProperties?[ApimFacts.TokenEndpointProperty];
        if (endpoint is null) return null;
        using var message = new HttpRequestMessage(HttpMethod.Post, endpoint)
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["grant_type"] = CarbonFacts.ClientCredentialsGrant,
                ["scope"] = string.Join(' ', scopes is { Count: > 0 } ? scopes : [ApimFacts.DefaultScope]),
            }),
        };
        var token = await CallKeyManagerAsync<TokenResponse>(message, client.ClientId, client.ClientSecret,
            $"Error occurred while calling token endpoint {endpoint}", ct);
        return token is null ? null : new ApplicationToken
        {
            AccessToken = token.AccessToken, ValidityTime = token.ExpiresIn,
            TokenScopes = (token.Scope ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries),
        };
    }

    /// <summary>The Resident Key Manager issues the application token itself (the twin does not call its own port).</summary>
    private ApplicationToken ResidentToken(OAuthClient client, IReadOnlyList<string>? scopes)
    {
        var scope = string.Join(' ', scopes is { Count: > 0 } ? scopes : [ApimFacts.DefaultScope]);
        return new ApplicationToken { AccessToken = _oauth.Issue(client, client.Owner, scope, "APPLICATION"), TokenScopes = scope.Split(' '), ValidityTime = 3600 };
    }

    private async Task<OAuthClient?> RegisterWithKeyManagerAsync(KeyManager keyManager, string clientName, ApplicationKeyGenerateRequest body, CancellationToken ct)
    {
        var endpoint = keyManager.ClientRegistrationEndpoint ?? (string?)keyManager.AdditionalProperties?[ApimFacts.ClientRegistrationEndpointProperty];
        var user = (string?)keyManager.AdditionalProperties?[ApimFacts.Username];
        var password = PlainProperty(keyManager, ApimFacts.Password);
        if (endpoint is null)
        {
            _context.Log.Error(KeysLogger, $"Key Manager {keyManager.Name} has no client registration endpoint");
            return null;
        }
        using var message = new HttpRequestMessage(HttpMethod.Post, endpoint)
        {
            Content = JsonContent.Create(new DcrRequest
            {
                ClientName = clientName, GrantTypes = body.GrantTypesToBeSupported,
                RedirectUris = body.CallbackUrl is { Length: > 0 } callback ? [callback] : [],
            }),
        };
        var created = await CallKeyManagerAsync<DcrResponse>(message, user, password,
            $"Error while creating the OAuth application {clientName} at {endpoint}", ct);
        return created is null ? null : new OAuthClient(created.ClientId, created.ClientSecret, created.ClientName, created.GrantTypes,
            created.RedirectUris.FirstOrDefault(), user ?? "");
    }

    /// <summary>APIM's call to a Key Manager with Basic credentials, through the truststore: the answer read as
    /// <typeparamref name="T"/>, or null once a refusal or a failed call is logged after <paramref name="failure"/>.</summary>
    private async Task<T?> CallKeyManagerAsync<T>(HttpRequestMessage message, string? user, string? password, string failure, CancellationToken ct)
        where T : class
    {
        message.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));
        try
        {
            using var response = await _outbound.SendAsync(message, ct);
            var text = await response.Content.ReadAsStringAsync(ct);
            if (!response.IsSuccessStatusCode)
            {
                _context.Log.Error(KeysLogger, $"{failure}: {(int)response.StatusCode} {Truncate(text)}");
                return null;
            }
            return JsonSerializer.Deserialize<T>(text);
        }
        catch (Exception e) when (e is HttpRequestException or JsonException or TaskCanceledException)
        {
            _context.Log.Error(KeysLogger, $"{failure}: {e.GetBaseException().Message}");
            return null;
        }
    }

    private static string Truncate(string text) => text.Length <= 300 ? text : text[..300];

    private StoredApplication? FindApplication(string id) => _state.Applications.FirstOrDefault(a => a.Value.ApplicationId == id);

    private static IResult ApplicationNotFound(string id) =>
        ApimRest.Error(StatusCodes.Status404NotFound, 404, "Not Found", $"Requested application with Id '{id}' not found");
}
