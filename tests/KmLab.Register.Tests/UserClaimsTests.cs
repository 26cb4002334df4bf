namespace KmLab.Register.Tests;

/// <summary>Which IS endpoint the 4.7.0 twin asks for a user's claims when the Key Manager is the one `register`
/// creates: connector 2.1.3 sends lookups to <c>/keymanager-operations/user-info</c> (not deployed on a stock IS)
/// unless the userinfo endpoint ends in <c>scim2/me</c>, so register keeps IS's <c>/scim2/Me</c>. The gateway asks
/// while it builds a backend JWT with claim retrieval on; the shipped deployment.toml leaves both off.</summary>
public sealed class UserClaimsTests
{
    [Fact]
    public async Task With_registers_key_manager_the_4_7_gateway_asks_is_scim2_me_for_claims_and_nothing_else()
    {
        await using var lab = await Lab.StartAsync("4.7.0", prepared: (layout, _) =>
            File.AppendAllText(LabLayout.DeploymentToml(layout.ApiManagerVolume),
                "\n[apim.jwt]\nenable = true\n\n[apim.jwt.gateway_generator]\nenable_claim_retrieval = true\n"));
        await lab.RegisterAsync();
        lab.IdentityServer.ClearRequests();

        var smoke = await LabSmoke.RunAsync(new SmokeRequest(lab.State.FullName, lab.ApiManager.BaseUrl, lab.ApiManager.GatewayUrl!,
                lab.IdentityServer.BaseUrl, RegisterRequest.DefaultKeyManagerName, lab.Topology.AdminUser, lab.AdminPassword)
            {
                IsInternalUrl = lab.IsInternalUrl,
                GatewayTimeout = TimeSpan.FromSeconds(15),
            },
            TestContext.Current.CancellationToken, lab.Logs.Factory);

        Assert.Equal(200, smoke.StatusCode);
        var lookups = lab.IdentityServer.Requests
            .Where(r => r.Path.Contains("scim2/Me", StringComparison.Ordinal) || r.Path.Contains("user-info", StringComparison.Ordinal)
                        || r.Path.EndsWith("/claims/generate", StringComparison.Ordinal))
            .Select(r => (r.Method, r.Path, r.AuthorizationScheme)).Distinct().ToList();
        Assert.Equal([("GET", "/scim2/Me", (string?)"Bearer")], lookups);
    }
}
