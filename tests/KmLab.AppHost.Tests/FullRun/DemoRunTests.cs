using KmLab.Hosting;
using KmLab.Provisioner;

namespace KmLab.AppHost.Tests.FullRun;

/// <summary>The workshop demo in a full run of the repository's AppHost with the twins (<c>--Parameters:demo=true</c>).</summary>
[Collection(FailingRegisterTests.Name)]
public sealed class DemoRunTests
{
    [Fact]
    public async Task The_demo_seeds_after_register_and_its_command_prints_curl_lines_for_both_users_without_a_password()
    {
        FullRunGate.ThrowIfUnavailable(await DockerCli.EnsureTwinImagesAsync());
        using var portsLock = await FullRunGate.LockPortsAsync();
        var state = Path.Combine(Path.GetTempPath(), "kmlab-apphost-demo-run", Guid.NewGuid().ToString("N"));
        var admin = $"Pw{Guid.NewGuid():N}";
        var reader = $"Rd1-{Guid.NewGuid():N}"[..24]; // every class IS's password rule asks for
        var guest = $"Gs1-{Guid.NewGuid():N}"[..24];
        try
        {
            await using var run = await LabRun.StartAsync(
            [
                "images=twin", "demo=true", $"state-dir={state}", $"{LabParameters.AdminPasswordName}={admin}",
                $"{LabParameters.DemoReaderPasswordName}={reader}", $"{LabParameters.DemoGuestPasswordName}={guest}",
            ]);

            await run.AssertFinishedAsync(ProvisionerSteps.RegisterCommand);
            await run.AssertFinishedAsync(ProvisionerSteps.DemoResourceName);

            // The demo's entry points: its API on the gateway, in the Publisher and in the DevPortal, by the id APIM gave it.
            var api = await run.StateWhenAsync(ProvisionerSteps.DemoApiResourceName, s => s.State?.Text == KnownResourceStates.Running);
            var apiId = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(state, "apis", LabTopology.DemoApiName + ".json")))
                .RootElement.GetProperty("apiId").GetString();
            Assert.False(string.IsNullOrEmpty(apiId));
            Assert.Equal(["https://localhost:8243/kmlab-demo/1.0.0", $"https://localhost:9443/publisher/apis/{apiId}/overview",
                    $"https://localhost:9443/devportal/apis/{apiId}/overview"],
                api.Urls.Select(u => u.Url));

            var result = await run.ExecuteAsync(ProvisionerSteps.DemoResourceName, ProvisionerSteps.ShowDemoCurlCommandName);
            Assert.True(result.Success, result.Message);
            var lines = (result.Data?.Value ?? "").Split('\n');
            Assert.Contains(lines, l => l.Contains("curl", StringComparison.Ordinal) && l.Contains(LabTopology.DemoReaderPasswordVariable, StringComparison.Ordinal));
            Assert.Contains(lines, l => l.Contains("curl", StringComparison.Ordinal) && l.Contains(LabTopology.DemoGuestPasswordVariable, StringComparison.Ordinal));
            foreach (var secret in new[] { admin, reader, guest })
            {
                Assert.DoesNotContain(secret, result.Data?.Value ?? "");
                Assert.DoesNotContain(secret, run.Log(ProvisionerSteps.DemoResourceName));
            }
        }
        finally
        {
            await DockerCli.RemoveAsync(await PersistentLab.LabContainersAsync());
            if (Directory.Exists(state))
                Directory.Delete(state, recursive: true);
        }
    }
}
