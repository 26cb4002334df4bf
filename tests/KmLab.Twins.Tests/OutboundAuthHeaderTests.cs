using KmLab.Provisioner;

namespace KmLab.Twins.Tests;

/// <summary>The gateway removes the caller's Authorization header before the backend unless APIM's deployment.toml has
/// <c>[apim.oauth_config] enable_outbound_auth_header = true</c> (carbon-apimgt OAuthAuthenticator L201, api-manager.xml.j2
/// L522), which prepare writes so that a service behind the gateway can validate IS's token itself. The backend here
/// is IS's userinfo endpoint: it answers 200 only to a request that carries the token.</summary>
public sealed class OutboundAuthHeaderTests
{
    private static void WithoutOutboundAuthHeader(LabLayout layout)
    {
        var toml = LabLayout.DeploymentToml(layout.ApiManagerVolume);
        var text = File.ReadAllText(toml);
        Assert.Contains("enable_outbound_auth_header = true", text); // what prepare writes
        File.WriteAllText(toml, text.Replace("enable_outbound_auth_header = true", "enable_outbound_auth_header = false", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(true, 200)]
    [InlineData(false, 401)]
    public async Task The_backend_gets_the_callers_token_only_when_the_gateway_keeps_the_header(bool keep, int backendStatus)
    {
        await using var lab = await TwinLab.StartAsync("4.7.0", prepared: keep ? null : WithoutOutboundAuthHeader);
        var (created, _) = await lab.AddKeyManagerAsync(lab.Is7KeyManager("IS7"));
        Assert.Equal(201, created);
        var application = await lab.CreateApplicationAsync("outbound");
        var (generated, keys) = await lab.GenerateKeysAsync(application, "IS7");
        Assert.Equal(200, generated);
        var apiId = await PublishUserInfoApiAsync(lab);
        var (subscribed, _) = await lab.SendAsync(HttpMethod.Post, "/api/am/devportal/v3/subscriptions",
            new JsonObject { ["apiId"] = apiId, ["applicationId"] = application, ["throttlingPolicy"] = "Unlimited" });
        Assert.Equal(201, subscribed);

        using var call = new HttpRequestMessage(HttpMethod.Get, new Uri(lab.ApiManager.GatewayUrl!, "/whoami/1.0.0/userinfo"));
        call.Headers.Authorization = new AuthenticationHeaderValue("Bearer", (string)keys!["token"]!["accessToken"]!);
        using var response = await lab.Http.SendAsync(call, TestContext.Current.CancellationToken);

        // The gateway accepted the token either way; what the backend answered shows whether it got it.
        Assert.Equal(backendStatus, (int)response.StatusCode);
        var userInfo = lab.IdentityServer.Requests.Where(r => r.Path == "/oauth2/userinfo").ToList();
        Assert.Single(userInfo);
    }

    private static async Task<string> PublishUserInfoApiAsync(TwinLab lab)
    {
        var id = await lab.DeployApiAsync("WhoAmI", "/whoami", lab.IsInternal + "/oauth2", "/userinfo");
        var (published, _) = await lab.SendAsync(HttpMethod.Post, $"/api/am/publisher/v4/apis/change-lifecycle?apiId={id}&action=Publish");
        Assert.Equal(200, published);
        return id;
    }
}
