using System.Diagnostics;
using System.Net;
using KmLab.Twins.ApiManager;
using KmLab.Twins.IdentityServer;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace KmLab.Twins;

/// <summary>Starts a WSO2 twin in this process (Kestrel, real TLS). The container entry starts the same thing.</summary>
public static class Twins
{
    public static Task<RunningTwin> StartIdentityServerAsync(TwinOptions options, CancellationToken ct = default) =>
        StartAsync(TwinProduct.IdentityServer, options, ct);

    public static Task<RunningTwin> StartApiManagerAsync(TwinOptions options, CancellationToken ct = default) =>
        StartAsync(TwinProduct.ApiManager, options, ct);

    /// <exception cref="TwinRefusedException">The config volume holds what the real server refuses to start with.</exception>
    internal static async Task<RunningTwin> StartAsync(TwinProduct product, TwinOptions options, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var log = new TwinLog(options.LogEcho);
        log.Info("org.wso2.carbon.core.internal.CarbonCoreActivator",
            $"Starting {(product == TwinProduct.IdentityServer ? "WSO2 Identity Server" : "WSO2 API Manager")} {options.Version} (KmLab twin)");
        var context = TwinContext.Boot(product, options, log);

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.WebHost.UseKestrelHttpsConfiguration();
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(new TwinLogProvider(log));
        var address = IPAddress.Parse(options.ListenAddress);
        void Https(Microsoft.AspNetCore.Server.Kestrel.Core.ListenOptions listen) => listen.UseHttps(https =>
        {
            https.ServerCertificate = context.TlsCertificate;
            https.ServerCertificateChain = context.TlsChain;
        });
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(address, context.HttpsPort, Https);
            if (context.GatewayHttpsPort is { } gateway)
                kestrel.Listen(address, gateway, Https);
        });
        builder.Services.AddSingleton(context);

        var app = builder.Build();
        var capture = new RequestCapture();
        app.Use((http, next) => capture.InvokeAsync(http, () => next(http)));
        IAsyncDisposable state = product == TwinProduct.IdentityServer
            ? IdentityServerTwin.Map(app, context)
            : ApiManagerTwin.Map(app, context);

        try
        {
            await app.StartAsync(ct);
        }
        catch (IOException e)
        {
            log.Error("org.apache.catalina.core.StandardService", $"Failed to start: {e.Message}");
            await app.DisposeAsync();
            throw new TwinRefusedException($"cannot listen: {e.Message}", log.Lines);
        }
        log.Info("org.wso2.carbon.core.internal.StartupFinalizerServiceComponent", $"Server           :  {options.Version}");
        log.Info("org.wso2.carbon.core.internal.StartupFinalizerServiceComponent",
            $"WSO2 Carbon started in {clock.Elapsed.TotalSeconds:0.###} sec");
        var host = options.ListenAddress is "0.0.0.0" or "127.0.0.1" or "::" or "::1" ? "localhost" : options.ListenAddress;
        return new RunningTwin(app, state, log, capture,
            new Uri($"https://{host}:{context.HttpsPort}"),
            context.GatewayHttpsPort is { } g ? new Uri($"https://{host}:{g}") : null,
            context);
    }
}

/// <summary>A started twin. <see cref="BaseUrl"/> and <see cref="GatewayUrl"/> use <c>localhost</c>, which the
/// lab's certificates cover; the URLs the twin advertises use its <c>[server] hostname</c>.</summary>
public sealed class RunningTwin : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly IAsyncDisposable _state;
    private readonly TwinLog _log;
    private readonly RequestCapture _capture;
    private readonly TwinContext _context;

    internal RunningTwin(WebApplication app, IAsyncDisposable state, TwinLog log, RequestCapture capture, Uri baseUrl, Uri? gatewayUrl, TwinContext context)
    {
        (_app, _state, _log, _capture, _context) = (app, state, log, capture, context);
        BaseUrl = baseUrl;
        GatewayUrl = gatewayUrl;
    }

    /// <summary>The servlet port (9443+offset unless overridden).</summary>
    public Uri BaseUrl { get; }

    /// <summary>APIM only: the gateway port (8243+offset unless overridden).</summary>
    public Uri? GatewayUrl { get; }

    /// <summary>The server's own URL as it advertises it (<c>https://[server] hostname:port</c>).</summary>
    public string AdvertisedBase => _context.AdvertisedBase;

    public string Version => _context.Options.Version;

    /// <summary>Every request received so far, oldest first.</summary>
    public IReadOnlyList<CapturedRequest> Requests => _capture.Requests;

    /// <summary>The server log so far (Carbon's line shape).</summary>
    public IReadOnlyList<string> LogLines => _log.Lines;

    public void ClearRequests() => _capture.Clear();

    /// <summary>Every route the twin serves: its methods and its path template, as mapped.</summary>
    public IReadOnlyList<(string Method, string Template)> Routes =>
        [.. ((IEndpointRouteBuilder)_app).DataSources.SelectMany(d => d.Endpoints).OfType<RouteEndpoint>()
            .SelectMany(e => (e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["*"])
                .Select(m => (m, "/" + (e.RoutePattern.RawText ?? "").TrimStart('/'))))];

    /// <summary>Completes when the host stops (Ctrl+C or SIGTERM in a container).</summary>
    public Task WaitForShutdownAsync(CancellationToken ct = default) => _app.WaitForShutdownAsync(ct);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        await _state.DisposeAsync();
    }
}
