namespace KmLab.Twins.ApiManager;

// Admin REST API v4: Key Managers, discover, settings.
internal sealed partial class ApiManagerTwin
{
    private const string AdminLogger = "org.wso2.carbon.apimgt.impl.APIAdminImpl";
    private const string GlobalExceptionMapperLogger = "org.wso2.carbon.apimgt.rest.api.util.exception.GlobalThrowableMapper";
    private const string ResidentKeyManagerName = ApimFacts.ResidentKeyManagerName;

    private static readonly string[] KeyManagerScopes = [ApimFacts.ScopeAdmin, ApimFacts.ScopeAdminOperations, ApimFacts.ScopeKeyManagersManage];

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
        app.MapGet(ApimFacts.KeyManagers, ListKeyManagersAsync);
        app.MapPost(ApimFacts.KeyManagers, AddKeyManagerAsync);
        app.MapGet(ApimFacts.KeyManager, GetKeyManagerAsync);
        app.MapPut(ApimFacts.KeyManager, UpdateKeyManagerAsync);
        app.MapDelete(ApimFacts.KeyManager, DeleteKeyManagerAsync);
        app.MapPost(ApimFacts.KeyManagersDiscover, DiscoverAsync).DisableAntiforgery();
        app.MapGet(ApimFacts.Settings, SettingsAsync);
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
                Issuer = b + ApimFacts.Token, TokenEndpoint = b + ApimFacts.Token, TokenType = ApimFacts.TokenTypeDirect,
                ConsumerKeyClaim = ApimFacts.DefaultConsumerKeyClaim, ScopesClaim = ApimFacts.DefaultScopesClaim,
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
            // getKeyManagerConfigurationsByOrganization decrypts every configuration it lists.
            if (_state.KeyManagers.FirstOrDefault(k => k.Undecryptable) is { } undecryptable)
                return DecryptionFailure(undecryptable.Value.Name);
            var list = _state.KeyManagers.Select(k => new KeyManagerInfo
            {
                Id = k.Value.Id, Name = k.Value.Name, Type = k.Value.Type,
                Description = k.Value.Description, Enabled = k.Value.Enabled, IsGlobal = false, IsUsed = false,
                TokenType = k.Value.TokenType,
            }).ToList();
            return ApimRest.Json(new KeyManagerList { Count = list.Count, List = list });
        }
    }

    private async Task<IResult> GetKeyManagerAsync(HttpRequest request, string keyManagerId)
    {
        if ((await AuthorizeAsync(request, KeyManagerScopes)).Failure is { } failure) return failure;
        lock (_gate)
            return Find(keyManagerId) is not { } stored ? NotFound(keyManagerId)
                : stored.Undecryptable ? DecryptionFailure(stored.Value.Name)
                : ApimRest.Json(Masked(stored.Value));
    }

    private async Task<IResult> AddKeyManagerAsync(HttpRequest request)
    {
        if ((await AuthorizeAsync(request, KeyManagerScopes)).Failure is { } failure) return failure;
        if (await Http.ReadJsonAsync<KeyManager>(request) is not { } body)
            return ApimRest.Error(StatusCodes.Status400BadRequest, 900400, "Bad Request", "The Key Manager body is not valid JSON of the KeyManager schema");
        lock (_gate)
        {
            if (_state.KeyManagers.Any(k => k.Value.Name == body.Name))
            {
                _context.Log.Error(AdminLogger, $"Key manager Already Exist by Name {body.Name} in tenant carbon.super");
                return ApimRest.Error(ApimFacts.KeyManagerAlreadyExists);
            }
            if (Validate(body) is { } invalid) return invalid;
            var stored = new StoredKeyManager { Value = EncryptedForStore(Completed(body with { Id = Guid.NewGuid().ToString() })), UsableAt = DateTimeOffset.UtcNow + _context.Options.KeyManagerPropagationDelay };
            _state.KeyManagers.Add(stored);
            Save();
            _context.Log.Info(AdminLogger, $"Key Manager {stored.Value.Name} ({stored.Value.Type}) added; the gateway and key generation get it asynchronously");
            return ApimRest.Json(Masked(stored.Value), StatusCodes.Status201Created);
        }
    }

    private async Task<IResult> UpdateKeyManagerAsync(HttpRequest request, string keyManagerId)
    {
        if ((await AuthorizeAsync(request, KeyManagerScopes)).Failure is { } failure) return failure;
        if (await Http.ReadJsonAsync<KeyManager>(request) is not { } body)
            return ApimRest.Error(StatusCodes.Status400BadRequest, 900400, "Bad Request", "The Key Manager body is not valid JSON of the KeyManager schema");
        lock (_gate)
        {
            if (Find(keyManagerId) is not { } stored) return NotFound(keyManagerId);
            if (body.Name != stored.Value.Name)
                return ApimRest.Error(StatusCodes.Status400BadRequest, 900400, "Bad Request", "Key Manager name cannot be updated");
            var properties = body.AdditionalProperties?.DeepClone().AsObject() ?? [];
            // A masked value sent back means "keep what is stored".
            foreach (var (name, value) in properties.ToList())
                if (value is JsonValue v && v.TryGetValue<string>(out var s) && s == ApimFacts.MaskedValue)
                    properties[name] = stored.Value.AdditionalProperties?[name]?.DeepClone();
            var updated = body with { Id = stored.Value.Id, AdditionalProperties = properties };
            if (Validate(updated) is { } invalid) return invalid;
            stored.Value = EncryptedForStore(Completed(updated));
            stored.UsableAt = DateTimeOffset.UtcNow + _context.Options.KeyManagerPropagationDelay;
            Save();
            // updateKeyManagerConfiguration stores first, then decrypts what it stored for the notification: a
            // kept ("*****") value the key cannot open fails there, after the row was written.
            stored.Undecryptable = !Decrypts(stored.Value);
            if (stored.Undecryptable) return DecryptionFailure(stored.Value.Name);
            _context.Log.Info(AdminLogger, $"Key Manager {stored.Value.Name} updated");
            return ApimRest.Json(Masked(stored.Value));
        }
    }

    private async Task<IResult> DeleteKeyManagerAsync(HttpRequest request, string keyManagerId)
    {
        if ((await AuthorizeAsync(request, ApimFacts.ScopeAdmin, ApimFacts.ScopeAdminOperations)).Failure is { } failure) return failure;
        lock (_gate)
        {
            if (Find(keyManagerId) is not { } stored) return NotFound(keyManagerId);
            _state.KeyManagers.Remove(stored);
            Save();
            return Results.Ok();
        }
    }

    /// <summary>APIAdminImpl.validateKeyManagerConfiguration (CAM-4.6 L1615-1680): the type's connector is installed;
    /// every required connection property is present (containsKey: an empty string passes); from 4.6.0 the
    /// connector's validateAuthConfigurations checks only the chosen <c>Authentication</c> (KMIS v2.0.8 L159-187).
    /// The missing keys are named only in the server log.</summary>
    private IResult? Validate(KeyManager keyManager)
    {
        if (string.IsNullOrWhiteSpace(keyManager.Name))
            return ApimRest.Error(StatusCodes.Status400BadRequest, 901404, "Key Manager name is empty", "Key Manager name is empty");
        var installed = _context.Options.InstalledConnectors ?? ConnectorCatalog.DefaultInstalled;
        if (!installed.Contains(keyManager.Type))
        {
            _context.Log.Error(AdminLogger, $"Key Manager Type {keyManager.Type} is not supported");
            return ApimRest.Error(ApimFacts.KeyManagerTypeNotConfigured);
        }
        var properties = keyManager.AdditionalProperties ?? [];
        var missing = ConnectorCatalog.RequiredConnection(keyManager.Type, _version, _context.Options.ExtraRequiredConnectorProperties)
            .Where(name => !properties.ContainsKey(name)).ToList();
        if (keyManager.Type == ApimFacts.Is7Type && _version.ConnectorHasAuthConfigurations)
        {
            var authentication = (properties[ApimFacts.Authentication] as JsonValue)?.ToString();
            if (authentication == ApimFacts.BasicAuth)
            {
                foreach (var name in new[] { ApimFacts.Username, ApimFacts.Password })
                {
                    // additionalProperties.get(name).toString(): an absent key is a NullPointerException, a 500.
                    if (properties[name] is null)
                    {
                        _context.Log.Error(GlobalExceptionMapperLogger, $"An unknown exception has been captured by the global exception mapper. java.lang.NullPointerException (connector configuration {name} absent)");
                        return InternalServerError();
                    }
                    if (properties[name]!.ToString().Length == 0) missing.Add(name);
                }
            }
            else if (authentication == ApimFacts.MutualTls)
            {
                foreach (var name in new[] { ApimFacts.MutualTlsOptions, ApimFacts.IdentityUser })
                    if (properties[name] is null || properties[name]!.ToString().Length == 0) missing.Add(name);
            }
        }
        if (missing.Count > 0)
        {
            _context.Log.Error(AdminLogger, $"Key Manager Configuration value for {string.Join(",", missing)} is/are required");
            return ApimRest.Error(ApimFacts.RequiredConfigurationMissing);
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
            TokenType = keyManager.TokenType ?? ApimFacts.TokenTypeDirect,
            DisplayName = keyManager.DisplayName ?? keyManager.Name,
            AdditionalProperties = properties,
        };
    }

    /// <summary>GET masks the connector's secret fields.</summary>
    private KeyManager Masked(KeyManager keyManager)
    {
        var properties = keyManager.AdditionalProperties?.DeepClone().AsObject() ?? [];
        foreach (var name in ConnectorCatalog.Masked(keyManager.Type, _version))
            if (properties.ContainsKey(name)) properties[name] = ApimFacts.MaskedValue;
        return keyManager with { AdditionalProperties = properties };
    }

    /// <summary>APIM's answer to an unexpected server-side error.</summary>
    private static IResult InternalServerError() =>
        ApimRest.Error(StatusCodes.Status500InternalServerError, 500, "Internal server error",
            "The server encountered an internal error. Please contact administrator.");

    private StoredKeyManager? Find(string id) => _state.KeyManagers.FirstOrDefault(k => k.Value.Id == id);

    private static IResult NotFound(string id) => ApimRest.Error(ApimFacts.KeyManagerNotFound);

    /// <summary>The Key Manager in the database (APIConsumerImpl CAM-4.6 L2415-2427: by name, else by UUID).</summary>
    private StoredKeyManager? InDatabase(string nameOrId)
    {
        lock (_gate)
            return _state.KeyManagers.FirstOrDefault(k => k.Value.Name == nameOrId) ?? _state.KeyManagers.FirstOrDefault(k => k.Value.Id == nameOrId);
    }

    /// <summary>KeyManagerHolder.getKeyManagerInstance: the runtime holder, filled asynchronously after a save
    /// (APIAdminImpl CAM-4.6 L813-815, KeyMgtNotificationSender); null inside the propagation window.</summary>
    private static bool InRuntime(StoredKeyManager keyManager) =>
        !keyManager.Undecryptable && keyManager.UsableAt <= DateTimeOffset.UtcNow;

    /// <summary><c>POST /key-managers/discover</c> (multipart <c>url</c>, <c>type</c>): fetches the well-known URL
    /// through the truststore and fills what real APIM fills — not the display endpoints, the scope endpoint or
    /// connector properties; userinfo stays what discovery says.</summary>
    private async Task<IResult> DiscoverAsync(HttpRequest request)
    {
        if ((await AuthorizeAsync(request, KeyManagerScopes)).Failure is { } failure) return failure;
        var form = await Http.ReadFormAsync(request);
        var url = form["url"].ToString();
        var type = form["type"].ToString();
        if (url.Length == 0) return ApimRest.Json(new KeyManagerWellKnownResponse { Valid = false });

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
        if (discovered is null) return ApimRest.Json(new KeyManagerWellKnownResponse { Valid = false });

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
            Certificates = discovered.JwksUri is { } jwks ? new KeyManagerCertificates(ApimFacts.CertificateJwks, jwks) : null,
            EnableTokenGeneration = true,
            EnableMapOAuthConsumerApps = true,
            EnableOAuthAppCreation = true,
            ConsumerKeyClaim = ApimFacts.DefaultConsumerKeyClaim,
            ScopesClaim = ApimFacts.DefaultScopesClaim,
        };
        // The document names no Key Manager, and APIM's DTO says so with an explicit null.
        var node = JsonSerializer.SerializeToNode(value, WireJson.Rest)!.AsObject();
        node["name"] = null;
        return Results.Json(new JsonObject { ["valid"] = true, ["value"] = node });
    }

    private async Task<IResult> SettingsAsync(HttpRequest request)
    {
        if ((await AuthorizeAsync(request, ApimFacts.ScopeAdmin, ApimFacts.ScopeAdminSettings)).Failure is { } failure) return failure;
        return ApimRest.Json(new Settings
        {
            Scopes = [ApimFacts.ScopeAdmin, ApimFacts.ScopeAdminOperations, ApimFacts.ScopeKeyManagersManage, ApimFacts.ScopeAdminSettings],
            KeyManagerConfiguration = ConnectorCatalog.Settings(_version, _context.Options.InstalledConnectors,
                _context.Options.SettingsOmitExtraRequired ? null : _context.Options.ExtraRequiredConnectorProperties),
        });
    }
}
