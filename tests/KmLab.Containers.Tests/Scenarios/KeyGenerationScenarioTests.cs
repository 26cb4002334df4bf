namespace KmLab.Containers.Tests.Scenarios;

/// <summary>WSO2's key-generation scenarios against a WSO2-IS-7 Key Manager, ported to the lab (super tenant rows).
/// Feature files: wso2/product-apim@140e5b9079d232920f192aeed98f16171b07e40c
/// all-in-one-apim/modules/integration-v2/tests-integration/cucumber-tests/src/test/resources/features/admin/ ("F/").
/// Each registers its own Key Manager and uses a fresh application, as WSO2's do.</summary>
[Collection(LabCollection.Name)]
public sealed class KeyGenerationScenarioTests(LabFixture fixture)
{
    private static readonly string[] ClientCredentialsOnly = [Wso2Harness.ClientCredentials];

    // F/is7_keygen_negatives.feature:9, row L26 (admin)
    [Fact]
    public async Task Key_generation_against_a_disabled_WSO2_IS_7_key_manager_is_refused()
    {
        await using var h = await Wso2Harness.StartAsync(fixture);
        var body = h.Is7KeyManager("Wso2Is7Disabled");
        body["enabled"] = false;
        var (_, name) = await h.CreateKeyManagerAsync(body);
        var app = await h.CreateApplicationAsync();

        Assert.Equal(400, (await h.GenerateKeysAsync(app, name, ClientCredentialsOnly)).Status);
    }

    // F/is7_keygen_negatives.feature:29, row L49 (admin): every endpoint on https://localhost:1. The row is
    // inserted before the failing call; the harness's client sends the 500 900967 again and meets it: 409.
    [Fact]
    public async Task Key_generation_against_an_unreachable_WSO2_IS_7_key_manager_fails_cleanly()
    {
        await using var h = await Wso2Harness.StartAsync(fixture);
        var (_, name) = await h.CreateKeyManagerAsync(h.Is7KeyManager("Wso2Is7Unreachable", isBase: "https://localhost:1"));
        var app = await h.CreateApplicationAsync();

        Assert.Equal(409, (await h.GenerateKeysAsync(app, name, ClientCredentialsOnly)).Status);
    }

    // F/is7_keygen_negatives.feature:53, row L80 (admin)
    [Fact]
    public async Task Key_generation_against_a_key_manager_that_does_not_support_OAuth_app_creation_is_refused()
    {
        await using var h = await Wso2Harness.StartAsync(fixture);
        var body = h.Is7KeyManager("Wso2Is7NoAppCreation");
        body["enableOAuthAppCreation"] = false;
        await AssertKeyGenerationUnsupportedAsync(h, body);
    }

    // F/external_idp_jwt.feature:258, row L288 (admin): wso2is7-config-token-exchange.json, EXCHANGED
    [Fact]
    public async Task Key_generation_against_a_token_exchange_only_key_manager_is_refused()
    {
        await using var h = await Wso2Harness.StartAsync(fixture);
        var body = Wso2Harness.Is7ExchangedConfig("Wso2Is7TeKM");
        await AssertKeyGenerationUnsupportedAsync(h, body);
    }

    // F/is7_km_extra.feature:116, row L138 (admin): a grant the key manager does not list is not filtered
    [Fact]
    public async Task Key_generation_requesting_a_grant_the_WSO2_IS_7_key_manager_does_not_list_is_accepted()
    {
        await using var h = await Wso2Harness.StartAsync(fixture);
        // WSO2's payload (wso2is7.json) does list saml2-bearer, whatever the scenario's title says; the port sends it as it is.
        var (id, name) = await h.CreateKeyManagerAsync(h.Is7KeyManager("gx21Km"));
        await h.WaitOperationalAsync(id);
        var app = await h.CreateApplicationAsync();

        var reply = await h.GenerateKeysAsync(app, name, [Wso2Harness.ClientCredentials, Wso2Harness.Saml2Bearer]);

        Assert.Equal(200, reply.Status);
        Assert.Contains(Wso2Harness.Saml2Bearer, reply.Body!.ToJsonString());
    }

    /// <summary>Keys for a fresh application on the Key Manager <paramref name="body"/> makes: 400 901405, as APIM refuses
    /// a Key Manager that does not create OAuth applications.</summary>
    private static async Task AssertKeyGenerationUnsupportedAsync(Wso2Harness h, JsonObject body)
    {
        var (_, name) = await h.CreateKeyManagerAsync(body);
        var app = await h.CreateApplicationAsync();

        var reply = await h.GenerateKeysAsync(app, name, ClientCredentialsOnly);

        Assert.Equal(400, reply.Status);
        Assert.Equal("901405", reply.Text("code"));
        Assert.Equal("Key Manager doesn't support generating OAuth applications", reply.Text("message"));
    }
}
