using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Reflection;
using KmLab.AppHost.Lab;
using KmLab.Provisioner;

namespace KmLab.AppHost.Tests;

/// <summary>The whole lab with the twin images: Aspire's orchestrator starts prepare, both servers and register, and
/// the lab then serves the sample API through APIM's gateway. Needs Docker, the twin images
/// (tests/docker/build-twin-images.sh) and the free host ports the lab publishes.</summary>
public sealed class FullRunTests
{
    private static readonly TimeSpan LabTimeout = TimeSpan.FromMinutes(5);

    [Fact]
    public async Task The_twin_lab_registers_the_key_manager_and_serves_the_sample_api_through_the_gateway()
    {
        SkipUnlessAspireOrchestratorIsInstalled();
        await SkipUnlessDockerHasTheTwinImages();
        AssertLabPortsFree();

        var ct = TestContext.Current.CancellationToken;
        var state = Path.Combine(Path.GetTempPath(), "kmlab-apphost-full-run", Guid.NewGuid().ToString("N"));
        var password = "Pw" + Guid.NewGuid().ToString("N")[..20];
        try
        {
            await using var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.KmLab_AppHost>(
                [
                    "--Parameters:images=twin",
                    $"--Parameters:state-dir={state}",
                    $"--Parameters:{LabParameters.AdminPasswordName}={password}",
                ], ct);
            await using var app = await builder.BuildAsync(ct);
            await app.StartAsync(ct);

            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(LabTimeout);
            var registered = await app.ResourceNotifications.WaitForResourceAsync(ProvisionerSteps.RegisterCommand,
                e => e.Snapshot.State?.Text is { } s && KnownResourceStates.TerminalStates.Contains(s), timeout.Token);
            Assert.True(registered.Snapshot.ExitCode == 0,
                $"register ended {registered.Snapshot.State?.Text} with exit code {registered.Snapshot.ExitCode}; its log is in the test output.");

            Assert.Equal(0, await RunSmokeAsync(state, password, timeout.Token));
        }
        finally
        {
            if (Directory.Exists(state))
                Directory.Delete(state, recursive: true);
        }
    }

    /// <summary>The Provisioner's <c>smoke</c> step against the running lab: a sample API with a backend the lab runs,
    /// deployed and published through the Publisher and DevPortal APIs, called through the gateway with a token
    /// from IS.</summary>
    private static async Task<int> RunSmokeAsync(string state, string password, CancellationToken ct)
    {
        var provisioner = typeof(LabLayout).Assembly.Location;
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList =
            {
                provisioner, "smoke", "--state", state,
                "--apim-url", "https://localhost:9443", "--gateway-url", "https://localhost:8243", "--is-url", "https://localhost:9444",
            },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment[LabTopology.AdminPasswordVariable] = password;
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync(ct);
        var error = process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        TestContext.Current.TestOutputHelper?.WriteLine($"smoke: {await output}{await error}");
        return process.ExitCode;
    }

    /// <summary>Aspire.Hosting.AppHost's build records where the orchestrator (DCP) is, in the AppHost assembly.</summary>
    private static void SkipUnlessAspireOrchestratorIsInstalled()
    {
        var dcp = typeof(Projects.KmLab_AppHost).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(m => string.Equals(m.Key, "dcpclipath", StringComparison.OrdinalIgnoreCase))?.Value;
        if (dcp is null || !File.Exists(dcp))
            Assert.Skip("Aspire's orchestrator (DCP) is not installed with the AppHost; its NuGet packages restore on a machine with nuget.org.");
    }

    private static async Task SkipUnlessDockerHasTheTwinImages()
    {
        foreach (var image in new[] { "kmlab/wso2is-twin:dev", "kmlab/wso2am-twin:dev" })
        {
            var (exitCode, output) = await Docker("image", "inspect", "--format", "{{.Id}}", image);
            if (exitCode is null)
                Assert.Skip("Docker is not installed: the full run needs Docker and Aspire's orchestrator.");
            if (exitCode != 0)
                Assert.Skip($"{image} is missing or Docker is not running ({output.Trim()}); build it with tests/docker/build-twin-images.sh.");
        }
    }

    /// <summary>The lab publishes fixed host ports (design.md): a port in use is an environment problem to report, not a skip.</summary>
    private static void AssertLabPortsFree()
    {
        foreach (var port in new[] { 9443, 9444, 8243, 8280 })
        {
            try
            {
                using var listener = new TcpListener(IPAddress.Loopback, port);
                listener.Start();
            }
            catch (SocketException)
            {
                Assert.Fail($"port {port} is in use; stop whatever holds it (another lab?) before the full run.");
            }
        }
    }

    private static async Task<(int? ExitCode, string Output)> Docker(params string[] args)
    {
        var start = new ProcessStartInfo("docker") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
            start.ArgumentList.Add(arg);
        try
        {
            using var process = Process.Start(start)!;
            var output = await process.StandardOutput.ReadToEndAsync() + await process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            return (process.ExitCode, output);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return (null, "");
        }
    }
}
