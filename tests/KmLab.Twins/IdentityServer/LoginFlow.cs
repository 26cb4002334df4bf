using System.Net;
using Microsoft.AspNetCore.WebUtilities;

namespace KmLab.Twins.IdentityServer;

/// <summary>An authorize request waiting for its user: what <c>/oauth2/authorize</c> was asked, and who logged in at
/// <c>/commonauth</c> (null until then). Keyed by IS's <c>sessionDataKey</c>.</summary>
internal sealed record LoginSession(string ClientId, string RedirectUri, IReadOnlyList<string> Scopes, string? State, string? Nonce,
    string? Challenge, string? ChallengeMethod)
{
    /// <summary>Set when the login approves a device code (response_type device) rather than asking for a code.</summary>
    public DeviceAuthorization? Device { get; init; }

    public string? User { get; set; }
}

/// <summary>The browser leg of the authorization-code flow, as IS 7 answers it to a headless client (WSO2's own
/// scenario drives it so: product-apim@140e5b90 …/stepdefinitions/ApplicationBaseSteps.java L2617-2660):
/// <c>GET /oauth2/authorize</c> → 302 to the login page with a <c>sessionDataKey</c>; <c>POST /commonauth</c>
/// (username, password, sessionDataKey) → 302 back to <c>/oauth2/authorize?sessionDataKey=</c>; that GET → 302 to the
/// redirect_uri with <c>code</c> (no consent for a DCR-created application). Introspection and OIDC logout rules are
/// here too.</summary>
internal sealed partial class IdentityServerTwin
{
    private const string AuthzEndpoint = "org.wso2.carbon.identity.oauth.endpoint.authz.OAuth2AuthzEndpoint";
    private readonly ConcurrentDictionary<string, LoginSession> _logins = new();

    private void MapLogin(WebApplication app)
    {
        app.MapGet(IsFacts.Authorize, Authorize);
        app.MapGet(IsFacts.LoginPage, LoginPage);
        app.MapPost(IsFacts.CommonAuth, CommonAuthAsync);
        app.MapGet(IsFacts.Logout, Logout);
        app.MapPost(IsFacts.DeviceAuthorize, DeviceAuthorizeAsync);
        app.MapPost(IsFacts.Device, DeviceAsync);
        app.MapPost(IsFacts.Logout, Logout);
    }

    /// <summary>TokenValidationHandler: an application token's introspection has no <c>username</c> (IS 7.0:
    /// RemoveUsernameFromIntrospectionResponseForAppTokens, default true, identity-inbound-auth-oauth@3e682faa
    /// OAuthServerConfiguration.java L169, TokenValidationHandler.java L566-578; IS 7.3: also for applications of
    /// version v1 and later, identity-inbound-auth-oauth@5bb3e844 TokenValidationHandler.java L651-675); a user's is the fully
    /// qualified name (getAuthzUser → toFullQualifiedUsername, L833-855).</summary>
    private static string? IntrospectionUsername(TokenInfo token) =>
        token.AuthorizedUserType == "APPLICATION" ? null : $"{token.Subject}@{IsFacts.SuperTenantDomain}";

    /// <summary>Who may call <c>/oauth2/introspect</c>: IS secures it as a REST resource (permission
    /// <c>applicationmgt/view</c>), so a user's Basic (the super admin here); a client's own credentials only where a
    /// <c>[[resource.access_control]]</c> entry for it lists <c>BasicClientAuthentication</c> in
    /// <c>allowed_auth_handlers</c> — and then user Basic only if the list names <c>BasicAuthentication</c> too.</summary>
    private bool MayIntrospect(HttpRequest request, IFormCollection form)
    {
        var entry = _context.Config.AccessControl.FirstOrDefault(e => e.Matches(request.Method, request.Path.Value ?? ""));
        var handlers = entry?.AllowedAuthHandlers ?? [];
        var userBasic = handlers.Count == 0 || handlers.Contains(IsFacts.BasicAuthenticationHandler);
        var clientBasic = handlers.Contains(IsFacts.ClientAuthenticationHandler);
        if (Http.Basic(request) is not { } basic) return false;
        if (userBasic && _oauth.IsSuperAdmin(basic.User, basic.Password)) return true;
        return clientBasic && _oauth.AuthenticateClient(request, FormCollection.Empty) is not null;
    }

    private IResult Authorize(HttpRequest request)
    {
        var query = request.Query;
        if (query["sessionDataKey"].ToString() is { Length: > 0 } key)
            return Resume(key);

        var clientId = query["client_id"].ToString();
        if (_oauth.FindClient(clientId) is not { } client)
            return ErrorPage("invalid_client", $"Cannot find an application associated with the given consumer key : {clientId}");
        var redirectUri = query["redirect_uri"].ToString();
        if (redirectUri.Length == 0) redirectUri = client.CallbackUrl ?? "";
        if (!CallbackMatches(client.CallbackUrl, redirectUri))
            return ErrorPage("invalid_callback", "callback.not.match");
        if (query["response_type"].ToString() != "code")
            return RedirectWithError(redirectUri, "unsupported_response_type", "Unsupported Response Type", query["state"]);
        if (!client.GrantTypes.Contains(CarbonFacts.AuthorizationCodeGrant))
            return RedirectWithError(redirectUri, "unauthorized_client", "Client is not authorized to use the requested response type.", query["state"]);
        var challenge = query["code_challenge"].ToString();
        var method = query["code_challenge_method"].ToString();
        if (challenge.Length > 0 && method.Length == 0) method = Pkce.Plain;
        if (challenge.Length > 0 && method is not (Pkce.S256 or Pkce.Plain))
            return RedirectWithError(redirectUri, "invalid_request", "Unsupported PKCE Challenge Method", query["state"]);

        var sessionDataKey = Guid.NewGuid().ToString();
        _logins[sessionDataKey] = new LoginSession(client.ClientId, redirectUri,
            query["scope"].ToString().Split(' ', StringSplitOptions.RemoveEmptyEntries), NullIfEmpty(query["state"]), NullIfEmpty(query["nonce"]),
            NullIfEmpty(challenge), challenge.Length > 0 ? method : null);
        return Results.Redirect(QueryHelpers.AddQueryString(_context.AdvertisedBase + IsFacts.LoginPage, new Dictionary<string, string?>
        {
            ["client_id"] = client.ClientId,
            ["commonAuthCallerPath"] = IsFacts.Authorize,
            ["forceAuth"] = "false",
            ["passiveAuth"] = "false",
            ["redirect_uri"] = redirectUri,
            ["response_type"] = "code",
            ["scope"] = query["scope"].ToString(),
            ["tenantDomain"] = IsFacts.SuperTenantDomain,
            ["sessionDataKey"] = sessionDataKey,
            ["relyingParty"] = client.ClientId,
            ["type"] = "oidc",
            ["sp"] = client.ClientName,
            ["isSaaSApp"] = "false",
            ["authenticators"] = "BasicAuthenticator:LOCAL",
        }));
    }

    /// <summary>The authorize request after login: a code for the user, to the redirect_uri (with the state).</summary>
    private IResult Resume(string sessionDataKey)
    {
        if (!_logins.TryRemove(sessionDataKey, out var login) || login.User is not { } user)
            return ErrorPage("invalid_request", "Invalid authorization request");
        if (login.Device is { } device)
        {
            device.User = user;
            device.Status = DeviceStatus.Authorized;
            var app = _oauth.FindClient(login.ClientId)?.ClientName ?? login.ClientId;
            return Results.Redirect(QueryHelpers.AddQueryString(_context.AdvertisedBase + IsFacts.DeviceSuccessPage, "app_name", app));
        }
        var scope = _oauth.GrantScope(CarbonFacts.AuthorizationCodeGrant, user, login.Scopes);
        var code = _oauth.NewAuthorizationCode(new AuthorizationCode(login.ClientId, login.RedirectUri, user, scope,
            login.Challenge, login.ChallengeMethod, login.Nonce, DateTimeOffset.UtcNow + OAuthServer.CodeLifetime));
        _context.Log.Info(AuthzEndpoint, $"Authorization code issued to client {login.ClientId} for {user}");
        var answer = new Dictionary<string, string?> { ["code"] = code };
        if (login.State is not null) answer["state"] = login.State;
        return Results.Redirect(QueryHelpers.AddQueryString(login.RedirectUri, answer));
    }

    /// <summary>The login page the authorize redirect points at: a form that posts to <c>/commonauth</c>.</summary>
    private IResult LoginPage(string? sessionDataKey, string? authFailure)
    {
        var key = WebUtility.HtmlEncode(sessionDataKey ?? "");
        var failure = authFailure == "true" ? "<p role=\"alert\">Login failed! Please recheck the username and password and try again.</p>" : "";
        return Results.Content($"""
            <!DOCTYPE html>
            <html><head><title>Sign In</title></head><body>
            <h1>Sign In</h1>{failure}
            <form action="../commonauth" method="post" id="loginForm">
            <label>Username <input name="username" id="usernameUserInput" autocomplete="username"></label>
            <label>Password <input name="password" id="password" type="password" autocomplete="current-password"></label>
            <input type="hidden" name="sessionDataKey" value="{key}">
            <input type="hidden" name="tocommonauth" value="true">
            <button type="submit">Sign In</button>
            </form></body></html>
            """, "text/html");
    }

    /// <summary><c>POST /commonauth</c>: BasicAuthenticator checks the user; success → back to the caller path with
    /// the same sessionDataKey, failure → the login page again with <c>authFailure=true</c>.</summary>
    private async Task<IResult> CommonAuthAsync(HttpRequest request)
    {
        var form = await Http.ReadFormAsync(request);
        var key = form["sessionDataKey"].ToString();
        if (!_logins.TryGetValue(key, out var login))
            return Results.Redirect(_context.AdvertisedBase + "/authenticationendpoint/retry.do?status=Authentication+Error&statusMsg=Something+went+wrong+during+the+authentication+process.");
        var user = form["username"].ToString();
        if (!_oauth.CanLogIn(user, form["password"].ToString()))
        {
            _context.Log.Warn("org.wso2.carbon.identity.application.authenticator.basicauth.BasicAuthenticator", $"Authentication failed for {user}");
            return Results.Redirect(QueryHelpers.AddQueryString(_context.AdvertisedBase + IsFacts.LoginPage, new Dictionary<string, string?>
            {
                ["client_id"] = login.ClientId, ["sessionDataKey"] = key, ["authFailure"] = "true", ["authFailureMsg"] = "login.fail.message",
            }));
        }
        login.User = user;
        return Results.Redirect(QueryHelpers.AddQueryString(_context.AdvertisedBase + IsFacts.Authorize, "sessionDataKey", key));
    }

    /// <summary><c>POST /oauth2/device_authorize</c> (DeviceEndpoint.authorize, L66-92): the client authenticates; 200
    /// with a device code, a user code, the verification URIs, <c>expires_in</c> and <c>interval</c>.</summary>
    private async Task<IResult> DeviceAuthorizeAsync(HttpRequest request)
    {
        var form = await Http.ReadFormAsync(request);
        if (_oauth.AuthenticateClient(request, form) is not { } client)
            return Http.OAuthError(StatusCodes.Status401Unauthorized, "invalid_client", "Client Authentication failed.");
        var device = _oauth.NewDeviceAuthorization(client, form["scope"].ToString().Split(' ', StringSplitOptions.RemoveEmptyEntries));
        var page = _context.AdvertisedBase + IsFacts.DevicePage;
        return Results.Json(new System.Text.Json.Nodes.JsonObject
        {
            ["device_code"] = device.DeviceCode,
            ["user_code"] = device.UserCode,
            ["verification_uri"] = page,
            ["verification_uri_complete"] = QueryHelpers.AddQueryString(page, "user_code", device.UserCode),
            ["expires_in"] = (long)OAuthServer.DeviceLifetime.TotalSeconds,
            ["interval"] = OAuthServer.DevicePollInterval,
        });
    }

    /// <summary><c>POST /oauth2/device</c> <c>user_code</c> (UserAuthenticationEndpoint, L74-130): an unknown, used or
    /// expired code → 302 to the device page with <c>error=invalid.code</c>; a good one starts the authorize leg with
    /// response_type device, i.e. 302 to the login page with a sessionDataKey.</summary>
    private async Task<IResult> DeviceAsync(HttpRequest request)
    {
        var form = await Http.ReadFormAsync(request);
        if (_oauth.FindDeviceByUserCode(form["user_code"].ToString()) is not { } device || _oauth.FindClient(device.ClientId) is not { } client)
            return Results.Redirect(QueryHelpers.AddQueryString(_context.AdvertisedBase + IsFacts.DevicePage, "error", "invalid.code"));
        var sessionDataKey = Guid.NewGuid().ToString();
        _logins[sessionDataKey] = new LoginSession(client.ClientId, client.CallbackUrl ?? "", device.Scopes, null, device.UserCode, null, null) { Device = device };
        return Results.Redirect(QueryHelpers.AddQueryString(_context.AdvertisedBase + IsFacts.LoginPage, new Dictionary<string, string?>
        {
            ["client_id"] = client.ClientId, ["commonAuthCallerPath"] = IsFacts.Authorize, ["response_type"] = "device",
            ["scope"] = string.Join(' ', device.Scopes), ["tenantDomain"] = IsFacts.SuperTenantDomain, ["sessionDataKey"] = sessionDataKey,
            ["relyingParty"] = client.ClientId, ["type"] = "oidc", ["sp"] = client.ClientName, ["authenticators"] = "BasicAuthenticator:LOCAL",
        }));
    }

    /// <summary>OIDC RP-initiated logout: the twin keeps no login session, so it only sends the browser on
    /// (to <c>post_logout_redirect_uri</c> with the state, else to IS's logout page).</summary>
    private IResult Logout(HttpRequest request)
    {
        var target = request.Query["post_logout_redirect_uri"].ToString();
        if (target.Length == 0) return Results.Redirect(_context.AdvertisedBase + "/authenticationendpoint/oauth2_logout.do");
        return request.Query["state"].ToString() is { Length: > 0 } state
            ? Results.Redirect(QueryHelpers.AddQueryString(target, "state", state))
            : Results.Redirect(target);
    }

    /// <summary>A DCR callback is one URL, or <c>regexp=</c> followed by a pattern.</summary>
    private static bool CallbackMatches(string? registered, string requested) =>
        registered is { Length: > 0 } && (registered.StartsWith("regexp=", StringComparison.Ordinal)
            ? System.Text.RegularExpressions.Regex.IsMatch(requested, "^" + registered["regexp=".Length..] + "$")
            : registered == requested);

    private IResult ErrorPage(string code, string message) =>
        Results.Redirect(QueryHelpers.AddQueryString(_context.AdvertisedBase + IsFacts.OAuthErrorPage,
            new Dictionary<string, string?> { ["oauthErrorCode"] = code, ["oauthErrorMsg"] = message }));

    private static IResult RedirectWithError(string redirectUri, string error, string description, string? state)
    {
        var answer = new Dictionary<string, string?> { ["error"] = error, ["error_description"] = description };
        if (!string.IsNullOrEmpty(state)) answer["state"] = state;
        return Results.Redirect(QueryHelpers.AddQueryString(redirectUri, answer));
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}
