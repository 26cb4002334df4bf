using KmLab.Hosting;
using KmLab.Provisioner.Register;

namespace KmLab.AppHost.Tests.FullRun;

/// <summary>The full runs publish the lab's fixed host ports: their collections run one at a time in this process
/// (DisableParallelization), and the machine-wide LabPortsLock keeps the container suite away meanwhile.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class PersistentLabCollection : ICollectionFixture<PersistentLab>
{
    public const string Name = "persistent twin lab";
}

/// <summary>The whole lab under Aspire's orchestrator with the twin images, as `dotnet run --project AppHost` starts
/// it, and the dashboard's commands executed the way the dashboard executes them.</summary>
[Collection(PersistentLabCollection.Name)]
public sealed class FullRunTests(PersistentLab lab)
{
    [Fact]
    public void The_first_run_passes_preflight_and_registers_the_key_manager_for_the_chosen_pair_in_the_chosen_state_folder()
    {
        lab.Require();

        Assert.Equal(KnownResourceStates.Finished, lab.FirstPreflight.State?.Text);
        Assert.Equal(0, lab.FirstPreflight.ExitCode);
        Assert.Contains("ok: ports 9444, 9443, 8243, 8280 are free", lab.FirstPreflightLog);
        Assert.Contains("ok: image kmlab/wso2is-twin:dev is present", lab.FirstPreflightLog);
        Assert.Equal(1, PersistentLab.Outcomes(lab.FirstRegisterLog, PersistentLab.Created));

        // prepare wrote the custom state folder for exactly that pair.
        Assert.True(File.Exists(lab.Layout.CaCertificate));
        var prepared = File.ReadAllText(Path.Combine(lab.State, "lab.json"));
        Assert.Contains(PersistentLab.IdentityServerVersion, prepared);
        Assert.Contains(PersistentLab.ApiManagerVersion, prepared);
        Assert.True(File.Exists(Path.Combine(lab.State, "apim", "repository", "conf", "deployment.toml")));
    }

    [Fact]
    public async Task Smoke_answers_200_through_the_gateway()
    {
        lab.Require();

        var (exitCode, output) = await FullRunGate.SmokeAsync(lab.State, lab.Password);

        TestContext.Current.TestOutputHelper?.WriteLine(output);
        Assert.Equal(0, exitCode);
        Assert.Contains(" -> 200 ", output);
    }

    [Fact]
    public async Task A_second_run_of_the_persistent_lab_reuses_its_containers_and_register_writes_nothing()
    {
        lab.Require();

        Assert.Equal(2, lab.FirstContainers.Count);
        Assert.Equal(lab.FirstContainers.Order(), lab.ContainersAfterFirstStopped.Order());
        Assert.Equal(lab.FirstContainers.Order(), lab.SecondContainers.Order());
        var register = await lab.Second.LogWhenAsync(ProvisionerSteps.RegisterCommand, l => PersistentLab.Outcomes(l, null) > 0);
        // The run's own register is the first outcome in its log (the command tests may have added more runs since).
        var first = register.Split('\n').First(l => PersistentLab.Outcomes(l, null) > 0);
        Assert.Contains($"key manager {PersistentLab.Unchanged}: id ", first);
    }

    [Fact]
    public async Task Re_register_ends_finished_and_writes_nothing()
    {
        var run = lab.Require().Second;
        var before = PersistentLab.Outcomes(await run.LogWhenAsync(ProvisionerSteps.RegisterCommand, l => PersistentLab.Outcomes(l, null) > 0), PersistentLab.Unchanged);

        var result = await run.ExecuteAsync("apim", ProvisionerSteps.ReregisterCommandName);

        Assert.True(result.Success, result.Message);
        Assert.Equal(KnownResourceStates.Finished, run.Current(ProvisionerSteps.RegisterCommand).State?.Text);
        Assert.Equal(0, run.Current(ProvisionerSteps.RegisterCommand).ExitCode);
        var log = await run.LogWhenAsync(ProvisionerSteps.RegisterCommand, l => PersistentLab.Outcomes(l, PersistentLab.Unchanged) > before);
        Assert.Equal(before + 1, PersistentLab.Outcomes(log, PersistentLab.Unchanged));
        Assert.Equal(0, PersistentLab.Outcomes(log, RegisterOutcomes.Updated));
    }

    [Fact]
    public async Task Show_lab_ca_certificate_returns_its_pem()
    {
        var run = lab.Require().Second;

        var result = await run.ExecuteAsync(ProvisionerSteps.PrepareCommand, ProvisionerSteps.ShowLabCaCommandName);

        Assert.True(result.Success, result.Message);
        Assert.Contains(lab.Layout.CaCertificate, result.Message);
        Assert.StartsWith("-----BEGIN CERTIFICATE-----", result.Data?.Value);
        Assert.Equal(await File.ReadAllTextAsync(lab.Layout.CaCertificate, TestContext.Current.CancellationToken), result.Data?.Value);
    }

    [Fact]
    public async Task Re_prepare_restarts_both_servers_keeps_the_lab_ca_and_registers_again()
    {
        var run = lab.Require().Second;
        var ca = await File.ReadAllBytesAsync(lab.Layout.CaCertificate, TestContext.Current.CancellationToken);
        var started = new[] { "is7", "apim" }.ToDictionary(s => s, s => run.Current(s).StartTimeStamp);
        var registered = PersistentLab.Outcomes(await run.LogWhenAsync(ProvisionerSteps.RegisterCommand, l => PersistentLab.Outcomes(l, null) > 0), outcome: null);

        var result = await run.ExecuteAsync(ProvisionerSteps.PrepareCommand, ProvisionerSteps.ReprepareCommandName);

        Assert.True(result.Success, $"{result.Message}\nprepare:\n{run.Log("prepare")}\nregister:\n{run.Log("register")}");
        foreach (var (server, before) in started)
            await run.StateWhenAsync(server, s => s.StartTimeStamp > before); // restarted, or the wait times out
        Assert.True(result.Success);
        Assert.Equal(ca, await File.ReadAllBytesAsync(lab.Layout.CaCertificate, TestContext.Current.CancellationToken));
        Assert.Equal(0, run.Current(ProvisionerSteps.RegisterCommand).ExitCode);
        var log = await run.LogWhenAsync(ProvisionerSteps.RegisterCommand, l => PersistentLab.Outcomes(l, null) > registered);
        Assert.Equal(registered + 1, PersistentLab.Outcomes(log, outcome: null));
    }
}
