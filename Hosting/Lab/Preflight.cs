using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace KmLab.Hosting;

/// <summary>The checks that run before the servers start, shown in the dashboard as a step of its own.</summary>
public sealed class PreflightResource(string name) : Resource(name);

/// <summary>What trips a first run, checked before any container exists: a container engine that answers, memory for
/// WSO2's JVMs, the lab's host ports free, and the server images present or pullable. Each failure is one line naming
/// the fix, in the preflight's console log and the AppHost's console; the servers wait for the preflight to finish.</summary>
public static class Preflight
{
    public const string ResourceName = "preflight";

    /// <summary>What IS's and APIM's JVMs take with the lab's heaps (<see cref="Wso2ResourceBuilderExtensions"/>):
    /// about 5 GB resident. An engine reports a little less than it was given, hence the margin.</summary>
    public const long Wso2EngineMemoryBytes = 4_500L * 1024 * 1024;

    /// <summary>Adds the preflight step; <paramref name="servers"/> start once it has finished with exit code 0.</summary>
    internal static IResourceBuilder<PreflightResource> AddPreflight(this IDistributedApplicationBuilder builder, KmLabResource lab,
        params IResourceBuilder<ContainerResource>[] servers)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(lab);
        // The AppHost's own ports first: a second run beside a running lab stops with one line, not a stack trace.
        AppHostPorts.CheckBeforeStart(builder);
        // And no red developer-certificate notification on the dashboard's first screen: the lab uses none.
        DevCertificateNotice.DropWhenOnlyLabServersUseTls(builder);

        var preflight = builder.AddResource(new PreflightResource(ResourceName))
            .WithIconName("CheckmarkStarburst")
            .WithInitialState(new CustomResourceSnapshot
            {
                ResourceType = "Preflight",
                State = KnownResourceStates.NotStarted,
                Properties = [],
            })
            .OnInitializeResource(async (resource, e, ct) =>
            {
                var console = e.Services.GetRequiredService<ILoggerFactory>().CreateLogger("KmLab.Preflight");
                await e.Notifications.PublishUpdateAsync(resource, s => s with
                {
                    State = KnownResourceStates.Running,
                    StartTimeStamp = DateTime.UtcNow,
                }).ConfigureAwait(false);

                var checks = new PreflightChecks(ContainerCli.FromEnvironment(), lab.Persistent);
                var failures = await checks.RunAsync(servers.Select(s => s.Resource).ToList(), lab.Images == Wso2ImageSource.Wso2,
                    line => e.Logger.LogInformation("{Line}", line), ct).ConfigureAwait(false);
                foreach (var failure in failures)
                {
                    e.Logger.LogError("{Line}", failure);
                    console.LogError("preflight: {Line}", failure);
                }

                await e.Notifications.PublishUpdateAsync(resource, s => s with
                {
                    State = failures.Count == 0
                        ? new ResourceStateSnapshot(KnownResourceStates.Finished, KnownResourceStateStyles.Success)
                        : new ResourceStateSnapshot(KnownResourceStates.Exited, KnownResourceStateStyles.Error),
                    ExitCode = failures.Count == 0 ? 0 : 1,
                    StopTimeStamp = DateTime.UtcNow,
                }).ConfigureAwait(false);
            });

        foreach (var server in servers)
            server.WaitForCompletion(preflight);
        return preflight;
    }
}

/// <summary>The checks themselves, each returning the one line that names the fix, or nothing.</summary>
/// <param name="cli">The container engine's CLI (Aspire's own choice: docker, or podman).</param>
/// <param name="persistent">A persistent lab's own servers may hold the lab's ports: the run reuses them.</param>
public sealed partial class PreflightChecks(ContainerCli cli, bool persistent)
{
    public async Task<List<string>> RunAsync(IReadOnlyList<ContainerResource> servers, bool wso2Images, Action<string> progress,
        CancellationToken ct)
    {
        if (await EngineAsync(wso2Images, progress, ct).ConfigureAwait(false) is { } engine)
            return [engine]; // nothing else can be asked of an engine that does not answer

        // Each engine call is a process start (0.1–0.3 s on a busy machine): the ports and the images are asked at the
        // same time, and the images with one call when all are here.
        var ports = servers.SelectMany(s => s.Annotations.OfType<EndpointAnnotation>()
            .Where(e => e.Port is not null).Select(e => (Server: s.Name, Port: e.Port!.Value))).ToList();
        var portFailures = PortsAsync(ports, ct);
        var images = servers.Select(server => server.TryGetContainerImageName(out var image)
                ? (Image: image, Pullable: server.Annotations.OfType<ContainerImagePullPolicyAnnotation>().LastOrDefault()?.ImagePullPolicy != ImagePullPolicy.Never)
                : (Image: (string?)null, Pullable: false))
            .Where(i => i.Image is not null).Select(i => (Image: i.Image!, i.Pullable)).ToList();
        var imageFailures = ImagesAsync(images, progress, ct);

        var failures = await portFailures.ConfigureAwait(false);
        if (failures.Count == 0)
            progress($"ok: ports {string.Join(", ", ports.Select(p => p.Port))} are free{(persistent ? " or held by this lab's own servers" : "")}");
        failures.AddRange(await imageFailures.ConfigureAwait(false));
        return failures;
    }

    /// <summary>All images present is one engine call; otherwise each one is looked at (and pulled) in turn.</summary>
    private async Task<List<string>> ImagesAsync(IReadOnlyList<(string Image, bool Pullable)> images, Action<string> progress, CancellationToken ct)
    {
        var failures = new List<string>();
        if (images.Count == 0)
            return failures;
        var inspect = await cli.RunAsync(["image", "inspect", "--format", "{{.Id}}", .. images.Select(i => i.Image)], ct).ConfigureAwait(false);
        if (inspect is { ExitCode: 0 })
        {
            foreach (var (image, _) in images)
                progress($"ok: image {image} is present");
            return failures;
        }
        foreach (var (image, pullable) in images)
        {
            if (await ImageAsync(image, pullable, progress, ct).ConfigureAwait(false) is { } missing)
                failures.Add(missing);
        }
        return failures;
    }

    /// <summary>The engine answers; with WSO2's images, it has the memory their JVMs take.</summary>
    public async Task<string?> EngineAsync(bool wso2Images, Action<string> progress, CancellationToken ct)
    {
        var info = await cli.RunAsync(["info", "--format", "{{.ServerVersion}} {{.MemTotal}}"], ct).ConfigureAwait(false);
        if (info is null)
            return $"error: {cli.Name} is not installed: install Docker Desktop (macOS, Windows) or Docker Engine (Linux), then run the lab again";
        var fields = info.Output.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (info.ExitCode != 0 || fields.Length != 2 || !long.TryParse(fields[1], CultureInfo.InvariantCulture, out var memory))
            return $"error: no container engine answers ({cli.Name} info: {FirstLine(info.Errors + info.Output)}): start Docker Desktop, or the docker service on Linux";

        progress($"ok: {cli.Name} engine {fields[0]} answers, {Gigabytes(memory)} of memory");
        return wso2Images ? MemoryShortfall(memory) : null;
    }

    /// <summary>Null when an engine with <paramref name="engineMemoryBytes"/> can run WSO2's JVMs.</summary>
    public static string? MemoryShortfall(long engineMemoryBytes) => engineMemoryBytes >= Preflight.Wso2EngineMemoryBytes
        ? null
        : $"error: the container engine has {Gigabytes(engineMemoryBytes)} of memory and WSO2's images need about 5 GB: " +
          "give it more (Docker Desktop: Settings → Resources → Memory), or run the twins: --Parameters:images=twin";

    /// <summary>Each host port the lab publishes is free, or (persistent lab) held by that server's own container.</summary>
    public async Task<List<string>> PortsAsync(IEnumerable<(string Server, int Port)> ports, CancellationToken ct)
    {
        var failures = new List<string>();
        var taken = ports.Where(p => !IsFree(p.Port)).ToList();
        if (taken.Count == 0)
            return failures;
        // One engine call names the holders of all taken ports (a persistent lab's second run holds them all).
        var publishers = await ContainersPublishingAsync(ct).ConfigureAwait(false);
        foreach (var (server, port) in taken)
        {
            var holder = publishers.GetValueOrDefault(port);
            if (holder is not null && persistent && holder.StartsWith(server + "-", StringComparison.Ordinal))
                continue; // this persistent lab's server, which the run reuses
            failures.Add(holder is not null
                ? $"error: port {port} ({server}) is held by container {holder}{(persistent ? "" : ", perhaps left by a persistent lab")}: remove it with `{cli.Name} rm -f {holder}`"
                : $"error: port {port} ({server}) is in use by another program: stop it (find it with `lsof -i :{port}`, or `netstat -ano | findstr :{port}` on Windows)");
        }
        return failures;
    }

    /// <summary>The image is on this machine, or pulled now (never for locally built images).</summary>
    public async Task<string?> ImageAsync(string image, bool pullable, Action<string> progress, CancellationToken ct)
    {
        var inspect = await cli.RunAsync(["image", "inspect", "--format", "{{.Id}}", image], ct).ConfigureAwait(false);
        if (inspect is { ExitCode: 0 })
        {
            progress($"ok: image {image} is present");
            return null;
        }
        if (!pullable)
            return $"error: image {image} is missing: build the twin images with `bash tests/docker/build-twin-images.sh`";

        progress($"pulling {image} (the first run downloads about 1 GB per server)");
        var pull = await cli.RunAsync(["pull", image], ct, TimeSpan.FromMinutes(30)).ConfigureAwait(false);
        if (pull is { ExitCode: 0 })
        {
            progress($"ok: pulled {image}");
            return null;
        }
        return $"error: image {image} is not here and cannot be pulled ({FirstLine(pull?.Errors ?? "")}): check the network " +
               "and registry login, or run the twins: --Parameters:images=twin";
    }

    /// <summary>The running containers' published host ports (<c>0.0.0.0:9443->9443/tcp, :::9443->9443/tcp</c>) and
    /// who publishes each.</summary>
    private async Task<Dictionary<int, string>> ContainersPublishingAsync(CancellationToken ct)
    {
        var publishers = new Dictionary<int, string>();
        var ps = await cli.RunAsync(["ps", "--format", "{{.Names}}\t{{.Ports}}"], ct).ConfigureAwait(false);
        if (ps is not { ExitCode: 0 })
            return publishers;
        foreach (var line in ps.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var fields = line.Split('\t', 2);
            if (fields.Length != 2)
                continue;
            foreach (System.Text.RegularExpressions.Match published in PublishedPort().Matches(fields[1]))
                publishers.TryAdd(int.Parse(published.Groups[1].Value, CultureInfo.InvariantCulture), fields[0].Trim());
        }
        return publishers;
    }

    [System.Text.RegularExpressions.GeneratedRegex(@":(\d+)->")]
    private static partial System.Text.RegularExpressions.Regex PublishedPort();

    /// <summary>Free on loopback and on every address (an engine may publish on either).</summary>
    private static bool IsFree(int port) => AppHostPorts.CanBind(IPAddress.Loopback, port) && AppHostPorts.CanBind(IPAddress.Any, port);

    private static string Gigabytes(long bytes) => (bytes / (1024.0 * 1024 * 1024)).ToString("0.0 'GB'", CultureInfo.InvariantCulture);

    private static string FirstLine(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? "no output";
}

/// <summary>The container engine's command line, as Aspire picks it (<c>ASPIRE_CONTAINER_RUNTIME</c>, else docker).</summary>
/// <param name="Name">docker or podman.</param>
/// <param name="Environment">Variables set for each call besides the AppHost's own (e.g. <c>DOCKER_HOST</c>).</param>
public sealed record ContainerCli(string Name, IReadOnlyDictionary<string, string>? Environment = null)
{
    public sealed record Result(int ExitCode, string Output, string Errors);

    public static ContainerCli FromEnvironment() =>
        new(System.Environment.GetEnvironmentVariable("ASPIRE_CONTAINER_RUNTIME") is { Length: > 0 } runtime ? runtime : "docker");

    /// <summary>Null when the CLI is not installed. A call that outlives <paramref name="timeout"/> (default 30 s)
    /// is killed and reported as failed, so a hung engine cannot hold the lab.</summary>
    public async Task<Result?> RunAsync(IReadOnlyList<string> args, CancellationToken ct, TimeSpan? timeout = null)
    {
        var start = new ProcessStartInfo(Name) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
            start.ArgumentList.Add(arg);
        foreach (var (key, value) in Environment ?? new Dictionary<string, string>())
            start.Environment[key] = value;

        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }

        using (process)
        {
            using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
            limit.CancelAfter(timeout ?? TimeSpan.FromSeconds(30));
            var output = process.StandardOutput.ReadToEndAsync(limit.Token);
            var errors = process.StandardError.ReadToEndAsync(limit.Token);
            try
            {
                await process.WaitForExitAsync(limit.Token).ConfigureAwait(false);
                return new Result(process.ExitCode, (await output.ConfigureAwait(false)).Trim(), (await errors.ConfigureAwait(false)).Trim());
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                process.Kill(entireProcessTree: true);
                return new Result(-1, "", $"no answer within {(timeout ?? TimeSpan.FromSeconds(30)).TotalSeconds:0} s");
            }
        }
    }
}
