using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace KmLab.Provisioner.Cli;

/// <summary>Runs a command's work inside a host with the service defaults, so its spans and logs reach the dashboard
/// when the AppHost runs it (OTEL_EXPORTER_OTLP_ENDPOINT) and the console otherwise.</summary>
internal static class CliHost
{
    public static async Task<T> RunAsync<T>(Func<ILoggerFactory, CancellationToken, Task<T>> body, CancellationToken ct)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.AddServiceDefaults();
        // stdout carries the command's result; logs go to stderr.
        builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning).AddFilter("System", LogLevel.Warning);
        builder.Services.Configure<ConsoleLifetimeOptions>(o => o.SuppressStatusMessages = true);

        using var host = builder.Build();
        await host.StartAsync(ct);
        try
        {
            return await body(host.Services.GetRequiredService<ILoggerFactory>(), ct);
        }
        finally
        {
            // Flushes the telemetry exporters.
            await host.StopAsync(CancellationToken.None);
        }
    }
}
