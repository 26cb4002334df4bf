namespace KmLab.Twins.Tests;

/// <summary>generate-keys as real APIM runs it (docs/twins.md, "Key generation"): database check, row first, runtime
/// lookup second, nothing rolled back; clean-up; the Key Manager's token endpoint called during key generation.</summary>
public sealed class KeyGenerationTests
{
    [Fact]
    public async Task A_key_generation_inside_the_propagation_window_leaks_its_row_until_clean_up()
    {
        await using var lab = await TwinLab.StartAsync(apim: o => o with { KeyManagerPropagationDelay = TimeSpan.FromSeconds(3) });
        var (created, _) = await lab.AddKeyManagerAsync(lab.Is7KeyManager("IS7"));
        Assert.Equal(201, created);
        var app = await lab.CreateApplicationAsync("leak");

        var (first, leaked, second) = await GenerateTwiceAsync(lab, app);

        TwinLab.AssertError(500, 900967, first);
        Assert.Contains(lab.ApiManager.LogLines, l => l.Contains("Key Manager IS7 not configured"));
        Assert.Null(leaked["consumerKey"]);
        Assert.Equal("APPROVED", (string?)leaked["keyState"]);
        TwinLab.AssertError(409, 901409, second, "Key Mappings already exists");

        var mapping = (string)leaked["keyMappingId"]!;
        var (cleaned, cleanedBody) = await lab.SendAsync(HttpMethod.Post, $"/api/am/devportal/v3/applications/{app}/oauth-keys/{mapping}/clean-up");
        Assert.Equal(200, cleaned);
        Assert.Null(cleanedBody);
        Assert.Empty(await lab.OAuthKeysAsync(app));

        // Once the runtime has the Key Manager, the same request completes (the test waits for the window, it does not time it).
        (int Status, JsonNode? Body) last = default;
        for (var attempt = 0; attempt < 40 && last.Status != 200; attempt++)
        {
            if (attempt > 0) await Task.Delay(250, TestContext.Current.CancellationToken);
            last = await lab.GenerateKeysAsync(app, "IS7");
            if (last.Status != 200)
            {
                var row = Assert.Single(await lab.OAuthKeysAsync(app))!;
                await lab.SendAsync(HttpMethod.Post, $"/api/am/devportal/v3/applications/{app}/oauth-keys/{row["keyMappingId"]}/clean-up");
            }
        }
        Assert.Equal(200, last.Status);
        Assert.Equal("COMPLETED", (string?)last.Body!["keyState"]);
        Assert.False(string.IsNullOrEmpty((string?)last.Body["consumerKey"]));
        var completed = Assert.Single(await lab.OAuthKeysAsync(app))!;
        Assert.Equal((string?)last.Body["consumerKey"], (string?)completed["consumerKey"]);
    }

    [Fact]
    public async Task An_unknown_key_manager_name_answers_400_901403_at_once_and_stores_nothing()
    {
        await using var lab = await TwinLab.StartAsync();
        var app = await lab.CreateApplicationAsync("unknown-km");

        var refused = await lab.GenerateKeysAsync(app, "NoSuchKeyManager");

        TwinLab.AssertError(400, 901403, refused, "Key Manager not Registered");
        Assert.Empty(await lab.OAuthKeysAsync(app));
    }

    [Fact]
    public async Task Key_generation_calls_the_key_managers_token_endpoint_with_the_new_client()
    {
        await using var lab = await TwinLab.StartAsync();
        await lab.AddKeyManagerAsync(lab.Is7KeyManager("IS7"));
        var app = await lab.CreateApplicationAsync("token-call");
        lab.IdentityServer.ClearRequests();

        var (status, body) = await lab.GenerateKeysAsync(app, "IS7");

        Assert.Equal(200, status);
        var tokenCall = Assert.Single(lab.IdentityServer.Requests, r => r is { Method: "POST", Path: "/oauth2/token" });
        Assert.Equal("Basic", tokenCall.AuthorizationScheme);
        Assert.Contains("grant_type=client_credentials", tokenCall.Body);
        Assert.False(string.IsNullOrEmpty((string?)body!["token"]?["accessToken"]));
        // The DCR came first: the client exists before its token is asked for.
        var dcr = lab.IdentityServer.Requests.ToList().FindIndex(r => r.Path == "/api/identity/oauth2/dcr/v1.1/register");
        Assert.True(dcr >= 0 && dcr < lab.IdentityServer.Requests.ToList().IndexOf(tokenCall));
    }

    [Fact]
    public async Task A_wrong_internal_token_endpoint_fails_key_generation_after_the_row_is_completed()
    {
        await using var lab = await TwinLab.StartAsync();
        // A port nothing listens on: the token call fails as on real APIM.
        using var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        probe.Start();
        var deadPort = ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        await lab.SendAsync(HttpMethod.Post, "/api/am/admin/v4/key-managers",
            lab.Is7KeyManager("IS7", tokenEndpoint: $"https://127.0.0.1:{deadPort}/oauth2/token"));
        var app = await lab.CreateApplicationAsync("wrong-token-endpoint");

        var (first, row, again) = await GenerateTwiceAsync(lab, app);

        TwinLab.AssertError(500, 900967, first);
        Assert.Contains(lab.ApiManager.LogLines, l => l.Contains("Error occurred while calling token endpoint"));
        // The client was created and associated before the token call: the row is complete, and it stays.
        Assert.Equal("COMPLETED", (string?)row["keyState"]);
        Assert.False(string.IsNullOrEmpty((string?)row["consumerKey"]));
        TwinLab.AssertError(409, 901409, again);
    }

    /// <summary>generate-keys with the IS7 Key Manager, the one key row it leaves, and generate-keys again: how a
    /// failed generation shows that nothing was rolled back.</summary>
    private static async Task<((int Status, JsonNode? Body) First, JsonNode Row, (int Status, JsonNode? Body) Again)> GenerateTwiceAsync(
        TwinLab lab, string app)
    {
        var first = await lab.GenerateKeysAsync(app, "IS7");
        var row = Assert.Single(await lab.OAuthKeysAsync(app))!;
        var again = await lab.GenerateKeysAsync(app, "IS7");
        return (first, row, again);
    }
}
