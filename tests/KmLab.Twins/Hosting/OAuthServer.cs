using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using KmLab.Twins.Facts;
using Microsoft.AspNetCore.Http;
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

/// <summary>WSO2's OAuth2 component as both products embed it: token (client_credentials, password), introspection,
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

    /// <summary><c>POST /oauth2/token</c>.</summary>
    public async Task<IResult> TokenAsync(HttpRequest request)
    {
        var form = await Http.ReadFormAsync(request);
        if (AuthenticateClient(request, form) is not { } client)
            return Http.OAuthError(StatusCodes.Status401Unauthorized, "invalid_client", "Client Authentication failed.");
        var grant = form["grant_type"].ToString();
        if (grant is not (CarbonFacts.ClientCredentialsGrant or CarbonFacts.PasswordGrant))
            return Http.OAuthError(StatusCodes.Status400BadRequest, "unsupported_grant_type", $"Unsupported grant_type value: {grant}");
        if (!client.GrantTypes.Contains(grant))
            return Http.OAuthError(StatusCodes.Status400BadRequest, "unauthorized_client", "The authenticated client is not authorized to use this authorization grant type");

        string subject, userType;
        if (grant == CarbonFacts.PasswordGrant)
        {
            var user = form["username"].ToString();
            var password = form["password"].ToString();
            if (!IsSuperAdmin(user, password) && _authenticateUser?.Invoke(user, password) != true)
            {
                _context.Log.Warn("org.wso2.carbon.identity.oauth2.token.handlers.grant.PasswordGrantHandler", $"Authentication failed for {user}");
                return Http.OAuthError(StatusCodes.Status400BadRequest, "invalid_grant", "Authentication failed for " + user);
            }
            (subject, userType) = (user, "APPLICATION_USER");
        }
        else
        {
            (subject, userType) = (client.Owner, "APPLICATION");
        }

        var requested = form["scope"].ToString().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var granted = _grantScopes(new ScopeRequest(grant, subject, requested));
        var scope = granted.Count == 0 ? DefaultScope : string.Join(' ', granted);
        var token = Issue(client, subject, scope, userType);
        var body = new JsonObject
        {
            ["access_token"] = token,
            ["scope"] = scope,
            ["token_type"] = "Bearer",
            ["expires_in"] = (long)Lifetime.TotalSeconds,
        };
        if (grant == CarbonFacts.PasswordGrant) body["refresh_token"] = NewSecret();
        return Results.Json(body);
    }

    public string Issue(OAuthClient client, string subject, string scope, string userType)
    {
        var now = DateTime.UtcNow;
        return _handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = client.ClientId,
            IssuedAt = now,
            NotBefore = now,
            Expires = now + Lifetime,
            SigningCredentials = new SigningCredentials(_key, SecurityAlgorithms.RsaSha256),
            Claims = new Dictionary<string, object>
            {
                ["sub"] = subject,
                ["azp"] = client.ClientId,
                ["client_id"] = client.ClientId,
                ["scope"] = scope,
                ["aut"] = userType,
                ["jti"] = Guid.NewGuid().ToString(),
            },
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

    /// <summary><c>POST /oauth2/introspect</c> (RFC 7662): Basic super admin or client credentials.</summary>
    public async Task<IResult> IntrospectAsync(HttpRequest request)
    {
        var form = await Http.ReadFormAsync(request);
        if (!(Http.Basic(request) is { } basic && IsSuperAdmin(basic.User, basic.Password)) && AuthenticateClient(request, form) is null)
            return Results.Unauthorized();
        if (await ValidateAsync(form["token"].ToString()) is not { } info)
            return Results.Json(new JsonObject { ["active"] = false });
        return Results.Json(new JsonObject
        {
            ["active"] = true,
            ["client_id"] = info.ClientId,
            ["username"] = info.Subject,
            ["sub"] = info.Subject,
            ["scope"] = info.Scope,
            ["token_type"] = "Bearer",
            ["iss"] = info.Issuer,
            ["iat"] = info.IssuedAt,
            ["nbf"] = info.IssuedAt,
            ["exp"] = info.Expires,
            ["aut"] = info.AuthorizedUserType,
            ["jti"] = info.Jti,
        });
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
