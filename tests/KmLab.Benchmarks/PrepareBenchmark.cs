using System.Diagnostics;
using KmLab.Lab;
using KmLab.Provisioner.Prepare;
using KmLab.Lab.Wso2;

namespace KmLab.Benchmarks;

/// <summary><c>prepare</c> as a library call: cold (a new state folder, so a new CA and new server certificates)
/// and warm (the same folder again: everything reused, nothing rewritten). Targets: cold ≤ 2 s, warm ≤ 0.5 s.</summary>
public static class PrepareBenchmark
{
    public static void Run(int samples = 7)
    {
        var topology = new LabTopology(Wso2Versions.DefaultIdentityServer, Wso2Versions.DefaultApiManager,
            Wso2Ports.DefaultIdentityServerOffset, LabTopology.DefaultIdentityServerHost, LabTopology.DefaultApiManagerHost,
            LabTopology.DefaultAdminUser, "admin");
        var root = Path.Combine(Path.GetTempPath(), $"kmlab-bench-{Guid.NewGuid():N}");
        List<double> cold = [], warm = [], coldCpu = [], warmCpu = [];
        try
        {
            for (var i = 0; i <= samples; i++)
            {
                var state = Path.Combine(root, i.ToString());
                var first = Time(() => LabPreparer.Prepare(new PrepareRequest(state, topology)));
                var second = Time(() => LabPreparer.Prepare(new PrepareRequest(state, topology)));
                if (i == 0)
                    continue; // warm-up: JIT, first use of OpenSSL
                cold.Add(first.Wall);
                coldCpu.Add(first.Cpu);
                warm.Add(second.Wall);
                warmCpu.Add(second.Cpu);
            }
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
        Console.WriteLine($"prepare cold (new state folder, new CA): {Timings.Summary(cold)}; CPU {Timings.Summary(coldCpu)}");
        Console.WriteLine($"prepare warm (same folder, CA and certificates reused): {Timings.Summary(warm)}; CPU {Timings.Summary(warmCpu)}");
    }

    /// <summary>Wall-clock time, and the CPU time the process spent (all threads): the latter shows the cost
    /// when other work competes for the two cores.</summary>
    private static (double Wall, double Cpu) Time(Action action)
    {
        var process = Process.GetCurrentProcess();
        var cpu = process.TotalProcessorTime;
        var stopwatch = Stopwatch.StartNew();
        action();
        process.Refresh();
        return (stopwatch.Elapsed.TotalMilliseconds, (process.TotalProcessorTime - cpu).TotalMilliseconds);
    }
}
