using System.Security.Cryptography;
using KmLab.Provisioner;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace KmLab.Twins.Tests;

/// <summary>IS 7's OAuth2/OIDC side as a standard relying party and WSO2's own IS 7 grant-type scenarios meet it:
/// introspection's callers and answers, the discovery document's second path, the access token's <c>typ</c>, the
/// refresh_token grant with renewal, the authorization-code flow with PKCE through the login page, and a registered
/// grant the client may not use (docs/twins.md, "IS OAuth2 and OIDC").</summary>
public sealed class OAuthFlowTests
{
    private const string Callback = "https://localhost/callback";

    // RFC 7636 appendix B's verifier, as WSO2's scenario uses it.
    private const string Verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Introspection_takes_a_users_basic_but_not_the_clients_own_credentials_by_default()
    {
        await using var lab = await TwinLab.StartAsync();
        var (client, asClient, (asAdmin, body)) = await IntrospectAsClientAndAdminAsync(lab, "introspect-default");

        Assert.Equal(HttpStatusCode.Unauthorized, asClient.Status);
        Assert.Equal(HttpStatusCode.OK, asAdmin);
        Assert.True((bool)body!["active"]!);
        // An application token's introspection carries no username (the owner's name is not the caller's business).
        Assert.Null(body["username"]);
        Assert.Equal(client.Id, (string?)body["client_id"]);
    }

    [Fact]
    public async Task An_access_control_rule_naming_BasicClientAuthentication_lets_the_client_introspect_and_only_it()
    {
        await using var lab = await TwinLab.StartAsync(prepared: layout => File.AppendAllText(
            LabLayout.DeploymentToml(layout.IdentityServerVolume),
            "\n[[resource.access_control]]\ncontext = \"(.*)/oauth2/introspect(.*)\"\nhttp_method = \"all\"\nsecure = true\nallowed_auth_handlers = \"BasicClientAuthentication\"\n"));
        var (_, asClient, asAdmin) = await IntrospectAsClientAndAdminAsync(lab, "introspect-client");

        Assert.Equal(HttpStatusCode.OK, asClient.Status);
        Assert.Equal(HttpStatusCode.Unauthorized, asAdmin.Status);
    }

    [Fact]
    public async Task A_users_token_introspects_with_the_fully_qualified_user_name_and_is_typed_at_jwt()
    {
        await using var lab = await TwinLab.StartAsync();
        var client = await RegisterAsync(lab, "user-token", ["password"]);
        var token = await TokenAsync(lab, client, Password(lab));

        var (_, body) = await IntrospectAsync(lab, TwinLab.Basic("admin", lab.AdminPassword), token);

        Assert.Equal("admin@carbon.super", (string?)body!["username"]);
        Assert.Equal("at+jwt", new JsonWebToken(token).Typ);
    }

    [Fact]
    public async Task The_discovery_document_is_served_at_the_oidcdiscovery_path_too_and_its_endpoints_answer()
    {
        await using var lab = await TwinLab.StartAsync();

        using var response = await lab.Http.GetAsync(Is(lab, "/oauth2/oidcdiscovery/.well-known/openid-configuration"), Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var document = (await response.Content.ReadFromJsonAsync<JsonObject>(Ct))!;
        Assert.Equal(lab.IdentityServer.AdvertisedBase + "/oauth2/token", (string?)document["issuer"]);

        // Every GET endpoint the document advertises is served (a login redirect or an answer, never a 404/405).
        using var noRedirect = NoRedirectClient(lab);
        foreach (var name in new[] { "authorization_endpoint", "jwks_uri", "end_session_endpoint" })
        {
            var path = new Uri((string)document[name]!).PathAndQuery;
            using var answer = await noRedirect.GetAsync(Is(lab, path), Ct);
            Assert.True((int)answer.StatusCode is 200 or 302, $"{name} {path}: {(int)answer.StatusCode}");
        }
    }

    [Fact]
    public async Task The_refresh_token_grant_renews_the_refresh_token_and_retires_the_old_pair()
    {
        await using var lab = await TwinLab.StartAsync();
        var client = await RegisterAsync(lab, "refresh", ["password", "refresh_token"]);
        var first = await TokenBodyAsync(lab, client, Password(lab, "openid"));
        var oldRefresh = (string)first["refresh_token"]!;

        var (status, renewed) = await PostTokenAsync(lab, client, new() { ["grant_type"] = "refresh_token", ["refresh_token"] = oldRefresh });
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.NotEqual(oldRefresh, (string)renewed!["refresh_token"]!);
        Assert.Contains("openid", ((string)renewed["scope"]!).Split(' '));

        var (again, error) = await PostTokenAsync(lab, client, new() { ["grant_type"] = "refresh_token", ["refresh_token"] = oldRefresh });
        Assert.Equal(HttpStatusCode.BadRequest, again);
        Assert.Equal("invalid_grant", (string?)error!["error"]);
        var (_, old) = await IntrospectAsync(lab, TwinLab.Basic("admin", lab.AdminPassword), (string)first["access_token"]!);
        Assert.False((bool)old!["active"]!);
        var (_, fresh) = await IntrospectAsync(lab, TwinLab.Basic("admin", lab.AdminPassword), (string)renewed["access_token"]!);
        Assert.True((bool)fresh!["active"]!);
    }

    [Fact]
    public async Task The_authorization_code_flow_with_PKCE_logs_the_user_in_and_the_code_works_once()
    {
        await using var lab = await TwinLab.StartAsync();
        var client = await RegisterAsync(lab, "web-front-end", ["authorization_code", "refresh_token"], Callback);

        var code = await AuthorizeAsync(lab, client, "admin", lab.AdminPassword, Challenge(Verifier));
        var form = new Dictionary<string, string>
        {
            ["grant_type"] = "authorization_code", ["code"] = code, ["redirect_uri"] = Callback, ["code_verifier"] = Verifier,
        };
        var (status, body) = await PostTokenAsync(lab, client, form);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("admin", new JsonWebToken((string)body!["access_token"]!).Subject);
        var idToken = new JsonWebToken((string)body["id_token"]!);
        Assert.Equal(client.Id, Assert.Single(idToken.Audiences));
        Assert.NotNull(body["refresh_token"]);

        var (reused, error) = await PostTokenAsync(lab, client, form);
        Assert.Equal(HttpStatusCode.BadRequest, reused);
        Assert.Equal("invalid_grant", (string?)error!["error"]);
    }

    [Fact]
    public async Task A_wrong_PKCE_verifier_is_refused_and_a_wrong_password_goes_back_to_the_login_page()
    {
        await using var lab = await TwinLab.StartAsync();
        var client = await RegisterAsync(lab, "pkce", ["authorization_code"], Callback);
        var code = await AuthorizeAsync(lab, client, "admin", lab.AdminPassword, Challenge(Verifier));

        var (status, error) = await PostTokenAsync(lab, client, new()
        {
            ["grant_type"] = "authorization_code", ["code"] = code, ["redirect_uri"] = Callback, ["code_verifier"] = Verifier + "x",
        });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("PKCE validation failed", (string?)error!["error_description"]);

        using var http = NoRedirectClient(lab);
        var login = await FollowAsync(http, lab, HttpMethod.Get, AuthorizeUrl(client, null), null);
        var key = Query(login, "sessionDataKey");
        using var page = await http.GetAsync(Is(lab, login.PathAndQuery), Ct);
        Assert.Contains("commonauth", await page.Content.ReadAsStringAsync(Ct));
        var failed = await FollowAsync(http, lab, HttpMethod.Post, "/commonauth", new()
        {
            ["username"] = "admin", ["password"] = "not-" + lab.AdminPassword, ["tocommonauth"] = "true", ["sessionDataKey"] = key!,
        });
        Assert.Equal("/authenticationendpoint/login.do", failed.AbsolutePath);
        Assert.Equal("true", Query(failed, "authFailure"));
    }

    [Fact]
    public async Task The_device_flow_gives_a_token_once_the_user_logged_in_with_the_user_code()
    {
        await using var lab = await TwinLab.StartAsync();
        var client = await RegisterAsync(lab, "device", ["urn:ietf:params:oauth:grant-type:device_code"], Callback);
        using var request = new HttpRequestMessage(HttpMethod.Post, Is(lab, "/oauth2/device_authorize"))
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["response_type"] = "device", ["scope"] = "openid" }),
        };
        request.Headers.Authorization = TwinLab.Basic(client.Id, client.Secret);
        using var authorized = await lab.Http.SendAsync(request, Ct);
        Assert.Equal(HttpStatusCode.OK, authorized.StatusCode);
        var device = (await authorized.Content.ReadFromJsonAsync<JsonObject>(Ct))!;
        var grant = new Dictionary<string, string> { ["grant_type"] = "urn:ietf:params:oauth:grant-type:device_code", ["device_code"] = (string)device["device_code"]! };

        var (early, pending) = await PostTokenAsync(lab, client, grant);
        Assert.Equal((HttpStatusCode.BadRequest, "authorization_pending"), (early, (string?)pending!["error"]));

        using var http = NoRedirectClient(lab);
        var login = await FollowAsync(http, lab, HttpMethod.Post, "/oauth2/device", new() { ["user_code"] = (string)device["user_code"]! });
        var back = await FollowAsync(http, lab, HttpMethod.Post, "/commonauth", new()
        {
            ["username"] = "admin", ["password"] = lab.AdminPassword, ["sessionDataKey"] = Query(login, "sessionDataKey")!,
        });
        var done = await FollowAsync(http, lab, HttpMethod.Get, "/oauth2/authorize?sessionDataKey=" + Uri.EscapeDataString(Query(back, "sessionDataKey")!), null);
        Assert.Equal("/authenticationendpoint/device_success.do", done.AbsolutePath);

        var (status, body) = await PostTokenAsync(lab, client, grant);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("admin", new JsonWebToken((string)body!["access_token"]!).Subject);
        var (again, used) = await PostTokenAsync(lab, client, grant);
        Assert.Equal((HttpStatusCode.BadRequest, "expired_token"), (again, (string?)used!["error"]));
    }

    [Fact]
    public async Task A_registered_grant_the_client_was_not_given_is_unauthorized_client()
    {
        await using var lab = await TwinLab.StartAsync();
        var client = await RegisterAsync(lab, "no-exchange", ["client_credentials", "password"]);

        var (status, error) = await PostTokenAsync(lab, client, new() { ["grant_type"] = "urn:ietf:params:oauth:grant-type:token-exchange" });

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("unauthorized_client", (string?)error!["error"]);
    }

    // --- helpers --------------------------------------------------------------------------------------------------

    private sealed record Client(string Id, string Secret);

    private static Uri Is(TwinLab lab, string pathAndQuery) => new(lab.IdentityServer.BaseUrl, pathAndQuery);

    private static Dictionary<string, string> Password(TwinLab lab, string scope = "") => new()
    {
        ["grant_type"] = "password", ["username"] = "admin", ["password"] = lab.AdminPassword, ["scope"] = scope,
    };

    private static async Task<Client> RegisterAsync(TwinLab lab, string name, string[] grants, string? callback = null)
    {
        var body = new JsonObject { ["client_name"] = name, ["grant_types"] = new JsonArray([.. grants.Select(g => (JsonNode)g)]) };
        if (callback is not null) body["redirect_uris"] = new JsonArray(callback);
        using var request = new HttpRequestMessage(HttpMethod.Post, Is(lab, "/api/identity/oauth2/dcr/v1.1/register")) { Content = JsonContent.Create(body) };
        request.Headers.Authorization = TwinLab.Basic("admin", lab.AdminPassword);
        using var response = await lab.Http.SendAsync(request, Ct);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var created = (await response.Content.ReadFromJsonAsync<JsonObject>(Ct))!;
        return new Client((string)created["client_id"]!, (string)created["client_secret"]!);
    }

    private static async Task<(HttpStatusCode Status, JsonObject? Body)> PostTokenAsync(TwinLab lab, Client client, Dictionary<string, string> form)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, Is(lab, "/oauth2/token")) { Content = new FormUrlEncodedContent(form) };
        request.Headers.Authorization = TwinLab.Basic(client.Id, client.Secret);
        using var response = await lab.Http.SendAsync(request, Ct);
        return (response.StatusCode, await response.Content.ReadFromJsonAsync<JsonObject>(Ct));
    }

    private static async Task<JsonObject> TokenBodyAsync(TwinLab lab, Client client, Dictionary<string, string> form)
    {
        var (status, body) = await PostTokenAsync(lab, client, form);
        Assert.Equal(HttpStatusCode.OK, status);
        return body!;
    }

    private static async Task<string> TokenAsync(TwinLab lab, Client client, Dictionary<string, string> form) =>
        (string)(await TokenBodyAsync(lab, client, form))["access_token"]!;

    private static async Task<(HttpStatusCode Status, JsonObject? Body)> IntrospectAsync(TwinLab lab,
        System.Net.Http.Headers.AuthenticationHeaderValue authorization, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, Is(lab, "/oauth2/introspect"))
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["token"] = token }),
        };
        request.Headers.Authorization = authorization;
        using var response = await lab.Http.SendAsync(request, Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        return (response.StatusCode, response.IsSuccessStatusCode ? JsonNode.Parse(text)!.AsObject() : null);
    }

    /// <summary>A new client's client_credentials token, introspected with the client's own Basic credentials and
    /// then with the super admin's.</summary>
    private static async Task<(Client Client, (HttpStatusCode Status, JsonObject? Body) AsClient, (HttpStatusCode Status, JsonObject? Body) AsAdmin)>
        IntrospectAsClientAndAdminAsync(TwinLab lab, string clientName)
    {
        var client = await RegisterAsync(lab, clientName, ["client_credentials"]);
        var token = await TokenAsync(lab, client, new() { ["grant_type"] = "client_credentials" });
        var asClient = await IntrospectAsync(lab, TwinLab.Basic(client.Id, client.Secret), token);
        var asAdmin = await IntrospectAsync(lab, TwinLab.Basic("admin", lab.AdminPassword), token);
        return (client, asClient, asAdmin);
    }

    private static string Challenge(string verifier) => Base64UrlEncoder.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(verifier)));

    private static string AuthorizeUrl(Client client, string? challenge) =>
        QueryHelpers.AddQueryString("/oauth2/authorize", new Dictionary<string, string?>
        {
            ["response_type"] = "code", ["client_id"] = client.Id, ["redirect_uri"] = Callback, ["scope"] = "openid",
            ["code_challenge"] = challenge, ["code_challenge_method"] = challenge is null ? null : "S256",
        }.Where(p => p.Value is not null));

    private static HttpClient NoRedirectClient(TwinLab lab) => new(new SocketsHttpHandler
    {
        AllowAutoRedirect = false,
        SslOptions = new() { RemoteCertificateValidationCallback = (_, _, _, _) => true },
    });

    /// <summary>Sends one request without following redirects and returns the Location (asserting a 302).</summary>
    private static async Task<Uri> FollowAsync(HttpClient http, TwinLab lab, HttpMethod method, string pathAndQuery, Dictionary<string, string>? form)
    {
        using var request = new HttpRequestMessage(method, Is(lab, pathAndQuery));
        if (form is not null) request.Content = new FormUrlEncodedContent(form);
        using var response = await http.SendAsync(request, Ct);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        return response.Headers.Location!;
    }

    private static string? Query(Uri location, string name) =>
        QueryHelpers.ParseQuery(location.Query).TryGetValue(name, out var value) ? value.ToString() : null;

    /// <summary>The browser leg as WSO2's scenario drives it: authorize → login (sessionDataKey) → /commonauth →
    /// authorize again → the redirect_uri with a code.</summary>
    private static async Task<string> AuthorizeAsync(TwinLab lab, Client client, string user, string password, string? challenge)
    {
        using var http = NoRedirectClient(lab);
        var login = await FollowAsync(http, lab, HttpMethod.Get, AuthorizeUrl(client, challenge), null);
        var key = Query(login, "sessionDataKey");
        Assert.NotNull(key);
        var back = await FollowAsync(http, lab, HttpMethod.Post, "/commonauth", new()
        {
            ["username"] = user, ["password"] = password, ["tocommonauth"] = "true", ["sessionDataKey"] = key,
        });
        var resumeKey = Query(back, "sessionDataKey");
        Assert.NotNull(resumeKey);
        var granted = await FollowAsync(http, lab, HttpMethod.Get, "/oauth2/authorize?sessionDataKey=" + Uri.EscapeDataString(resumeKey), null);
        Assert.StartsWith(Callback, granted.ToString(), StringComparison.Ordinal);
        return Query(granted, "code") ?? throw new InvalidOperationException("no code in " + granted.GetLeftPart(UriPartial.Path));
    }
}
