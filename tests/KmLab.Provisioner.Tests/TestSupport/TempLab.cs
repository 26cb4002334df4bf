using KmLab.Provisioner.Prepare;

namespace KmLab.Provisioner.Tests.TestSupport;

/// <summary>A fresh state folder under the temp directory, removed afterwards.</summary>
internal sealed class TempLab : IDisposable
{
    public TempLab()
    {
        Root = Path.Combine(Path.GetTempPath(), "kmlab-tests", Guid.NewGuid().ToString("N"));
        Layout = new LabLayout(Root);
    }

    public string Root { get; }
    public LabLayout Layout { get; }

    public static LabTopology Topology(string isVersion = "7.3.0", string apimVersion = "4.6.0", int offset = 1,
        string isHost = "is7", string apimHost = "apim", string password = "admin") =>
        new(Wso2Versions.ParseIdentityServer(isVersion), Wso2Versions.ParseApiManager(apimVersion), offset, isHost, apimHost,
            LabTopology.DefaultAdminUser, password);

    /// <summary>A state folder <c>prepare</c> has filled, as most tests start from.</summary>
    public static TempLab Prepared(LabTopology? topology = null)
    {
        var lab = new TempLab();
        lab.Prepare(topology);
        return lab;
    }

    public PrepareResult Prepare(LabTopology? topology = null, bool renewCa = false) =>
        LabPreparer.Prepare(new PrepareRequest(Root, topology ?? Topology(), renewCa));

    public string IsKeyStore(string isVersion = "7.3.0") => SecurityFile(Layout.IdentityServerVolume,
        Wso2KeyStores.KeyStoreFileName(Wso2Versions.ParseIdentityServer(isVersion).KeyStoreFormat));

    public string IsTrustStore(string isVersion = "7.3.0") => SecurityFile(Layout.IdentityServerVolume,
        Wso2KeyStores.TrustStoreFileName(Wso2Versions.ParseIdentityServer(isVersion).KeyStoreFormat));

    public string ApimKeyStore => SecurityFile(Layout.ApiManagerVolume, Wso2KeyStores.KeyStoreFileName(KeyStoreFormat.Jks));
    public string ApimTrustStore => SecurityFile(Layout.ApiManagerVolume, Wso2KeyStores.TrustStoreFileName(KeyStoreFormat.Jks));

    /// <summary>Every file and folder under the state folder with a hash of its bytes and its mode: equal
    /// snapshots mean the folder was left exactly as it was.</summary>
    public IReadOnlyDictionary<string, string> Snapshot()
    {
        if (!Directory.Exists(Root))
            return new Dictionary<string, string>();
        return Directory.EnumerateFileSystemEntries(Root, "*", SearchOption.AllDirectories).ToDictionary(
            p => Path.GetRelativePath(Root, p),
            p => Directory.Exists(p)
                ? $"folder {File.GetUnixFileMode(p)}"
                : $"{Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(p)))} {File.GetUnixFileMode(p)}");
    }

    /// <summary>Makes the state folder unwritable for this process: read-only modes, or for root (whom modes do
    /// not stop) the immutable attribute. False when neither works on this machine.</summary>
    public bool TryLock()
    {
        if (!Environment.IsPrivilegedProcess)
        {
            foreach (var folder in Folders())
                File.SetUnixFileMode(folder, (UnixFileMode)0b101_101_101);
            return true;
        }
        try
        {
            _immutable = Tools.Run("chattr", "-R", "+i", Root).ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            _immutable = false; // no chattr here
        }
        return _immutable;
    }

    public void Unlock()
    {
        if (_immutable)
            Tools.Run("chattr", "-R", "-i", Root);
        _immutable = false;
        foreach (var folder in Folders())
            File.SetUnixFileMode(folder, (UnixFileMode)0b111_101_101);
    }

    public void Dispose()
    {
        if (!Directory.Exists(Root))
            return;
        Unlock();
        Directory.Delete(Root, recursive: true);
    }

    private bool _immutable;

    private IEnumerable<string> Folders() => Directory.EnumerateDirectories(Root, "*", SearchOption.AllDirectories).Prepend(Root);

    private static string SecurityFile(string volume, string name) => Path.Combine(LabLayout.SecurityDirectory(volume), name);
}
