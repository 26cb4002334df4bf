using System.Text.Json;
using System.Text.Json.Nodes;
using KmLab.Provisioner.Apim;
using KmLab.Provisioner.IdentityServer;
using KmLab.Provisioner.Wso2;
using KmLab.Twins.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace KmLab.Twins.ApiManager;

// Admin REST API v4: Key Managers, discover, settings.
internal sealed partial class ApiManagerTwin
{
    private const string AdminLogger = "org.wso2.carbon.apimgt.impl.APIAdminImpl";
    private const string GlobalExceptionMapperLogger = "org.wso2.carbon.apimgt.rest.api.util.exception.GlobalThrowableMapper";
    private const string ResidentKeyManagerName = "Resident Key Manager";

    /// <summary>Not in wso2-facts.md: the codes the twin answers for an unknown id and a Key Manager the runtime
    /// does not have yet.</summary>
    private const long KeyManagerNotFound = 901411;
    private const long KeyManagerNotConfigured = 901408;

    private static readonly string[] KeyManagerScopes = [ApimScopes.Admin, ApimScopes.AdminOperations, ApimScopes.KeyManagersManage];

    /// <summary>The deprecated top-level endpoint fields the server copies into <c>additionalProperties</c>, under
    /// these keys, where the IS 7 connector reads them.</summary>
    private static readonly (string Key, Func<KeyManager, string?> Value)[] CopiedEndpoints =
    [
        ("issuer", k => k.Issuer),
        ("client_registration_endpoint", k => k.ClientRegistrationEndpoint),
        ("introspection_endpoint", k => k.IntrospectionEndpoint),
        ("token_endpoint", k => k.TokenEndpoint),
        ("display_token_endpoint", k => k.DisplayTokenEndpoint),
        ("revoke_endpoint", k => k.RevokeEndpoint),
        ("display_revoke_endpoint", k => k.DisplayRevokeEndpoint),
        ("userinfo_endpoint", k => k.UserInfoEndpoint),
        ("authorize_endpoint", k => k.AuthorizeEndpoint),
        ("scope_endpoint", k => k.ScopeManagementEndpoint),
        ("well_known_endpoint", k => k.WellKnownEndpoint),
    ];

    private void MapAdmin(WebApplication app)
    {
        app.MapGet(ApimEndpoints.KeyManagers, ListKeyManagersAsync);
        app.MapPost(ApimEndpoints.KeyManagers, AddKeyManagerAsync);
        app.MapGet(ApimEndpoints.KeyManager, GetKeyManagerAsync);
        app.MapPut(ApimEndpoints.KeyManager, UpdateKeyManagerAsync);
        app.MapDelete(ApimEndpoints.KeyManager, DeleteKeyManagerAsync);
        app.MapPost(ApimEndpoints.KeyManagersDiscover, DiscoverAsync).DisableAntiforgery();
        app.MapGet(ApimEndpoints.Settings, SettingsAsync);
    }

    private void EnsureResidentKeyManager()
    {
        if (_state.KeyManagers.Any(k => k.Value.Type == ConnectorCatalog.Default)) return;
        var b = _context.AdvertisedBase;
        _state.KeyManagers.Add(new StoredKeyManager
        {
            Value = new KeyManager
            {
                Id = Guid.NewGuid().ToString(), Name = ResidentKeyManagerName, DisplayName = ResidentKeyManagerName,
                Type = ConnectorCatalog.Default, Description = "This is Resident Key Manager", Enabled = true,
                Issuer = b + ApimEndpoints.Token, TokenEndpoint = b + ApimEndpoints.Token, TokenType = Is7Connector.TokenTypeDirect,
                ConsumerKeyClaim = Is7Connector.ConsumerKeyClaim, ScopesClaim = Is7Connector.ScopesClaim,
                AdditionalProperties = [],
            },
            UsableAt = DateTimeOffset.MinValue,
        });
    }

    private async Task<IResult> ListKeyManagersAsync(HttpRequest request)
    {
        if ((await AuthorizeAsync(request, KeyManagerScopes)).Failure is { } failure) return failure;
        if (_context.Options.FailKeyManagerList)
        {
            _context.Log.Error(AdminLogger, "Error while retrieving key managers: the database is not reachable");
            return InternalServerError();
        }
        lock (_gate)
        {
            var list = _state.KeyManagers.Select(k => new KeyManagerInfo
            {
                Id = k.Value.Id, Name = k.Value.Name, Type = k.Value.Type, DisplayName = k.Value.DisplayName,
                Description = k.Value.Description, Enabled = k.Value.Enabled, IsGlobal = false, IsUsed = false,
                TokenType = k.Value.TokenType,
            }).ToList();
            return Http.Json(new KeyManagerList { Count = list.Count, List = list });
        }
    }

    private async Task<IResult> GetKeyManagerAsync(HttpRequest request, string keyManagerId)
    {
        if ((await AuthorizeAsync(request, KeyManagerScopes)).Failure is { } failure) return failure;
        lock (_gate)
            return Find(keyManagerId) is { } stored ? Http.Json(Masked(stored.Value)) : NotFound(keyManagerId);
    }

    private async Task<IResult> AddKeyManagerAsync(HttpRequest request)
    {
        if ((await AuthorizeAsync(request, KeyManagerScopes)).Failure is { } failure) return failure;
        if (await Http.ReadJsonAsync<KeyManager>(request) is not { } body)
            return Http.Error(StatusCodes.Status400BadRequest, 900400, "Bad Request", "The Key Manager body is not valid JSON of the KeyManager schema");
        lock (_gate)
        {
            if (_state.KeyManagers.Any(k => k.Value.Name == body.Name))
            {
                _context.Log.Error(AdminLogger, $"Key manager Already Exist by Name {body.Name} in tenant carbon.super");
                return Http.Error(StatusCodes.Status409Conflict, ApimErrorCodes.KeyManagerNameExists, "Key Manager Already Exists",
                    $"Key Manager by name '{body.Name}' already exists");
            }
            if (Validate(body) is { } invalid) return invalid;
            var stored = new StoredKeyManager { Value = Completed(body with { Id = Guid.NewGuid().ToString() }), UsableAt = DateTimeOffset.UtcNow + _context.Options.KeyManagerPropagationDelay };
            _state.KeyManagers.Add(stored);
            Save();
            _context.Log.Info(AdminLogger, $"Key Manager {stored.Value.Name} ({stored.Value.Type}) added; the gateway and key generation get it asynchronously");
            return Results.Json(Masked(stored.Value), ApimJson.Options, statusCode: StatusCodes.Status201Created);
        }
    }

    private async Task<IResult> UpdateKeyManagerAsync(HttpRequest request, string keyManagerId)
    {
        if ((await AuthorizeAsync(request, KeyManagerScopes)).Failure is { } failure) return failure;
        if (await Http.ReadJsonAsync<KeyManager>(request) is not { } body)
            return Http.Error(StatusCodes.Status400BadRequest, 900400, "Bad Request", "The Key Manager body is not valid JSON of the KeyManager schema");
        lock (_gate)
        {
            if (Find(keyManagerId) is not { } stored) return NotFound(keyManagerId);
            if (body.Name != stored.Value.Name)
                return Http.Error(StatusCodes.Status400BadRequest, 900400, "Bad Request", "Key Manager name cannot be updated");
            var properties = body.AdditionalProperties?.DeepClone().AsObject() ?? [];
            // A masked value sent back means "keep what is stored".
            foreach (var (name, value) in properties.ToList())
                if (value is JsonValue v && v.TryGetValue<string>(out var s) && s == Is7Connector.MaskedValue)
                    properties[name] = stored.Value.AdditionalProperties?[name]?.DeepClone();
            var updated = body with { Id = stored.Value.Id, AdditionalProperties = properties };
            if (Validate(updated) is { } invalid) return invalid;
            stored.Value = Completed(updated);
            stored.UsableAt = DateTimeOffset.UtcNow + _context.Options.KeyManagerPropagationDelay;
            Save();
            _context.Log.Info(AdminLogger, $"Key Manager {stored.Value.Name} updated");
            return Http.Json(Masked(stored.Value));
        }
    }

    private async Task<IResult> DeleteKeyManagerAsync(HttpRequest request, string keyManagerId)
    {
        if ((await AuthorizeAsync(request, ApimScopes.Admin, ApimScopes.AdminOperations)).Failure is { } failure) return failure;
        lock (_gate)
        {
            if (Find(keyManagerId) is not { } stored) return NotFound(keyManagerId);
            _state.KeyManagers.Remove(stored);
            Save();
            return Results.Ok();
        }
    }

    /// <summary>Type installed, and every required connector property present (the missing key is named only here,
    /// in the server log).</summary>
    private IResult? Validate(KeyManager keyManager)
    {
        if (string.IsNullOrWhiteSpace(keyManager.Name))
            return Http.Error(StatusCodes.Status400BadRequest, 900400, "Bad Request", "Key Manager name is empty");
        var installed = _context.Options.InstalledConnectors ?? ConnectorCatalog.DefaultInstalled;
        if (!installed.Contains(keyManager.Type))
        {
            _context.Log.Error(AdminLogger, $"Key Manager Type {keyManager.Type} is not supported");
            return Http.Error(StatusCodes.Status400BadRequest, ApimErrorCodes.KeyManagerTypeUnknown, "Key Manager Type not supported",
                $"Key Manager Type {keyManager.Type} not supported");
        }
        foreach (var field in ConnectorCatalog.Describe(keyManager.Type, _version, _context.Options.ExtraRequiredConnectorProperties)
                     .Configurations.Where(f => f.Required))
        {
            var value = keyManager.AdditionalProperties?[field.Name];
            if (value is null || (value is JsonValue v && v.TryGetValue<string>(out var s) && string.IsNullOrWhiteSpace(s)))
            {
                _context.Log.Error(AdminLogger, $"Key Manager Configuration value for {field.Name} is/are required");
                return Http.Error(StatusCodes.Status400BadRequest, ApimErrorCodes.ConnectorConfigurationMissing,
                    "Required Key Manager configuration missing", "Required Key Manager configuration missing");
            }
        }
        return null;
    }

    /// <summary>What the server adds on save: defaults, and the endpoint copies in additionalProperties.</summary>
    private static KeyManager Completed(KeyManager keyManager)
    {
        var properties = keyManager.AdditionalProperties?.DeepClone().AsObject() ?? [];
        foreach (var (key, value) in CopiedEndpoints)
            if (value(keyManager) is { } endpoint) properties[key] = endpoint;
        return keyManager with
        {
            Enabled = keyManager.Enabled ?? true,
            TokenType = keyManager.TokenType ?? Is7Connector.TokenTypeDirect,
            DisplayName = keyManager.DisplayName ?? keyManager.Name,
            AdditionalProperties = properties,
        };
    }

    /// <summary>GET masks the connector's secret fields.</summary>
    private KeyManager Masked(KeyManager keyManager)
    {
        var properties = keyManager.AdditionalProperties?.DeepClone().AsObject() ?? [];
        foreach (var field in ConnectorCatalog.Describe(keyManager.Type, _version).Configurations.Where(f => f.Mask))
            if (properties.ContainsKey(field.Name)) properties[field.Name] = Is7Connector.MaskedValue;
        return keyManager with { AdditionalProperties = properties };
    }

    /// <summary>APIM's answer to an unexpected server-side error.</summary>
    private static IResult InternalServerError() =>
        Http.Error(StatusCodes.Status500InternalServerError, 500, "Internal server error",
            "The server encountered an internal error. Please contact administrator.");

    private StoredKeyManager? Find(string id) => _state.KeyManagers.FirstOrDefault(k => k.Value.Id == id);

    private static IResult NotFound(string id) =>
        Http.Error(StatusCodes.Status404NotFound, KeyManagerNotFound, "Key Manager not Found", $"Key Manager not found for id {id}");

    /// <summary>A Key Manager the runtime has: saved, enabled, and past the propagation delay.</summary>
    private KeyManager? Usable(string name)
    {
        lock (_gate)
            return _state.KeyManagers.FirstOrDefault(k => k.Value.Name == name && k.Value.Enabled != false && k.UsableAt <= DateTimeOffset.UtcNow)?.Value;
    }

    private IResult NotConfigured(string name) =>
        Http.Error(StatusCodes.Status400BadRequest, KeyManagerNotConfigured, $"Key Manager {name} not configured",
            $"Key Manager {name} not configured in the tenant carbon.super");

    /// <summary><c>POST /key-managers/discover</c> (multipart <c>url</c>, <c>type</c>): fetches the well-known URL
    /// through the truststore and fills what real APIM fills — not the display endpoints, the scope endpoint or
    /// connector properties; userinfo stays what discovery says.</summary>
    private async Task<IResult> DiscoverAsync(HttpRequest request)
    {
        if ((await AuthorizeAsync(request, KeyManagerScopes)).Failure is { } failure) return failure;
        var form = await Http.ReadFormAsync(request);
        var url = form["url"].ToString();
        var type = form["type"].ToString();
        if (url.Length == 0) return Http.Json(new KeyManagerWellKnownResponse { Valid = false });

        OpenIdConfiguration? discovered;
        try
        {
            using var response = await _outbound.GetAsync(url, request.HttpContext.RequestAborted);
            response.EnsureSuccessStatusCode();
            discovered = JsonSerializer.Deserialize<OpenIdConfiguration>(await response.Content.ReadAsStringAsync(request.HttpContext.RequestAborted));
        }
        catch (Exception e) when (e is HttpRequestException or JsonException or TaskCanceledException)
        {
            // The real server does not catch the failed fetch (a feign.RetryableException): its REST layer's global
            // exception mapper logs it and answers the generic 500, so the cause is in the log only.
            _context.Log.Error(GlobalExceptionMapperLogger,
                $"An Unknown exception has been captured by global exception mapper. feign.RetryableException: {e.GetBaseException().Message} executing GET {url}");
            return InternalServerError();
        }
        if (discovered is null) return Http.Json(new KeyManagerWellKnownResponse { Valid = false });

        var value = new KeyManager
        {
            Name = "",
            Type = type,
            WellKnownEndpoint = url,
            Issuer = discovered.Issuer,
            ClientRegistrationEndpoint = discovered.RegistrationEndpoint,
            IntrospectionEndpoint = discovered.IntrospectionEndpoint,
            TokenEndpoint = discovered.TokenEndpoint,
            RevokeEndpoint = discovered.RevocationEndpoint,
            UserInfoEndpoint = discovered.UserInfoEndpoint,
            AuthorizeEndpoint = discovered.AuthorizationEndpoint,
            AvailableGrantTypes = discovered.GrantTypesSupported,
            Certificates = discovered.JwksUri is { } jwks ? new KeyManagerCertificates(Is7Connector.CertificateTypeJwks, jwks) : null,
            EnableTokenGeneration = true,
            EnableMapOAuthConsumerApps = true,
            EnableOAuthAppCreation = true,
            ConsumerKeyClaim = Is7Connector.ConsumerKeyClaim,
            ScopesClaim = Is7Connector.ScopesClaim,
        };
        // The document names no Key Manager, and APIM's DTO says so with an explicit null.
        var node = JsonSerializer.SerializeToNode(value, ApimJson.Options)!.AsObject();
        node["name"] = null;
        return Results.Json(new JsonObject { ["valid"] = true, ["value"] = node });
    }

    private async Task<IResult> SettingsAsync(HttpRequest request)
    {
        if ((await AuthorizeAsync(request, ApimScopes.Admin, ApimScopes.AdminSettings)).Failure is { } failure) return failure;
        return Http.Json(new Settings
        {
            Scopes = [ApimScopes.Admin, ApimScopes.AdminOperations, ApimScopes.KeyManagersManage, ApimScopes.AdminSettings],
            KeyManagerConfiguration = ConnectorCatalog.Installed(_version, _context.Options.InstalledConnectors,
                _context.Options.SettingsOmitExtraRequired ? null : _context.Options.ExtraRequiredConnectorProperties),
        });
    }
}
