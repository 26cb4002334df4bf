using System.Security.Cryptography.X509Certificates;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace KmLab.Twins.ApiManager;

// The gateway (8243+offset): a sample API that accepts a JWT only from an enabled Key Manager with that issuer,
// checked against the Key Manager's certificates (JWKS URL fetched through the truststore, or PEM).
internal sealed partial class ApiManagerTwin
{
    /// <summary>The sample API the lab calls through the gateway.</summary>
    public const string SampleApiPath = "/kmlab/1.0.0/hello";

    private const string GatewayLogger = "org.wso2.carbon.apimgt.gateway.handlers.security.APIAuthenticationHandler";
    private readonly JsonWebTokenHandler _jwtHandler = new();

    private void MapGateway(WebApplication app) =>
        app.MapGet(SampleApiPath, SampleApiAsync);

    private async Task<IResult> SampleApiAsync(HttpRequest request)
    {
        if (request.HttpContext.Connection.LocalPort != _context.GatewayHttpsPort) return Results.NotFound();
        if (Http.Bearer(request) is not { } token)
            return GatewayDenied(900902, "Missing Credentials", "Make sure your API invocation call has a header: 'Authorization : Bearer ACCESS_TOKEN'");
        var (valid, reason) = await ValidateGatewayTokenAsync(token, request.HttpContext.RequestAborted);
        if (valid is null)
        {
            _context.Log.Error(GatewayLogger, $"API authentication failure for {SampleApiPath}: {reason}");
            return GatewayDenied(900901, "Invalid Credentials", "Make sure you have provided the correct security credentials");
        }
        return Results.Json(new { message = "Hello from the KmLab sample API", subject = valid.Subject, consumerKey = valid.ConsumerKey, issuer = valid.Issuer });
    }

    private sealed record GatewayCaller(string Subject, string ConsumerKey, string Issuer, IReadOnlySet<string> Scopes);

    private async Task<(GatewayCaller? Caller, string Reason)> ValidateGatewayTokenAsync(string token, CancellationToken ct)
    {
        JsonWebToken jwt;
        try
        {
            jwt = new JsonWebToken(token);
        }
        catch (ArgumentException)
        {
            return (null, "the token is not a JWT");
        }
        KeyManager? keyManager;
        lock (_gate)
            keyManager = _state.KeyManagers
                .Where(k => k.Value.Enabled != false && InRuntime(k) && k.Value.Issuer == jwt.Issuer)
                .Select(k => k.Value).FirstOrDefault();
        if (keyManager is null) return (null, $"no Key Manager has the issuer {jwt.Issuer}");

        IEnumerable<SecurityKey> keys;
        try
        {
            keys = await SigningKeysAsync(keyManager, ct);
        }
        catch (Exception e) when (e is HttpRequestException or ArgumentException or FormatException or System.Security.Cryptography.CryptographicException or TaskCanceledException)
        {
            return (null, $"the certificates of Key Manager {keyManager.Name} cannot be read: {e.GetBaseException().Message}");
        }
        var result = await _jwtHandler.ValidateTokenAsync(token, new TokenValidationParameters
        {
            ValidIssuer = keyManager.Issuer,
            ValidateAudience = false,
            IssuerSigningKeys = keys,
            ClockSkew = TimeSpan.FromSeconds(30),
        });
        if (!result.IsValid) return (null, $"the token is not valid for Key Manager {keyManager.Name} ({result.Exception?.GetType().Name})");
        if (_revokedByNotification.ContainsKey(jwt.Id)) return (null, "the token was revoked");
        var consumerKeyClaim = keyManager.ConsumerKeyClaim ?? ApimFacts.DefaultConsumerKeyClaim;
        var consumerKey = jwt.TryGetPayloadValue<string>(consumerKeyClaim, out var key) ? key : "";
        if (_context.Config.GatewayClaimRetrieval && keyManager.Type == ApimFacts.Is7Type)
            await LookUpUserClaimsAsync(keyManager, token, jwt.Subject, ct);
        var scopesClaim = keyManager.ScopesClaim ?? ApimFacts.DefaultScopesClaim;
        var scopes = (jwt.TryGetPayloadValue<string>(scopesClaim, out var scope) ? scope : "").Split(' ', StringSplitOptions.RemoveEmptyEntries).ToHashSet();
        return (new GatewayCaller(jwt.Subject, consumerKey, jwt.Issuer, scopes), "");
    }

    /// <summary>The backend JWT's user claims, asked of the IS 7 connector while the gateway builds that JWT
    /// (CAM-4.6 gateway <c>JWTValidator</c> L605/L616 <c>includeUserStoreClaimsIntoClaims</c>, L1066-1094
    /// <c>getUserClaimsFromKeyManager</c>). Connector 2.1.x (KMIS v2.1.2 WSO2IS7KeyManager L854-864, L1020-1036,
    /// L1851-1923): a userinfo endpoint ending in <c>scim2/me</c> (any case) gets <c>GET</c> with the user's token;
    /// any other — or none, then <c>/keymanager-operations/user-info</c> — gets <c>POST …/claims/generate</c> with the
    /// connector's Basic credentials, which a stock IS does not serve. 2.0.x always sends the <c>GET</c>. A failure is
    /// the connector's APIManagementException, which the gateway logs and drops: the call goes on without those claims.</summary>
    private async Task LookUpUserClaimsAsync(KeyManager keyManager, string token, string subject, CancellationToken ct)
    {
        var userInfo = keyManager.UserInfoEndpoint;
        if (userInfo is null && !_version.ConnectorRoutesClaimsByUserInfoEndpoint) return;
        userInfo ??= new Uri(new Uri(keyManager.ClientRegistrationEndpoint ?? keyManager.TokenEndpoint ?? ""), ApimFacts.KeyManagerOperationsUserInfo).ToString();
        var userInfoClient = _version.ConnectorRoutesClaimsByUserInfoEndpoint && !userInfo.ToLowerInvariant().EndsWith("scim2/me", StringComparison.Ordinal);
        HttpRequestMessage message;
        if (!userInfoClient)
        {
            message = new HttpRequestMessage(HttpMethod.Get, userInfo);
            message.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        }
        else
        {
            message = new HttpRequestMessage(HttpMethod.Post, userInfo.TrimEnd('/') + ApimFacts.GenerateClaims)
            {
                Content = System.Net.Http.Json.JsonContent.Create(new { username = subject, accessToken = token }),
            };
            message.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Basic", Convert.ToBase64String(
                Encoding.UTF8.GetBytes($"{PlainProperty(keyManager, ApimFacts.Username)}:{PlainProperty(keyManager, ApimFacts.Password)}")));
        }
        string? failure = null;
        using (message)
        {
            try
            {
                using var response = await _outbound.SendAsync(message, ct);
                if (!response.IsSuccessStatusCode) failure = $"{message.Method} {message.RequestUri} answered {(int)response.StatusCode}";
            }
            catch (HttpRequestException e)
            {
                failure = e.GetBaseException().Message;
            }
        }
        if (failure is null) return;
        // The user-info client's failure goes through AbstractKeyManager.handleException (logged, then thrown); the
        // SCIM client's is thrown with the user's name, unlogged. The gateway logs whichever reaches it.
        var thrown = userInfoClient ? ApimFacts.UserInfoLookupFailed : $"{ApimFacts.UserInfoLookupFailed} for user: {subject}";
        if (userInfoClient) _context.Log.Error(ClaimsLogger, $"{thrown}: {failure}");
        _context.Log.Error(JwtValidatorLogger, $"{ApimFacts.GatewayClaimRetrievalFailed} org.wso2.carbon.apimgt.api.APIManagementException: {thrown}");
    }

    private const string ClaimsLogger = "org.wso2.is7.client.WSO2IS7KeyManager";
    private const string JwtValidatorLogger = "org.wso2.carbon.apimgt.gateway.handlers.security.jwt.JWTValidator";

    private async Task<IEnumerable<SecurityKey>> SigningKeysAsync(KeyManager keyManager, CancellationToken ct)
    {
        if (keyManager.Type == ConnectorCatalog.Default)
            return [new X509SecurityKey(_context.PrimaryCertificate)];
        return keyManager.Certificates switch
        {
            { Type: ApimFacts.CertificateJwks, Value: { } url } =>
                new JsonWebKeySet(await _outbound.GetStringAsync(url, ct)).GetSigningKeys(),
            { Type: ApimFacts.CertificatePem, Value: { } pem } =>
                [new X509SecurityKey(X509Certificate2.CreateFromPem(Encoding.UTF8.GetString(Convert.FromBase64String(pem))))],
            _ => [],
        };
    }

    private static IResult GatewayDenied(long code, string message, string description) =>
        Results.Json(new Error { Code = code, Message = message, Description = description }, WireJson.Options, statusCode: StatusCodes.Status401Unauthorized);
}
