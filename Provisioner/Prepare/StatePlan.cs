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

    // The images run as wso2carbon, uid and gid 10001 for APIM (wso2/docker-apim@a7a0bb99 dockerfiles/ubuntu/apim/
    // Dockerfile L73-76, L123) and 802 for IS (wso2/docker-is@966bbc00 dockerfiles/ubuntu/is/Dockerfile L66-69, L125),
    // and their entrypoint copies the whole config volume with `cp -RL` under `set -e`: one file that user cannot
    // read stops the container. As root, prepare hands the volume's files to that uid and gid, and secrets (keystores,
    // deployment.toml with the admin password and APIM 4.7.0's encryption key) are 0600: the container's user reads
    // them, no other local user does. Without root it cannot give a file away, so the container's user (another uid)
    // reads as "other" and the file has to be world-readable.
    public UnixFileMode Mode => this switch
    {
        Owner => OwnerReadWrite,
        ContainerSecret => Environment.IsPrivilegedProcess ? OwnerReadWrite : EveryoneRead,
        _ => EveryoneRead,
    };

    /// <summary>The uid (and, the same number in both images, gid) to chown to, when running as root.</summary>
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
    private readonly List<(string Volume, int ContainerUid)> _volumes = [];

    public void Write(string path, byte[] contents, StateFileAccess access) => _files.Add((path, contents, access));

    /// <summary>After the writes, makes everything else in a config volume (files the user put there, such as a jar
    /// in dropins) readable by the container's user, as the entrypoint's copy needs (see <see cref="StateFileAccess"/>).</summary>
    public void HandOverVolume(string volume, int containerUid) => _volumes.Add((volume, containerUid));

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
        // First, so a file that cannot be handed over stops prepare before it writes anything.
        var planned = _files.Select(f => Path.GetFullPath(f.Path)).ToHashSet(StringComparer.Ordinal);
        foreach (var (volume, uid) in _volumes)
            HandOver(volume, volume, uid, planned);
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

    private static void HandOver(string volume, string folder, int uid, HashSet<string> planned)
    {
        if (OperatingSystem.IsWindows() || !Directory.Exists(folder))
            return;
        foreach (var entry in new DirectoryInfo(folder).EnumerateFileSystemInfos())
        {
            if (planned.Contains(Path.GetFullPath(entry.FullName)))
                continue;
            var isFolder = entry is DirectoryInfo;
            // Read (and, for a folder, list) is what cp -RL needs; chown and chmod follow links as cp -L does.
            var needed = isFolder ? UnixFileMode.UserRead | UnixFileMode.UserExecute : UnixFileMode.UserRead;
            if (!Environment.IsPrivilegedProcess)
                needed = isFolder ? UnixFileMode.OtherRead | UnixFileMode.OtherExecute : UnixFileMode.OtherRead;
            try
            {
                var mode = File.GetUnixFileMode(entry.FullName);
                if ((mode & needed) != needed)
                    File.SetUnixFileMode(entry.FullName, mode | needed);
                if (Environment.IsPrivilegedProcess && Chown(entry.FullName, uid, uid) != 0)
                    throw new IOException($"errno {Marshal.GetLastPInvokeError()}");
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new LabException(ExitCodes.StateNotWritable,
                    $"{entry.FullName} cannot be made readable for the container's user (uid {uid}), whose start copies every file of {volume}; make it readable by everyone (chmod a+r), or run prepare as root.");
            }
            if (isFolder)
                HandOver(volume, entry.FullName, uid, planned);
        }
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
        if (access.Uid is { } uid && Chown(path, uid, uid) != 0)
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
    private static extern int Chown(string path, int owner, int group);
}
