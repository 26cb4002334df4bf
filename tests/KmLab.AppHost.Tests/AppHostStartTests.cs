using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Aspire.Hosting;
using KmLab.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace KmLab.AppHost.Tests;

/// <summary>What an AppHost with a lab meets as it starts: its own ports taken by a running lab, and Aspire's
/// developer-certificate notification, which the lab (served by the lab CA) has no use for.</summary>
public sealed class AppHostStartTests
{
    private static string TempState() => Path.Combine(Path.GetTempPath(), "kmlab-apphost-tests", Guid.NewGuid().ToString("N"));

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [Fact]
    public void A_taken_apphost_port_is_named_with_the_process_that_holds_it()
    {
        using var holder = new TcpListener(IPAddress.Loopback, 0);
        holder.Start();
        var port = ((IPEndPoint)holder.LocalEndpoint).Port;
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ASPNETCORE_URLS"] = $"http://localhost:{FreePort()}",
            ["ASPIRE_RESOURCE_SERVICE_ENDPOINT_URL"] = $"http://localhost:{port}",
        }).Build();

        var line = AppHostPorts.Conflict(configuration);

        Assert.NotNull(line);
        Assert.StartsWith($"error: port {port} (the AppHost's resource service", line);
        if (OperatingSystem.IsLinux())
            Assert.Contains($"(pid {Environment.ProcessId})", line);
        Assert.DoesNotContain('\n', line);

        holder.Stop();
        Assert.Null(AppHostPorts.Conflict(configuration));
    }

    [Fact]
    public async Task A_second_apphost_beside_a_running_one_stops_with_one_line_and_no_stack_trace()
    {
        using var holder = new TcpListener(IPAddress.Loopback, 0);
        holder.Start();
        var port = ((IPEndPoint)holder.LocalEndpoint).Port;
        var home = Directory.CreateTempSubdirectory("kmlab-apphost-home-").FullName;
        try
        {
            var start = new ProcessStartInfo("dotnet",
                [Path.Combine(AppContext.BaseDirectory, "KmLab.AppHost.dll"), "--Parameters:images=twin", $"--Parameters:state-dir={TempState()}",
                 $"--Parameters:{LabParameters.AdminPasswordName}=Pw{Guid.NewGuid():N}"])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            start.Environment["HOME"] = home;
            start.Environment["DOTNET_CLI_HOME"] = home;
            // The http launch profile's settings, the resource service's port held as a running lab holds it.
            start.Environment["ASPNETCORE_URLS"] = $"http://localhost:{FreePort()}";
            start.Environment["ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL"] = $"http://localhost:{FreePort()}";
            start.Environment["ASPIRE_RESOURCE_SERVICE_ENDPOINT_URL"] = $"http://localhost:{port}";
            start.Environment["ASPIRE_ALLOW_UNSECURED_TRANSPORT"] = "true";
            using var process = Process.Start(start)!;
            var output = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
            var errors = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
            timeout.CancelAfter(TimeSpan.FromMinutes(2));
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            finally
            {
                if (!process.HasExited)
                    process.Kill(entireProcessTree: true);
            }

            var error = (await errors).Trim();
            Assert.True(process.ExitCode == AppHostPorts.PortTakenExitCode, $"exit code {process.ExitCode}; stderr:\n{error}\nstdout:\n{await output}");
            Assert.StartsWith($"error: port {port} (the AppHost's resource service", error);
            Assert.DoesNotContain('\n', error);
            Assert.DoesNotContain("Unhandled exception", await output + error);
        }
        finally
        {
            Directory.Delete(home, recursive: true);
        }
    }

    [Fact]
    public async Task The_developer_certificate_notification_is_dropped_while_only_the_lab_servers_serve_https()
    {
        var builder = DistributedApplication.CreateBuilder(new DistributedApplicationOptions
        {
            Args = [$"--Parameters:state-dir={TempState()}"],
            AssemblyName = typeof(KmLab.AppHost.Lab.DevCertificate).Assembly.GetName().Name,
            DisableDashboard = true,
        });
        builder.AddKmLab("kmlab");
        await using var app = builder.Build();
        var interactions = app.Services.GetRequiredService<IInteractionService>();

        // Aspire's own service refuses any notification without a dashboard: reaching it throws.
        var dropped = await interactions.PromptNotificationAsync("No trusted development certificate", "…", cancellationToken: TestContext.Current.CancellationToken);
        Assert.False(dropped.Data);
        await Assert.ThrowsAsync<InvalidOperationException>(() =>
            interactions.PromptNotificationAsync("Another notice", "…", cancellationToken: TestContext.Current.CancellationToken));

        // A resource of the AppHost's own with an https endpoint may use the certificate: the notification passes.
        Assert.True(DevCertificateNotice.OnlyLabServersUseTls(builder.Resources));
        builder.AddExecutable("web", "dotnet", ".").WithHttpsEndpoint(port: 5443);
        Assert.False(DevCertificateNotice.OnlyLabServersUseTls(builder.Resources));
        await Assert.ThrowsAsync<InvalidOperationException>(() =>
            interactions.PromptNotificationAsync("No trusted development certificate", "…", cancellationToken: TestContext.Current.CancellationToken));
    }
}
