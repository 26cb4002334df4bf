namespace KmLab.Containers.Tests.Scenarios;

/// <summary>WSO2's end-to-end IS 7 Key Manager arcs through the gateway, ported to the lab (super tenant, BasicAuth).
/// Feature files: wso2/product-apim@140e5b9079d232920f192aeed98f16171b07e40c
/// all-in-one-apim/modules/integration-v2/tests-integration/cucumber-tests/src/test/resources/features/admin/ ("F/").
/// The lab's own Key Manager shares IS's issuer, so it is set aside while each arc runs (see
/// <see cref="Wso2Harness.SetLabKeyManagerAsideAsync"/>).</summary>
[Collection(LabCollection.Name)]
public sealed class BootScenarioTests(LabFixture fixture)
{
    // F/is7_key_manager_boot.feature:15, example row L60 (Basic, wso2is7.json)
    [Fact]
    public async Task Obtain_a_token_from_IS7_with_Basic_client_auth_and_invoke_a_deployed_API_through_the_gateway()
    {
        await using var h = await Wso2Harness.StartAsync(fixture);
        if (!h.Lab.RevocationConfigured)
            Assert.Skip("IS has no token revocation notifier in its dropins, so the arc's revocation half cannot run.");
        await using var aside = await h.SetLabKeyManagerAsideAsync(fixture.FirstRegistration.KeyManagerId);
        var (_, kmName) = await h.CreateKeyManagerAsync(h.Is7KeyManager("Wso2Is7Km"));
        var (apiId, context) = await h.CreateDeployedPublishedApiAsync();
        var app = await h.CreateApplicationAsync();

        var keys = await h.GenerateKeysAsync(app, kmName, [Wso2Harness.ClientCredentials, "password", "refresh_token"]);
        Assert.Equal(200, keys.Status);
        Assert.Equal(201, (await h.SubscribeAsync(app, apiId)).Status);
        var (key, secret) = (keys.Text("consumerKey")!, keys.Text("consumerSecret")!);
        var token = await h.IsClientCredentialsTokenAsync(key, secret);
        Assert.Equal(200, token.Status);
        var accessToken = token.Text("access_token")!;
        Assert.Equal(200, await h.GatewayUntilAsync(context, accessToken, 200, 60));

        var (revoked, introspected) = await h.RevokeAtIsAsync(key, secret, accessToken);
        Assert.Equal(200, revoked.Status);
        Assert.True(introspected.Status is >= 200 and < 300, $"introspection answered {introspected.Status}");
        Assert.Equal("false", introspected.Text("active"));
        Assert.Equal(401, await h.GatewayUntilAsync(context, accessToken, 401, 30));
    }

    // F/is7_km_extra.feature:16, example row L72 (admin)
    [Fact]
    public async Task An_IS7_key_manager_application_and_a_resident_key_manager_application_both_invoke_the_same_API()
    {
        await using var h = await Wso2Harness.StartAsync(fixture);
        await using var aside = await h.SetLabKeyManagerAsideAsync(fixture.FirstRegistration.KeyManagerId);
        var (_, kmName) = await h.CreateKeyManagerAsync(h.Is7KeyManager("coexKm"));
        var (apiId, context) = await h.CreateDeployedPublishedApiAsync();

        var is7App = await h.CreateApplicationAsync();
        var is7Keys = await h.GenerateKeysAsync(is7App, kmName, [Wso2Harness.ClientCredentials]);
        Assert.Equal(200, is7Keys.Status);
        Assert.Equal(201, (await h.SubscribeAsync(is7App, apiId)).Status);
        var is7Token = await h.IsClientCredentialsTokenAsync(is7Keys.Text("consumerKey")!, is7Keys.Text("consumerSecret")!);
        Assert.Equal(200, is7Token.Status);
        Assert.Equal(200, await h.GatewayUntilAsync(context, is7Token.Text("access_token")!, 200, 60));

        var residentApp = await h.CreateApplicationAsync();
        var residentKeys = await h.GenerateKeysAsync(residentApp, "Resident Key Manager", [Wso2Harness.ClientCredentials]);
        Assert.Equal(200, residentKeys.Status);
        Assert.Equal(201, (await h.SubscribeAsync(residentApp, apiId)).Status);
        // the harness's stepdefinitions/ (see Wso2Harness) ApplicationBaseSteps.java L2323-2340: generate-token for the key mapping.
        var residentToken = await h.SendAsync(HttpMethod.Post,
            $"/api/am/devportal/v3/applications/{residentApp}/oauth-keys/{residentKeys.Text("keyMappingId")}/generate-token",
            new System.Text.Json.Nodes.JsonObject { ["consumerSecret"] = residentKeys.Text("consumerSecret"), ["validityPeriod"] = 3600 });
        Assert.Equal(200, residentToken.Status);
        Assert.Equal(200, await h.GatewayUntilAsync(context, residentToken.Text("accessToken")!, 200, 60));
    }
}
