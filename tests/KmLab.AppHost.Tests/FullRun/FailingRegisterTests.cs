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
            List<string> ours;
            await using (var run = await LabRun.StartAsync(
                             ["images=twin", $"state-dir={state}", $"{LabParameters.AdminPasswordName}=Pw{Guid.NewGuid():N}"],
                             // The servers get the lab's password from prepare; register alone gets another one.
                             builder => builder.CreateResourceBuilder(builder.Resources.OfType<IResourceWithEnvironment>().Single(r => r.Name == ProvisionerSteps.RegisterCommand))
                                 .WithEnvironment(LabTopology.AdminPasswordVariable, "not-the-admin-password")))
            {
                // The state and the exit code may reach the AppHost in separate updates: wait for both.
                end = await run.EndOfAsync(ProvisionerSteps.RegisterCommand, s => s.ExitCode is not null);
                log = await run.LogWhenAsync(ProvisionerSteps.RegisterCommand, l => l.Contains("error:", StringComparison.Ordinal));
                ours = await PersistentLab.LabContainersAsync();
                Assert.NotEmpty(ours);
            }

            // Aspire 13.6 shows a project that ended as Finished whatever its exit code; the exit code tells.
            Assert.Contains(end.State?.Text, KnownResourceStates.TerminalStates);
            Assert.True(end.ExitCode == ExitCodes.AuthenticationFailed,
                $"register ended {end.State?.Text} with exit code {end.ExitCode}, not {ExitCodes.AuthenticationFailed}; its log:\n{log}");
            var errors = log.Split('\n').Where(l => l.Contains("error:", StringComparison.Ordinal)).ToList();
            Assert.True(errors.Count == 1, $"register's log has {errors.Count} error lines, not one:\n{log}");
            Assert.Contains("[stderr]", errors[0]);
            Assert.DoesNotContain("not-the-admin-password", log);

            // Aspire removes non-persistent containers as it stops, and the engine takes its time on a busy machine.
            // Only this run's containers count: another lab's may be on their way out at the same moment.
            var left = await StillThereAsync(ours);
            for (var i = 0; i < 120 && left.Count > 0; i++)
            {
                await Task.Delay(TimeSpan.FromSeconds(1), TestContext.Current.CancellationToken);
                left = await StillThereAsync(ours);
            }
            Assert.True(left.Count == 0, $"containers left 2 minutes after the AppHost stopped: {string.Join(", ", left)}");
        }
        finally
        {
            await DockerCli.RemoveAsync(await PersistentLab.LabContainersAsync());
            if (Directory.Exists(state))
                Directory.Delete(state, recursive: true);
        }
    }

    private static async Task<List<string>> StillThereAsync(List<string> containers) =>
        [.. (await PersistentLab.LabContainersAsync()).Intersect(containers)];
}
