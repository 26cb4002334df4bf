using System.Diagnostics;
using Docker.DotNet.Models;
using KmLab.Containers.Tests.Lab;
using KmLab.Provisioner.Register;
using KmLab.Provisioner.Smoke;
using KmLab.Provisioner.Wso2Rest;

namespace KmLab.Benchmarks;

/// <summary>The twin lab on Docker, as the container suite builds it (its Lab/ sources are linked in): image builds,
/// containers created → both healthy, register, smoke, total, and the containers' peak memory. Needs root, Docker,
/// TESTCONTAINERS_RYUK_DISABLED=true and DOCKER_API_VERSION=1.41 here (see .ci/run).</summary>
public static class ContainersBenchmark
{
    public static async Task RunAsync(CancellationToken ct = default)
    {
        var root = RepositoryRoot();
        Console.WriteLine("containers (twin lab):");

        // Uncached: both images from scratch on top of the seeded base (the app is already published).
        await TimeAsync("twin images, uncached (docker build --no-cache, both)", () => Task.WhenAll(
            Run("docker", $"build -q --no-cache --network=none --build-arg TWIN_PRODUCT=is --build-arg TWIN_UID=802 -t {LabImages.IdentityServerTwin} tests/KmLab.Twins", root, ct),
            Run("docker", $"build -q --no-cache --network=none --build-arg TWIN_PRODUCT=apim --build-arg TWIN_UID=10001 -t {LabImages.ApiManagerTwin} tests/KmLab.Twins", root, ct)));
        // Cached: what CI runs when nothing changed (an incremental publish, then every layer from the cache).
        await TimeAsync("twin images, cached (build-twin-images.sh, nothing changed)",
            () => Run("bash", "tests/docker/build-twin-images.sh", root, ct));

        var total = Stopwatch.StartNew();
        await using var lab = await ContainerLab.StartAsync(new LabOptions(), ct);
        var started = total.Elapsed;
        Console.WriteLine($"  {"prepare + network:",-48} {(started - lab.CreatedToHealthy).TotalSeconds,6:0.0} s");
        // Testcontainers creates a container as it starts it, so this span begins at "create".
        Console.WriteLine($"  {"containers create -> both healthy:",-48} {lab.CreatedToHealthy.TotalSeconds,6:0.0} s");

        await TimeAsync("register (created, proven)", () => new KeyManagerRegistrar().RunAsync(lab.RegisterRequest(), ct));
        await TimeAsync("smoke (API published, 200 through the gateway)", () => LabSmoke.RunAsync(
            new SmokeRequest(lab.Layout.Root, lab.ApimUrl, lab.GatewayUrl, lab.IsUrl, RegisterRequest.DefaultKeyManagerName,
                lab.Topology.AdminUser, lab.Topology.AdminPassword) { IsInternalUrl = lab.IsInternalUrl }, ct));
        Console.WriteLine($"  {"total, images cached (prepare -> smoke 200):",-48} {total.Elapsed.TotalSeconds,6:0.0} s");

        using var docker = await DockerGate.ConnectAsync(ct);
        foreach (var container in new[] { lab.IdentityServer, lab.ApiManager! })
        {
            var last = new LastReport<ContainerStatsResponse>();
            await docker.Containers.GetContainerStatsAsync(container.Id, new ContainerStatsParameters { Stream = false }, last, ct);
            var stats = last.Value;
            // cgroup v1 reports the peak itself (max_usage); cgroup v2 has no peak in the stats, only the current usage.
            var peak = stats?.MemoryStats?.MaxUsage is > 0 ? stats.MemoryStats.MaxUsage : stats?.MemoryStats?.Usage ?? 0;
            Console.WriteLine($"  {"peak memory, " + container.Name.Split('-')[^1] + ":",-48} {peak / 1048576.0,6:0.0} MiB");
        }
    }

    /// <summary>Keeps the last report, synchronously (<see cref="Progress{T}"/> reports later, on the thread pool).</summary>
    private sealed class LastReport<T> : IProgress<T>
    {
        public T? Value { get; private set; }
        public void Report(T value) => Value = value;
    }

    private static async Task TimeAsync(string what, Func<Task> action)
    {
        var clock = Stopwatch.StartNew();
        await action();
        Console.WriteLine($"  {what + ":",-48} {clock.Elapsed.TotalSeconds,6:0.0} s");
    }

    private static async Task Run(string file, string arguments, string directory, CancellationToken ct)
    {
        using var process = Process.Start(new ProcessStartInfo(file, arguments)
        {
            WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true,
        })!;
        var output = process.StandardOutput.ReadToEndAsync(ct);
        var error = process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{file} {arguments} exited with {process.ExitCode}: {await output}{await error}");
    }

    internal static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "KmLab.sln")))
                return dir.FullName;
        }
        throw new InvalidOperationException("KmLab.sln not found above the benchmark's folder; run it from the repository.");
    }
}
