using System.CommandLine;
using KmLab.Provisioner.Register;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace KmLab.Provisioner.Cli;

/// <summary><c>register</c>: makes IS 7 APIM's Key Manager, idempotently, and proves it works.</summary>
internal static class RegisterCommand
{
    public static Command Create()
    {
        var state = new Option<string>("--state")
        {
            Description = "The lab's state folder written by prepare; its lab CA is the only certificate authority trusted.",
            Required = true,
        };
        var apimUrl = new Option<string?>("--apim-url")
        {
            Description = "APIM's HTTPS base URL as reached from here, e.g. https://localhost:9443.",
            Required = true,
        };
        var isUrl = new Option<string?>("--is-url")
        {
            Description = "IS's HTTPS base URL as reached from here, e.g. https://localhost:9444.",
            Required = true,
        };
        var isInternalUrl = new Option<string?>("--is-internal-url")
        {
            Description = "IS's HTTPS base URL as APIM reaches it (server to server), e.g. https://is7:9444.",
            Required = true,
        };
        var isDisplayUrl = new Option<string?>("--is-display-url")
        {
            Description = "IS's HTTPS base URL as a browser reaches it (display token/revoke and authorize endpoints); default: --is-url.",
        };
        var name = new Option<string>("--name")
        {
            Description = "The Key Manager's name: register creates it, or updates the one with this name.",
            DefaultValueFactory = _ => RegisterRequest.DefaultKeyManagerName,
        };
        var adminUser = new Option<string>("--admin-user")
        {
            Description = "The super admin of both servers.",
            DefaultValueFactory = _ => LabTopology.DefaultAdminUser,
        };
        var dryRun = new Option<bool>("--dry-run")
        {
            Description = "Print the Key Manager JSON that would be sent (password masked) and write nothing.",
        };

        var command = new Command("register",
            $"Registers WSO2 IS 7 as APIM's Key Manager (create or update by name) and proves it works. The admin password comes from {LabTopology.AdminPasswordVariable} (default \"admin\").")
        {
            state, apimUrl, isUrl, isInternalUrl, isDisplayUrl, name, adminUser, dryRun,
        };
        command.SetAction((ParseResult r, CancellationToken ct) => CliRunner.RunAsync(async token =>
        {
            var request = new RegisterRequest(
                r.GetValue(state)!, Url(r, apimUrl)!, Url(r, isUrl)!, Url(r, isInternalUrl)!, Url(r, isDisplayUrl),
                r.GetValue(name)!, r.GetValue(adminUser)!, AdminPassword(), r.GetValue(dryRun));
            var result = await RunAsync(request, token);
            Print(result);
        }, ct));
        return command;
    }

    /// <summary>Runs the registrar inside a host with the service defaults, so its spans and logs reach the
    /// dashboard when the AppHost runs it (OTEL_EXPORTER_OTLP_ENDPOINT) and the console otherwise.</summary>
    private static async Task<RegisterResult> RunAsync(RegisterRequest request, CancellationToken ct)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.AddServiceDefaults();
        // stdout carries the result (and a dry run's JSON); logs go to stderr.
        builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning).AddFilter("System", LogLevel.Warning);
        builder.Services.Configure<ConsoleLifetimeOptions>(o => o.SuppressStatusMessages = true);
        builder.Services.AddSingleton(sp => new KeyManagerRegistrar(sp.GetRequiredService<ILoggerFactory>()));

        using var host = builder.Build();
        await host.StartAsync(ct);
        try
        {
            return await host.Services.GetRequiredService<KeyManagerRegistrar>().RunAsync(request, ct);
        }
        finally
        {
            // Flushes the telemetry exporters.
            await host.StopAsync(CancellationToken.None);
        }
    }

    private static void Print(RegisterResult result)
    {
        if (result.DryRunJson is { } json)
        {
            Console.WriteLine(json);
            return;
        }

        Console.WriteLine($"key manager {result.Outcome}: id {result.KeyManagerId}");
        Console.WriteLine($"proven: consumer key {result.ConsumerKey}, issuer {result.Issuer}");
    }

    /// <summary>The option's URL; register itself checks that it is https.</summary>
    private static Uri? Url(ParseResult r, Option<string?> option) =>
        r.GetValue(option) is not { } text ? null
        : Uri.TryCreate(text, UriKind.Absolute, out var url) ? url
        : throw new LabException(ExitCodes.Usage, $"{option.Name} '{text}' is not a URL; give one like https://localhost:9443.");

    private static string AdminPassword() =>
        Environment.GetEnvironmentVariable(LabTopology.AdminPasswordVariable) is { Length: > 0 } password ? password : "admin";
}
