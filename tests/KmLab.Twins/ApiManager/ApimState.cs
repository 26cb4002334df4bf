using System.Text.Json;
using KmLab.Provisioner.Apim;
using KmLab.Twins.Hosting;

namespace KmLab.Twins.ApiManager;

/// <summary>A Key Manager as the server stores it (real password included) and when the runtime has it.</summary>
internal sealed class StoredKeyManager
{
    public required KeyManager Value { get; set; }
    public DateTimeOffset UsableAt { get; set; }
}

internal sealed class StoredApplication
{
    public required Application Value { get; set; }
    public List<ApplicationKey> Keys { get; init; } = [];
}

/// <summary>What real APIM keeps in its database: REST clients, Key Managers, applications. With a data directory
/// it survives a restart (as the H2 database inside the container does); every change is written at once.</summary>
internal sealed class ApimState
{
    private const string FileName = "apim-twin-state.json";

    public List<OAuthClient> Clients { get; init; } = [];
    public List<StoredKeyManager> KeyManagers { get; init; } = [];
    public List<StoredApplication> Applications { get; init; } = [];

    public static ApimState Load(string? directory)
    {
        var path = directory is null ? null : Path.Combine(directory, FileName);
        return path is not null && File.Exists(path)
            ? JsonSerializer.Deserialize<ApimState>(File.ReadAllText(path), ApimJson.Options) ?? new ApimState()
            : new ApimState();
    }

    public void Save(string? directory)
    {
        if (directory is null) return;
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, FileName);
        File.WriteAllText(path + ".tmp", JsonSerializer.Serialize(this, ApimJson.Options));
        File.Move(path + ".tmp", path, overwrite: true);
    }
}
