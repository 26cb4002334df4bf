using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace KmLab.Provisioner.Cli;

/// <summary>Runs a command's work inside a host with the service defaults, so its spans and logs reach the dashboard
/// when the AppHost runs it (OTEL_EXPORTER_OTLP_ENDPOINT) and the console otherwise.</summary>
internal static class CliHost
{
    /// <param name="quiet">The command's stdout is data to read (a dry run's JSON): no informational lines there.</param>
    public static async Task<T> RunAsync<T>(Func<ILoggerFactory, CancellationToken, Task<T>> body, CancellationToken ct, bool quiet = false)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.AddServiceDefaults();
        // As the Aspire dashboard reads a console: informational lines on stdout, warnings and errors on stderr
        // (which it badges), one line each. Structured logs and traces go through OTLP regardless.
        builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Warning);
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.IncludeScopes = false;
        });
        if (quiet)
            builder.Logging.AddFilter<Microsoft.Extensions.Logging.Console.ConsoleLoggerProvider>(level => level >= LogLevel.Warning);
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
