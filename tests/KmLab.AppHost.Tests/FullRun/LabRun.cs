using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using KmLab.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace KmLab.AppHost.Tests.FullRun;

/// <summary>One run of the real AppHost under Aspire's orchestrator (DCP), with the twin images, the given lab
/// parameters, and every resource's console log collected as it is written.</summary>
public sealed class LabRun : IAsyncDisposable
{
    /// <summary>Twins boot in seconds; on WSO2's images (RealImageRunTests) a step may take WSO2's own boot allowance
    /// and register's wait after it (KmLab.Tests.RealImageBootTimes).</summary>
    public static readonly TimeSpan Timeout = RealImageRunTests.Enabled ? KmLab.Tests.RealImageBootTimes.LabStep : TimeSpan.FromMinutes(5);


    private readonly Dashboard? _dashboard;

    private readonly ResourceLogCapture _capture;

    private LabRun(DistributedApplication app, Dashboard? dashboard, ResourceLogCapture capture) =>
        (App, _dashboard, _capture) = (app, dashboard, capture);

    public sealed record Dashboard(Uri Url, string Token)
    {
        public Uri LoginUrl => new(Url, $"/login?t={Token}");
    }

    public DistributedApplication App { get; }

    /// <summary>Set when the run has its dashboard (off by default in Aspire.Hosting.Testing): the address the
    /// orchestrator gave the dashboard resource, and the login token this run set.</summary>
    public Dashboard? DashboardLogin => _dashboard is null
        ? null
        : _dashboard with { Url = new Uri(App.GetEndpoint("aspire-dashboard", "http").GetLeftPart(UriPartial.Authority)) };

    /// <param name="parameters">name=value pairs, passed as <c>--Parameters:name=value</c>.</param>
    /// <param name="configure">Changes to the model before it is built (e.g. a fault).</param>
    /// <param name="withDashboard">Runs the dashboard on free localhost ports, over plain http as the README's
    /// default profile does, behind a login token.</param>
    public static async Task<LabRun> StartAsync(string[] parameters, Action<IDistributedApplicationTestingBuilder>? configure = null,
        bool withDashboard = false)
    {
        var ct = TestContext.Current.CancellationToken;
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.KmLab_AppHost>(
            [.. parameters.Select(p => $"--Parameters:{p}")],
            (options, _) =>
            {
                options.DisableDashboard = !withDashboard;
                options.AllowUnsecuredTransport = withDashboard;
            }, ct);
        Dashboard? dashboard = null;
        if (withDashboard)
        {
            dashboard = new Dashboard(new Uri($"http://localhost:{FreePort()}"), Guid.NewGuid().ToString("N"));
            builder.Configuration["ASPNETCORE_URLS"] = dashboard.Url.ToString(); // Aspire.Hosting.Testing may move it
            builder.Configuration["ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL"] = $"http://localhost:{FreePort()}";
            builder.Configuration["ASPIRE_RESOURCE_SERVICE_ENDPOINT_URL"] = $"http://localhost:{FreePort()}";
            builder.Configuration["AppHost:BrowserToken"] = dashboard.Token;
        }
        var capture = new ResourceLogCapture(builder.Environment.ApplicationName);
        builder.Services.AddLogging(logging => logging.AddProvider(capture));
        configure?.Invoke(builder);

        var app = await builder.BuildAsync(ct);
        var run = new LabRun(app, dashboard, capture);
        try
        {
            await app.StartAsync(ct);
        }
        catch
        {
            await run.DisposeAsync();
            throw;
        }
        return run;
    }

    /// <summary>Waits for a one-shot resource (or the preflight) to end and returns how it ended.</summary>
    public async Task<CustomResourceSnapshot> EndOfAsync(string resource, Func<CustomResourceSnapshot, bool>? after = null)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(Timeout);
        try
        {
            var ended = await App.ResourceNotifications.WaitForResourceAsync(resource,
                e => e.Snapshot.State?.Text is { } s && KnownResourceStates.TerminalStates.Contains(s) && (after?.Invoke(e.Snapshot) ?? true),
                timeout.Token);
            return ended.Snapshot;
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !TestContext.Current.CancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"{resource} did not end within {Timeout}; its log:\n{Log(resource)}");
        }
    }

    public CustomResourceSnapshot Current(string resource) =>
        App.ResourceNotifications.TryGetCurrentState(resource, out var e) ? e.Snapshot : throw new InvalidOperationException($"no state for {resource}");

    /// <summary>Asserts a one-shot ended Finished with exit code 0, showing its log when not.</summary>
    public async Task<CustomResourceSnapshot> AssertFinishedAsync(string resource, Func<CustomResourceSnapshot, bool>? after = null)
    {
        // The state and the exit code may reach the AppHost in separate updates: wait for both.
        var end = await EndOfAsync(resource, s => s.ExitCode is not null && (after?.Invoke(s) ?? true));
        Assert.True(end.State?.Text == KnownResourceStates.Finished && end.ExitCode == 0,
            $"{resource} ended {end.State?.Text} with exit code {end.ExitCode}; its log:\n{Log(resource)}");
        return end;
    }

    /// <summary>Console lines arrive a moment after the state change that follows them (longer on a busy machine):
    /// waits (up to 60 s) until the resource's log satisfies <paramref name="condition"/>, then returns the log.</summary>
    public async Task<string> LogWhenAsync(string resource, Func<string, bool> condition)
    {
        for (var i = 0; i < 120 && !condition(Log(resource)); i++)
            await Task.Delay(TimeSpan.FromMilliseconds(500), TestContext.Current.CancellationToken);
        return Log(resource);
    }

    /// <summary>Waits (up to <see cref="Timeout"/>) until the resource's state satisfies <paramref name="condition"/>.</summary>
    public async Task<CustomResourceSnapshot> StateWhenAsync(string resource, Func<CustomResourceSnapshot, bool> condition)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(Timeout);
        return (await App.ResourceNotifications.WaitForResourceAsync(resource, e => condition(e.Snapshot), timeout.Token)).Snapshot;
    }

    /// <summary>The resource's console log as the AppHost logs it (stderr lines marked), one line per entry.</summary>
    public string Log(string resource) => _capture.Log(resource);

    public Task<ExecuteCommandResult> ExecuteAsync(string resource, string command) =>
        App.Services.GetRequiredService<ResourceCommandService>().ExecuteCommandAsync(resource, command, TestContext.Current.CancellationToken);

    public async ValueTask DisposeAsync()
    {
        try
        {
            await App.StopAsync(CancellationToken.None);
        }
        catch (Exception e) when (e is OperationCanceledException or InvalidOperationException)
        {
            // Stopped already, or never started.
        }
        await App.DisposeAsync();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>Keeps the console lines Aspire logs for each resource (category "&lt;AppHost&gt;.Resources.&lt;name&gt;";
/// stderr lines at error level), which is how the AppHost's own console shows them.</summary>
internal sealed class ResourceLogCapture(string applicationName) : ILoggerProvider
{
    private readonly ConcurrentDictionary<string, ConcurrentQueue<string>> _lines = new();

    public string Log(string resource) => _lines.TryGetValue(resource, out var lines) ? string.Join('\n', lines) : "";

    public ILogger CreateLogger(string categoryName) =>
        categoryName.StartsWith($"{applicationName}.Resources.", StringComparison.Ordinal)
            ? new Lines(_lines.GetOrAdd(categoryName[(applicationName.Length + ".Resources.".Length)..], _ => new ConcurrentQueue<string>()))
            : Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;

    public void Dispose()
    {
    }

    private sealed class Lines(ConcurrentQueue<string> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            lines.Enqueue((logLevel >= LogLevel.Error ? "[stderr] " : "") + formatter(state, exception));
    }
}
