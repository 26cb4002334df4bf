using System.Runtime.ExceptionServices;
using KmLab.Hosting;
using KmLab.Provisioner;
using KmLab.Provisioner.Register;
using KmLab.Tests.Shared;

namespace KmLab.AppHost.Tests.FullRun;

/// <summary>Two AppHost runs of one persistent twin lab with a non-default version pair and its own state folder: the
/// first creates everything and stops (its containers stay); the second, with its dashboard, reuses them. The second
/// stays up for the tests; at the end it stops and the persistent containers are removed. Two boots serve every test
/// of the class, since each costs minutes on a small machine.</summary>
public sealed class PersistentLab : IAsyncLifetime
{
    public const string IdentityServerVersion = "7.1.0";
    public const string ApiManagerVersion = "4.4.0";

    private LabPortsLock? _portsLock;
    private ExceptionDispatchInfo? _failure;
    private string? _unavailable;

    public string State { get; } = Path.Combine(Path.GetTempPath(), "kmlab-apphost-full-run", Guid.NewGuid().ToString("N"));

    /// <summary>Letters and digits, as the AppHost generates them; never printed.</summary>
    public string Password { get; } = "Pw" + Guid.NewGuid().ToString("N")[..20];

    public string[] Parameters =>
    [
        "images=twin", "persistent=true", $"is-version={IdentityServerVersion}", $"apim-version={ApiManagerVersion}",
        $"state-dir={State}", $"{LabParameters.AdminPasswordName}={Password}",
    ];

    // What the first run showed, kept after it stopped.
    public CustomResourceSnapshot FirstPreflight { get; private set; } = null!;
    public string FirstPreflightLog { get; private set; } = "";
    public string FirstRegisterLog { get; private set; } = "";
    public List<string> FirstContainers { get; private set; } = [];
    public List<string> ContainersAfterFirstStopped { get; private set; } = [];

    public LabRun Second { get; private set; } = null!;
    public List<string> SecondContainers { get; private set; } = [];

    /// <summary>Call first in every test: rethrows how the lab failed to start, or skips where no lab can run
    /// (a failure when CI=true, since the full run must run there).</summary>
    public PersistentLab Require()
    {
        FullRunGate.ThrowIfUnavailable(_unavailable);
        _failure?.Throw();
        return this;
    }

    public async ValueTask InitializeAsync()
    {
        _unavailable = await DockerCli.EnsureTwinImagesAsync();
        if (_unavailable is not null)
            return;
        try
        {
            _portsLock = await FullRunGate.LockPortsAsync();

            await using (var first = await LabRun.StartAsync(Parameters))
            {
                FirstPreflight = await first.EndOfAsync(Preflight.ResourceName);
                FirstPreflightLog = await first.LogWhenAsync(Preflight.ResourceName, l => l.Contains("ok: image kmlab/wso2am-twin", StringComparison.Ordinal));
                await first.AssertFinishedAsync(ProvisionerSteps.RegisterCommand);
                FirstRegisterLog = await first.LogWhenAsync(ProvisionerSteps.RegisterCommand, l => Outcomes(l, null) > 0);
                FirstContainers = await LabContainersAsync();
            }
            ContainersAfterFirstStopped = await LabContainersAsync();

            Second = await LabRun.StartAsync(Parameters, withDashboard: true);
            await Second.AssertFinishedAsync(ProvisionerSteps.RegisterCommand);
            SecondContainers = await LabContainersAsync();
        }
        catch (Exception e)
        {
            _failure = ExceptionDispatchInfo.Capture(e);
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (Second is not null)
                await Second.DisposeAsync();
            // Persistent containers outlive the AppHost by design: remove them, the test's own, by name.
            await DockerCli.RemoveAsync(await LabContainersAsync());
            if (Directory.Exists(State))
                Directory.Delete(State, recursive: true);
        }
        finally
        {
            _portsLock?.Dispose();
        }
    }

    public static async Task<List<string>> LabContainersAsync() =>
        [.. await DockerCli.ContainersOfAsync("is7"), .. await DockerCli.ContainersOfAsync("apim")];

    public LabLayout Layout => new(State);

    /// <summary>The number of register runs whose Key Manager came out with this outcome (null: any), as its console
    /// log says ("key manager unchanged: id ...").</summary>
    public static int Outcomes(string log, string? outcome) =>
        log.Split('\n').Count(l => outcome is null
            ? System.Text.RegularExpressions.Regex.IsMatch(l, @"key manager [a-z-]+: id ")
            : l.Contains($"key manager {outcome}: id ", StringComparison.Ordinal));

    public static string Unchanged => RegisterOutcomes.Unchanged;
    public static string Created => RegisterOutcomes.Created;
}
