using System.Collections.Concurrent;
using KmLab.Tests.Shared;
using KmLab.Twins;
using Microsoft.Extensions.Logging;

namespace KmLab.Register.Tests;

/// <summary>One lab for one test: a real <c>prepare</c> output in a temporary state folder, and both twins started
/// from it in this process on loopback (free ports, real TLS with the prepared keystores).</summary>
internal sealed class Lab : IAsyncDisposable
{
    private readonly PreparedTwins _twins;

    private Lab(PreparedTwins twins, LabTopology topology) => (_twins, Topology) = (twins, topology);

    public DirectoryInfo State => _twins.State;
    public LabTopology Topology { get; }
    public RunningTwin IdentityServer => _twins.IdentityServer;
    public RunningTwin ApiManager => _twins.ApiManager;
    public LogSink Logs { get; } = new();

    public string AdminPassword => Topology.AdminPassword;

    /// <summary>How APIM reaches IS here: by address rather than the name this process uses, so a Key Manager body
    /// shows which endpoints are server-to-server (APIM verifies only the chain, as the real server does).</summary>
    public Uri IsInternalUrl => new($"https://127.0.0.1:{IdentityServer.BaseUrl.Port}");

    /// <param name="prepared">Changes the prepared state folder before the twins boot from it.</param>
    public static async Task<Lab> StartAsync(string apimVersion = "4.6.0",
        Func<TwinOptions, TwinOptions>? apim = null, Func<TwinOptions, TwinOptions>? identityServer = null,
        string? isVersion = null, Action<LabLayout, LabTopology>? prepared = null)
    {
        var topology = new LabTopology(
            Wso2Versions.ParseIdentityServer(isVersion ?? Wso2Versions.DefaultIdentityServer.Version),
            Wso2Versions.ParseApiManager(apimVersion), Wso2Ports.DefaultIdentityServerOffset,
            LabTopology.DefaultIdentityServerHost, LabTopology.DefaultApiManagerHost, LabTopology.DefaultAdminUser,
            "pw-" + Guid.NewGuid().ToString("N"));
        var tuneApim = apim ?? (o => o);
        var twins = await PreparedTwins.StartAsync("kmlab-register-", topology,
            identityServer ?? (o => o),
            o => tuneApim(o with { KeyManagerPropagationDelay = TimeSpan.FromMilliseconds(300) }),
            prepared is null ? null : layout => prepared(layout, topology));
        return new Lab(twins, topology);
    }

    public RegisterRequest Request(string? name = null, Uri? display = null, bool dryRun = false, string? password = null) =>
        new(State.FullName, ApiManager.BaseUrl, IdentityServer.BaseUrl, IsInternalUrl, display,
            name ?? RegisterRequest.DefaultKeyManagerName, Topology.AdminUser, password ?? AdminPassword, dryRun)
        {
            ReadinessTimeout = TimeSpan.FromSeconds(20),
            UsableTimeout = TimeSpan.FromSeconds(20),
        };

    public Task<RegisterResult> RegisterAsync(RegisterRequest? request = null) =>
        new KeyManagerRegistrar(Logs.Factory).RunAsync(request ?? Request(), TestContext.Current.CancellationToken);

    /// <summary>Runs register, then forgets the requests APIM saw meanwhile: what the test asserts on starts after it.</summary>
    public async Task<RegisterResult> RegisterThenClearRequestsAsync()
    {
        var result = await RegisterAsync();
        ApiManager.ClearRequests();
        return result;
    }

    /// <summary>Runs register expecting it to fail, and returns the failure.</summary>
    public async Task<LabException> FailAsync(RegisterRequest request)
    {
        var e = await Assert.ThrowsAsync<LabException>(() => RegisterAsync(request));
        Logs.Add("error: " + e.Message);
        return e;
    }

    /// <summary>Stops APIM and starts it again from its config volume, as a container restart does.</summary>
    public Task RestartApiManagerAsync() => _twins.RestartApiManagerAsync();

    /// <summary>Everything a person could read about the runs: our log, both servers' logs.</summary>
    public IEnumerable<string> AllLogLines() => Logs.Lines.Concat(IdentityServer.LogLines).Concat(ApiManager.LogLines);

    public ValueTask DisposeAsync() => _twins.DisposeAsync();
}

/// <summary>Keeps every log line the provisioner writes (message and exception), for assertions and the secrets scan.</summary>
internal sealed class LogSink : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _lines = new();

    public LogSink() => Factory = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(this));

    public ILoggerFactory Factory { get; }
    public IReadOnlyList<string> Lines => [.. _lines];

    public void Add(string line) => _lines.Enqueue(line);

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);
    public void Dispose() { }

    private sealed class Logger(LogSink sink, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            sink.Add($"{logLevel} {category}: {formatter(state, exception)}{(exception is null ? "" : " " + exception)}");
    }
}
