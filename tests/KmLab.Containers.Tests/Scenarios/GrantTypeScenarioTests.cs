using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.IdentityModel.Tokens;

namespace KmLab.Containers.Tests.Scenarios;

/// <summary>WSO2's own IS 7 grant-type and token-validation scenarios (product-apim integration-v2, commit
/// 140e5b9079d232920f192aeed98f16171b07e40c, features/admin/is7_grant_types.feature and is7_token_validation.feature),
/// ported against the lab after its own <c>register</c>: the application of _setup_is7_grant_app.feature:25 (seven
/// grants, callback https://localhost/callback) on the lab's Key Manager, subscribed to the smoke API; each scenario
/// drives IS through its real endpoints and proves the token at the gateway. The admin is the lab's, not admin/admin.
/// Runs unchanged against WSO2's images (KMLAB_IMAGES=wso2).</summary>
[Collection(LabCollection.Name)]
public sealed class GrantTypeScenarioTests(LabFixture fixture)
{
    private const string Callback = "https://localhost/callback";

    // ApplicationBaseSteps.java L2563: RFC 7636's sample verifier.
    private const string PkceVerifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

    private static readonly string[] SetupGrants =
    [
        "client_credentials", "password", "refresh_token", "authorization_code", "urn:ietf:params:oauth:grant-type:device_code",
        "urn:ietf:params:oauth:grant-type:jwt-bearer", "urn:ietf:params:oauth:grant-type:saml2-bearer",
    ];

    private static readonly SemaphoreSlim FixtureGate = new(1, 1);
    private static (string LabId, GrantApp App)? _fixture;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    // is7_grant_types.feature:12 "The refresh_token grant issues a working access token" (row admin).
    [Fact]
    public async Task The_refresh_token_grant_issues_a_working_access_token()
    {
        var (lab, app) = await GrantAppAsync();
        using var http = lab.CreateClient();
        var (status, first) = await AdminPasswordTokenAsync(lab, http, app);
        Assert.Equal(HttpStatusCode.OK, status);

        var (refreshed, body) = await IsTokenAsync(lab, http, app, new() { ["grant_type"] = "refresh_token", ["refresh_token"] = (string)first!["refresh_token"]! });
        await AssertWorksAtGatewayAsync(http, app, refreshed, body);
    }

    // is7_grant_types.feature:29 "The authorization_code grant issues a working access token" (row admin).
    [Fact]
    public Task The_authorization_code_grant_issues_a_working_access_token() => AssertAuthorizationCodeGrantWorksAsync(codeVerifier: null);

    // is7_grant_types.feature:44 "The authorization_code grant with PKCE issues a working access token" (row admin).
    [Fact]
    public Task The_authorization_code_grant_with_PKCE_issues_a_working_access_token() => AssertAuthorizationCodeGrantWorksAsync(PkceVerifier);

    private async Task AssertAuthorizationCodeGrantWorksAsync(string? codeVerifier)
    {
        var (lab, app) = await GrantAppAsync();
        using var http = lab.CreateClient();
        var (status, body) = await AuthorizationCodeTokenAsync(lab, http, app, codeVerifier);

        await AssertWorksAtGatewayAsync(http, app, status, body);
    }

    // is7_grant_types.feature:59 "The device_code grant issues a working access token" (row admin): device_authorize,
    // the user code at /oauth2/device, /commonauth, the authorize resume, then the device code at the token endpoint
    // (ApplicationBaseSteps.java L2760-2801).
    [Fact]
    public async Task The_device_code_grant_issues_a_working_access_token()
    {
        var (lab, app) = await GrantAppAsync();
        using var http = lab.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(lab.IsUrl, "/oauth2/device_authorize"))
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["response_type"] = "device", ["scope"] = "openid" }),
        };
        request.Headers.Authorization = Basic(app.ConsumerKey, app.ConsumerSecret);
        using var authorized = await http.SendAsync(request, Ct);
        Assert.Equal(HttpStatusCode.OK, authorized.StatusCode);
        var device = (await authorized.Content.ReadFromJsonAsync<JsonObject>(Ct))!;

        using var browser = NoRedirectBrowser(lab);
        var login = await RedirectAsync(browser, lab, HttpMethod.Post, "/oauth2/device", new() { ["user_code"] = (string)device["user_code"]! });
        var key = Query(login, "sessionDataKey");
        Assert.NotNull(key);
        var back = await RedirectAsync(browser, lab, HttpMethod.Post, "/commonauth", new()
        {
            ["username"] = lab.Topology.AdminUser, ["password"] = lab.Topology.AdminPassword, ["sessionDataKey"] = key,
        });
        var resumeKey = Query(back, "sessionDataKey");
        Assert.NotNull(resumeKey);
        await RedirectAsync(browser, lab, HttpMethod.Get, "/oauth2/authorize?sessionDataKey=" + Uri.EscapeDataString(resumeKey), null);

        var (status, body) = await IsTokenAsync(lab, http, app, new()
        {
            ["grant_type"] = "urn:ietf:params:oauth:grant-type:device_code", ["device_code"] = (string)device["device_code"]!,
        });
        await AssertWorksAtGatewayAsync(http, app, status, body);
    }

    // is7_grant_types.feature:74 "The jwt-bearer grant issues a working access token".
    [Fact(Skip = "The IS twin models neither the jwt-bearer grant nor IS's identity-provider API; docs/twins.md lists it.")]
    public Task The_jwt_bearer_grant_issues_a_working_access_token() => Task.CompletedTask;

    // is7_grant_types.feature:94 "The saml2-bearer grant issues a working access token".
    [Fact(Skip = "The IS twin models neither the saml2-bearer grant nor IS's identity-provider API; docs/twins.md lists it.")]
    public Task The_saml2_bearer_grant_issues_a_working_access_token() => Task.CompletedTask;

    // is7_token_validation.feature:13 "A tampered IS7 JWT is rejected at the gateway" (row admin): the payload's sub
    // becomes tampered-<sub>, header and signature kept (JwtTestUtils.java L103-111).
    [Fact]
    public async Task A_tampered_IS7_JWT_is_rejected_at_the_gateway()
    {
        var (lab, app) = await GrantAppAsync();
        using var http = lab.CreateClient();
        var (status, body) = await IsTokenAsync(lab, http, app, new() { ["grant_type"] = "client_credentials" });
        Assert.Equal(HttpStatusCode.OK, status);

        var parts = ((string)body!["access_token"]!).Split('.');
        var payload = JsonNode.Parse(Base64UrlEncoder.Decode(parts[1]))!.AsObject();
        payload["sub"] = "tampered-" + (string?)payload["sub"];
        var tampered = $"{parts[0]}.{Base64UrlEncoder.Encode(payload.ToJsonString())}.{parts[2]}";

        Assert.Equal(HttpStatusCode.Unauthorized, await GatewayUntilAsync(http, app, tampered, HttpStatusCode.Unauthorized));
    }

    // is7_token_validation.feature:30 "The IS7 UserInfo endpoint (SCIM2 Me) returns the token owner profile" (row admin):
    // a password-grant token with openid, then GET /scim2/Me with it (ApplicationBaseSteps.java L3068-3074).
    [Fact]
    public async Task The_IS7_UserInfo_endpoint_SCIM2_Me_returns_the_token_owner_profile()
    {
        var (lab, app) = await GrantAppAsync();
        using var http = lab.CreateClient();
        var (status, body) = await AdminPasswordTokenAsync(lab, http, app);
        Assert.Equal(HttpStatusCode.OK, status);

        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(lab.IsUrl, "/scim2/Me"));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", (string)body!["access_token"]!);
        using var me = await http.SendAsync(request, Ct);
        Assert.Equal(HttpStatusCode.OK, me.StatusCode);
        Assert.Contains(lab.Topology.AdminUser, await me.Content.ReadAsStringAsync(Ct));
    }

    // is7_token_validation.feature:46 "A grant the application is not authorized for is rejected at the token endpoint"
    // (row admin): token-exchange, which the setup application was not registered for.
    [Fact]
    public async Task A_grant_the_application_is_not_authorized_for_is_rejected_at_the_token_endpoint()
    {
        var (lab, app) = await GrantAppAsync();
        using var http = lab.CreateClient();

        var (status, _) = await IsTokenAsync(lab, http, app, new() { ["grant_type"] = "urn:ietf:params:oauth:grant-type:token-exchange" });

        Assert.Equal(HttpStatusCode.BadRequest, status);
    }

    // --- the setup application (_setup_is7_grant_app.feature) ------------------------------------------------------

    private sealed record GrantApp(string ConsumerKey, string ConsumerSecret, Uri ApiUrl)
    {
        public override string ToString() => $"application {ConsumerKey} → {ApiUrl}";
    }

    private async Task<(ContainerLab Lab, GrantApp App)> GrantAppAsync()
    {
        var lab = await fixture.LabAsync();
        await FixtureGate.WaitAsync(Ct);
        try
        {
            if (_fixture is { } existing && existing.LabId == lab.Id) return (lab, existing.App);
            var smoke = await fixture.SmokeAsync();
            using var http = lab.CreateClient();
            var devPortal = await DevPortalTokenAsync(lab, http);
            var (_, application) = await ApimAsync(lab, http, devPortal, HttpMethod.Post, "/api/am/devportal/v3/applications", new JsonObject
            {
                ["name"] = "grant-scenarios-" + lab.Id, ["throttlingPolicy"] = "Unlimited", ["tokenType"] = "JWT",
            }, HttpStatusCode.Created);
            var applicationId = (string)application!["applicationId"]!;
            var (_, keys) = await ApimAsync(lab, http, devPortal, HttpMethod.Post, $"/api/am/devportal/v3/applications/{applicationId}/generate-keys", new JsonObject
            {
                ["keyType"] = "PRODUCTION", ["keyManager"] = RegisterRequest.DefaultKeyManagerName,
                ["grantTypesToBeSupported"] = new JsonArray([.. SetupGrants.Select(g => (JsonNode)g)]), ["callbackUrl"] = Callback,
            }, HttpStatusCode.OK);
            await ApimAsync(lab, http, devPortal, HttpMethod.Post, "/api/am/devportal/v3/subscriptions", new JsonObject
            {
                ["applicationId"] = applicationId, ["apiId"] = smoke.ApiId, ["throttlingPolicy"] = "Unlimited",
            }, HttpStatusCode.Created);
            var app = new GrantApp((string)keys!["consumerKey"]!, (string)keys["consumerSecret"]!, smoke.CalledUrl);
            _fixture = (lab.Id, app);
            return (lab, app);
        }
        finally
        {
            FixtureGate.Release();
        }
    }

    /// <summary>BaseSteps.java L107-175, L246: a REST client registered with the admin's Basic, then a password-grant
    /// token with the DevPortal scopes.</summary>
    private static async Task<string> DevPortalTokenAsync(ContainerLab lab, HttpClient http)
    {
        using var register = new HttpRequestMessage(HttpMethod.Post, new Uri(lab.ApimUrl, "/client-registration/v0.17/register"))
        {
            Content = JsonContent.Create(new JsonObject
            {
                ["callbackUrl"] = "www.google.lk", ["clientName"] = "grant-scenarios", ["owner"] = lab.Topology.AdminUser,
                ["grantType"] = "client_credentials password refresh_token", ["saasApp"] = true,
            }),
        };
        register.Headers.Authorization = Basic(lab.Topology.AdminUser, lab.Topology.AdminPassword);
        using var registered = await http.SendAsync(register, Ct);
        Assert.Equal(HttpStatusCode.OK, registered.StatusCode);
        var client = (await registered.Content.ReadFromJsonAsync<JsonObject>(Ct))!;
        using var token = new HttpRequestMessage(HttpMethod.Post, new Uri(lab.ApimUrl, "/oauth2/token"))
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["grant_type"] = "password", ["username"] = lab.Topology.AdminUser, ["password"] = lab.Topology.AdminPassword,
                ["scope"] = "apim:app_manage apim:sub_manage apim:subscribe",
            }),
        };
        token.Headers.Authorization = Basic((string)client["clientId"]!, (string)client["clientSecret"]!);
        using var issued = await http.SendAsync(token, Ct);
        Assert.Equal(HttpStatusCode.OK, issued.StatusCode);
        return (string)(await issued.Content.ReadFromJsonAsync<JsonObject>(Ct))!["access_token"]!;
    }

    private static async Task<(HttpStatusCode Status, JsonObject? Body)> ApimAsync(ContainerLab lab, HttpClient http, string token,
        HttpMethod method, string path, JsonObject body, HttpStatusCode expected)
    {
        using var request = new HttpRequestMessage(method, new Uri(lab.ApimUrl, path))
        {
            Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await http.SendAsync(request, Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == expected, $"{method} {path}: {(int)response.StatusCode} (expected {(int)expected})");
        return (response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text)!.AsObject());
    }

    // --- IS's endpoints ---------------------------------------------------------------------------------------------

    private static AuthenticationHeaderValue Basic(string user, string password) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));

    /// <summary><c>POST &lt;IS&gt;/oauth2/token</c> with the application's Basic (ApplicationBaseSteps.java L2429-2458).</summary>
    /// <summary>The password grant at IS for the lab's admin, scope openid.</summary>
    private static Task<(HttpStatusCode Status, JsonObject? Body)> AdminPasswordTokenAsync(ContainerLab lab, HttpClient http, GrantApp app) =>
        IsTokenAsync(lab, http, app, new()
        {
            ["grant_type"] = "password", ["username"] = lab.Topology.AdminUser, ["password"] = lab.Topology.AdminPassword, ["scope"] = "openid",
        });

    private static async Task<(HttpStatusCode Status, JsonObject? Body)> IsTokenAsync(ContainerLab lab, HttpClient http, GrantApp app,
        Dictionary<string, string> form)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(lab.IsUrl, "/oauth2/token")) { Content = new FormUrlEncodedContent(form) };
        request.Headers.Authorization = Basic(app.ConsumerKey, app.ConsumerSecret);
        using var response = await http.SendAsync(request, Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        return (response.StatusCode, response.IsSuccessStatusCode ? JsonNode.Parse(text)!.AsObject() : null);
    }

    /// <summary>The headless browser leg of ApplicationBaseSteps.java L2585-2660: authorize → 302 with a sessionDataKey;
    /// <c>/commonauth</c> → 302 back with one; authorize again → 302 to the callback with a code (consent approved if IS
    /// asks); then the code (and verifier) at the token endpoint. Locations are followed on the lab's own IS URL.</summary>
    private static async Task<(HttpStatusCode Status, JsonObject? Body)> AuthorizationCodeTokenAsync(ContainerLab lab, HttpClient http,
        GrantApp app, string? codeVerifier)
    {
        using var browser = NoRedirectBrowser(lab);
        var authorize = QueryHelpers.AddQueryString("/oauth2/authorize", new Dictionary<string, string?>
        {
            ["response_type"] = "code", ["client_id"] = app.ConsumerKey, ["redirect_uri"] = Callback, ["scope"] = "openid",
        });
        if (codeVerifier is not null)
        {
            authorize = QueryHelpers.AddQueryString(authorize, new Dictionary<string, string?>
            {
                ["code_challenge"] = Base64UrlEncoder.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(codeVerifier))), ["code_challenge_method"] = "S256",
            });
        }
        var login = await RedirectAsync(browser, lab, HttpMethod.Get, authorize, null);
        var key = Query(login, "sessionDataKey");
        Assert.NotNull(key);
        var back = await RedirectAsync(browser, lab, HttpMethod.Post, "/commonauth", new()
        {
            ["username"] = lab.Topology.AdminUser, ["password"] = lab.Topology.AdminPassword, ["tocommonauth"] = "true", ["sessionDataKey"] = key,
        });
        Assert.Null(Query(back, "error"));
        var resumeKey = Query(back, "sessionDataKey");
        Assert.NotNull(resumeKey);
        var granted = await RedirectAsync(browser, lab, HttpMethod.Get, "/oauth2/authorize?sessionDataKey=" + Uri.EscapeDataString(resumeKey), null);
        if (Query(granted, "sessionDataKeyConsent") is { } consentKey)
        {
            granted = await RedirectAsync(browser, lab, HttpMethod.Post, "/oauth2/authorize", new()
            {
                ["consent"] = "approve", ["hasApprovedAlways"] = "false", ["sessionDataKeyConsent"] = consentKey,
            });
        }
        var code = Query(granted, "code");
        Assert.True(code is not null, "no authorization code in the final authorize redirect to " + granted.GetLeftPart(UriPartial.Path));

        var form = new Dictionary<string, string> { ["grant_type"] = "authorization_code", ["code"] = code, ["redirect_uri"] = Callback };
        if (codeVerifier is not null) form["code_verifier"] = codeVerifier;
        return await IsTokenAsync(lab, http, app, form);
    }

    /// <summary>A cookie-keeping client that does not follow redirects and trusts only the lab CA.</summary>
    private static HttpClient NoRedirectBrowser(ContainerLab lab)
    {
        var policy = new X509ChainPolicy { TrustMode = X509ChainTrustMode.CustomRootTrust, RevocationMode = X509RevocationMode.NoCheck };
        policy.CustomTrustStore.Add(X509Certificate2.CreateFromPem(File.ReadAllText(lab.Layout.CaCertificate)));
        return new HttpClient(new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseCookies = true,
            SslOptions = new SslClientAuthenticationOptions { CertificateChainPolicy = policy },
        });
    }

    /// <summary>One request, no redirect followed: its Location, whose path and query are then sent to the lab's IS
    /// (IS writes its own advertised origin into it).</summary>
    private static async Task<Uri> RedirectAsync(HttpClient browser, ContainerLab lab, HttpMethod method, string pathAndQuery, Dictionary<string, string>? form)
    {
        using var request = new HttpRequestMessage(method, new Uri(lab.IsUrl, pathAndQuery));
        if (form is not null) request.Content = new FormUrlEncodedContent(form);
        using var response = await browser.SendAsync(request, Ct);
        Assert.True(response.Headers.Location is not null, $"{method} {new Uri(lab.IsUrl, pathAndQuery).GetLeftPart(UriPartial.Path)}: {(int)response.StatusCode}, no redirect");
        var location = response.Headers.Location!;
        return location.IsAbsoluteUri ? location : new Uri(lab.IsUrl, location);
    }

    private static string? Query(Uri location, string name) =>
        QueryHelpers.ParseQuery(location.Query).TryGetValue(name, out var value) ? value.ToString() : null;

    /// <summary>APIInvocationSteps.java L253-263, Utils.java L207-225: <c>GET &lt;api&gt;/…</c> with the token every 2 s
    /// until the status is the expected one or 180 s have passed; the last status.</summary>
    /// <summary>The token endpoint answered 200, and its access token gets 200 through the gateway.</summary>
    private static async Task AssertWorksAtGatewayAsync(HttpClient http, GrantApp app, HttpStatusCode tokenStatus, JsonObject? token)
    {
        Assert.Equal(HttpStatusCode.OK, tokenStatus);
        Assert.Equal(HttpStatusCode.OK, await GatewayUntilAsync(http, app, (string)token!["access_token"]!, HttpStatusCode.OK));
    }

    private static async Task<HttpStatusCode> GatewayUntilAsync(HttpClient http, GrantApp app, string token, HttpStatusCode expected)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(180);
        while (true)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, app.ApiUrl);
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            using var response = await http.SendAsync(request, Ct);
            if (response.StatusCode == expected || DateTime.UtcNow > deadline) return response.StatusCode;
            await Task.Delay(TimeSpan.FromSeconds(2), Ct);
        }
    }
}
