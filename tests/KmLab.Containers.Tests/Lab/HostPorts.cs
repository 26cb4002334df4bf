using System.Net;
using System.Net.Sockets;
using KmLab.Provisioner;

namespace KmLab.Containers.Tests.Lab;

/// <summary>The lab publishes fixed host ports; a port another process holds must stop the lab before any container
/// exists, with the port and the server named (Docker would fail later, and less clearly, half-way through).</summary>
public static class HostPorts
{
    public static void EnsureFree(IEnumerable<(string Server, int Port)> ports)
    {
        var taken = ports.Where(p => !IsFree(p.Port)).Select(p => $"127.0.0.1:{p.Port} ({p.Server})").ToList();
        if (taken.Count > 0)
        {
            throw new LabException(ExitCodes.PortInUse,
                $"{string.Join(", ", taken)} already in use on this machine; stop what listens there (ss -ltnp) or give IS another --is-offset.");
        }
    }

    /// <summary>A port free on the loopback address now (the kernel's pick); a lab publishes it for good.</summary>
    public static int PickFree()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    private static bool IsFree(int port)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.Bind(new IPEndPoint(IPAddress.Loopback, port));
            return true;
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.AddressAlreadyInUse or SocketError.AccessDenied)
        {
            return false;
        }
    }
}
