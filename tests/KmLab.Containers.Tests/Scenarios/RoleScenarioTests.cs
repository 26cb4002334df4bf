using System.Text.Json.Nodes;
using KmLab.Provisioner.Wso2;

namespace KmLab.Containers.Tests.Scenarios;

/// <summary>WSO2's role-creation scenario for the WSO2-IS-7 Key Manager, ported to the lab. Feature files:
/// wso2/product-apim@140e5b9079d232920f192aeed98f16171b07e40c
/// all-in-one-apim/modules/integration-v2/tests-integration/cucumber-tests/src/test/resources/features/admin/ ("F/").</summary>
[Collection(LabCollection.Name)]
public sealed class RoleScenarioTests(LabFixture fixture)
{
    private const string SharedScopes = "/api/am/publisher/v4/scopes";

    // F/is7_role_creation.feature:15, after F/_setup_is7_key_manager.feature:11 (its Key Manager, wso2is7.json with
    // enable_roles_creation true). The step is the harness's stepdefinitions/ (see Wso2Harness) PublisherBaseSteps.java L1617-1708: a shared scope
    // bound to a new role; IS is probed for system_primary_<role> three times 2 s apart; a scope created before the
    // Key Manager reached the runtime never gets its role, so it is deleted and made again with new names, for 60 s.
    [Fact]
    public async Task A_shared_scope_bound_to_a_new_role_creates_that_role_in_IS7()
    {
        await using var h = await Wso2Harness.StartAsync(fixture);
        await using var aside = await h.SetLabKeyManagerAsideAsync(fixture.FirstRegistration.KeyManagerId);
        await h.CreateKeyManagerAsync(h.Is7KeyManager("Wso2Is7Km"));

        var deadline = DateTimeOffset.UtcNow + TimeSpan.FromSeconds(60);
        var created = new Wso2Harness.Reply(0, null);
        string? expectedRole = null;
        while (expectedRole is null)
        {
            var scope = Wso2Harness.Unique("is7scope");
            var role = Wso2Harness.Unique("is7role");
            created = await h.SendAsync(HttpMethod.Post, SharedScopes, new JsonObject
            {
                ["name"] = scope, ["displayName"] = scope, ["description"] = "IS7 runtime role-creation test scope",
                ["bindings"] = new JsonArray(role),
            });
            if (created.Status is >= 200 and < 300)
            {
                for (var probe = 0; probe < 3 && expectedRole is null; probe++)
                {
                    if (probe > 0) await Task.Delay(TimeSpan.FromSeconds(2), TestContext.Current.CancellationToken);
                    if (await RoleExistsAsync(h, "system_primary_" + role)) expectedRole = "system_primary_" + role;
                }
                await h.SendAsync(HttpMethod.Delete, $"{SharedScopes}/{created.Text("id")}");
            }
            if (expectedRole is null)
            {
                Assert.True(DateTimeOffset.UtcNow < deadline, $"the derived IS role never appeared within 60 s (last scope create {created.Status})");
                await Task.Delay(TimeSpan.FromSeconds(2), TestContext.Current.CancellationToken);
            }
        }

        Assert.Equal(201, created.Status);
        Assert.True(await RoleExistsAsync(h, expectedRole));
    }

    /// <summary>the harness's stepdefinitions/ (see Wso2Harness) ApplicationBaseSteps.java L3143-3168: SCIM2 Roles by display name, Basic IS admin,
    /// 200 with <c>totalResults</c> ≥ 1.</summary>
    private static async Task<bool> RoleExistsAsync(Wso2Harness h, string role)
    {
        using var http = h.Lab.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get,
            new Uri(h.Lab.IsUrl, $"{IdentityServerEndpoints.Roles}?filter={Uri.EscapeDataString($"displayName eq {role}")}"));
        request.Headers.Authorization = new("Basic", Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{h.Lab.Topology.AdminUser}:{h.Lab.Topology.AdminPassword}")));
        using var response = await http.SendAsync(request, TestContext.Current.CancellationToken);
        if (!response.IsSuccessStatusCode) return false;
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        return (int?)body?["totalResults"] >= 1;
    }
}
