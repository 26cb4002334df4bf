using KmLab.Testing;

namespace Orders.E2E;

/// <summary>The sample AppHost, run once for the suite: the lab on the twin images, the orders service, and the
/// orders API published on the gateway.</summary>
public sealed class OrdersLab : IAsyncLifetime
{
    private DistributedApplication? _app;
    private KmLabEndToEnd? _lab;

    public DistributedApplication App => _app ?? throw new InvalidOperationException("not started");
    public KmLabEndToEnd Lab => _lab ?? throw new InvalidOperationException("not started");

    /// <summary>The orders API as <c>publish</c> recorded it, live on the gateway.</summary>
    public GatewayApi Api { get; private set; } = null!;

    /// <summary>The orders service itself (its own http endpoint, not the gateway).</summary>
    public Uri Direct { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        using var startup = new CancellationTokenSource(TimeSpan.FromMinutes(8));
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.Orders_AppHost>(startup.Token);
        _app = await builder.BuildAsync(startup.Token);
        await _app.StartAsync(startup.Token);
        _lab = await KmLabEndToEnd.FromAsync(_app, "kmlab", startup.Token);
        Api = await _lab.WaitForApiAsync("orders-api", TimeSpan.FromMinutes(6), startup.Token);
        Direct = _app.GetEndpoint("orders", "http");
    }

    public async ValueTask DisposeAsync()
    {
        _lab?.Dispose();
        if (_app is not null) await _app.DisposeAsync();
    }
}
