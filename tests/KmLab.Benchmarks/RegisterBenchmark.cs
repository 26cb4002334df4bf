using System.Diagnostics;
using KmLab.Lab;
using KmLab.Provisioner.Prepare;
using KmLab.Provisioner.Register;
using KmLab.Lab.Wso2;
using KmLab.Twins;

namespace KmLab.Benchmarks;

/// <summary>register against the in-process twins: from both servers ready to the Key Manager registered and proven.
/// The twins' deliberate propagation delay and transient 500s are switched off, so the figure is register's own
/// cost (TLS handshakes, the REST calls, JWT reading). Each sample is a fresh lab; a re-run is timed too.</summary>
public static class RegisterBenchmark
{
    public static async Task RunAsync(int samples = 10, CancellationToken ct = default)
    {
        var created = new List<double>();
        var unchanged = new List<double>();
        for (var i = 0; i < samples + 1; i++)
        {
            var (first, second) = await OneLabAsync(ct);
            if (i == 0) continue; // warm-up: JIT and the first TLS setup
            created.Add(first);
            unchanged.Add(second);
        }

        Console.WriteLine($"register (created and proven), fresh labs: {Timings.Summary(created)}");
        Console.WriteLine($"register (unchanged and proven), the same labs re-run: {Timings.Summary(unchanged)}");
    }

    private static async Task<(double Created, double Unchanged)> OneLabAsync(CancellationToken ct)
    {
        var state = Directory.CreateTempSubdirectory("kmlab-bench-");
        try
        {
            var topology = new LabTopology(Wso2Versions.DefaultIdentityServer, Wso2Versions.DefaultApiManager,
                Wso2Ports.DefaultIdentityServerOffset, LabTopology.DefaultIdentityServerHost, LabTopology.DefaultApiManagerHost,
                LabTopology.DefaultAdminUser, "bench-" + Guid.NewGuid().ToString("N"));
            LabPreparer.Prepare(new PrepareRequest(state.FullName, topology));
            var layout = new LabLayout(state.FullName);
            await using var identityServer = await Twins.Twins.StartIdentityServerAsync(
                new TwinOptions(layout.IdentityServerVolume, topology.IdentityServerVersion.Version) { HttpsPort = 0 }, ct);
            await using var apim = await Twins.Twins.StartApiManagerAsync(
                new TwinOptions(layout.ApiManagerVolume, topology.ApiManagerVersion.Version)
                {
                    HttpsPort = 0, GatewayHttpsPort = 0, KeyManagerPropagationDelay = TimeSpan.Zero, TransientRegistrationErrors = 0,
                }, ct);
            var request = new RegisterRequest(state.FullName, apim.BaseUrl, identityServer.BaseUrl, identityServer.BaseUrl, null,
                RegisterRequest.DefaultKeyManagerName, topology.AdminUser, topology.AdminPassword, DryRun: false);

            var registrar = new KeyManagerRegistrar();
            var clock = Stopwatch.StartNew();
            await registrar.RunAsync(request, ct);
            var first = clock.Elapsed.TotalMilliseconds;
            clock.Restart();
            await registrar.RunAsync(request, ct);
            return (first, clock.Elapsed.TotalMilliseconds);
        }
        finally
        {
            state.Delete(recursive: true);
        }
    }
}
