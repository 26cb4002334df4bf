using KmLab.Provisioner;

namespace KmLab.Twins.Tests;

/// <summary>Connector 2.1.3 (APIM 4.7.0) asks IS for a user's claims at the endpoint its userinfo setting names:
/// <c>…/scim2/Me</c> with the user's token, anything else <c>POST …/claims/generate</c> below it, and no setting
/// <c>/keymanager-operations/user-info</c>; 2.0.x always the <c>GET</c> (docs/twins.md, "User claims"). The gateway
/// asks while it builds a backend JWT with claim retrieval on (<c>[apim.jwt] enable</c>,
/// <c>[apim.jwt.gateway_generator] enable_claim_retrieval</c>); a failed lookup is logged and the call answered.</summary>
public sealed class UserClaimsTests
{
    private static void BackendJwtWithClaimRetrieval(LabLayout layout) =>
        File.AppendAllText(LabLayout.DeploymentToml(layout.ApiManagerVolume),
            "\n[apim.jwt]\nenable = true\n\n[apim.jwt.gateway_generator]\nenable_claim_retrieval = true\n");

    private static bool IsClaimLookup(KmLab.Twins.Hosting.CapturedRequest r) =>
        r.Path.Contains("scim2/Me", StringComparison.Ordinal) || r.Path.Contains("userinfo", StringComparison.Ordinal) || r.Path.EndsWith("/claims/generate", StringComparison.Ordinal);

    [Theory]
    [InlineData("/scim2/Me", "GET", "/scim2/Me")]
    [InlineData("/oauth2/userinfo", "POST", "/oauth2/userinfo/claims/generate")]
    [InlineData(null, "POST", "/keymanager-operations/user-info/claims/generate")]
    public async Task The_4_7_twin_asks_for_claims_where_connector_2_1_3_does(string? userInfoPath, string method, string path)
    {
        await using var lab = await TwinLab.StartAsync("4.7.0", prepared: BackendJwtWithClaimRetrieval);
        var keyManager = lab.Is7KeyManager("IS7");
        if (userInfoPath is not null) keyManager["userInfoEndpoint"] = lab.IsInternal + userInfoPath;
        var (created, _) = await lab.AddKeyManagerAsync(keyManager);
        Assert.Equal(201, created);
        var app = await lab.CreateApplicationAsync("claims");
        var (generated, keys) = await lab.GenerateKeysAsync(app, "IS7");
        Assert.Equal(200, generated);
        lab.IdentityServer.ClearRequests();

        using var call = new HttpRequestMessage(HttpMethod.Get, new Uri(lab.ApiManager.GatewayUrl!, "/kmlab/1.0.0/hello"));
        call.Headers.Authorization = new("Bearer", (string)keys!["token"]!["accessToken"]!);
        using var response = await lab.Http.SendAsync(call, TestContext.Current.CancellationToken);

        var asked = Assert.Single(lab.IdentityServer.Requests, IsClaimLookup);
        Assert.Equal((method, path), (asked.Method, asked.Path));
        // A stock IS has no claims webapp: only the /scim2/Me lookup succeeds; a failed one is logged by the gateway,
        // which answers the call all the same (the backend JWT just lacks the Key Manager's claims).
        var succeeded = userInfoPath == "/scim2/Me";
        Assert.Equal(succeeded, !lab.ApiManager.LogLines.Any(l => l.Contains("Error while retrieving User claims from Key Manager", StringComparison.Ordinal)));
        Assert.Equal(succeeded, !lab.ApiManager.LogLines.Any(l => l.Contains("Error while getting user info", StringComparison.Ordinal)));
        Assert.Equal(200, (int)response.StatusCode);
    }

    [Theory]
    [InlineData("/scim2/Me")]
    [InlineData("/oauth2/userinfo")]
    public async Task The_4_6_twin_sends_the_userinfo_endpoint_a_get_with_the_users_token_whatever_it_is(string userInfoPath)
    {
        await using var lab = await TwinLab.StartAsync("4.6.0", prepared: BackendJwtWithClaimRetrieval);
        var keyManager = lab.Is7KeyManager("IS7");
        keyManager["userInfoEndpoint"] = lab.IsInternal + userInfoPath;
        var (created, _) = await lab.AddKeyManagerAsync(keyManager);
        Assert.Equal(201, created);
        var app = await lab.CreateApplicationAsync("claims-46");
        var (_, keys) = await lab.GenerateKeysAsync(app, "IS7");
        var token = (string)keys!["token"]!["accessToken"]!;
        lab.IdentityServer.ClearRequests();

        using var call = new HttpRequestMessage(HttpMethod.Get, new Uri(lab.ApiManager.GatewayUrl!, "/kmlab/1.0.0/hello"));
        call.Headers.Authorization = new("Bearer", token);
        using var response = await lab.Http.SendAsync(call, TestContext.Current.CancellationToken);

        var asked = Assert.Single(lab.IdentityServer.Requests, IsClaimLookup);
        Assert.Equal(("GET", userInfoPath, "Bearer"), (asked.Method, asked.Path, asked.AuthorizationScheme));
        Assert.Equal(200, (int)response.StatusCode);
    }

    [Fact]
    public async Task User_claims_for_the_key_validation_generator_alone_ask_nothing_at_the_gateway()
    {
        // enable_user_claims feeds the key validation service's JWTGenerator; the gateway's lookup needs enable_claim_retrieval.
        await using var lab = await TwinLab.StartAsync("4.7.0", prepared: layout =>
            File.AppendAllText(LabLayout.DeploymentToml(layout.ApiManagerVolume), "\n[apim.jwt]\nenable = true\nenable_user_claims = true\n"));
        var (created, _) = await lab.AddKeyManagerAsync(lab.Is7KeyManager("IS7"));
        Assert.Equal(201, created);
        var app = await lab.CreateApplicationAsync("no-claims");
        var (_, keys) = await lab.GenerateKeysAsync(app, "IS7");
        lab.IdentityServer.ClearRequests();

        using var call = new HttpRequestMessage(HttpMethod.Get, new Uri(lab.ApiManager.GatewayUrl!, "/kmlab/1.0.0/hello"));
        call.Headers.Authorization = new("Bearer", (string)keys!["token"]!["accessToken"]!);
        using var response = await lab.Http.SendAsync(call, TestContext.Current.CancellationToken);

        Assert.Equal(200, (int)response.StatusCode);
        Assert.DoesNotContain(lab.IdentityServer.Requests, IsClaimLookup);
    }
}
