using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace KmLab.Twins.Hosting;

/// <summary>An OAuth2 client of a WSO2 server (IS's DCR apps, APIM's REST API clients).</summary>
internal sealed record OAuthClient(string ClientId, string ClientSecret, string ClientName, IReadOnlyList<string> GrantTypes,
    string? CallbackUrl, string Owner);

/// <summary>A token request as the scope validators see it: the grant, its subject (the user, or the client's owner
/// for client credentials) and the requested scopes.</summary>
internal sealed record ScopeRequest(string Grant, string Subject, IReadOnlyList<string> Requested);

/// <summary>What a valid access token of this server says.</summary>
internal sealed record TokenInfo(string Jti, string ClientId, string Subject, IReadOnlySet<string> Scopes, string Issuer,
    long IssuedAt, long Expires, string AuthorizedUserType)
{
    public string Scope => string.Join(' ', Scopes);
}

/// <summary>An authorization code the login flow gave, until the token endpoint redeems it (once).</summary>
internal sealed record AuthorizationCode(string ClientId, string RedirectUri, string Subject, string Scope, string? Challenge,
    string? ChallengeMethod, string? Nonce, DateTimeOffset Expires)
{
    /// <summary>The access token the code gave; set once redeemed.</summary>
    public string? IssuedJti { get; set; }
}

internal enum DeviceStatus { Pending, Authorized, Used }

/// <summary>A device code and its user code: PENDING until a user logs in with the user code, then AUTHORIZED for
/// that user, then USED by the token endpoint.</summary>
internal sealed record DeviceAuthorization(string DeviceCode, string UserCode, string ClientId, IReadOnlyList<string> Scopes, DateTimeOffset Expires)
{
    public DeviceStatus Status { get; set; } = DeviceStatus.Pending;
    public string? User { get; set; }
}

/// <summary>A refresh token: whose, for which access token, until when; INACTIVE once used (renewal).</summary>
internal sealed record RefreshGrant(string ClientId, string Subject, string Scope, string AccessJti, DateTimeOffset Expires)
{
    public bool Active { get; set; } = true;
}

/// <summary>RFC 7636 as OAuth2Util.validatePKCE applies it: no challenge, nothing to check; <c>plain</c> compares,
/// <c>S256</c> compares base64url(SHA-256(verifier)).</summary>
internal static class Pkce
{
    public const string S256 = "S256";
    public const string Plain = "plain";

    public static bool Verifies(string? challenge, string? method, string verifier)
    {
        if (string.IsNullOrEmpty(challenge)) return true;
        if (string.IsNullOrEmpty(verifier)) return false;
        var computed = method == S256 ? Base64UrlEncoder.Encode(SHA256.HashData(System.Text.Encoding.ASCII.GetBytes(verifier))) : verifier;
        return CryptographicOperations.FixedTimeEquals(System.Text.Encoding.ASCII.GetBytes(computed), System.Text.Encoding.ASCII.GetBytes(challenge));
    }
}

/// <summary>WSO2's OAuth2 component as both products embed it: token (client_credentials, password, refresh_token,
/// authorization_code), introspection,
/// revocation and JWKS. Access tokens are RS256 JWTs signed with the primary keystore's key.</summary>
internal sealed class OAuthServer
{
    /// <summary>What IS puts into <c>scope</c> when none was granted.</summary>
    public const string DefaultScope = "default";
    private static readonly TimeSpan Lifetime = TimeSpan.FromHours(1);

    private readonly TwinContext _context;
    private readonly Func<ScopeRequest, IReadOnlyList<string>> _grantScopes;
    private readonly Func<string, string, bool>? _authenticateUser;
    private readonly X509SecurityKey _key;
    private readonly JsonWebTokenHandler _handler = new() { SetDefaultTimesOnTokenCreation = false };
    private readonly ConcurrentDictionary<string, OAuthClient> _clients = new();
    private readonly ConcurrentDictionary<string, bool> _revoked = new();
    private readonly ConcurrentDictionary<string, RefreshGrant> _refreshTokens = new();
    private readonly ConcurrentDictionary<string, AuthorizationCode> _codes = new();
    private readonly ConcurrentDictionary<string, DeviceAuthorization> _devices = new();

    /// <param name="issuer">The <c>iss</c> this server puts into its tokens.</param>
    /// <param name="grantScopes">Which of the requested scopes the grant gives its subject.</param>
    /// <param name="authenticateUser">Password-grant users other than the super admin (IS's user store); null: the super admin only.</param>
    public OAuthServer(TwinContext context, string issuer, Func<ScopeRequest, IReadOnlyList<string>> grantScopes,
        Func<string, string, bool>? authenticateUser = null)
    {
        _context = context;
        Issuer = issuer;
        _grantScopes = grantScopes;
        _authenticateUser = authenticateUser;
        _key = new X509SecurityKey(context.PrimaryCertificate)
        {
            KeyId = Base64UrlEncoder.Encode(SHA256.HashData(context.PrimaryCertificate.RawData)),
        };
    }

    public string Issuer { get; }

    public IEnumerable<OAuthClient> Clients => _clients.Values;

    public OAuthClient? FindClient(string clientId) => _clients.GetValueOrDefault(clientId);

    public OAuthClient? FindClientByName(string name) => _clients.Values.FirstOrDefault(c => c.ClientName == name);

    public void Add(OAuthClient client) => _clients[client.ClientId] = client;

    public bool Remove(string clientId) => _clients.TryRemove(clientId, out _);

    public static string NewSecret() => Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(24));

    public static string NewClientId() => Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(20));

    public bool IsSuperAdmin(string user, string password) =>
        user == _context.Config.AdminUser && CryptographicOperations.FixedTimeEquals(
            System.Text.Encoding.UTF8.GetBytes(password), System.Text.Encoding.UTF8.GetBytes(_context.Config.AdminPassword));

    /// <summary>Basic (or form) client credentials → the client, or null.</summary>
    public OAuthClient? AuthenticateClient(HttpRequest request, IFormCollection form)
    {
        var (id, secret) = Http.Basic(request) is { } basic ? basic : (form["client_id"].ToString(), form["client_secret"].ToString());
        return _clients.TryGetValue(id, out var client) && CryptographicOperations.FixedTimeEquals(
            System.Text.Encoding.UTF8.GetBytes(secret), System.Text.Encoding.UTF8.GetBytes(client.ClientSecret)) ? client : null;
    }

    /// <summary>Grants this server has a handler for: another grant is <c>unsupported_grant_type</c>, one of these that
    /// the client was not registered with is <c>unauthorized_client</c> (AccessTokenIssuer's order).</summary>
    public IReadOnlySet<string> RegisteredGrants { get; init; } =
        new HashSet<string> { CarbonFacts.ClientCredentialsGrant, CarbonFacts.PasswordGrant, CarbonFacts.RefreshTokenGrant };

    /// <summary>The access tokens' JOSE <c>typ</c> header; null: the handler's default (<c>JWT</c>).</summary>
    public string? AccessTokenType { get; init; }

    /// <summary>What introspection answers as <c>username</c> for a token; null leaves the field out.</summary>
    public Func<TokenInfo, string?> IntrospectionUsername { get; init; } = info => info.Subject;

    /// <summary><c>POST /oauth2/token</c>.</summary>
    public async Task<IResult> TokenAsync(HttpRequest request)
    {
        var form = await Http.ReadFormAsync(request);
        if (AuthenticateClient(request, form) is not { } client)
            return Http.OAuthError(StatusCodes.Status401Unauthorized, "invalid_client", "Client Authentication failed.");
        var grant = form["grant_type"].ToString();
        if (!RegisteredGrants.Contains(grant))
            return Http.OAuthError(StatusCodes.Status400BadRequest, "unsupported_grant_type", $"Unsupported grant_type value: {grant}");
        if (!client.GrantTypes.Contains(grant))
            return Http.OAuthError(StatusCodes.Status400BadRequest, "unauthorized_client", "The authenticated client is not authorized to use this authorization grant type");

        switch (grant)
        {
            case CarbonFacts.PasswordGrant:
            {
                var user = form["username"].ToString();
                var password = form["password"].ToString();
                if (!AuthenticateUser(user, password))
                {
                    _context.Log.Warn("org.wso2.carbon.identity.oauth2.token.handlers.grant.PasswordGrantHandler", $"Authentication failed for {user}");
                    return Http.OAuthError(StatusCodes.Status400BadRequest, "invalid_grant", "Authentication failed for " + user);
                }
                var requested = form["scope"].ToString().Split(' ', StringSplitOptions.RemoveEmptyEntries);
                return Respond(client, user, GrantScope(grant, user, requested), UserToken, nonce: null).Result;
            }
            case CarbonFacts.ClientCredentialsGrant:
            {
                var requested = form["scope"].ToString().Split(' ', StringSplitOptions.RemoveEmptyEntries);
                return Respond(client, client.Owner, GrantScope(grant, client.Owner, requested), ApplicationToken, nonce: null).Result;
            }
            case CarbonFacts.RefreshTokenGrant:
                return Refresh(client, form["refresh_token"].ToString());
            case CarbonFacts.AuthorizationCodeGrant:
                return RedeemCode(client, form);
            case CarbonFacts.DeviceCodeGrant:
                return RedeemDeviceCode(client, form["device_code"].ToString());
            default:
                // A grant IS registers (and its discovery document lists) that the twin does not model.
                _context.Log.Warn("org.wso2.carbon.identity.oauth2.token.AccessTokenIssuer", $"twin: grant {grant} is not modelled");
                return Http.OAuthError(StatusCodes.Status400BadRequest, "unsupported_grant_type", $"Unsupported grant_type value: {grant}");
        }
    }

    private const string UserToken = "APPLICATION_USER";
    private const string ApplicationToken = "APPLICATION";

    /// <summary>Lifetimes of IS's defaults: refresh tokens a day, authorization codes 300 s
    /// (<c>[oauth.token_validation]</c> defaults of OAuthServerConfiguration).</summary>
    private static readonly TimeSpan RefreshLifetime = TimeSpan.FromDays(1);
    public static readonly TimeSpan CodeLifetime = TimeSpan.FromSeconds(300);

    private bool AuthenticateUser(string user, string password) =>
        IsSuperAdmin(user, password) || _authenticateUser?.Invoke(user, password) == true;

    /// <summary>Users this server can log in (the login page's <c>/commonauth</c>).</summary>
    public bool CanLogIn(string user, string password) => AuthenticateUser(user, password);

    public string GrantScope(string grant, string subject, IReadOnlyList<string> requested)
    {
        var granted = _grantScopes(new ScopeRequest(grant, subject, requested));
        return granted.Count == 0 ? DefaultScope : string.Join(' ', granted);
    }

    /// <summary>A token response: the access token, a refresh token for user tokens (none for client credentials:
    /// AbstractAuthorizationGrantHandler.issueRefreshToken), an ID token when <c>openid</c> was granted to a user.</summary>
    private (IResult Result, string Jti) Respond(OAuthClient client, string subject, string scope, string userType, string? nonce, RefreshGrant? previous = null)
    {
        var jti = Guid.NewGuid().ToString();
        var token = Issue(client, subject, scope, userType, jti);
        var body = new JsonObject
        {
            ["access_token"] = token,
            ["scope"] = scope,
            ["token_type"] = "Bearer",
            ["expires_in"] = (long)Lifetime.TotalSeconds,
        };
        if (userType == UserToken)
        {
            var refresh = Guid.NewGuid().ToString();
            _refreshTokens[refresh] = new RefreshGrant(client.ClientId, subject, scope, jti,
                previous?.Expires ?? DateTimeOffset.UtcNow + RefreshLifetime);
            body["refresh_token"] = refresh;
            if (scope.Split(' ').Contains("openid")) body["id_token"] = IdToken(client, subject, token, nonce);
        }
        return (Results.Json(body), jti);
    }

    /// <summary>The refresh_token grant with IS 7's defaults: the refresh token is renewed (RenewRefreshTokenForRefreshGrant
    /// true) keeping the old one's expiry, and the old access token and refresh token go INACTIVE.</summary>
    private IResult Refresh(OAuthClient client, string refreshToken)
    {
        if (!_refreshTokens.TryGetValue(refreshToken, out var grant) || grant.ClientId != client.ClientId)
            return Http.OAuthError(StatusCodes.Status400BadRequest, "invalid_grant", "Persisted access token data not found");
        if (!grant.Active)
            return Http.OAuthError(StatusCodes.Status400BadRequest, "invalid_grant", "Invalid refresh token state");
        if (grant.Expires < DateTimeOffset.UtcNow)
            return Http.OAuthError(StatusCodes.Status400BadRequest, "invalid_grant", "Refresh token is expired.");
        grant.Active = false;
        _revoked[grant.AccessJti] = true;
        return Respond(client, grant.Subject, grant.Scope, UserToken, nonce: null, grant).Result;
    }

    /// <summary>Keeps an authorization code for <see cref="RedeemCode"/>; returns the code.</summary>
    public string NewAuthorizationCode(AuthorizationCode code)
    {
        var value = Guid.NewGuid().ToString();
        _codes[value] = code;
        return value;
    }

    /// <summary>The authorization_code grant as AuthorizationCodeGrantHandler checks it: the client's own code, active,
    /// not expired, the same redirect_uri, then PKCE. A code used twice also revokes the token it gave.</summary>
    private IResult RedeemCode(OAuthClient client, IFormCollection form)
    {
        if (!_codes.TryGetValue(form["code"].ToString(), out var code) || code.ClientId != client.ClientId)
            return Http.OAuthError(StatusCodes.Status400BadRequest, "invalid_grant", "Invalid authorization code received from token request");
        if (code.IssuedJti is { } used)
        {
            _revoked[used] = true;
            return Http.OAuthError(StatusCodes.Status400BadRequest, "invalid_grant", "Inactive authorization code received from token request");
        }
        if (code.Expires < DateTimeOffset.UtcNow)
            return Http.OAuthError(StatusCodes.Status400BadRequest, "invalid_grant", "Expired or Revoked authorization code received from token request");
        if (form["redirect_uri"].ToString() is { Length: > 0 } redirect && redirect != code.RedirectUri)
            return Http.OAuthError(StatusCodes.Status400BadRequest, "invalid_grant", "Callback url mismatch");
        if (!Pkce.Verifies(code.Challenge, code.ChallengeMethod, form["code_verifier"].ToString()))
        {
            _context.Log.Warn("org.wso2.carbon.identity.oauth2.token.handlers.grant.AuthorizationCodeGrantHandler", "Failed PKCE Verification for oAuth 2.0 request");
            return Http.OAuthError(StatusCodes.Status400BadRequest, "invalid_grant", "PKCE validation failed");
        }
        var (result, jti) = Respond(client, code.Subject, code.Scope, UserToken, code.Nonce);
        code.IssuedJti = jti;
        return result;
    }

    public string Issue(OAuthClient client, string subject, string scope, string userType) =>
        Issue(client, subject, scope, userType, Guid.NewGuid().ToString());

    /// <summary>A device authorization (RFC 8628) from <c>/oauth2/device_authorize</c>; the login flow approves it.</summary>
    public DeviceAuthorization NewDeviceAuthorization(OAuthClient client, IReadOnlyList<string> scopes)
    {
        // DeviceEndpoint: a UUID device code; GenerateKeys: a 6-character user code from Constants.KEY_SET.
        var userCode = new string([.. Enumerable.Range(0, DeviceUserCodeLength).Select(_ => DeviceKeySet[RandomNumberGenerator.GetInt32(DeviceKeySet.Length)])]);
        var device = new DeviceAuthorization(Guid.NewGuid().ToString(), userCode, client.ClientId, scopes, DateTimeOffset.UtcNow + DeviceLifetime);
        _devices[device.DeviceCode] = device;
        return device;
    }

    public DeviceAuthorization? FindDeviceByUserCode(string userCode) =>
        _devices.Values.FirstOrDefault(d => d.UserCode == userCode && d.Expires > DateTimeOffset.UtcNow && d.Status == DeviceStatus.Pending);

    public const string DeviceKeySet = "BCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz23456789";
    public const int DeviceUserCodeLength = 6;
    public static readonly TimeSpan DeviceLifetime = TimeSpan.FromMinutes(10);
    public const int DevicePollInterval = 5;

    /// <summary>DeviceFlowGrant: unknown → invalid_request, not yet approved → authorization_pending, used or expired
    /// → expired_token (the descriptions are DeviceErrorCodes'); an approved code gives the user's tokens once.</summary>
    private IResult RedeemDeviceCode(OAuthClient client, string deviceCode)
    {
        if (!_devices.TryGetValue(deviceCode, out var device) || device.ClientId != client.ClientId)
            return Http.OAuthError(StatusCodes.Status400BadRequest, "invalid_request", "The provided device code is not registered or is invalid.");
        if (device.Status == DeviceStatus.Used || device.Expires < DateTimeOffset.UtcNow)
            return Http.OAuthError(StatusCodes.Status400BadRequest, "expired_token", "Forbidden");
        if (device.Status == DeviceStatus.Pending || device.User is null)
            return Http.OAuthError(StatusCodes.Status400BadRequest, "authorization_pending", "Precondition required");
        device.Status = DeviceStatus.Used;
        return Respond(client, device.User, GrantScope(CarbonFacts.DeviceCodeGrant, device.User, device.Scopes), UserToken, nonce: null).Result;
    }

    private string Issue(OAuthClient client, string subject, string scope, string userType, string jti)
    {
        var now = DateTime.UtcNow;
        return _handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = client.ClientId,
            IssuedAt = now,
            NotBefore = now,
            Expires = now + Lifetime,
            TokenType = AccessTokenType,
            SigningCredentials = new SigningCredentials(_key, SecurityAlgorithms.RsaSha256),
            Claims = new Dictionary<string, object>
            {
                ["sub"] = subject,
                ["azp"] = client.ClientId,
                ["client_id"] = client.ClientId,
                ["scope"] = scope,
                ["aut"] = userType,
                ["jti"] = jti,
            },
        });
    }

    /// <summary>An OIDC ID token for the user (audience the client; <c>at_hash</c> of the access token; the
    /// authorize request's nonce).</summary>
    private string IdToken(OAuthClient client, string subject, string accessToken, string? nonce)
    {
        var now = DateTime.UtcNow;
        var hash = SHA256.HashData(System.Text.Encoding.ASCII.GetBytes(accessToken));
        var claims = new Dictionary<string, object>
        {
            ["sub"] = subject,
            ["azp"] = client.ClientId,
            ["at_hash"] = Base64UrlEncoder.Encode(hash[..(hash.Length / 2)]),
            ["auth_time"] = new DateTimeOffset(now).ToUnixTimeSeconds(),
        };
        if (nonce is not null) claims["nonce"] = nonce;
        return _handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = client.ClientId,
            IssuedAt = now,
            Expires = now + Lifetime,
            SigningCredentials = new SigningCredentials(_key, SecurityAlgorithms.RsaSha256),
            Claims = claims,
        });
    }

    /// <summary>A token this server issued, still valid and not revoked; else null.</summary>
    public async Task<TokenInfo?> ValidateAsync(string? token)
    {
        if (string.IsNullOrEmpty(token)) return null;
        var result = await _handler.ValidateTokenAsync(token, new TokenValidationParameters
        {
            ValidIssuer = Issuer,
            ValidateAudience = false,
            IssuerSigningKey = _key,
            ClockSkew = TimeSpan.FromSeconds(30),
        });
        if (!result.IsValid || result.SecurityToken is not JsonWebToken jwt || _revoked.ContainsKey(jwt.Id)) return null;
        var scope = jwt.TryGetPayloadValue<string>("scope", out var s) ? s : "";
        return new TokenInfo(jwt.Id, jwt.TryGetPayloadValue<string>("azp", out var azp) ? azp : "", jwt.Subject,
            scope.Split(' ', StringSplitOptions.RemoveEmptyEntries).ToHashSet(), jwt.Issuer,
            new DateTimeOffset(jwt.IssuedAt).ToUnixTimeSeconds(), new DateTimeOffset(jwt.ValidTo).ToUnixTimeSeconds(),
            jwt.TryGetPayloadValue<string>("aut", out var aut) ? aut : "");
    }

    /// <summary><c>POST /oauth2/introspect</c> (RFC 7662). <paramref name="authorizeCaller"/> decides who may ask;
    /// without it, Basic super admin or client credentials.</summary>
    public async Task<IResult> IntrospectAsync(HttpRequest request, Func<HttpRequest, IFormCollection, bool>? authorizeCaller = null)
    {
        var form = await Http.ReadFormAsync(request);
        var allowed = authorizeCaller?.Invoke(request, form)
            ?? ((Http.Basic(request) is { } basic && IsSuperAdmin(basic.User, basic.Password)) || AuthenticateClient(request, form) is not null);
        if (!allowed)
            return Results.Unauthorized();
        if (await ValidateAsync(form["token"].ToString()) is not { } info)
            return Results.Json(new JsonObject { ["active"] = false });
        var body = new JsonObject
        {
            ["active"] = true,
            ["client_id"] = info.ClientId,
        };
        if (IntrospectionUsername(info) is { } username) body["username"] = username;
        body["sub"] = info.Subject;
        body["scope"] = info.Scope;
        body["token_type"] = "Bearer";
        body["iss"] = info.Issuer;
        body["iat"] = info.IssuedAt;
        body["nbf"] = info.IssuedAt;
        body["exp"] = info.Expires;
        body["aut"] = info.AuthorizedUserType;
        body["jti"] = info.Jti;
        return Results.Json(body);
    }

    /// <summary><c>POST /oauth2/revoke</c> (RFC 7009): the client that got the token revokes it; 200 either way.</summary>
    public async Task<IResult> RevokeAsync(HttpRequest request, Func<TokenInfo, Task>? onRevoked = null)
    {
        var form = await Http.ReadFormAsync(request);
        if (AuthenticateClient(request, form) is not { } client)
            return Http.OAuthError(StatusCodes.Status401Unauthorized, "invalid_client", "Client Authentication failed.");
        if (await ValidateAsync(form["token"].ToString()) is { } info && info.ClientId == client.ClientId)
        {
            _revoked[info.Jti] = true;
            if (onRevoked is not null) await onRevoked(info);
        }
        return Results.Ok();
    }

    /// <summary>The public half of the signing key, as <c>/oauth2/jwks</c> serves it.</summary>
    public JsonObject Jwks()
    {
        using var rsa = _context.PrimaryCertificate.GetRSAPublicKey()!;
        var parameters = rsa.ExportParameters(false);
        return new JsonObject
        {
            ["keys"] = new JsonArray(new JsonObject
            {
                ["kty"] = "RSA",
                ["e"] = Base64UrlEncoder.Encode(parameters.Exponent),
                ["use"] = "sig",
                ["kid"] = _key.KeyId,
                ["alg"] = SecurityAlgorithms.RsaSha256,
                ["n"] = Base64UrlEncoder.Encode(parameters.Modulus),
                ["x5c"] = new JsonArray(Convert.ToBase64String(_context.PrimaryCertificate.RawData)),
                ["x5t#S256"] = Base64UrlEncoder.Encode(_context.PrimaryCertificate.GetCertHash(HashAlgorithmName.SHA256)),
            }),
        };
    }
}
