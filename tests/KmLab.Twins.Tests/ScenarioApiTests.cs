namespace KmLab.Twins.Tests;

/// <summary>What WSO2's own Key Manager scenarios meet on APIM and the twin once lacked (docs/twins.md, "APIM: what
/// WSO2's integration scenarios call"): a context without its leading slash, the lifecycle state, the DevPortal's
/// Key Manager list and generate-token, the 901405 refusals, and the REST APIs' 401 for a token without the scope.</summary>
public sealed class ScenarioApiTests
{
    private const string Apis = "/api/am/publisher/v4/apis";

    [Fact]
    public async Task A_context_without_a_leading_slash_gets_one_and_the_lifecycle_state_follows_publish()
    {
        await using var lab = await TwinLab.StartAsync();
        var token = (await lab.AdminTokenAsync(TwinLab.AllScopes)).Token;

        var (created, api) = await lab.SendAsync(HttpMethod.Post, Apis, TwinLab.ApiBody("NoSlash", "noslash"), token);
        var id = (string)api!["id"]!;
        var before = await lab.SendAsync(HttpMethod.Get, $"{Apis}/{id}/lifecycle-state", token: token);
        await lab.SendAsync(HttpMethod.Post, $"{Apis}/change-lifecycle?apiId={id}&action=Publish", token: token);
        var after = await lab.SendAsync(HttpMethod.Get, $"{Apis}/{id}/lifecycle-state", token: token);
        var unknown = await lab.SendAsync(HttpMethod.Get, $"{Apis}/{Guid.NewGuid()}/lifecycle-state", token: token);

        Assert.Equal(201, created);
        Assert.Equal("/noslash", (string?)api["context"]);
        Assert.Equal((200, "Created"), (before.Status, (string?)before.Body!["state"]));
        Assert.Equal((200, "Published"), (after.Status, (string?)after.Body!["state"]));
        Assert.Equal(404, unknown.Status);
    }

    [Theory]
    [InlineData("enableOAuthAppCreation")]
    [InlineData("EXCHANGED")]
    public async Task A_key_manager_that_creates_no_OAuth_apps_refuses_generate_keys_with_400_901405_and_stores_nothing(string why)
    {
        await using var lab = await TwinLab.StartAsync();
        var keyManager = lab.Is7KeyManager("NoApps");
        if (why == "EXCHANGED") keyManager["tokenType"] = "EXCHANGED";
        else keyManager["enableOAuthAppCreation"] = false;
        Assert.Equal(201, (await lab.AddKeyManagerAsync(keyManager)).Status);
        var app = await lab.CreateApplicationAsync("no-apps");
        lab.IdentityServer.ClearRequests();

        var refused = await lab.GenerateKeysAsync(app, "NoApps");

        TwinLab.AssertError(400, 901405, refused, "Key Manager doesn't support generating OAuth applications");
        Assert.Empty(await lab.OAuthKeysAsync(app));
        Assert.DoesNotContain(lab.IdentityServer.Requests, r => r.Path.Contains("/dcr/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_devportal_lists_key_managers_with_display_endpoints_falling_back_to_the_real_ones()
    {
        await using var lab = await TwinLab.StartAsync();
        var shown = lab.Is7KeyManager("Shown");
        shown["displayTokenEndpoint"] = "https://display.example:9444/oauth2/token";
        shown["revokeEndpoint"] = lab.IsInternal + "/oauth2/revoke";
        shown["displayRevokeEndpoint"] = "https://display.example:9444/oauth2/revoke";
        var blank = lab.Is7KeyManager("Blank");
        blank["displayTokenEndpoint"] = " ";
        blank["revokeEndpoint"] = lab.IsInternal + "/oauth2/revoke";
        await lab.AddKeyManagerAsync(shown);
        await lab.AddKeyManagerAsync(blank);
        var subscriber = (await lab.AdminTokenAsync("apim:subscribe")).Token;

        var (status, body) = await lab.SendAsync(HttpMethod.Get, "/api/am/devportal/v3/key-managers", token: subscriber);

        Assert.Equal(200, status);
        var list = body!["list"]!.AsArray();
        Assert.Equal(list.Count, (int)body["count"]!);
        JsonNode Entry(string name) => list.Single(k => (string?)k!["name"] == name)!;
        Assert.Equal("https://display.example:9444/oauth2/token", (string?)Entry("Shown")["tokenEndpoint"]);
        Assert.Equal("https://display.example:9444/oauth2/revoke", (string?)Entry("Shown")["revokeEndpoint"]);
        Assert.Equal(lab.IsInternal + "/oauth2/token", (string?)Entry("Blank")["tokenEndpoint"]);
        Assert.Equal(lab.IsInternal + "/oauth2/revoke", (string?)Entry("Blank")["revokeEndpoint"]);
        Assert.Equal("WSO2-IS-7", (string?)Entry("Blank")["type"]);
        Assert.Equal("default", (string?)Entry("Resident Key Manager")["type"]);
    }

    [Fact]
    public async Task Generate_token_issues_a_token_for_an_existing_resident_key_mapping_and_refuses_a_wrong_secret()
    {
        await using var lab = await TwinLab.StartAsync();
        var app = await lab.CreateApplicationAsync("resident");
        var (generated, keys) = await lab.GenerateKeysAsync(app, "Resident Key Manager");
        Assert.Equal(200, generated);
        var mapping = (string)keys!["keyMappingId"]!;
        var path = $"/api/am/devportal/v3/applications/{app}/oauth-keys/{mapping}/generate-token";

        var (status, token) = await lab.SendAsync(HttpMethod.Post, path, new JsonObject { ["consumerSecret"] = (string)keys["consumerSecret"]!, ["validityPeriod"] = 3600 });
        var (wrong, _) = await lab.SendAsync(HttpMethod.Post, path, new JsonObject { ["consumerSecret"] = "not-the-secret", ["validityPeriod"] = 3600 });
        var (unknown, _) = await lab.SendAsync(HttpMethod.Post, $"/api/am/devportal/v3/applications/{app}/oauth-keys/{Guid.NewGuid()}/generate-token",
            new JsonObject { ["consumerSecret"] = "x", ["validityPeriod"] = 3600 });

        Assert.Equal(200, status);
        Assert.Equal(3, ((string)token!["accessToken"]!).Split('.').Length);
        Assert.Equal(400, wrong);
        Assert.Equal(404, unknown);

        // The token is the Resident Key Manager's: the gateway takes it for a subscribed API.
        var id = await lab.DeployApiAsync("Health", "health", lab.IsInternal + "/api/health-check/v1.0", "/health");
        await lab.SendAsync(HttpMethod.Post, $"{Apis}/change-lifecycle?apiId={id}&action=Publish");
        await lab.SendAsync(HttpMethod.Post, "/api/am/devportal/v3/subscriptions", new JsonObject { ["apiId"] = id, ["applicationId"] = app, ["throttlingPolicy"] = "Unlimited" });
        using var call = new HttpRequestMessage(HttpMethod.Get, new Uri(lab.ApiManager.GatewayUrl!, "/health/1.0.0/health"));
        call.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", (string)token["accessToken"]!);
        using var response = await lab.Http.SendAsync(call, TestContext.Current.CancellationToken);
        Assert.Equal(200, (int)response.StatusCode);
    }

    [Fact]
    public async Task A_token_without_an_admin_scope_gets_401_Unauthenticated_request_from_the_key_manager_create()
    {
        await using var lab = await TwinLab.StartAsync();
        var publisher = (await lab.AdminTokenAsync("apim:api_view apim:api_create")).Token;

        var (status, body) = await lab.AddKeyManagerAsync(lab.Is7KeyManager("NotMine"), publisher);

        Assert.Equal(401, status);
        Assert.Equal(401, (long)body!["code"]!);
        Assert.Equal("Unauthenticated request", (string?)body["description"]);
    }

    [Fact]
    public async Task Deleting_an_application_answers_200_and_then_404()
    {
        await using var lab = await TwinLab.StartAsync();
        var app = await lab.CreateApplicationAsync("short-lived");

        var (deleted, _) = await lab.SendAsync(HttpMethod.Delete, $"/api/am/devportal/v3/applications/{app}");
        var (again, _) = await lab.SendAsync(HttpMethod.Delete, $"/api/am/devportal/v3/applications/{app}");
        var (read, _) = await lab.SendAsync(HttpMethod.Get, $"/api/am/devportal/v3/applications/{app}");

        Assert.Equal(200, deleted);
        Assert.Equal(404, again);
        Assert.Equal(404, read);
    }
}
