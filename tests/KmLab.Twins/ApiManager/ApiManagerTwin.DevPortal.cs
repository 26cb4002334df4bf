using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using KmLab.Provisioner.Apim;
using KmLab.Provisioner.Wso2;
using KmLab.Twins.Hosting;
using KmLab.Twins.IdentityServer;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace KmLab.Twins.ApiManager;

// DevPortal REST API v3: applications and their keys, generated through the Key Manager.
internal sealed partial class ApiManagerTwin
{
    private const string KeysLogger = "org.wso2.carbon.apimgt.impl.APIConsumerImpl";
    private static readonly string[] DevPortalScopes = [ApimScopes.Subscribe, ApimScopes.AppManage];

    private void MapDevPortal(WebApplication app)
    {
        app.MapGet(ApimEndpoints.Applications, ListApplicationsAsync);
        app.MapPost(ApimEndpoints.Applications, AddApplicationAsync);
        app.MapGet(ApimEndpoints.Application, GetApplicationAsync);
        app.MapPost(ApimEndpoints.ApplicationGenerateKeys, GenerateKeysAsync);
        app.MapGet(ApimEndpoints.ApplicationOAuthKeys, ListKeysAsync);
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
            return Http.Json(new ApplicationList { Count = list.Count, List = list });
        }
    }

    private async Task<IResult> AddApplicationAsync(HttpRequest request)
    {
        var (token, failure) = await AuthorizeAsync(request, DevPortalScopes);
        if (failure is not null) return failure;
        if (await Http.ReadJsonAsync<Application>(request) is not { } body || string.IsNullOrWhiteSpace(body.Name))
            return Http.Error(StatusCodes.Status400BadRequest, 900400, "Bad Request", "Application name is required");
        lock (_gate)
        {
            if (_state.Applications.Any(a => a.Value.Name == body.Name))
                return Http.Error(StatusCodes.Status409Conflict, 409, "Conflict", $"A duplicate application already exists by the name - {body.Name}");
            var application = body with
            {
                ApplicationId = Guid.NewGuid().ToString(), Status = "APPROVED", Owner = token!.Subject,
                TokenType = body.TokenType ?? DevPortal.TokenTypeJwt, SubscriptionCount = 0, Keys = [],
            };
            _state.Applications.Add(new StoredApplication { Value = application });
            Save();
            return Results.Json(application, ApimJson.Options, statusCode: StatusCodes.Status201Created);
        }
    }

    private async Task<IResult> GetApplicationAsync(HttpRequest request, string applicationId)
    {
        if ((await AuthorizeAsync(request, DevPortalScopes)).Failure is { } failure) return failure;
        lock (_gate)
            return FindApplication(applicationId) is { } app ? Http.Json(app.Value with { Keys = app.Keys }) : ApplicationNotFound(applicationId);
    }

    private async Task<IResult> ListKeysAsync(HttpRequest request, string applicationId)
    {
        if ((await AuthorizeAsync(request, DevPortalScopes)).Failure is { } failure) return failure;
        lock (_gate)
            return FindApplication(applicationId) is { } app
                ? Http.Json(new ApplicationKeyList { Count = app.Keys.Count, List = [.. app.Keys] })
                : ApplicationNotFound(applicationId);
    }

    /// <summary>Registers the application's client with the Key Manager: the Resident one in-house, an IS one through
    /// its DCR endpoint with the connector's Username/Password, over TLS checked against the truststore.</summary>
    private async Task<IResult> GenerateKeysAsync(HttpRequest request, string applicationId)
    {
        if ((await AuthorizeAsync(request, DevPortalScopes)).Failure is { } failure) return failure;
        if (await Http.ReadJsonAsync<ApplicationKeyGenerateRequest>(request) is not { } body)
            return Http.Error(StatusCodes.Status400BadRequest, 900400, "Bad Request", "The key generation request is not valid");
        var keyManagerName = body.KeyManager ?? ResidentKeyManagerName;
        StoredApplication? application;
        lock (_gate)
        {
            application = FindApplication(applicationId);
            if (application is not null && application.Keys.Any(k => k.KeyManager == keyManagerName && k.KeyType == body.KeyType))
                return Http.Error(StatusCodes.Status409Conflict, 900409, "Conflict",
                    $"Key Mappings already exists for application {application.Value.Name} and Key Manager {keyManagerName}");
        }
        if (application is null) return ApplicationNotFound(applicationId);
        if (Usable(keyManagerName) is not { } keyManager)
        {
            _context.Log.Error(KeysLogger, $"Key Manager {keyManagerName} not configured");
            return NotConfigured(keyManagerName);
        }

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
            return Http.Error(StatusCodes.Status500InternalServerError, 500, "Internal server error",
                $"Error occurred while generating keys with the Key Manager {keyManagerName}");
        }

        var key = new ApplicationKey
        {
            KeyMappingId = Guid.NewGuid().ToString(), KeyManager = keyManagerName, ConsumerKey = client.ClientId,
            ConsumerSecret = client.ClientSecret, SupportedGrantTypes = client.GrantTypes, CallbackUrl = client.CallbackUrl,
            KeyState = "COMPLETED", KeyType = body.KeyType, Mode = "CREATED", AdditionalProperties = [],
        };
        lock (_gate)
        {
            application.Keys.Add(key);
            Save();
        }
        _context.Log.Info(KeysLogger, $"Generated {body.KeyType} keys of application {application.Value.Name} with Key Manager {keyManagerName}: consumer key {client.ClientId}");
        return Http.Json(key);
    }

    private async Task<OAuthClient?> RegisterWithKeyManagerAsync(KeyManager keyManager, string clientName, ApplicationKeyGenerateRequest body, CancellationToken ct)
    {
        var endpoint = keyManager.ClientRegistrationEndpoint ?? (string?)keyManager.AdditionalProperties?["client_registration_endpoint"];
        var user = (string?)keyManager.AdditionalProperties?[Is7Connector.Properties.Username];
        var password = (string?)keyManager.AdditionalProperties?[Is7Connector.Properties.Password];
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
        message.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));
        try
        {
            using var response = await _outbound.SendAsync(message, ct);
            var text = await response.Content.ReadAsStringAsync(ct);
            if (!response.IsSuccessStatusCode)
            {
                _context.Log.Error(KeysLogger, $"Error while creating the OAuth application {clientName} at {endpoint}: {(int)response.StatusCode} {Truncate(text)}");
                return null;
            }
            var created = JsonSerializer.Deserialize<DcrResponse>(text)!;
            return new OAuthClient(created.ClientId, created.ClientSecret, created.ClientName, created.GrantTypes,
                created.RedirectUris.FirstOrDefault(), user ?? "");
        }
        catch (Exception e) when (e is HttpRequestException or JsonException or TaskCanceledException)
        {
            _context.Log.Error(KeysLogger, $"Error while creating the OAuth application {clientName} at {endpoint}: {e.GetBaseException().Message}");
            return null;
        }
    }

    private static string Truncate(string text) => text.Length <= 300 ? text : text[..300];

    private StoredApplication? FindApplication(string id) => _state.Applications.FirstOrDefault(a => a.Value.ApplicationId == id);

    private static IResult ApplicationNotFound(string id) =>
        Http.Error(StatusCodes.Status404NotFound, 404, "Not Found", $"Requested application with Id '{id}' not found");
}
