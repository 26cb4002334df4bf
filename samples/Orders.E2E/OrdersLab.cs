using KmLab.Testing;

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
        var ct = startup.Token;
        // <readme:e2e-start>
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.Orders_AppHost>(ct);
        App = await builder.BuildAsync(ct);
        await App.StartAsync(ct);

        Lab = await KmLabEndToEnd.FromAsync(App, "kmlab", ct);
        Api = await Lab.WaitForApiAsync("orders-api", TimeSpan.FromMinutes(6), ct);
        // </readme:e2e-start>
        Direct = App.GetEndpoint("orders", "http");
    }

    public async ValueTask DisposeAsync()
    {
        Lab?.Dispose();
        if (App is not null) await App.DisposeAsync();
    }
}
