using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using KmLab.Provisioner;
using KmLab.Provisioner.Register;
using KmLab.Tests.Shared;

namespace KmLab.AppHost.Tests.FullRun;

/// <summary>What a full run needs of the machine: Docker with the twin images, and the lab's fixed host ports, which
/// it shares with the container suite through <see cref="LabPortsLock"/>.</summary>
public static class FullRunGate
{
    public static readonly int[] LabPorts = [9443, 9444, 8243, 8280];

    private static bool InCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    public static void ThrowIfUnavailable(string? reason)
    {
        if (reason is null)
            return;
        if (InCi)
            Assert.Fail($"CI=true: the AppHost full run must run here, but {reason}.");
        Assert.Skip($"{reason}: the full run needs Docker and the twin images (tests/docker/build-twin-images.sh).");
    }

    /// <summary>Takes the lock, then checks the ports: one taken by something else is one line, not a wait.</summary>
    public static async Task<LabPortsLock> LockPortsAsync()
    {
        var portsLock = await LabPortsLock.AcquireAsync(LabPortsLock.DefaultWait,
            m => TestContext.Current.SendDiagnosticMessage(m), TestContext.Current.CancellationToken);
        var taken = LabPorts.Where(p => !Free(p)).ToList();
        if (taken.Count > 0)
        {
            portsLock.Dispose();
            throw new InvalidOperationException(
                $"port(s) {string.Join(", ", taken)} already in use on this machine by something else than a test lab; stop it (ss -ltnp) and run again.");
        }
        return portsLock;
    }

    /// <summary>The Provisioner's <c>smoke</c> against a running lab, as the README prints it: publishes the sample API,
    /// subscribes, calls it through the gateway with a token from IS.</summary>
    public static async Task<(int ExitCode, string Output)> SmokeAsync(string state, string password)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList =
            {
                typeof(RegisterOutcomes).Assembly.Location, "smoke", "--state", state,
                "--apim-url", "https://localhost:9443", "--gateway-url", "https://localhost:8243", "--is-url", "https://localhost:9444",
            },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment[LabTopology.AdminPasswordVariable] = password;
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var errors = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(LabRun.Timeout);
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output + await errors);
    }

    private static bool Free(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
