using System.Diagnostics;

namespace KmLab.Containers.Tests.Lab;

/// <summary>Builds the twin images with the same script CI runs, once per test process, when they are missing.</summary>
public static class TwinImages
{
    public const string Script = "tests/docker/build-twin-images.sh";

    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static bool _built;

    /// <exception cref="LabUnavailableException">The script is not found or fails; the message carries its last lines.</exception>
    public static async Task BuildOnceAsync(CancellationToken ct)
    {
        await Gate.WaitAsync(ct);
        try
        {
            if (_built)
                return;
            var root = RepositoryRoot()
                       ?? throw new LabUnavailableException($"the twin images are missing and {Script} was not found above {AppContext.BaseDirectory}.");
            var start = new ProcessStartInfo("bash", [Path.Combine(root, Script)])
            {
                WorkingDirectory = root,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            using var process = Process.Start(start)
                                ?? throw new LabUnavailableException($"could not start bash to run {Script}.");
            var output = process.StandardOutput.ReadToEndAsync(ct);
            var errors = process.StandardError.ReadToEndAsync(ct);
            await process.WaitForExitAsync(ct);
            if (process.ExitCode != 0)
            {
                var tail = string.Join(" | ", ((await output) + (await errors)).Split('\n', StringSplitOptions.RemoveEmptyEntries).TakeLast(5));
                throw new LabUnavailableException($"building the twin images failed ({Script} exited {process.ExitCode}): {tail}");
            }
            _built = true;
        }
        finally
        {
            Gate.Release();
        }
    }

    private static string? RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, Script)))
                return dir.FullName;
        return null;
    }
}
