using KmLab.Hosting;
using KmLab.Provisioner;
using KmLab.Tests.Shared;

namespace KmLab.AppHost.Tests.FullRun;

[CollectionDefinition(FailingRegisterTests.Name, DisableParallelization = true)]
public sealed class FailingLabCollection;

/// <summary>A lab whose <c>register</c> cannot succeed, and what is left once the AppHost stops.</summary>
[Collection(Name)]
public sealed class FailingRegisterTests
{
    public const string Name = "failing twin lab";

    [Fact]
    public async Task A_wrong_admin_password_ends_register_exited_with_its_code_and_one_error_line_and_stopping_leaves_no_container()
    {
        FullRunGate.ThrowIfUnavailable(await DockerCli.EnsureTwinImagesAsync());
        using var portsLock = await FullRunGate.LockPortsAsync();
        var state = Path.Combine(Path.GetTempPath(), "kmlab-apphost-failing-run", Guid.NewGuid().ToString("N"));
        try
        {
            CustomResourceSnapshot end;
            string log;
            await using (var run = await LabRun.StartAsync(
                             ["images=twin", $"state-dir={state}", $"{LabParameters.AdminPasswordName}=Pw{Guid.NewGuid():N}"],
                             // The servers get the lab's password from prepare; register alone gets another one.
                             builder => builder.CreateResourceBuilder(builder.Resources.OfType<IResourceWithEnvironment>().Single(r => r.Name == ProvisionerSteps.RegisterCommand))
                                 .WithEnvironment(LabTopology.AdminPasswordVariable, "not-the-admin-password")))
            {
                end = await run.EndOfAsync(ProvisionerSteps.RegisterCommand);
                log = await run.LogWhenAsync(ProvisionerSteps.RegisterCommand, l => l.Contains("error:", StringComparison.Ordinal));
                Assert.NotEmpty(await PersistentLab.LabContainersAsync());
            }

            // Aspire 13.6 shows a project that ended as Finished whatever its exit code; the exit code tells.
            Assert.Contains(end.State?.Text, KnownResourceStates.TerminalStates);
            Assert.Equal(ExitCodes.AuthenticationFailed, end.ExitCode);
            var error = Assert.Single(log.Split('\n'), l => l.Contains("error:", StringComparison.Ordinal));
            Assert.Contains("[stderr]", error);
            Assert.DoesNotContain("not-the-admin-password", log);

            // Aspire removes non-persistent containers as it stops; give the engine a moment to finish.
            var left = await PersistentLab.LabContainersAsync();
            for (var i = 0; i < 30 && left.Count > 0; i++)
            {
                await Task.Delay(TimeSpan.FromSeconds(1), TestContext.Current.CancellationToken);
                left = await PersistentLab.LabContainersAsync();
            }
            Assert.True(left.Count == 0, $"containers left after the AppHost stopped: {string.Join(", ", left)}");
        }
        finally
        {
            await DockerCli.RemoveAsync(await PersistentLab.LabContainersAsync());
            if (Directory.Exists(state))
                Directory.Delete(state, recursive: true);
        }
    }
}
