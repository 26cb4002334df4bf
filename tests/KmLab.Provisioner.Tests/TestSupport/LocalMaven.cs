using System.Net;
using System.Net.Sockets;

namespace KmLab.Provisioner.Tests.TestSupport;

/// <summary>A Maven repository on loopback (Maven's layout: the jar and its <c>.sha1</c> side by side), serving
/// what a test put into it; every other path is a 404.</summary>
internal sealed class LocalMaven : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Dictionary<string, byte[]> _files = [];
    private readonly Task _serving;

    public LocalMaven()
    {
        var port = FreePort();
        Url = new Uri($"http://127.0.0.1:{port}/nexus/content/repositories/releases/");
        _listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        _listener.Start();
        _serving = Task.Run(ServeAsync);
    }

    public Uri Url { get; }

    /// <summary>The paths requested, in order.</summary>
    public List<string> Requests { get; } = [];

    /// <summary>Publishes a jar at its Maven path with a .sha1 file: its own digest, or <paramref name="sha1"/>.</summary>
    public void Publish(string version, byte[] jar, string? sha1 = null)
    {
        var path = new Uri(Prepare.HandlerJarDownload.JarUrl(Url, version).AbsoluteUri).AbsolutePath;
        lock (_files)
        {
            _files[path] = jar;
            // Maven's own format: the digest, then two spaces and the file name (as some repositories serve it).
            _files[path + ".sha1"] = System.Text.Encoding.ASCII.GetBytes(
                (sha1 ?? Convert.ToHexStringLower(SHA1.HashData(jar))) + "  " + Path.GetFileName(path) + "\n");
        }
    }

    /// <summary>A loopback URL on which nothing listens (connection refused, as offline).</summary>
    public static string ClosedPortUrl() => $"http://127.0.0.1:{FreePort()}/releases/";

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }
            var path = context.Request.Url!.AbsolutePath;
            byte[]? body;
            lock (_files)
            {
                Requests.Add(path);
                _files.TryGetValue(path, out body);
            }
            context.Response.StatusCode = body is null ? 404 : 200;
            if (body is not null)
                await context.Response.OutputStream.WriteAsync(body);
            context.Response.Close();
        }
    }

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
        _serving.Wait(TimeSpan.FromSeconds(5));
    }
}
