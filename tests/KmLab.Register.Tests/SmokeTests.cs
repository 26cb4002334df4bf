using System.Net.Http.Headers;
using System.Net;
using System.Security.Cryptography;
using KmLab.Provisioner.IdentityServer;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Refit;

namespace KmLab.Register.Tests;

/// <summary>The smoke step against the twins: the sample API published through the Publisher API, the lab application
/// subscribed through the DevPortal, a token from IS accepted by the gateway, and IS's health answer coming back.</summary>
public sealed class SmokeTests
{
    [Fact]
    public async Task After_register_smoke_publishes_the_api_and_gets_200_through_the_gateway_with_a_curl_to_repeat()
    {
        await using var lab = await Lab.StartAsync();
        var registered = await lab.RegisterThenClearRequestsAsync();

        var result = await SmokeAsync(lab);

        Assert.Equal(200, result.StatusCode);
        Assert.Equal(SmokeOutcomes.Created, result.ApiOutcome);
        Assert.Equal(new Uri(lab.ApiManager.GatewayUrl!, "/kmlab/1.0.0/health"), result.CalledUrl);
        Assert.Equal(registered.Issuer, result.Issuer);
        Assert.Equal(registered.ConsumerKey, result.ConsumerKey);
        // The answer is IS's own health document, proxied by the gateway over TLS to IS's internal URL.
        using (var http = LabHttp.Client(lab))
        {
            var direct = await http.GetStringAsync(new Uri(lab.IdentityServer.BaseUrl, IdentityServerEndpoints.HealthCheck), TestContext.Current.CancellationToken);
            Assert.True(JsonNode.DeepEquals(JsonNode.Parse(direct), JsonNode.Parse(result.ResponseBody)), result.ResponseBody);
        }
        Assert.Contains(lab.IdentityServer.Requests, r => r.Method == "GET" && r.Path == IdentityServerEndpoints.HealthCheck);

        // The API: name, version, context, the lab's Key Manager only, IS's health endpoint as backend.
        var create = Assert.Single(lab.ApiManager.Requests, r => r.Method == "POST" && r.Path == ApimPublisherEndpoints.Apis);
        var api = JsonNode.Parse(create.Body)!;
        Assert.Equal(("KmLabHello", "1.0.0", "/kmlab"), ((string?)api["name"], (string?)api["version"], (string?)api["context"]));
        Assert.Equal(["IS7"], api["keyManagers"]!.AsArray().Select(n => (string?)n));
        Assert.Equal(lab.IsInternalUrl.GetLeftPart(UriPartial.Authority) + "/api/health-check/v1.0",
            (string?)api["endpointConfig"]!["production_endpoints"]!["url"]);
        Assert.Equal("Bearer", create.AuthorizationScheme);

        // Then a revision deployed to Default, the Publish step, the subscription with the Unlimited tier.
        var sequence = lab.ApiManager.Requests.Where(r => r.Method == "POST").Select(r => r.Path).ToList();
        var apiId = result.ApiId;
        Assert.Equal(
            [
                $"/api/am/publisher/v4/apis/{apiId}/revisions", $"/api/am/publisher/v4/apis/{apiId}/deploy-revision",
                "/api/am/publisher/v4/apis/change-lifecycle", "/api/am/devportal/v3/subscriptions",
            ],
            sequence.SkipWhile(p => p != $"/api/am/publisher/v4/apis/{apiId}/revisions").Where(p => p.StartsWith("/api/am/", StringComparison.Ordinal)));
        var deploy = lab.ApiManager.Requests.Single(r => r.Path.EndsWith("/deploy-revision", StringComparison.Ordinal));
        Assert.Equal("Default", (string?)JsonNode.Parse(deploy.Body)![0]!["name"]);
        Assert.Contains("action=Publish", lab.ApiManager.Requests.Single(r => r.Path.EndsWith("/change-lifecycle", StringComparison.Ordinal)).Query);
        var subscribe = JsonNode.Parse(lab.ApiManager.Requests.Single(r => r.Method == "POST" && r.Path == ApimPublisherEndpoints.Subscriptions).Body)!;
        Assert.Equal(("Unlimited", apiId), ((string?)subscribe["throttlingPolicy"], (string?)subscribe["apiId"]));

        // The curl a user repeats: the token as $TOKEN, the secret from $CONSUMER_SECRET, the lab CA as the only trust.
        var ca = new LabLayout(lab.State.FullName).CaCertificate;
        Assert.Equal($"curl --cacert '{ca}' -H \"Authorization: Bearer $TOKEN\" '{result.CalledUrl}'", result.Curl);
        Assert.Contains($"-u \"{result.ConsumerKey}:$CONSUMER_SECRET\"", result.TokenCommand);
        Assert.Contains(lab.IdentityServer.BaseUrl.GetLeftPart(UriPartial.Authority) + "/oauth2/token", result.TokenCommand);
        var secret = await ConsumerSecretAsync(lab, registered.ConsumerKey);
        Assert.DoesNotContain(secret, result.Curl + result.TokenCommand + string.Join('\n', lab.Logs.Lines));
        Assert.DoesNotContain(lab.AdminPassword, result.Curl + result.TokenCommand + string.Join('\n', lab.Logs.Lines));
    }

    [Fact]
    public async Task A_second_run_reuses_the_api_its_deployment_and_the_subscription()
    {
        await using var lab = await Lab.StartAsync();
        await lab.RegisterAsync();
        var first = await SmokeAsync(lab);
        lab.ApiManager.ClearRequests();

        var second = await SmokeAsync(lab);

        Assert.Equal(200, second.StatusCode);
        Assert.Equal(SmokeOutcomes.Reused, second.ApiOutcome);
        Assert.Equal(first.ApiId, second.ApiId);
        // Only reads, and the REST token: nothing created, deployed, published or subscribed again.
        Assert.Equal(
            [ApimEndpoints.ClientRegistration, ApimEndpoints.Token],
            lab.ApiManager.Requests.Where(r => r.Method is "POST" or "PUT" or "DELETE" && r.LocalPort == lab.ApiManager.BaseUrl.Port).Select(r => r.Path));
    }

    [Fact]
    public async Task A_token_of_an_application_without_a_subscription_gets_403_900908_from_the_gateway()
    {
        await using var lab = await Lab.StartAsync();
        await lab.RegisterAsync();
        var smoke = await SmokeAsync(lab);

        // Another DevPortal application, with keys from the same Key Manager, never subscribed.
        var accessToken = await UnsubscribedApplicationTokenAsync(lab);
        var (status, error) = await CallAsync(lab, smoke.CalledUrl, accessToken);

        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Equal(ApimPublishing.GatewaySubscriptionMissing, (long?)error["code"]);
        Assert.Equal(ApimPublishing.SubscriptionMissingDescription, (string?)error["description"]);
    }

    [Fact]
    public async Task A_token_from_a_foreign_issuer_gets_401_900901_from_the_gateway()
    {
        await using var lab = await Lab.StartAsync();
        await lab.RegisterAsync();
        var smoke = await SmokeAsync(lab);

        // Well formed, for the subscribed consumer key, but signed by a key and issuer no Key Manager knows.
        using var rsa = RSA.Create(2048);
        var foreign = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = "https://foreign.example:9443/oauth2/token",
            Expires = DateTime.UtcNow.AddMinutes(5),
            Claims = new Dictionary<string, object> { ["azp"] = smoke.ConsumerKey, ["sub"] = "admin", ["jti"] = Guid.NewGuid().ToString() },
            SigningCredentials = new SigningCredentials(new RsaSecurityKey(rsa), SecurityAlgorithms.RsaSha256),
        });
        var (status, error) = await CallAsync(lab, smoke.CalledUrl, foreign);

        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Equal(ApimPublishing.GatewayInvalidCredentials, (long?)error["code"]);
    }

    [Fact]
    public async Task Smoke_before_register_fails_with_one_line_naming_register_and_exit_code_30()
    {
        await using var lab = await Lab.StartAsync();

        var failure = await Assert.ThrowsAsync<LabException>(() => SmokeAsync(lab));

        Assert.Equal(ExitCodes.SmokeFailed, failure.ExitCode);
        Assert.True(failure.Message.Contains("run register", StringComparison.Ordinal), failure.Message);
        Assert.DoesNotContain('\n', failure.Message);
        Assert.DoesNotContain(lab.ApiManager.Requests, r => r.Method == "POST" && r.Path == ApimPublisherEndpoints.Apis);
    }

    private static string Basic(string user, string password) =>
        "Basic " + Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{user}:{password}"));

    private static Task<SmokeResult> SmokeAsync(Lab lab) =>
        LabSmoke.RunAsync(new SmokeRequest(lab.State.FullName, lab.ApiManager.BaseUrl, lab.ApiManager.GatewayUrl!,
                lab.IdentityServer.BaseUrl, RegisterRequest.DefaultKeyManagerName, lab.Topology.AdminUser, lab.AdminPassword)
            {
                IsInternalUrl = lab.IsInternalUrl,
                GatewayTimeout = TimeSpan.FromSeconds(15),
            },
            TestContext.Current.CancellationToken, lab.Logs.Factory);

    private static async Task<(HttpStatusCode Status, JsonNode Error)> CallAsync(Lab lab, Uri url, string accessToken)
    {
        using var http = LabHttp.Client(lab);
        using var message = new HttpRequestMessage(HttpMethod.Get, url);
        message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        using var response = await http.SendAsync(message, TestContext.Current.CancellationToken);
        return (response.StatusCode, JsonNode.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken))!);
    }

    /// <summary>The DevPortal as a user drives it: an admin token from APIM, then the API clients of the provisioner.</summary>
    private static async Task<(IApimDevPortalApi DevPortal, HttpClient Http)> DevPortalAsync(Lab lab)
    {
        var http = LabHttp.Client(lab);
        http.BaseAddress = lab.ApiManager.BaseUrl;
        var settings = new RefitSettings { ContentSerializer = new SystemTextJsonContentSerializer(ApimJson.Options) };
        var oauth = RestService.For<IApimOAuthApi>(http, settings);
        var ct = TestContext.Current.CancellationToken;
        var client = await oauth.RegisterClientAsync(new ClientRegistrationRequest
        {
            ClientName = "smoke-tests", Owner = lab.Topology.AdminUser, GrantType = "password", SaasApp = true,
        }, Basic(lab.Topology.AdminUser, lab.AdminPassword), ct);
        var token = await oauth.TokenAsync(new Dictionary<string, string>
        {
            ["grant_type"] = "password", ["username"] = lab.Topology.AdminUser, ["password"] = lab.AdminPassword,
            ["scope"] = ApimScopes.Register,
        }, Basic(client.ClientId, client.ClientSecret), ct);
        var devPortal = RestService.For<IApimDevPortalApi>(http, new RefitSettings(settings.ContentSerializer)
        {
            AuthorizationHeaderValueGetter = (_, _) => ValueTask.FromResult(token.AccessToken),
        });
        return (devPortal, http);
    }

    private static async Task<string> ConsumerSecretAsync(Lab lab, string consumerKey)
    {
        var (devPortal, http) = await DevPortalAsync(lab);
        using var _ = http;
        var ct = TestContext.Current.CancellationToken;
        var application = (await devPortal.GetApplicationsAsync(LabSmoke.LabApplicationName, ct)).List.Single(a => a.Name == LabSmoke.LabApplicationName);
        var keys = await devPortal.GetOAuthKeysAsync(application.ApplicationId!, ct);
        return keys.List.Single(k => k.ConsumerKey == consumerKey).ConsumerSecret!;
    }

    private static async Task<string> UnsubscribedApplicationTokenAsync(Lab lab)
    {
        var (devPortal, http) = await DevPortalAsync(lab);
        using var _ = http;
        var ct = TestContext.Current.CancellationToken;
        var application = await devPortal.AddApplicationAsync(new Application
        {
            Name = "unsubscribed-" + Guid.NewGuid().ToString("N")[..8], ThrottlingPolicy = DevPortal.UnlimitedPolicy, TokenType = DevPortal.TokenTypeJwt,
        }, ct);
        var key = await devPortal.GenerateKeysAsync(application.ApplicationId!, new ApplicationKeyGenerateRequest
        {
            KeyType = DevPortal.KeyTypeProduction, KeyManager = RegisterRequest.DefaultKeyManagerName,
            GrantTypesToBeSupported = [OAuthGrants.ClientCredentials],
        }, ct);

        using var isHttp = LabHttp.Client(lab);
        isHttp.BaseAddress = lab.IdentityServer.BaseUrl;
        var isApi = RestService.For<IIdentityServerApi>(isHttp);
        var token = await isApi.TokenAsync(new Dictionary<string, string> { ["grant_type"] = OAuthGrants.ClientCredentials },
            Basic(key.ConsumerKey!, key.ConsumerSecret!), ct);
        return token.AccessToken;
    }
}
