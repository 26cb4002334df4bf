namespace KmLab.Tests.Shared;

/// <summary>A machine-wide lock on the lab's fixed host ports (9443, 9444, 8243, 8280), taken by every test suite
/// that starts a lab publishing them: `dotnet test` runs test projects in parallel, and two labs on one set of ports
/// would fail each other half-way. An exclusive open of one file in the temp folder is the lock (an OS file lock,
/// which the OS drops when the process ends, however it ends). Re-entrant within a process: a suite's labs nest.</summary>
public sealed class LabPortsLock : IDisposable
{
    public static readonly string FilePath = Path.Combine(Path.GetTempPath(), "kmlab-lab-ports.lock");

    /// <summary>How long a suite waits for another to finish its labs before it gives up.</summary>
    public static readonly TimeSpan DefaultWait = TimeSpan.FromMinutes(20);

    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static FileStream? _held;
    private static int _count;
    private bool _disposed;

    private LabPortsLock()
    {
    }

    /// <param name="waiting">Told once, when another process holds the lock and this one starts waiting.</param>
    /// <exception cref="TimeoutException">Another process held the lock for all of <paramref name="wait"/>.</exception>
    public static async Task<LabPortsLock> AcquireAsync(TimeSpan wait, Action<string>? waiting, CancellationToken ct)
    {
        await Gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (_held is null)
            {
                var deadline = DateTime.UtcNow + wait;
                var told = false;
                while (true)
                {
                    try
                    {
                        _held = new FileStream(FilePath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
                        break;
                    }
                    catch (IOException) when (DateTime.UtcNow < deadline)
                    {
                        if (!told)
                            waiting?.Invoke($"another test run holds {FilePath} (a lab on the fixed ports); waiting up to {wait.TotalMinutes:0} min");
                        told = true;
                        await Task.Delay(TimeSpan.FromSeconds(1), ct).ConfigureAwait(false);
                    }
                    catch (IOException e)
                    {
                        throw new TimeoutException($"another test run held {FilePath} for {wait.TotalMinutes:0} min; is a test run stuck? ({e.Message})", e);
                    }
                }
            }
            _count++;
            return new LabPortsLock();
        }
        finally
        {
            Gate.Release();
        }
    }

    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        Gate.Wait();
        try
        {
            if (--_count == 0)
            {
                _held?.Dispose();
                _held = null;
            }
        }
        finally
        {
            Gate.Release();
        }
    }
}
