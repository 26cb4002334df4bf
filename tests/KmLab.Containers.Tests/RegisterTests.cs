using System.Text.Json;

namespace KmLab.Containers.Tests;

/// <summary><c>register</c> against the lab, and the two faults it must ride out: IS down, APIM restarted.</summary>
[Collection(LabCollection.Name)]
public sealed class RegisterTests(LabFixture fixture)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Register_on_a_fresh_lab_creates_the_key_manager_with_the_issuer_IS_advertises_on_localhost()
    {
        var lab = await fixture.LabAsync();

        using var http = lab.CreateClient();
        var wellKnown = await http.GetFromJsonAsync<JsonElement>(new Uri(lab.IsUrl, IdentityServerEndpoints.WellKnown), Ct);
        var issuer = wellKnown.GetProperty("issuer").GetString();
        Assert.Equal(RegisterOutcomes.Created, fixture.FirstRegistration.Outcome);
        Assert.Equal(issuer, fixture.FirstRegistration.Issuer);
        // [server] hostname stays "localhost" (LabTopology): the issuer is the browser's URL (localhost, the published port), not the container's.
        Assert.Equal($"https://{LabTopology.PublicHostName}:{lab.Topology.IdentityServerHttpsPort}/oauth2/token", issuer);
        Assert.NotEmpty(fixture.FirstRegistration.KeyManagerId);
    }

    [Fact]
    public async Task Register_started_while_IS_is_down_waits_and_succeeds_once_IS_is_up()
    {
        // A lab of its own: IS is down from the start, as when register races a slow IS.
        await using var lab = await Labs.StartAsync(new LabOptions { PublishContainerPorts = false });
        await lab.StopAsync(lab.IdentityServer, Ct);
        Task<RegisterResult>? register = null;
        try
        {
            register = new KeyManagerRegistrar().RunAsync(lab.RegisterRequest(), Ct);
            await Task.Delay(TimeSpan.FromSeconds(3), Ct);
            Assert.False(register.IsCompleted, "register finished while IS was down instead of waiting for it");
        }
        finally
        {
            await lab.StartContainerAsync(lab.IdentityServer, Ct);
        }

        var result = await register;
        Assert.Equal(RegisterOutcomes.Created, result.Outcome);
        Assert.NotEmpty(result.KeyManagerId);
    }

    [Fact]
    public async Task Register_after_APIM_restarted_changes_nothing()
    {
        var lab = await fixture.LabAsync();
        var before = await new KeyManagerRegistrar().RunAsync(lab.RegisterRequest(), Ct);

        await lab.StopAsync(lab.ApiManager!, Ct);
        await lab.StartContainerAsync(lab.ApiManager!, Ct);
        var after = await new KeyManagerRegistrar().RunAsync(lab.RegisterRequest(), Ct);

        Assert.Equal(RegisterOutcomes.Unchanged, after.Outcome);
        Assert.Equal(before.KeyManagerId, after.KeyManagerId);
    }
}
