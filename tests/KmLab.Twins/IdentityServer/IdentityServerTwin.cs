namespace KmLab.Twins.IdentityServer;

/// <summary>The WSO2 Identity Server 7 twin: OAuth2/OIDC with signed JWTs, DCR, SCIM2 Me and Roles, API resources,
/// OAuth2 scopes, health.</summary>
internal sealed partial class IdentityServerTwin : IAsyncDisposable
{
    private const string Dcr = "org.wso2.carbon.identity.oauth.dcr.service.DCRMService";

    /// <summary>What IS 7's discovery document lists as supported grants.</summary>
    private static readonly string[] GrantTypesSupported =
    [
        "refresh_token", "urn:ietf:params:oauth:grant-type:saml2-bearer", CarbonFacts.PasswordGrant, CarbonFacts.ClientCredentialsGrant,
        "iwa:ntlm", "urn:ietf:params:oauth:grant-type:device_code", "authorization_code", "account_switch",
        "urn:ietf:params:oauth:grant-type:token-exchange", "organization_switch", "urn:ietf:params:oauth:grant-type:jwt-bearer",
    ];

    private static readonly JsonSerializerOptions SnakeCase = new(JsonSerializerDefaults.Web);

    private readonly TwinContext _context;
    private readonly OAuthServer _oauth;
    private readonly ConcurrentDictionary<string, JsonObject> _scopes = new();
    private readonly HttpClient _outbound;

    private IdentityServerTwin(TwinContext context)
    {
        _context = context;
        var advertisedIssuer = context.AdvertisedBase + IsFacts.Token;
        _oauth = new OAuthServer(context, context.Options.IssuerOverride ?? advertisedIssuer, GrantScopes, AuthenticateUser)
        {
            RegisteredGrants = GrantTypesSupported.ToHashSet(),
            AccessTokenType = IsFacts.AccessTokenType,
            IntrospectionUsername = IntrospectionUsername,
        };
        _outbound = new OutboundTrust(context.Trusted, verifyHostName: true, context.Log,
            "org.wso2.is.notification.ApimOauthEventInterceptor").CreateClient();
    }

    public static IAsyncDisposable Map(WebApplication app, TwinContext context)
    {
        var twin = new IdentityServerTwin(context);
        app.MapGet(IsFacts.WellKnown, twin.WellKnown);
        app.MapGet(IsFacts.DiscoveryWellKnown, twin.WellKnown);
        app.MapGet(IsFacts.Jwks, () => Results.Json(twin._oauth.Jwks()));
        app.MapPost(IsFacts.Token, twin._oauth.TokenAsync);
        app.MapPost(IsFacts.Introspect, (HttpRequest request) => twin._oauth.IntrospectAsync(request, twin.MayIntrospect));
        app.MapPost(IsFacts.Revoke, (HttpRequest request) => twin._oauth.RevokeAsync(request, twin.NotifyRevocationAsync));
        app.MapGet(IsFacts.UserInfo, twin.UserInfoAsync);
        twin.MapLogin(app);
        app.MapGet(IsFacts.HealthCheck, () => Results.Json(new JsonObject
        {
            ["health"] = new JsonArray(new JsonObject { ["key"] = "jdbc/WSO2IdentityDB", ["value"] = "healthy" }),
        }));

        app.MapPost(IsFacts.Dcr, twin.RegisterClientAsync);
        app.MapGet(IsFacts.Dcr, twin.FindClientAsync);
        app.MapGet(IsFacts.Dcr + "/{clientId}", twin.GetClientAsync);
        app.MapDelete(IsFacts.Dcr + "/{clientId}", twin.DeleteClientAsync);

        app.MapGet(IsFacts.ScimMe, twin.ScimMeAsync);
        twin.MapRbac(app);
        app.MapGet(IsFacts.Scopes, twin.ListScopesAsync);
        app.MapPost(IsFacts.Scopes, twin.CreateScopeAsync);
        return twin;
    }

    public ValueTask DisposeAsync()
    {
        _outbound.Dispose();
        return ValueTask.CompletedTask;
    }

    private IResult WellKnown()
    {
        var b = _context.AdvertisedBase;
        return Results.Json(new OpenIdConfiguration
        {
            Issuer = b + IsFacts.Token,
            AuthorizationEndpoint = b + IsFacts.Authorize,
            TokenEndpoint = b + IsFacts.Token,
            UserInfoEndpoint = b + IsFacts.UserInfo,
            JwksUri = b + IsFacts.Jwks,
            RegistrationEndpoint = b + IsFacts.Dcr,
            IntrospectionEndpoint = b + IsFacts.Introspect,
            RevocationEndpoint = b + IsFacts.Revoke,
            EndSessionEndpoint = b + IsFacts.Logout,
            DeviceAuthorizationEndpoint = b + IsFacts.DeviceAuthorize,
            GrantTypesSupported = GrantTypesSupported,
            ResponseTypesSupported = ["code", "id_token", "token", "code id_token", "id_token token", "code token"],
            ScopesSupported = ["openid", "profile", "email", "address", "phone", "groups", "roles"],
            SubjectTypesSupported = ["public", "pairwise"],
            IdTokenSigningAlgValuesSupported = ["RS256", "PS256", "ES256"],
            TokenEndpointAuthMethodsSupported = ["client_secret_basic", "client_secret_post", "private_key_jwt", "tls_client_auth"],
            ClaimsSupported = ["sub", "iss", "aud", "azp", "scope", "exp", "iat", "jti"],
        }, WireJson.Options);
    }

    /// <summary>Basic super admin or a valid bearer token of this server: what IS's management APIs accept.</summary>
    private async Task<TokenInfo?> CallerAsync(HttpRequest request)
    {
        if (Http.Basic(request) is { } basic)
            return _oauth.IsSuperAdmin(basic.User, basic.Password)
                ? new TokenInfo("", "", basic.User, new HashSet<string>(), "", 0, 0, "APPLICATION_USER")
                : null;
        return await _oauth.ValidateAsync(Http.Bearer(request));
    }

    private async Task<IResult> UserInfoAsync(HttpRequest request) =>
        await _oauth.ValidateAsync(Http.Bearer(request)) is { } token
            ? Results.Json(new JsonObject { ["sub"] = token.Subject })
            : Results.Unauthorized();

    // --- DCR ------------------------------------------------------------------------------------------------------

    private async Task<IResult> RegisterClientAsync(HttpRequest request)
    {
        if (await CallerAsync(request) is null) return Results.Unauthorized();
        var body = await Http.ReadJsonAsync<DcrRequest>(request, SnakeCase);
        if (body is null || string.IsNullOrWhiteSpace(body.ClientName))
            return DcrError("invalid_client_metadata", "Client Name is required");
        if (_oauth.FindClientByName(body.ClientName) is not null)
            return DcrError("invalid_client_metadata", $"Application with the name {body.ClientName} already exist in the system");
        var client = new OAuthClient(
            string.IsNullOrEmpty(body.ClientId) ? OAuthServer.NewClientId() : body.ClientId,
            string.IsNullOrEmpty(body.ClientSecret) ? OAuthServer.NewSecret() : body.ClientSecret,
            body.ClientName, body.GrantTypes ?? [CarbonFacts.ClientCredentialsGrant], body.RedirectUris?.FirstOrDefault(),
            body.Owner ?? _context.Config.AdminUser);
        _oauth.Add(client);
        _context.Log.Info(Dcr, $"Registered OAuth application {client.ClientName} with client id {client.ClientId}");
        return Results.Json(Describe(client), SnakeCase, statusCode: StatusCodes.Status201Created);
    }

    private async Task<IResult> FindClientAsync(HttpRequest request, string? client_name)
    {
        if (await CallerAsync(request) is null) return Results.Unauthorized();
        return client_name is not null && _oauth.FindClientByName(client_name) is { } client
            ? Results.Json(Describe(client), SnakeCase)
            : DcrError("not_found_application_with_name", $"Application not available for given client name: {client_name}", StatusCodes.Status404NotFound);
    }

    private async Task<IResult> GetClientAsync(HttpRequest request, string clientId)
    {
        if (await CallerAsync(request) is null) return Results.Unauthorized();
        return _oauth.FindClient(clientId) is { } client
            ? Results.Json(Describe(client), SnakeCase)
            : DcrError("not_found_application_with_id", $"Application not available for given client key: {clientId}", StatusCodes.Status404NotFound);
    }

    private async Task<IResult> DeleteClientAsync(HttpRequest request, string clientId)
    {
        if (await CallerAsync(request) is null) return Results.Unauthorized();
        return _oauth.Remove(clientId) ? Results.NoContent()
            : DcrError("not_found_application_with_id", $"Application not available for given client key: {clientId}", StatusCodes.Status404NotFound);
    }

    private static DcrResponse Describe(OAuthClient client) => new()
    {
        ClientId = client.ClientId, ClientSecret = client.ClientSecret, ClientName = client.ClientName,
        GrantTypes = client.GrantTypes, RedirectUris = client.CallbackUrl is null ? [] : [client.CallbackUrl],
    };

    private static IResult DcrError(string error, string description, int status = StatusCodes.Status400BadRequest) =>
        Results.Json(new JsonObject { ["error"] = error, ["error_description"] = description }, statusCode: status);

    // --- SCIM2 ----------------------------------------------------------------------------------------------------

    /// <summary><c>/scim2/Me</c> is reachable only through a <c>[[resource.access_control]]</c> entry (403 without
    /// one); a secure entry wants an authenticated caller.</summary>
    private async Task<IResult> ScimMeAsync(HttpRequest request)
    {
        var entry = _context.Config.AccessControl.FirstOrDefault(e => e.Matches(request.Method, request.Path.Value ?? ""));
        if (entry is null)
        {
            _context.Log.Warn("org.wso2.carbon.identity.auth.service.handler.impl.BasicAuthenticationHandler",
                $"No resource access control configuration matches {request.Method} {request.Path}");
            return ScimError(StatusCodes.Status403Forbidden, "Operation is not permitted. You do not have permissions to make this request.");
        }
        var caller = await CallerAsync(request);
        if (entry.Secure && caller is null)
            return ScimError(StatusCodes.Status401Unauthorized, "Authorization failure. Authorization information was invalid or missing from your request.");
        var user = caller?.Subject ?? _context.Config.AdminUser;
        return Results.Json(new JsonObject
        {
            ["schemas"] = new JsonArray("urn:ietf:params:scim:schemas:core:2.0:User"),
            ["id"] = DeterministicId(user),
            ["userName"] = user,
            ["meta"] = new JsonObject { ["resourceType"] = "User", ["location"] = _context.AdvertisedBase + "/scim2/Users/" + DeterministicId(user) },
        }, contentType: "application/scim+json");
    }

    private static IResult ScimError(int status, string detail, string? scimType = null) => Results.Json(new JsonObject
    {
        ["schemas"] = new JsonArray("urn:ietf:params:scim:api:messages:2.0:Error"),
        ["scimType"] = scimType,
        ["detail"] = detail,
        ["status"] = status.ToString(System.Globalization.CultureInfo.InvariantCulture),
    }, contentType: "application/scim+json", statusCode: status);

    /// <summary>A SCIM2 ListResponse as IS answers a list or a .search: every match on one page.</summary>
    private static IResult ScimList(JsonNode[] rows) => Results.Json(new JsonObject
    {
        ["schemas"] = new JsonArray(IsRbacFacts.ScimListSchema),
        ["totalResults"] = rows.Length,
        ["startIndex"] = 1,
        ["itemsPerPage"] = rows.Length,
        ["Resources"] = new JsonArray(rows),
    }, contentType: IsRbacFacts.ScimContentType);

    /// <summary>X of the one filter form the connector and the lab send, <c>{attribute} eq X</c> (quotes optional);
    /// null for no filter or another form, which the twin answers with every row.</summary>
    private static string? EqFilterValue(string? filter, string attribute) =>
        filter is not null && filter.StartsWith(attribute + " eq ", StringComparison.OrdinalIgnoreCase)
            ? filter[(attribute + " eq ").Length..].Trim().Trim('"') : null;

    // --- API resources and scopes ---------------------------------------------------------------------------------

    private async Task<IResult> ListScopesAsync(HttpRequest request)
    {
        if (await CallerAsync(request) is null) return Results.Unauthorized();
        return Results.Json(new JsonArray([.. _scopes.Values.Select(s => s.DeepClone())]));
    }

    private async Task<IResult> CreateScopeAsync(HttpRequest request)
    {
        if (await CallerAsync(request) is null) return Results.Unauthorized();
        if (await Http.ReadJsonAsync<JsonObject>(request) is not { } scope || (string?)scope["name"] is not { Length: > 0 } name)
            return ManagementError(StatusCodes.Status400BadRequest, "41001", "Invalid request.", "Scope name is required.");
        if (!_scopes.TryAdd(name, scope))
            return ManagementError(StatusCodes.Status409Conflict, "41004", "Scope already exists.", $"Scope with the name {name} already exists in the system.");
        return Results.Json(scope, statusCode: StatusCodes.Status201Created);
    }

    private static IResult ManagementError(int status, string code, string message, string description) =>
        Results.Json(new JsonObject { ["code"] = code, ["message"] = message, ["description"] = description }, statusCode: status);

    private static string DeterministicId(string user) =>
        new Guid(System.Security.Cryptography.MD5.HashData(Encoding.UTF8.GetBytes(user))).ToString();

    // --- revocation → APIM ----------------------------------------------------------------------------------------

    /// <summary>With the <c>[[event_listener]]</c> of ApimOauthEventInterceptor configured and its jar in dropins, IS
    /// tells APIM about a revoked token (TLS checked against the truststore, host name included). The body is
    /// <c>new Gson().toJson(TokenRevocationEvent)</c> (KMIS 2.x EventSender.java L123): Gson writes the subclass's fields
    /// first, then Event's; for a JWT application <c>accessToken</c> holds the JTI (ApimOauthEventInterceptor L137-146).</summary>
    private async Task NotifyRevocationAsync(TokenInfo token)
    {
        if (_context.Config.Notification is not { } listener) return;
        if (_context.Config.NotificationJar is null)
        {
            // The class named by [[event_listener]] is not deployed: IS registers no such listener.
            _context.Log.Warn(IsFacts.NotificationListener, $"listener class {IsFacts.NotificationListener} is not in repository/components/dropins ({IsFacts.NotificationJarPrefix}<version>.jar); no revocation event sent");
            return;
        }
        using var message = new HttpRequestMessage(HttpMethod.Post, listener.Endpoint)
        {
            Content = JsonContent(RevocationEvent(token)),
        };
        message.Headers.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(Encoding.UTF8.GetBytes($"{listener.Username}:{listener.Password}")));
        if (listener.KeyManagerHeader is { } header) message.Headers.Add("X-WSO2-KEY-MANAGER", header);
        try
        {
            using var response = await _outbound.SendAsync(message);
            _context.Log.Info(IsFacts.NotificationListener, $"Token revocation notified to {listener.Endpoint}: {(int)response.StatusCode}");
        }
        catch (HttpRequestException e)
        {
            _context.Log.Error(IsFacts.NotificationListener, $"Error while sending Revocation Event to {listener.Endpoint}: {e.Message}");
        }
    }

    /// <summary>KMIS 2.x TokenRevocationEvent (L32-36) then Event (L31-36): accessToken, expiryTime (ms), user,
    /// consumerKey, tokenType; eventId, timeStamp, type, tenantId, tenantDomain, properties.</summary>
    internal static JsonObject RevocationEvent(TokenInfo token) => new()
    {
        ["accessToken"] = token.Jti,
        ["expiryTime"] = token.Expires * 1000,
        ["user"] = token.Subject,
        ["consumerKey"] = token.ClientId,
        ["tokenType"] = "JWT",
        ["eventId"] = Guid.NewGuid().ToString(),
        ["timeStamp"] = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
        ["type"] = IsFacts.TokenRevocationEventType,
        ["tenantId"] = -1234,
        ["tenantDomain"] = "carbon.super",
        ["properties"] = new JsonObject(),
    };

    private static StringContent JsonContent(JsonNode node) => new(node.ToJsonString(), Encoding.UTF8, "application/json");
}
