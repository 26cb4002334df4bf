using System.Text.RegularExpressions;
using KmLab.Hosting;
using KmLab.Lab.Wso2;

namespace KmLab.AppHost.Tests.FullRun;

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class RealImageRunCollection
{
    public const string Name = "real-image full run";
}

/// <summary>The repository's AppHost on WSO2's own images (<c>--Parameters:images=wso2</c>) for the pair named by
/// <c>KMLAB_IS_VERSION</c> / <c>KMLAB_APIM_VERSION</c> (default: KmLab's default pair), as <c>bash .ci/real-images</c>
/// runs it on a machine that can pull them. Elsewhere (and in .ci/run, which has only the twins) it is skipped. Each
/// step may take <see cref="KmLab.Tests.RealImageBootTimes.LabStep"/> (<see cref="LabRun.Timeout"/>): WSO2's own boot
/// allowances for its images, then register's wait.</summary>
[Collection(RealImageRunCollection.Name)]
public sealed class RealImageRunTests
{
    /// <summary>The switch the container suite uses too (tests/KmLab.Containers.Tests/Lab/LabImages.cs).</summary>
    public static bool Enabled => string.Equals(Environment.GetEnvironmentVariable("KMLAB_IMAGES")?.Trim(), "wso2", StringComparison.OrdinalIgnoreCase);

    private static string Version(string variable, string fallback) =>
        Environment.GetEnvironmentVariable(variable) is { Length: > 0 } v ? v.Trim() : fallback;

    [Fact]
    public async Task The_AppHost_on_WSO2s_images_wires_revocation_registers_the_key_manager_and_the_gateway_answers()
    {
        if (!Enabled)
            Assert.Skip("runs only on WSO2's images: KMLAB_IMAGES=wso2 on a machine that can pull them (bash .ci/real-images).");
        var isVersion = Version("KMLAB_IS_VERSION", Wso2Versions.DefaultIdentityServer.Version);
        var apimVersion = Version("KMLAB_APIM_VERSION", Wso2Versions.DefaultApiManager.Version);
        var state = Path.Combine(Path.GetTempPath(), "kmlab-real-image-run", Guid.NewGuid().ToString("N"));
        var password = "Pw" + Guid.NewGuid().ToString("N")[..20];
        using var ports = await FullRunGate.LockPortsAsync();
        try
        {
            await using var run = await LabRun.StartAsync(
            [
                "images=wso2", $"is-version={isVersion}", $"apim-version={apimVersion}", $"state-dir={state}",
                $"{LabParameters.AdminPasswordName}={password}",
            ]);

            await run.AssertFinishedAsync(Preflight.ResourceName);
            // WSO2's image of each server, not a twin (present, or pulled; the name may carry its registry).
            var preflight = await run.LogWhenAsync(Preflight.ResourceName, l => l.Contains($"{Wso2Images.ApiManager}:{apimVersion}", StringComparison.Ordinal));
            Assert.Matches($@"ok: (image |pulled )(docker\.io/)?{Regex.Escape($"{Wso2Images.IdentityServer}:{isVersion}")}", preflight);
            Assert.Matches($@"ok: (image |pulled )(docker\.io/)?{Regex.Escape($"{Wso2Images.ApiManager}:{apimVersion}")}", preflight);
            await run.AssertFinishedAsync(ProvisionerSteps.PrepareCommand);
            // prepare fetched WSO2's notification handler jar (this machine reaches WSO2's Maven repository).
            Assert.Contains("token revocation: wired", await run.LogWhenAsync(ProvisionerSteps.PrepareCommand,
                l => l.Contains("token revocation:", StringComparison.Ordinal)));
            await run.AssertFinishedAsync(ProvisionerSteps.RegisterCommand);

            var (exitCode, output) = await FullRunGate.SmokeAsync(state, password);
            TestContext.Current.TestOutputHelper?.WriteLine(output);
            Assert.Equal(0, exitCode);
            Assert.Contains(" -> 200 ", output);
        }
        finally
        {
            try { Directory.Delete(state, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }
}
