using KmLab.Provisioner.Prepare;
using KmLab.Twins;
using TwinHost = KmLab.Twins.Twins;

namespace KmLab.Tests.Shared;

/// <summary>Both twins booted in this process from a real <c>prepare</c> output in a new temporary state folder, on
/// loopback with free ports and real TLS from the prepared keystores. The suites that run against in-process twins
/// build their labs on it; each gives the options it wants on top of these defaults.</summary>
internal sealed class PreparedTwins : IAsyncDisposable
{
    private readonly TwinOptions _apimOptions;

    private PreparedTwins(DirectoryInfo state, RunningTwin identityServer, RunningTwin apiManager, TwinOptions apimOptions)
    {
        (State, IdentityServer, ApiManager, _apimOptions) = (state, identityServer, apiManager, apimOptions);
    }

    public DirectoryInfo State { get; }
    public RunningTwin IdentityServer { get; }
    public RunningTwin ApiManager { get; private set; }

    /// <param name="prepared">Changes the prepared state folder before the twins boot from it.</param>
    public static async Task<PreparedTwins> StartAsync(string statePrefix, LabTopology topology,
        Func<TwinOptions, TwinOptions> identityServer, Func<TwinOptions, TwinOptions> apim, Action<LabLayout>? prepared = null)
    {
        var state = Directory.CreateTempSubdirectory(statePrefix);
        LabPreparer.Prepare(new PrepareRequest(state.FullName, topology));
        var layout = new LabLayout(state.FullName);
        prepared?.Invoke(layout);

        var ct = TestContext.Current.CancellationToken;
        var isTwin = await TwinHost.StartIdentityServerAsync(
            identityServer(new TwinOptions(layout.IdentityServerVolume, topology.IdentityServerVersion.Version) { HttpsPort = 0 }), ct);
        try
        {
            var apimOptions = apim(new TwinOptions(layout.ApiManagerVolume, topology.ApiManagerVersion.Version) { HttpsPort = 0, GatewayHttpsPort = 0 });
            var apimTwin = await TwinHost.StartApiManagerAsync(apimOptions, ct);
            return new PreparedTwins(state, isTwin, apimTwin, apimOptions);
        }
        catch
        {
            await isTwin.DisposeAsync();
            throw;
        }
    }

    /// <summary>Stops APIM and starts it again from its config volume, as a container restart does (the container's
    /// entrypoint copies the volume at every start); its data survives when the options name a data directory, as a
    /// persistent container's database does.</summary>
    public async Task RestartApiManagerAsync()
    {
        await ApiManager.DisposeAsync();
        ApiManager = await TwinHost.StartApiManagerAsync(_apimOptions, TestContext.Current.CancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        await ApiManager.DisposeAsync();
        await IdentityServer.DisposeAsync();
        try { State.Delete(recursive: true); } catch (IOException) { }
    }
}
