namespace KmLab.Twins.ApiManager;

/// <summary>The WSO2 API Manager twin: REST client registration and tokens, Admin v4 Key Managers and settings,
/// DevPortal v3 applications and keys, and a sample API on the gateway.</summary>
internal sealed partial class ApiManagerTwin : IAsyncDisposable
{
    private const string RestLogger = "org.wso2.carbon.apimgt.rest.api.util.impl.WebAppAuthenticatorImpl";
    private const string DcrLogger = "org.wso2.carbon.apimgt.rest.api.dcr.web.impl.RegistrationServiceImpl";

    private readonly TwinContext _context;
    private readonly ApimRelease _version;
    private readonly OAuthServer _oauth;
    private readonly ApimState _state;
    private readonly InternalCrypto? _crypto;
    private readonly Lock _gate = new();
    private readonly HttpClient _outbound;
    private readonly HttpClient _backends;
    private readonly ConcurrentDictionary<string, bool> _revokedByNotification = new();
    private int _transientErrorsLeft;
    private readonly System.Diagnostics.Stopwatch _sinceStart = System.Diagnostics.Stopwatch.StartNew();

    private ApiManagerTwin(TwinContext context)
    {
        _context = context;
        _version = new ApimRelease(context.Options.Version);
        _oauth = new OAuthServer(context, context.AdvertisedBase + ApimFacts.Token, GrantScopes);
        _state = ApimState.Load(context.Options.DataDirectory);
        _crypto = _version.EncryptsWithSymmetricKey ? InternalCrypto.ForStart(context.Config, context.Log) : null;
        CheckStoredSecrets();
        foreach (var client in _state.Clients) _oauth.Add(client);
        EnsureResidentKeyManager();
        _transientErrorsLeft = context.Options.TransientRegistrationErrors;
        // APIM's start script installs an allow-all host name verifier: chain trust only.
        _outbound = new OutboundTrust(context.Trusted, verifyHostName: false, context.Log,
            "org.wso2.carbon.apimgt.impl.kmclient.ApacheFeignHttpClient").CreateClient();
        // The gateway's passthrough HTTPS sender is configured apart from that: HostnameVerifier DefaultAndLocalhost
        // and the [truststore] file (product-apim@53b83f28 (v4.7.0)
        // all-in-one-apim/modules/distribution/product/src/main/resources/conf/default.json L129, L135-137).
        _backends = new OutboundTrust(context.Trusted, verifyHostName: true, context.Log,
            "org.apache.synapse.transport.passthru.TargetHandler", exemptLocalhost: true).CreateClient();
    }

    public static IAsyncDisposable Map(WebApplication app, TwinContext context)
    {
        var twin = new ApiManagerTwin(context);
        app.MapGet(ApimFacts.StartupHealthCheck, () => Results.Json(new { health = "healthy" }));
        app.MapPost(ApimFacts.ClientRegistration, twin.RegisterRestClientAsync);
        app.MapPost(ApimFacts.Token, twin._oauth.TokenAsync);
        app.MapPost(ApimFacts.Notify, twin.NotifyAsync);
        twin.MapAdmin(app);
        twin.MapDevPortal(app);
        twin.MapScenarioApis(app);
        twin.MapGateway(app);
        twin.MapPublisher(app);
        twin.MapScopes(app);
        twin.MapSubscriptions(app);
        twin.MapPublishedApis(app);
        return twin;
    }

    public ValueTask DisposeAsync()
    {
        _outbound.Dispose();
        _backends.Dispose();
        return ValueTask.CompletedTask;
    }

    private void Save() => _state.Save(_context.Options.DataDirectory);

    /// <summary>SystemScopesIssuer.getAuthorizedScopes (CAM-4.6 L420-466): a requested scope the tenant's REST API
    /// scope map lists is granted when the user has one of its roles (the admin has them all; nobody else logs in
    /// here); a scope the map does not list is added as it is; nothing granted gives <c>default</c> (OAuthServer).
    /// Whether the embedded OAuth framework drops unregistered scopes before this runs was not settled from source
    /// (docs/twins.md; RealImageFactsTests).</summary>
    private IReadOnlyList<string> GrantScopes(ScopeRequest request) =>
        request.Subject == _context.Config.AdminUser ? request.Requested : [.. request.Requested.Where(s => !ApimFacts.RestApiScopes.Contains(s))];

    /// <summary>The caller's token when it carries one of <paramref name="anyOf"/> (WSO2's REST APIs want one of the
    /// scopes listed for a resource); otherwise the 401/403 to answer.</summary>
    private async Task<(TokenInfo? Token, IResult? Failure)> AuthorizeAsync(HttpRequest request, params string[] anyOf)
    {
        if (Http.Bearer(request) is not { } bearer)
            return (null, ApimRest.Error(StatusCodes.Status401Unauthorized, 900902, "Missing Credentials", "Invalid Credentials. Make sure your API invocation call has a header: 'Authorization : Bearer ACCESS_TOKEN' or 'Authorization : Basic ACCESS_TOKEN'"));
        if (await _oauth.ValidateAsync(bearer) is not { } token)
            return (null, ApimRest.Error(StatusCodes.Status401Unauthorized, 900901, "Invalid Credentials", "Invalid Credentials. Make sure you have provided the correct security credentials"));
        if (!anyOf.Any(token.Scopes.Contains))
        {
            // OAuthJwtAuthenticatorImpl answers a failed scope check with false, the interceptor throws
            // AuthenticationException("Unauthenticated request") and GlobalThrowableMapper makes it a 401 (code 401).
            _context.Log.Error(RestLogger, $"scopes validation failed for the token: {request.Method} {request.Path} needs one of the scopes {string.Join(", ", anyOf)}");
            return (null, ApimRest.Error(ApimFacts.RestScopeValidationFailed));
        }
        return (token, null);
    }

    /// <summary><c>POST /client-registration/v0.17/register</c>: Basic admin; 200, and the same clientName again
    /// returns the same client. Right after start it answers 500 a few times, as the real server does.</summary>
    private async Task<IResult> RegisterRestClientAsync(HttpRequest request)
    {
        if (Http.Basic(request) is not { } basic || !_oauth.IsSuperAdmin(basic.User, basic.Password))
        {
            _context.Log.Warn(DcrLogger, "Authentication failed for the client registration request");
            return Http.Error(StatusCodes.Status401Unauthorized, 900901, "Invalid Credentials", "Invalid Credentials. Make sure you have provided the correct security credentials");
        }
        if (Interlocked.Decrement(ref _transientErrorsLeft) >= 0 || _sinceStart.Elapsed < _context.Options.RegistrationUnavailableFor)
        {
            _context.Log.Error(DcrLogger, "Error occurred while registering the client: the OAuth component is still starting");
            return Http.Error(StatusCodes.Status500InternalServerError, 500, "Internal server error", "Error occurred while registering the client");
        }
        var body = await Http.ReadJsonAsync<ClientRegistrationRequest>(request);
        if (body is null || string.IsNullOrWhiteSpace(body.ClientName))
            return Http.Error(StatusCodes.Status400BadRequest, 400, "Bad Request", "clientName is required");

        OAuthClient client;
        lock (_gate)
        {
            client = _oauth.FindClientByName(body.ClientName) ?? Register(body);
        }
        return Http.Json(new ClientRegistrationResponse
        {
            ClientId = client.ClientId, ClientSecret = client.ClientSecret, ClientName = client.ClientName,
            CallBackURL = client.CallbackUrl, IsSaasApplication = body.SaasApp, AppOwner = client.Owner,
            JsonString = $"{{\"grant_types\":\"{string.Join(' ', client.GrantTypes)}\"}}",
        });

        OAuthClient Register(ClientRegistrationRequest r)
        {
            var created = new OAuthClient(OAuthServer.NewClientId(), OAuthServer.NewSecret(), r.ClientName,
                r.GrantType.Split(' ', StringSplitOptions.RemoveEmptyEntries), r.CallbackUrl, r.Owner);
            _oauth.Add(created);
            _state.Clients.Add(created);
            Save();
            _context.Log.Info(DcrLogger, $"Registered REST API client {created.ClientName} ({created.ClientId})");
            return created;
        }
    }

    /// <summary>IS's revocation notification (<c>/internal/data/v1/notify</c>, NotifyApiServiceImpl CAM-4.6): the
    /// <c>X-WSO2-KEY-MANAGER</c> header picks the event handler (empty means <c>default</c>); <c>default</c> and
    /// <c>WSO2-IS</c> have one, any other value has none and the event is dropped with a 200. The handler reads the
    /// Gson <c>TokenRevocationEvent</c>, whose <c>accessToken</c> carries the JTI of a JWT.</summary>
    private async Task<IResult> NotifyAsync(HttpRequest request)
    {
        if (Http.Basic(request) is not { } basic || !_oauth.IsSuperAdmin(basic.User, basic.Password))
            return Results.Unauthorized();
        var type = request.Headers[ApimFacts.KeyManagerHeader].ToString();
        if (type.Length == 0) type = ApimFacts.ResidentKeyManagerType;
        if (!ApimFacts.NotificationHandlerTypes.Contains(type))
            return Results.Ok();
        if (await Http.ReadJsonAsync<System.Text.Json.Nodes.JsonObject>(request) is { } body
            && (string?)body["type"] == "token_revocation" && (string?)body["accessToken"] is { Length: > 0 } jti)
        {
            _revokedByNotification[jti] = true;
            _context.Log.Info("org.wso2.carbon.apimgt.notification.TokenRevocationNotifierImpl", $"Token {jti} revoked by the Key Manager ({type} handler)");
        }
        return Results.Ok();
    }
}
