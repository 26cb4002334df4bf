namespace KmLab.Containers.Tests.Scenarios;

/// <summary>WSO2's role-creation scenario for the WSO2-IS-7 Key Manager, ported to the lab. Feature files:
/// wso2/product-apim@140e5b9079d232920f192aeed98f16171b07e40c
/// all-in-one-apim/modules/integration-v2/tests-integration/cucumber-tests/src/test/resources/features/admin/ ("F/").</summary>
[Collection(LabCollection.Name)]
public sealed class RoleScenarioTests(LabFixture fixture)
{
    // F/is7_role_creation.feature:15, after F/_setup_is7_key_manager.feature:11 (its Key Manager, wso2is7.json with
    // enable_roles_creation true): a shared scope bound to a new role creates system_primary_<role> in IS (the step's
    // create-probe-retry loop is Wso2Harness.CreateSharedScopeBoundToNewRoleAsync).
    [Fact]
    public async Task A_shared_scope_bound_to_a_new_role_creates_that_role_in_IS7()
    {
        await using var h = await Wso2Harness.StartAsync(fixture);
        await using var aside = await h.SetLabKeyManagerAsideAsync(fixture.FirstRegistration.KeyManagerId);
        await h.CreateKeyManagerAsync(h.Is7KeyManager("Wso2Is7Km"));

        var (created, _, isRole) = await h.CreateSharedScopeBoundToNewRoleAsync();
        await h.DeleteSharedScopeAsync(created.Text("id")!);

        Assert.Equal(201, created.Status);
        Assert.True(await h.IsRoleExistsAsync(isRole));
    }
}
