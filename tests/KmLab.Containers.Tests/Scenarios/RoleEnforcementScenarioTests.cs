namespace KmLab.Containers.Tests.Scenarios;

/// <summary>WSO2's role-enforcement scenarios for the WSO2-IS-7 Key Manager, ported to the lab (super tenant).
/// Feature files: wso2/product-apim@140e5b9079d232920f192aeed98f16171b07e40c
/// all-in-one-apim/modules/integration-v2/tests-integration/cucumber-tests/src/test/resources/features/admin/ ("F/").
/// Each test runs the setup feature (its own Key Manager, shared scope, scope-protected API, application and IS
/// users) and then one scenario; the lab's own Key Manager shares IS's issuer, so it is set aside meanwhile (see
/// <see cref="Wso2Harness.SetLabKeyManagerAsideAsync"/>).</summary>
[Collection(LabCollection.Name)]
public sealed class RoleEnforcementScenarioTests(LabFixture fixture)
{
    // F/_setup_is7_role_enforcement.feature:41-42: WSO2's own test password, which meets IS 7's default password rule.
    private const string UserPassword = "Wso2Test123!";

    // F/is7_role_enforcement.feature:11 "A user with the mapped IS7 role can invoke the scope-protected operation",
    // after F/_setup_is7_role_enforcement.feature:11.
    [Fact]
    public Task A_user_with_the_mapped_IS7_role_can_invoke_the_scope_protected_operation() =>
        AssertGatewayAnswersAsync(withRole: true, expected: 200);

    // F/is7_role_enforcement.feature:19 "A user without the mapped IS7 role is forbidden from the scope-protected
    // operation", after F/_setup_is7_role_enforcement.feature:11.
    [Fact]
    public Task A_user_without_the_mapped_IS7_role_is_forbidden_from_the_scope_protected_operation() =>
        AssertGatewayAnswersAsync(withRole: false, expected: 403);

    /// <summary>The setup, then a password-grant token (200) for the user with or without the role, and the gateway's
    /// answer to it on the scope-protected operation.</summary>
    private async Task AssertGatewayAnswersAsync(bool withRole, int expected)
    {
        await using var h = await Wso2Harness.StartAsync(fixture);
        await using var aside = await h.SetLabKeyManagerAsideAsync(fixture.FirstRegistration.KeyManagerId);
        var setup = await SetUpAsync(h);

        var user = withRole ? setup.RoleUser : setup.NoRoleUser;
        var token = await h.IsPasswordTokenAsync(setup.ConsumerKey, setup.ConsumerSecret, user, UserPassword, $"openid {setup.Scope}");
        Assert.Equal(200, token.Status);
        Assert.Equal(expected, await h.GatewayUntilAsync(setup.Context, token.Text("access_token")!, expected, 60));
    }

    private sealed record Setup(string Scope, string Context, string ConsumerKey, string ConsumerSecret, string RoleUser, string NoRoleUser);

    /// <summary>F/_setup_is7_role_enforcement.feature:11-42, each of its assertions in order.</summary>
    private static async Task<Setup> SetUpAsync(Wso2Harness h)
    {
        var (_, kmName) = await h.CreateKeyManagerAsync(h.Is7KeyManager("roleEnfKm"));
        var (scopeCreated, scope, isRole) = await h.CreateSharedScopeBoundToNewRoleAsync();
        Assert.Equal(201, scopeCreated.Status);
        Assert.True(await h.IsRoleExistsAsync(isRole), $"IS has no role {isRole}");

        var (apiId, context) = await h.CreateDeployedPublishedApiAsync(scope);
        var app = await h.CreateApplicationAsync();
        var keys = await h.GenerateKeysAsync(app, kmName, [Wso2Harness.ClientCredentials, "password", "refresh_token"]);
        Assert.Equal(200, keys.Status);
        Assert.Equal(201, (await h.SubscribeAsync(app, apiId)).Status);

        var roleUser = await h.CreateIsUserAsync("is7roleuser", UserPassword, isRole);
        var noRoleUser = await h.CreateIsUserAsync("is7noroleuser", UserPassword, isRole: null);
        return new Setup(scope, context, keys.Text("consumerKey")!, keys.Text("consumerSecret")!, roleUser, noRoleUser);
    }
}
