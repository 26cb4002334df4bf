using KmLab.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Orders.E2E;

/// <summary>The sample AppHost, run once for the suite: the lab on the twin images, the orders service, and the
/// orders API published on the gateway.</summary>
public sealed class OrdersLab : IAsyncLifetime
{
    public DistributedApplication App { get; private set; } = null!;
    public KmLabEndToEnd Lab { get; private set; } = null!;

    /// <summary>The orders API as <c>publish</c> recorded it, live on the gateway.</summary>
    public GatewayApi Api { get; private set; } = null!;

    /// <summary>The orders service itself (its own http endpoint, not the gateway).</summary>
    public Uri Direct { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        using var startup = new CancellationTokenSource(TimeSpan.FromMinutes(8));
        try
        {
            await StartAsync(startup.Token);
        }
        catch (Exception e) when (App is not null)
        {
            throw new InvalidOperationException($"the sample did not start: {e.Message}\n{await DescribeAsync(App)}", e);
        }
    }

    private async Task StartAsync(CancellationToken ct)
    {
        // <readme:e2e-start>
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.Orders_AppHost>(ct);
        App = await builder.BuildAsync(ct);
        await App.StartAsync(ct);

        Lab = await KmLabEndToEnd.FromAsync(App, "kmlab", ct);
        Api = await Lab.WaitForApiAsync("orders-api", TimeSpan.FromMinutes(6), ct);
        // </readme:e2e-start>
        Direct = App.GetEndpoint("orders", "http");
    }

    /// <summary>Every resource's state, and the last log lines of those that ended, for a failed start.</summary>
    private static async Task<string> DescribeAsync(DistributedApplication app)
    {
        var model = app.Services.GetRequiredService<DistributedApplicationModel>();
        var logs = app.Services.GetRequiredService<ResourceLoggerService>();
        var lines = new List<string>();
        foreach (var resource in model.Resources)
        {
            ResourceEvent current;
            try
            {
                using var now = new CancellationTokenSource(TimeSpan.FromSeconds(1));
                current = await app.ResourceNotifications.WaitForResourceAsync(resource.Name, _ => true, now.Token);
            }
            catch (OperationCanceledException)
            {
                continue;
            }
            lines.Add($"{resource.Name}: {current.Snapshot.State?.Text} (exit code {current.Snapshot.ExitCode?.ToString() ?? "-"})");
            if (current.Snapshot.ExitCode is null && current.Snapshot.State?.Text != KnownResourceStates.Waiting) continue;
            using var quick = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            var tail = new List<string>();
            try
            {
                await foreach (var batch in logs.GetAllAsync(resource).WithCancellation(quick.Token))
                    tail.AddRange(batch.Select(l => l.Content));
            }
            catch (OperationCanceledException)
            {
            }
            lines.AddRange(tail.TakeLast(15).Select(l => "    " + l));
        }
        return string.Join('\n', lines);
    }

    public async ValueTask DisposeAsync()
    {
        Lab?.Dispose();
        if (App is not null) await App.DisposeAsync();
    }
}
