namespace KmLab.Containers.Tests;

/// <summary>Facts the twins model that WSO2's source did not settle (docs/twins.md, "Not determined from source").
/// Each test asserts what the twin does; it runs only with WSO2's images (KMLAB_IMAGES=wso2), where a failure means
/// the twin is wrong and docs/twins.md's row must change with it. With the twins it skips: they cannot witness
/// against themselves.</summary>
[Collection(LabCollection.Name)]
public sealed class RealImageFactsTests(LabFixture fixture)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>The shared lab, when it runs WSO2's own images; with the twins the test skips.</summary>
    private async Task<ContainerLab> RealImageLabAsync()
    {
        if (LabImages.For(ContainerLab.DefaultTopology()).AreTwins)
            Assert.Skip($"settles a fact about WSO2's own images; run with {LabImages.Variable}={LabImages.Wso2Kind} where they can be pulled.");
        return await fixture.LabAsync();
    }

    private static AuthenticationHeaderValue Basic(string user, string password) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));

    private static async Task<JsonObject> JsonAsync(HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<JsonObject>(Ct))!;

    /// <summary>APIM: REST client registration and a password-grant token for <paramref name="scopes"/>; returns the token response.</summary>
    private static async Task<JsonObject> ApimTokenAsync(ContainerLab lab, HttpClient http, string scopes)
    {
        using var register = new HttpRequestMessage(HttpMethod.Post, new Uri(lab.ApimUrl, "/client-registration/v0.17/register"))
        {
            Content = JsonContent.Create(new JsonObject
            {
                ["clientName"] = "kmlab-real-image-facts", ["owner"] = lab.Topology.AdminUser,
                ["grantType"] = "client_credentials password refresh_token", ["saasApp"] = true,
            }),
        };
        register.Headers.Authorization = Basic(lab.Topology.AdminUser, lab.Topology.AdminPassword);
        using var registered = await http.SendAsync(register, Ct);
        registered.EnsureSuccessStatusCode();
        var client = await JsonAsync(registered);
        using var token = new HttpRequestMessage(HttpMethod.Post, new Uri(lab.ApimUrl, "/oauth2/token"))
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["grant_type"] = "password", ["username"] = lab.Topology.AdminUser, ["password"] = lab.Topology.AdminPassword, ["scope"] = scopes,
            }),
        };
        token.Headers.Authorization = Basic((string)client["clientId"]!, (string)client["clientSecret"]!);
        using var response = await http.SendAsync(token, Ct);
        response.EnsureSuccessStatusCode();
        return await JsonAsync(response);
    }

    /// <summary>IS: a DCR client for client credentials, as the connector registers one.</summary>
    private static async Task<JsonObject> IsClientAsync(ContainerLab lab, HttpClient http, string name)
    {
        using var dcr = new HttpRequestMessage(HttpMethod.Post, new Uri(lab.IsUrl, "/api/identity/oauth2/dcr/v1.1/register"))
        {
            Content = JsonContent.Create(new JsonObject { ["client_name"] = name, ["grant_types"] = new JsonArray("client_credentials") }),
        };
        dcr.Headers.Authorization = Basic(lab.Topology.AdminUser, lab.Topology.AdminPassword);
        using var response = await http.SendAsync(dcr, Ct);
        Assert.Equal(201, (int)response.StatusCode);
        return await JsonAsync(response);
    }

    [Fact]
    public async Task IS_DCR_GET_returns_the_client_secret_as_the_twin_does()
    {
        var lab = await RealImageLabAsync();
        using var http = lab.CreateClient();
        var created = await IsClientAsync(lab, http, "kmlab-fact-dcr-get-" + Guid.NewGuid().ToString("N")[..6]);

        using var get = new HttpRequestMessage(HttpMethod.Get, new Uri(lab.IsUrl, $"/api/identity/oauth2/dcr/v1.1/register/{created["client_id"]}"));
        get.Headers.Authorization = Basic(lab.Topology.AdminUser, lab.Topology.AdminPassword);
        using var response = await http.SendAsync(get, Ct);

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal((string?)created["client_secret"], (string?)(await JsonAsync(response))["client_secret"]);
    }

    [Fact]
    public async Task IS_access_tokens_carry_azp_with_the_client_id_as_the_twin_does()
    {
        var lab = await RealImageLabAsync();
        using var http = lab.CreateClient();
        var client = await IsClientAsync(lab, http, "kmlab-fact-azp-" + Guid.NewGuid().ToString("N")[..6]);
        using var token = new HttpRequestMessage(HttpMethod.Post, new Uri(lab.IsUrl, "/oauth2/token"))
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["grant_type"] = "client_credentials" }),
        };
        token.Headers.Authorization = Basic((string)client["client_id"]!, (string)client["client_secret"]!);
        using var response = await http.SendAsync(token, Ct);
        response.EnsureSuccessStatusCode();

        var jwt = new Microsoft.IdentityModel.JsonWebTokens.JsonWebToken((string)(await JsonAsync(response))["access_token"]!);
        Assert.Equal((string?)client["client_id"], jwt.TryGetPayloadValue<string>("azp", out var azp) ? azp : null);
    }

    [Fact]
    public async Task APIM_passes_an_unknown_requested_scope_through_as_SystemScopesIssuer_reads()
    {
        var lab = await RealImageLabAsync();
        using var http = lab.CreateClient();

        var token = await ApimTokenAsync(lab, http, "apim:admin apim:kmlab_no_such_scope");

        // The twin keeps it (SystemScopesIssuer L440-466); if real APIM drops it, the twin and docs/twins.md change.
        Assert.Contains("apim:kmlab_no_such_scope", ((string)token["scope"]!).Split(' '));
    }

    [Fact]
    public async Task A_key_generation_right_after_a_new_key_manager_either_completes_or_leaks_its_row_as_the_twin_models()
    {
        var lab = await RealImageLabAsync();
        using var http = lab.CreateClient();
        var bearer = new AuthenticationHeaderValue("Bearer", (string)(await ApimTokenAsync(lab, http,
            "apim:admin apim:admin_operations apim:keymanagers_manage apim:subscribe apim:app_manage"))["access_token"]!);
        async Task<(int Status, JsonObject? Body)> SendAsync(HttpMethod method, string path, JsonNode? body = null)
        {
            using var request = new HttpRequestMessage(method, new Uri(lab.ApimUrl, path));
            if (body is not null) request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
            request.Headers.Authorization = bearer;
            using var response = await http.SendAsync(request, Ct);
            var text = await response.Content.ReadAsStringAsync(Ct);
            return ((int)response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text)!.AsObject());
        }

        // Copy the registered Key Manager under a new name, so the runtime has not heard of it yet.
        var (_, list) = await SendAsync(HttpMethod.Get, "/api/am/admin/v4/key-managers");
        var registered = list!["list"]!.AsArray().Single(k => (string?)k!["name"] == "IS7")!;
        var (_, stored) = await SendAsync(HttpMethod.Get, $"/api/am/admin/v4/key-managers/{registered["id"]}");
        var copy = stored!.DeepClone().AsObject();
        var name = "kmlab-fact-" + Guid.NewGuid().ToString("N")[..6];
        copy.Remove("id");
        copy["name"] = name;
        copy["displayName"] = name;
        copy["additionalProperties"]!["Password"] = lab.Topology.AdminPassword;
        var (created, kmBody) = await SendAsync(HttpMethod.Post, "/api/am/admin/v4/key-managers", copy);
        Assert.Equal(201, created);
        var (_, app) = await SendAsync(HttpMethod.Post, "/api/am/devportal/v3/applications",
            new JsonObject { ["name"] = name, ["throttlingPolicy"] = "Unlimited", ["tokenType"] = "JWT" });
        var appId = (string)app!["applicationId"]!;
        try
        {
            var generate = new JsonObject
            {
                ["keyType"] = "PRODUCTION", ["keyManager"] = name, ["grantTypesToBeSupported"] = new JsonArray("client_credentials"),
            };
            var (first, firstBody) = await SendAsync(HttpMethod.Post, $"/api/am/devportal/v3/applications/{appId}/generate-keys", generate);
            TestContext.Current.SendDiagnosticMessage($"generate-keys right after POST /key-managers: {first} {firstBody?.ToJsonString()}");
            if (first == 200) return; // the window was shorter than one call here: nothing to compare

            Assert.Equal(500, first);
            var (_, keys) = await SendAsync(HttpMethod.Get, $"/api/am/devportal/v3/applications/{appId}/oauth-keys");
            var row = Assert.Single(keys!["list"]!.AsArray())!;
            Assert.True(string.IsNullOrEmpty((string?)row["consumerKey"]));
            Assert.Equal("APPROVED", (string?)row["keyState"]);
            var (second, secondBody) = await SendAsync(HttpMethod.Post, $"/api/am/devportal/v3/applications/{appId}/generate-keys", generate);
            Assert.Equal(409, second);
            Assert.Equal(901409, (long)secondBody!["code"]!);
            var (cleaned, _) = await SendAsync(HttpMethod.Post, $"/api/am/devportal/v3/applications/{appId}/oauth-keys/{row["keyMappingId"]}/clean-up");
            Assert.Equal(200, cleaned);
        }
        finally
        {
            await SendAsync(HttpMethod.Delete, $"/api/am/devportal/v3/applications/{appId}");
            await SendAsync(HttpMethod.Delete, $"/api/am/admin/v4/key-managers/{kmBody!["id"]}");
        }
    }
}
