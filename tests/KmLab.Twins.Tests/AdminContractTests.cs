namespace KmLab.Twins.Tests;

/// <summary>The Admin API's <c>/settings</c> shape and Key Manager validation per APIM version, REST client
/// registration's start-up window, and the scopes APIM's token endpoint grants.</summary>
public sealed class AdminContractTests
{
    private static JsonObject Is7Settings(JsonNode settings) =>
        settings["keyManagerConfiguration"]!.AsArray().Single(c => (string?)c!["type"] == "WSO2-IS-7")!.AsObject();

    private static IEnumerable<string> Names(JsonNode? list) => list?.AsArray().Select(f => (string)f!["name"]!) ?? [];

    [Theory]
    [InlineData("4.6.0")]
    [InlineData("4.7.0")] // connector 2.1.3: the same configuration as 2.0.8
    public async Task From_4_6_the_credentials_are_in_one_authentication_dropdown_of_authConfigurations(string version)
    {
        await using var lab = await TwinLab.StartAsync(version);
        var (status, settings) = await lab.SendAsync(HttpMethod.Get, "/api/am/admin/v4/settings");

        Assert.Equal(200, status);
        var is7 = Is7Settings(settings!);
        Assert.Equal(["api_resource_management_endpoint", "is7_roles_endpoint", "enable_roles_creation", "user_schema_cache_enabled"],
            Names(is7["configurations"]));
        var authentication = Assert.Single(is7["authConfigurations"]!.AsArray())!;
        Assert.Equal("Authentication", (string?)authentication["name"]);
        Assert.Equal("dropdown", (string?)authentication["type"]);
        Assert.Equal("BasicAuth", (string?)authentication["default"]);
        var values = authentication["values"]!.AsArray();
        Assert.Equal(["BasicAuth", "MutualTLS"], Names(values));
        Assert.Equal(["Username", "Password"], Names(values[0]!["values"]));
        Assert.Equal(["IdentityUser", "MutualTLSOptions"], Names(values[1]!["values"]));
        Assert.True((bool)values[0]!["values"]![1]!["mask"]!);
        // The Resident Key Manager's type is not listed (SettingsMappingUtil skips it).
        Assert.DoesNotContain(settings!["keyManagerConfiguration"]!.AsArray(), c => (string?)c!["type"] == "default");
    }

    [Theory]
    [InlineData("4.3.0", new[] { "Username", "Password" })]
    [InlineData("4.4.0", new[] { "Username", "Password", "api_resource_management_endpoint", "is7_roles_endpoint" })]
    [InlineData("4.5.0", new[] { "Username", "Password", "api_resource_management_endpoint", "is7_roles_endpoint", "enable_roles_creation" })]
    public async Task Before_4_6_the_credentials_are_plain_configurations(string version, string[] expected)
    {
        await using var lab = await TwinLab.StartAsync(version);
        var (_, settings) = await lab.SendAsync(HttpMethod.Get, "/api/am/admin/v4/settings");

        var is7 = Is7Settings(settings!);
        Assert.Equal(expected, Names(is7["configurations"]));
        Assert.Null(is7["authConfigurations"]);
    }

    [Theory]
    [InlineData("4.6.0")]
    [InlineData("4.7.0")]
    public async Task On_4_6_credentials_are_validated_only_for_the_chosen_authentication(string version)
    {
        await using var lab = await TwinLab.StartAsync(version);
        var noAuthentication = lab.Is7KeyManager("no-authentication");
        var properties = noAuthentication["additionalProperties"]!.AsObject();
        properties.Remove("Authentication");
        properties.Remove("Username");
        properties.Remove("Password");
        var emptyUser = lab.Is7KeyManager("empty-user");
        emptyUser["additionalProperties"]!["Username"] = "";
        var mutualTls = lab.Is7KeyManager("mtls");
        mutualTls["additionalProperties"]!["Authentication"] = "MutualTLS";

        var (accepted, _) = await lab.AddKeyManagerAsync(noAuthentication);
        var refused = await lab.AddKeyManagerAsync(emptyUser);
        var mtls = await lab.AddKeyManagerAsync(mutualTls);

        Assert.Equal(201, accepted);
        TwinLab.AssertError(400, 901401, refused);
        Assert.Contains(lab.ApiManager.LogLines, l => l.Contains("Key Manager Configuration value for Username is/are required"));
        TwinLab.AssertError(400, 901401, mtls);
        Assert.Contains(lab.ApiManager.LogLines, l => l.Contains("value for MutualTLSOptions,IdentityUser is/are required"));
    }

    [Fact]
    public async Task On_4_6_BasicAuth_without_a_username_key_is_the_generic_500_of_a_NullPointerException()
    {
        var answer = await AddIs7WithoutAsync("4.6.0", "no-username-key", "Username");

        TwinLab.AssertError(500, 500, answer, "Internal server error");
    }

    [Fact]
    public async Task Before_4_6_a_missing_password_is_refused_with_901401()
    {
        var answer = await AddIs7WithoutAsync("4.5.0", "no-password", "Password");

        TwinLab.AssertError(400, 901401, answer);
    }

    [Fact]
    public async Task Client_registration_answers_500_for_its_unavailable_window_while_the_health_check_is_200()
    {
        await using var lab = await TwinLab.StartAsync(apim: o => o with { RegistrationUnavailableFor = TimeSpan.FromSeconds(2) });
        using var health = await lab.Http.GetAsync(lab.Apim("/api/am/gateway/v2/server-startup-healthcheck"), TestContext.Current.CancellationToken);
        var early = await Register(lab);
        var status = early;
        for (var attempt = 0; attempt < 40 && status != 200; attempt++)
        {
            await Task.Delay(200, TestContext.Current.CancellationToken);
            status = await Register(lab);
        }

        Assert.Equal(200, (int)health.StatusCode);
        Assert.Equal(500, early);
        Assert.Equal(200, status);

        static async Task<int> Register(TwinLab lab)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, lab.Apim("/client-registration/v0.17/register"))
            {
                Content = System.Net.Http.Json.JsonContent.Create(new JsonObject { ["clientName"] = "window", ["owner"] = "admin", ["grantType"] = "password", ["saasApp"] = true }),
            };
            request.Headers.Authorization = TwinLab.Basic("admin", lab.AdminPassword);
            using var response = await lab.Http.SendAsync(request, TestContext.Current.CancellationToken);
            return (int)response.StatusCode;
        }
    }

    [Fact]
    public async Task The_token_endpoint_grants_the_admin_known_scopes_and_passes_unknown_ones_through_as_SystemScopesIssuer_does()
    {
        await using var lab = await TwinLab.StartAsync();

        var (_, scope) = await lab.AdminTokenAsync("apim:admin apim:no_such_scope");
        var (_, none) = await lab.AdminTokenAsync("");

        // SystemScopesIssuer.getAuthorizedScopes (CAM-4.6 L440-466): a scope outside the REST API scope map is added
        // as requested. Whether the OAuth framework drops it first is settled by RealImageFactsTests.
        Assert.Equal(["apim:admin", "apim:no_such_scope"], scope.Split(' '));
        Assert.Equal("default", none);
    }

    /// <summary>On a new lab of this APIM version, adds a WSO2-IS-7 Key Manager whose additionalProperties lack
    /// <paramref name="property"/>: APIM's answer.</summary>
    private static async Task<(int Status, JsonNode? Body)> AddIs7WithoutAsync(string apimVersion, string name, string property)
    {
        await using var lab = await TwinLab.StartAsync(apimVersion);
        var body = lab.Is7KeyManager(name);
        body["additionalProperties"]!.AsObject().Remove(property);
        return await lab.AddKeyManagerAsync(body);
    }
}
