using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace KmLab.Hosting;

/// <summary>The fixed ports the AppHost itself needs (dashboard, OTLP, resource service), free before anything starts.
/// A second <c>dotnet run</c> beside a running lab otherwise dies in Kestrel with an unhandled exception (the resource
/// service binds in the AppHost's process) or leaves a dashboard that never comes up.</summary>
public static class AppHostPorts
{
    /// <summary>The exit code of an AppHost that stops because a port it needs is taken.</summary>
    public const int PortTakenExitCode = 3;

    /// <summary>The settings that give the AppHost's own ports (a launch profile sets them), with what each is.</summary>
    public static IReadOnlyList<(string Setting, string What)> Settings { get; } =
    [
        ("ASPNETCORE_URLS", "dashboard"),
        ("ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL", "dashboard's OTLP endpoint"),
        ("ASPIRE_DASHBOARD_OTLP_HTTP_ENDPOINT_URL", "dashboard's OTLP/HTTP endpoint"),
        ("ASPIRE_RESOURCE_SERVICE_ENDPOINT_URL", "resource service"),
    ];

    /// <summary>Checks the ports as the run starts (after every change to the configuration): on a conflict, one
    /// line and exit code <see cref="PortTakenExitCode"/>; under Aspire.Hosting.Testing, an exception with that line.</summary>
    internal static void CheckBeforeStart(IDistributedApplicationBuilder builder)
    {
        if (!builder.ExecutionContext.IsRunMode)
            return;
        builder.Eventing.Subscribe<BeforeStartEvent>((e, _) =>
        {
            if (e.Services.GetService<DistributedApplicationOptions>() is { DisableDashboard: true })
                return Task.CompletedTask; // no dashboard, no resource service: nothing of the AppHost's own listens
            if (Conflict(builder.Configuration) is not { } line)
                return Task.CompletedTask;
            if (AppDomain.CurrentDomain.GetAssemblies().Any(a => a.GetName().Name == "Aspire.Hosting.Testing"))
                throw new DistributedApplicationException(line);
            Console.Error.WriteLine(line);
            Environment.Exit(PortTakenExitCode);
            return Task.CompletedTask;
        });
    }

    /// <summary>Null when every fixed port of the AppHost is free; otherwise the line naming the first one taken,
    /// who holds it (where the system says), and how to reach or stop it.</summary>
    public static string? Conflict(IConfiguration configuration)
    {
        var dashboard = Urls(configuration["ASPNETCORE_URLS"]).FirstOrDefault();
        foreach (var (setting, what) in Settings)
        {
            foreach (var url in Urls(configuration[setting]))
            {
                if (url.Port == 0 || IsFree(url))
                    continue;
                var holder = ListeningProcess(url.Port);
                var reach = dashboard is null ? "" : $"; its dashboard is {dashboard.GetLeftPart(UriPartial.Authority)} (the login link is in its terminal)";
                return holder switch
                {
                    { IsAppHost: true } => $"error: port {url.Port} (the AppHost's {what}) is held by another AppHost, {holder.Name} (pid {holder.Pid}): " +
                                           $"a lab is already running{reach}; use it, or stop it with Ctrl+C in its terminal (or `kill {holder.Pid}`) and run again",
                    not null => $"error: port {url.Port} (the AppHost's {what}, {setting}) is in use by {holder.Name} (pid {holder.Pid}): " +
                                $"stop it (`kill {holder.Pid}`), or give the AppHost another port in {setting} (launchSettings.json)",
                    null => $"error: port {url.Port} (the AppHost's {what}, {setting}) is in use, perhaps by another AppHost{reach}: " +
                            $"stop that program (find it with `lsof -i :{url.Port}`, or `netstat -ano | findstr :{url.Port}` on Windows), or set another port in {setting}",
                };
            }
        }
        return null;
    }

    private static IEnumerable<Uri> Urls(string? value) =>
        (value ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(u => Uri.TryCreate(u.Replace("://*", "://0.0.0.0", StringComparison.Ordinal).Replace("://+", "://0.0.0.0", StringComparison.Ordinal),
                UriKind.Absolute, out var uri) ? uri : null)
            .OfType<Uri>();

    /// <summary>Kestrel binds "localhost" on IPv4 and IPv6 loopback; a port one of them holds is taken.</summary>
    private static bool IsFree(Uri url)
    {
        IPAddress[] addresses = url.IsLoopback || url.Host == "localhost"
            ? [IPAddress.Loopback]
            : IPAddress.TryParse(url.Host, out var address) ? [address] : [IPAddress.Any];
        return addresses.All(a => CanBind(a, url.Port));
    }

    /// <summary>Whether a listener could bind <paramref name="port"/> on <paramref name="address"/> now.</summary>
    internal static bool CanBind(IPAddress address, int port)
    {
        using var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.Bind(new IPEndPoint(address, port));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    public sealed record Holder(int Pid, string Name, bool IsAppHost);

    /// <summary>The process listening on <paramref name="port"/>, found through /proc on Linux (the socket's inode in
    /// /proc/net/tcp*, then the process holding it); null elsewhere or when it is not visible to this user.</summary>
    public static Holder? ListeningProcess(int port)
    {
        if (!OperatingSystem.IsLinux())
            return null;
        try
        {
            var hexPort = port.ToString("X4", CultureInfo.InvariantCulture);
            var inodes = new[] { "/proc/net/tcp", "/proc/net/tcp6" }.Where(File.Exists)
                .SelectMany(File.ReadLines)
                .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                // local_address is "ADDR:PORT" in hex; state 0A is LISTEN; the inode is the tenth field.
                .Where(f => f.Length > 9 && f[1].EndsWith(":" + hexPort, StringComparison.Ordinal) && f[3] == "0A")
                .Select(f => $"socket:[{f[9]}]").ToHashSet();
            if (inodes.Count == 0)
                return null;
            foreach (var process in Directory.EnumerateDirectories("/proc"))
            {
                if (!int.TryParse(Path.GetFileName(process), out var pid))
                    continue;
                try
                {
                    if (!Directory.EnumerateFileSystemEntries(Path.Combine(process, "fd"))
                            .Any(fd => new FileInfo(fd).LinkTarget is { } target && inodes.Contains(target)))
                        continue;
                    var commandLine = File.ReadAllText(Path.Combine(process, "cmdline")).Split('\0', StringSplitOptions.RemoveEmptyEntries);
                    var name = commandLine.FirstOrDefault(a => !Path.GetFileName(a).Equals("dotnet", StringComparison.Ordinal)) is { } program
                        ? Path.GetFileName(program)
                        : File.ReadAllText(Path.Combine(process, "comm")).Trim();
                    return new Holder(pid, name, commandLine.Any(a => a.Contains("AppHost", StringComparison.OrdinalIgnoreCase)));
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    // A process that ended, or one this user may not look into.
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
        return null;
    }
}
