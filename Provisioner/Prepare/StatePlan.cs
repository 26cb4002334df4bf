using System.Runtime.InteropServices;

namespace KmLab.Provisioner.Prepare;

/// <summary>Who may read a file once it is in the state folder.</summary>
internal abstract record StateFileAccess
{
    private const UnixFileMode OwnerReadWrite = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode EveryoneRead = OwnerReadWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    /// <summary>Only the user running prepare (the CA key).</summary>
    public sealed record Owner : StateFileAccess;

    /// <summary>Anyone (the CA certificate, lab.json, truststores).</summary>
    public sealed record Public(int? ContainerUid = null) : StateFileAccess;

    /// <summary>Only the container's user: keystores and deployment.toml (it holds the admin password).</summary>
    public sealed record ContainerSecret(int ContainerUid) : StateFileAccess;

    public UnixFileMode Mode => this switch
    {
        Owner => OwnerReadWrite,
        // As root we hand the file to the container's user. Otherwise that user (another uid) can read the file
        // only as "other": it has to be world-readable for the container to start.
        ContainerSecret => Environment.IsPrivilegedProcess ? OwnerReadWrite : EveryoneRead,
        _ => EveryoneRead,
    };

    /// <summary>The uid to chown to, when running as root.</summary>
    public int? Uid => !Environment.IsPrivilegedProcess ? null : this switch
    {
        ContainerSecret s => s.ContainerUid,
        Public p => p.ContainerUid,
        _ => null,
    };
}

/// <summary>Everything prepare will change in the state folder, collected first and applied last, so a failure
/// while deciding leaves the folder untouched. Each file is replaced atomically and only when its bytes differ.</summary>
internal sealed class StatePlan
{
    private const UnixFileMode DirectoryMode = (UnixFileMode)0b111_101_101; // 0755: the containers traverse it

    private readonly List<(string Path, byte[] Contents, StateFileAccess Access)> _files = [];
    private readonly List<string> _moveAside = [];

    public void Write(string path, byte[] contents, StateFileAccess access) => _files.Add((path, contents, access));

    /// <summary>Renames an old file out of the way (never deletes it) before the new files are written.</summary>
    public void MoveAside(string path) => _moveAside.Add(path);

    /// <summary>Fails with <see cref="ExitCodes.StateNotWritable"/> unless every folder it will write into can be
    /// written, checked with a probe file that is removed again.</summary>
    public void EnsureWritable()
    {
        var folders = _files.Select(f => Path.GetDirectoryName(f.Path)!).Concat(_moveAside.Select(Path.GetDirectoryName)!)
            .Select(NearestExisting!).Distinct();
        foreach (var folder in folders)
        {
            var probe = Path.Combine(folder, $".kmlab-probe-{Guid.NewGuid():N}");
            try
            {
                File.WriteAllBytes(probe, []);
                File.Delete(probe);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new LabException(ExitCodes.StateNotWritable,
                    $"state folder {folder} is not writable; make it writable for this user or choose another folder with --state.");
            }
        }
    }

    /// <summary>Applies the plan; returns the files whose contents were written.</summary>
    public IReadOnlyList<string> Apply(DateTime now)
    {
        foreach (var path in _moveAside)
            File.Move(path, AsideName(path, now));
        var written = new List<string>();
        foreach (var (path, contents, access) in _files)
        {
            if (!SameBytes(path, contents))
            {
                WriteAtomically(path, contents, access);
                written.Add(path);
            }
            else
            {
                SetAccess(path, access);
            }
        }
        return written;
    }

    private static void WriteAtomically(string path, byte[] contents, StateFileAccess access)
    {
        var folder = Path.GetDirectoryName(path)!;
        CreateDirectory(folder);
        var temporary = Path.Combine(folder, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
                options.UnixCreateMode = access.Mode; // never readable by others, not even for a moment
            using (var stream = new FileStream(temporary, options))
            {
                stream.Write(contents);
                stream.Flush(flushToDisk: true);
            }
            SetAccess(temporary, access);
            File.Move(temporary, path, overwrite: true); // rename(2): readers see the old file or the new one
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    private static void SetAccess(string path, StateFileAccess access)
    {
        if (OperatingSystem.IsWindows())
            return;
        if (File.GetUnixFileMode(path) != access.Mode)
            File.SetUnixFileMode(path, access.Mode);
        if (access.Uid is { } uid && Chown(path, uid, -1) != 0)
            throw new IOException($"cannot hand {path} to uid {uid} (errno {Marshal.GetLastPInvokeError()})");
    }

    private static void CreateDirectory(string folder)
    {
        if (OperatingSystem.IsWindows())
            Directory.CreateDirectory(folder);
        else
            Directory.CreateDirectory(folder, DirectoryMode);
    }

    private static bool SameBytes(string path, byte[] contents) =>
        File.Exists(path) && new FileInfo(path).Length == contents.Length && File.ReadAllBytes(path).AsSpan().SequenceEqual(contents);

    private static string NearestExisting(string folder)
    {
        while (!Directory.Exists(folder))
        {
            if (File.Exists(folder))
                throw new LabException(ExitCodes.StateNotWritable,
                    $"{folder} is a file where the state folder needs a folder; move it away or choose another folder with --state.");
            folder = Path.GetDirectoryName(folder) ?? throw new LabException(ExitCodes.StateNotWritable,
                $"state folder {folder} cannot be created; choose another folder with --state.");
        }
        return folder;
    }

    private static string AsideName(string path, DateTime now)
    {
        var aside = $"{path}.retired-{now:yyyyMMddTHHmmssZ}";
        for (var n = 2; File.Exists(aside); n++)
            aside = $"{path}.retired-{now:yyyyMMddTHHmmssZ}-{n}";
        return aside;
    }

    [DllImport("libc", EntryPoint = "chown", SetLastError = true)]
    private static extern int Chown(string path, int owner, int group); // group -1: left as it is
}
