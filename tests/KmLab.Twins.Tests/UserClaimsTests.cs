using KmLab.Provisioner;

namespace KmLab.Twins.Tests;

/// <summary>Connector 2.1.3 (APIM 4.7.0) asks IS for a user's claims at the endpoint its userinfo setting names:
/// <c>…/scim2/Me</c> with the user's token, anything else <c>POST …/claims/generate</c> below it, and no setting
/// <c>/keymanager-operations/user-info</c> (docs/twins.md, "User claims"). The lookup runs where the backend JWT
/// carries user claims (<c>[apim.jwt] enable</c>, <c>enable_user_claims</c>).</summary>
public sealed class UserClaimsTests
{
    private static void BackendJwtWithUserClaims(LabLayout layout) =>
        File.AppendAllText(LabLayout.DeploymentToml(layout.ApiManagerVolume), "\n[apim.jwt]\nenable = true\nenable_user_claims = true\n");

    [Theory]
    [InlineData("/scim2/Me", "GET", "/scim2/Me")]
    [InlineData("/oauth2/userinfo", "POST", "/oauth2/userinfo/claims/generate")]
    [InlineData(null, "POST", "/keymanager-operations/user-info/claims/generate")]
    public async Task The_4_7_twin_asks_for_claims_where_connector_2_1_3_does(string? userInfoPath, string method, string path)
    {
        await using var lab = await TwinLab.StartAsync("4.7.0", prepared: BackendJwtWithUserClaims);
        var keyManager = lab.Is7KeyManager("IS7");
        if (userInfoPath is not null) keyManager["userInfoEndpoint"] = lab.IsInternal + userInfoPath;
        var (created, _) = await lab.SendAsync(HttpMethod.Post, "/api/am/admin/v4/key-managers", keyManager);
        Assert.Equal(201, created);
        var app = await lab.CreateApplicationAsync("claims");
        var (generated, keys) = await lab.GenerateKeysAsync(app, "IS7");
        Assert.Equal(200, generated);
        lab.IdentityServer.ClearRequests();

        using var call = new HttpRequestMessage(HttpMethod.Get, new Uri(lab.ApiManager.GatewayUrl!, "/kmlab/1.0.0/hello"));
        call.Headers.Authorization = new("Bearer", (string)keys!["token"]!["accessToken"]!);
        using var response = await lab.Http.SendAsync(call, TestContext.Current.CancellationToken);

        var asked = Assert.Single(lab.IdentityServer.Requests, r => r.Path.Contains("scim2/Me", StringComparison.Ordinal) || r.Path.EndsWith("/claims/generate", StringComparison.Ordinal));
        Assert.Equal((method, path), (asked.Method, asked.Path));
        // A stock IS has no claims webapp: only the /scim2/Me lookup succeeds.
        Assert.Equal(userInfoPath == "/scim2/Me", !lab.ApiManager.LogLines.Any(l => l.Contains("Error while getting user info", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Without_user_claims_in_the_backend_jwt_nothing_is_asked()
    {
        await using var lab = await TwinLab.StartAsync("4.7.0");
        var (created, _) = await lab.SendAsync(HttpMethod.Post, "/api/am/admin/v4/key-managers", lab.Is7KeyManager("IS7"));
        Assert.Equal(201, created);
        var app = await lab.CreateApplicationAsync("no-claims");
        var (_, keys) = await lab.GenerateKeysAsync(app, "IS7");
        lab.IdentityServer.ClearRequests();

        using var call = new HttpRequestMessage(HttpMethod.Get, new Uri(lab.ApiManager.GatewayUrl!, "/kmlab/1.0.0/hello"));
        call.Headers.Authorization = new("Bearer", (string)keys!["token"]!["accessToken"]!);
        using var response = await lab.Http.SendAsync(call, TestContext.Current.CancellationToken);

        Assert.Equal(200, (int)response.StatusCode);
        Assert.DoesNotContain(lab.IdentityServer.Requests, r => r.Path.Contains("scim2/Me", StringComparison.Ordinal) || r.Path.EndsWith("/claims/generate", StringComparison.Ordinal));
    }
}
