using KmLab.Benchmarks;

// Prints the figures recorded in docs/performance.md: `dotnet run -c Release --project tests/KmLab.Benchmarks -- <name>`.
Console.WriteLine($"{DateTime.UtcNow:yyyy-MM-dd HH:mm}Z, {Environment.ProcessorCount} cores, {Timings.CpuModel()}");
switch (args.FirstOrDefault())
{
    case "prepare":
        PrepareBenchmark.Run();
        return 0;
    case "register":
        await RegisterBenchmark.RunAsync();
        return 0;
    case "containers":
        await ContainersBenchmark.RunAsync();
        return 0;
    case "run":
        await RunBenchmark.RunAsync(args[1..]);
        return 0;
    default:
        Console.Error.WriteLine("usage: KmLab.Benchmarks prepare|register|containers|run [--persistent|--fresh-home]");
        return 2;
}

namespace KmLab.Benchmarks
{
    /// <summary>How the benchmarks report their samples.</summary>
    public static class Timings
    {
        public static string Summary(IEnumerable<double> milliseconds)
        {
            var sorted = milliseconds.Order().ToList();
            return $"median {sorted[sorted.Count / 2]:0} ms, min {sorted[0]:0} ms, max {sorted[^1]:0} ms ({sorted.Count} runs)";
        }

        public static string CpuModel() =>
            File.Exists("/proc/cpuinfo")
                ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name"))?.Split(':', 2)[1].Trim() ?? "unknown CPU"
                : "unknown CPU";
    }
}
