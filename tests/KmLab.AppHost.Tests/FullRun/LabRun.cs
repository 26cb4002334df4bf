using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using KmLab.AppHost.Lab;
using Microsoft.Extensions.DependencyInjection;

namespace KmLab.AppHost.Tests.FullRun;

/// <summary>One run of the real AppHost under Aspire's orchestrator (DCP), with the twin images, the given lab
/// parameters, and every resource's console log collected as it is written.</summary>
public sealed class LabRun : IAsyncDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromMinutes(5);

    private readonly ConcurrentDictionary<string, ConcurrentQueue<LogLine>> _logs = new();
    private readonly CancellationTokenSource _stopWatching = new();
    private readonly List<Task> _watchers = [];

    private LabRun(DistributedApplication app, Dashboard? dashboard) => (App, DashboardLogin) = (app, dashboard);

    public sealed record Dashboard(Uri Url, string Token)
    {
        public Uri LoginUrl => new(Url, $"/login?t={Token}");
    }

    public DistributedApplication App { get; }

    /// <summary>Set when the run has its dashboard (off by default in Aspire.Hosting.Testing).</summary>
    public Dashboard? DashboardLogin { get; }

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
            builder.Configuration["ASPNETCORE_URLS"] = dashboard.Url.ToString();
            builder.Configuration["ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL"] = $"http://localhost:{FreePort()}";
            builder.Configuration["ASPIRE_RESOURCE_SERVICE_ENDPOINT_URL"] = $"http://localhost:{FreePort()}";
            builder.Configuration["AppHost:BrowserToken"] = dashboard.Token;
        }
        configure?.Invoke(builder);

        var app = await builder.BuildAsync(ct);
        var run = new LabRun(app, dashboard);
        foreach (var resource in builder.Resources.Where(r => r is not ParameterResource))
            run._watchers.Add(run.CollectAsync(resource));
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
        var end = await EndOfAsync(resource, after);
        Assert.True(end.State?.Text == KnownResourceStates.Finished && end.ExitCode == 0,
            $"{resource} ended {end.State?.Text} with exit code {end.ExitCode}; its log:\n{Log(resource)}");
        return end;
    }

    public IReadOnlyList<LogLine> Lines(string resource) => _logs.TryGetValue(resource, out var lines) ? [.. lines] : [];

    public string Log(string resource) => string.Join('\n', Lines(resource).Select(l => (l.IsErrorMessage ? "[stderr] " : "") + l.Content));

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
        await _stopWatching.CancelAsync();
        try
        {
            await Task.WhenAll(_watchers);
        }
        catch (OperationCanceledException)
        {
        }
        await App.DisposeAsync();
        _stopWatching.Dispose();
    }

    private async Task CollectAsync(IResource resource)
    {
        var queue = _logs.GetOrAdd(resource.Name, _ => new ConcurrentQueue<LogLine>());
        await Task.Yield();
        try
        {
            await foreach (var batch in App.Services.GetRequiredService<ResourceLoggerService>().WatchAsync(resource)
                               .WithCancellation(_stopWatching.Token))
            {
                foreach (var line in batch)
                    queue.Enqueue(line);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
