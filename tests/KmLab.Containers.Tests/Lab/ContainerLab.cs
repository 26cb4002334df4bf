using System.Diagnostics;
using System.Security.Cryptography;
using Docker.DotNet;
using DotNet.Testcontainers.Builders;
using DotNet.Testcontainers.Configurations;
using DotNet.Testcontainers.Containers;
using DotNet.Testcontainers.Networks;
using KmLab.Provisioner;
using KmLab.Provisioner.Prepare;
using KmLab.Provisioner.Register;
using KmLab.Lab.Wso2;
using KmLab.Tests.Shared;

namespace KmLab.Containers.Tests.Lab;

/// <summary>How to build one lab. The defaults are the AppHost's lab; the rest are the faults' knobs.</summary>
public sealed record LabOptions
{
    public LabTopology Topology { get; init; } = ContainerLab.DefaultTopology();

    /// <summary>True: host ports equal the container ports (9444; 9443, 8243), as the AppHost publishes them.
    /// False: free host ports picked at start (kept across restarts), so a second lab can run beside the first.</summary>
    public bool PublishContainerPorts { get; init; } = true;

    public bool StartApiManager { get; init; } = true;

    /// <summary>Put IS's token revocation notifier into its dropins, so <c>prepare</c> configures the revocation path.</summary>
    public bool RevocationNotifier { get; init; } = true;

    /// <summary>Runs after <c>prepare</c>, before any container exists: how a fault changes the config volumes.</summary>
    public Action<LabLayout>? AfterPrepare { get; init; }
}

/// <summary>A server of the lab that exited, or never answered its health check, while the lab started.</summary>
public sealed class LabStartException(string message, string serverLog) : Exception(message)
{
    /// <summary>The container's stdout and stderr, as the server wrote them.</summary>
    public string ServerLog { get; } = serverLog;
}

/// <summary>What the AppHost does, without Aspire: <c>prepare</c> into a temp state folder, a Docker network,
/// <c>is7</c> and <c>apim</c> containers under those aliases with their config volumes mounted read-only, health
/// waits over TLS that trust only the lab CA. Disposing removes the containers, the network and the state folder.</summary>
public sealed class ContainerLab : IAsyncDisposable
{
    private const string Loopback = "127.0.0.1";
    private readonly IDockerClient _docker;
    private readonly List<IContainer> _containers = [];
    private readonly Dictionary<(string Server, int ContainerPort), int> _hostPorts = [];
    private INetwork? _network;
    private LabPortsLock? _portsLock;

    private ContainerLab(LabOptions options, LabImages images, LabLayout layout, IDockerClient docker)
    {
        (Options, Images, Layout, _docker) = (options, images, layout, docker);
        Id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
    }

    public static LabTopology DefaultTopology() => new(
        LabVersions.IdentityServer, LabVersions.ApiManager, Wso2Ports.DefaultIdentityServerOffset,
        LabTopology.DefaultIdentityServerHost, LabTopology.DefaultApiManagerHost, LabTopology.DefaultAdminUser,
        // A fresh secret per lab; it never appears in output (LabTopology.ToString leaves it out).
        Convert.ToBase64String(RandomNumberGenerator.GetBytes(18)));

    /// <summary>Names this lab's network and containers, so two labs never collide.</summary>
    public string Id { get; }

    public LabOptions Options { get; }
    public LabTopology Topology => Options.Topology;
    public LabImages Images { get; }
    public LabLayout Layout { get; }
    public IContainer IdentityServer { get; private set; } = null!;
    public IContainer? ApiManager { get; private set; }

    /// <summary>Whether <c>prepare</c> configured IS to tell APIM about revoked tokens.</summary>
    public bool RevocationConfigured { get; private set; }

    /// <summary>From "containers created" to "both healthy", for the benchmark.</summary>
    public TimeSpan CreatedToHealthy { get; private set; }

    public Uri IsUrl => HostUrl(Topology.IdentityServerHost, Topology.IdentityServerHttpsPort);
    public Uri ApimUrl => HostUrl(Topology.ApiManagerHost, Wso2Ports.ServletHttps);
    public Uri GatewayUrl => HostUrl(Topology.ApiManagerHost, Wso2Ports.GatewayHttps);

    /// <summary>IS as APIM reaches it, on the lab network.</summary>
    public Uri IsInternalUrl => new($"https://{Topology.IdentityServerHost}:{Topology.IdentityServerHttpsPort}");

    public static async Task<ContainerLab> StartAsync(LabOptions options, CancellationToken ct)
    {
        var images = LabImages.For(options.Topology);
        await DockerGate.RequireAsync(images, ct);
        var ports = PublishedPorts(options);
        // The fixed ports are shared with the AppHost suite, which `dotnet test` may run at the same time.
        var portsLock = options.PublishContainerPorts
            ? await LabPortsLock.AcquireAsync(LabPortsLock.DefaultWait, Console.Error.WriteLine, ct)
            : null;
        try
        {
            if (options.PublishContainerPorts)
                HostPorts.EnsureFree(ports);
        }
        catch
        {
            portsLock?.Dispose();
            throw;
        }

        var state = Directory.CreateTempSubdirectory("kmlab-containers-").FullName;
        var lab = new ContainerLab(options, images, new LabLayout(state), await DockerGate.ConnectAsync(ct)) { _portsLock = portsLock };
        try
        {
            lab.Prepare();
            await lab.CreateAsync(ports, ct);
            var clock = Stopwatch.StartNew();
            await Task.WhenAll(lab._containers.Select(c => lab.StartContainerAsync(c, ct)));
            lab.CreatedToHealthy = clock.Elapsed;
            return lab;
        }
        catch
        {
            await lab.DisposeAsync();
            throw;
        }
    }

    /// <summary>The request <c>register</c> gets from the AppHost: host URLs for itself, the container name for APIM.</summary>
    public RegisterRequest RegisterRequest() => new(
        Layout.Root, ApimUrl, IsUrl, IsInternalUrl, IsDisplayUrl: null, Provisioner.Register.RegisterRequest.DefaultKeyManagerName,
        Topology.AdminUser, Topology.AdminPassword, DryRun: false)
    {
        ReadinessTimeout = Images.BootTimeout,
        ApiManagerVersion = Topology.ApiManagerVersion,
    };

    public HttpClient CreateClient() => LabHttp.TrustingLabCa(Layout.CaCertificate);

    /// <summary>Stops a server; <see cref="StartContainerAsync"/> brings it back with its state (same container).</summary>
    public Task StopAsync(IContainer container, CancellationToken ct) => container.StopAsync(ct);

    /// <summary>Starts (or restarts) a server's container and waits until its health check answers 200.</summary>
    public async Task StartContainerAsync(IContainer container, CancellationToken ct)
    {
        try
        {
            await container.StartAsync(ct);
        }
        catch (ContainerNotRunningException)
        {
            // It exited at once: the health wait below reports why, with its log.
        }
        await WaitHealthyAsync(container, ct);
    }

    public async Task<string> LogsAsync(IContainer container, CancellationToken ct = default)
    {
        var (stdout, stderr) = await container.GetLogsAsync(ct: ct);
        return stdout + stderr;
    }

    /// <summary>The last lines of each server's log, for a failure message that shows what the servers saw.</summary>
    public async Task<string> LogTailsAsync(int lines = 25)
    {
        var tails = new List<string>();
        foreach (var container in _containers)
        {
            var log = (await LogsAsync(container)).TrimEnd().Split('\n');
            tails.Add($"--- {container.Name.TrimStart('/')}, last {Math.Min(lines, log.Length)} log lines ---\n" + string.Join('\n', log.TakeLast(lines)));
        }
        return string.Join('\n', tails);
    }

    private void Prepare()
    {
        if (Options.RevocationNotifier)
            RevocationConfigured = RevocationNotifierJar.Install(Layout.IdentityServerVolume, Images);
        LabPreparer.Prepare(new PrepareRequest(Layout.Root, Topology));
        Options.AfterPrepare?.Invoke(Layout);
    }

    private static List<(string Server, int Port)> PublishedPorts(LabOptions options)
    {
        var topology = options.Topology;
        List<(string, int)> ports = [(topology.IdentityServerHost, topology.IdentityServerHttpsPort)];
        if (options.StartApiManager)
            ports.AddRange([(topology.ApiManagerHost, Wso2Ports.ServletHttps), (topology.ApiManagerHost, Wso2Ports.GatewayHttps)]);
        return ports;
    }

    private async Task CreateAsync(List<(string Server, int Port)> ports, CancellationToken ct)
    {
        _network = new NetworkBuilder().WithName($"kmlab-{Id}").WithLabel("kmlab.lab", Id).Build();
        await _network.CreateAsync(ct);

        IdentityServer = Container(Topology.IdentityServerHost, Images.IdentityServer,
            Topology.IdentityServerVersion.Version, Layout.IdentityServerVolume, ports);
        if (Options.StartApiManager)
        {
            ApiManager = Container(Topology.ApiManagerHost, Images.ApiManager,
                Topology.ApiManagerVersion.Version, Layout.ApiManagerVolume, ports);
        }
    }

    private IContainer Container(string host, string image, string version, string volume, List<(string Server, int Port)> ports)
    {
        var builder = new ContainerBuilder(image)
            .WithName($"kmlab-{Id}-{host}")
            .WithLabel("kmlab.lab", Id)
            .WithNetwork(_network!)
            .WithNetworkAliases(host)
            .WithBindMount(volume, Wso2Images.ConfigVolume, AccessMode.ReadOnly)
            // Started by the health wait, which knows what "ready" means for each product.
            .WithWaitStrategy(Wait.ForUnixContainer());
        if (Images.AreTwins)
            builder = builder.WithEnvironment(LabImages.TwinVersionVariable, version);
        foreach (var (_, port) in ports.Where(p => p.Server == host))
        {
            var hostPort = Options.PublishContainerPorts ? port : HostPorts.PickFree();
            _hostPorts[(host, port)] = hostPort;
            builder = builder.WithPortBinding(hostPort, port);
        }

        // Publish on the loopback address only: the lab is for this machine.
        builder = builder.WithCreateParameterModifier(parameters =>
        {
            foreach (var binding in parameters.HostConfig?.PortBindings?.Values.SelectMany(b => b) ?? [])
                binding.HostIP = Loopback;
        });
        var container = builder.Build();
        _containers.Add(container);
        return container;
    }

    private async Task WaitHealthyAsync(IContainer container, CancellationToken ct)
    {
        var (server, url) = container == IdentityServer
            ? (Topology.IdentityServerHost, new Uri(IsUrl, IdentityServerEndpoints.WellKnown))
            : (Topology.ApiManagerHost, new Uri(ApimUrl, ApimEndpoints.StartupHealthCheck));
        using var http = LabHttp.TrustingLabCa(Layout.CaCertificate, TimeSpan.FromSeconds(5));
        var clock = Stopwatch.StartNew();
        var last = "no answer yet";
        while (true)
        {
            var inspect = await _docker.Containers.InspectContainerAsync(container.Id, ct);
            if (inspect.State is { Running: false })
            {
                throw new LabStartException(
                    $"{server} ({container.Image.FullName}) exited with code {inspect.State.ExitCode} before it was healthy; its log says why.",
                    await LogsAsync(container, ct));
            }

            try
            {
                using var response = await http.GetAsync(url, ct);
                if (response.IsSuccessStatusCode)
                    return;
                last = $"HTTP {(int)response.StatusCode}";
            }
            catch (HttpRequestException e)
            {
                last = e.Message;
            }
            catch (TaskCanceledException) when (!ct.IsCancellationRequested)
            {
                last = "timed out";
            }

            if (clock.Elapsed > Images.BootTimeout)
            {
                throw new LabStartException(
                    $"{server} ({container.Image.FullName}) did not answer {url} with 200 within {Images.BootTimeout.TotalSeconds:0} s (last: {last}).",
                    await LogsAsync(container, ct));
            }
            await Task.Delay(TimeSpan.FromMilliseconds(250), ct);
        }
    }

    private Uri HostUrl(string server, int containerPort) =>
        _hostPorts.TryGetValue((server, containerPort), out var hostPort)
            ? new($"https://{LabTopology.PublicHostName}:{hostPort}")
            : throw new InvalidOperationException($"This lab publishes no port {containerPort} for {server}.");

    public async ValueTask DisposeAsync()
    {
        // Everything is attempted, so a failing step leaves nothing else behind.
        foreach (var container in _containers)
        {
            try { await container.DisposeAsync(); } catch (Exception e) when (e is DockerApiException or InvalidOperationException) { }
        }
        if (_network is not null)
        {
            try { await _network.DeleteAsync(); } catch (DockerApiException) { }
        }
        _docker.Dispose();
        _portsLock?.Dispose();
        try { Directory.Delete(Layout.Root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
