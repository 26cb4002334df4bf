namespace KmLab.Twins.ApiManager;

/// <summary>A Key Manager as the server stores it (real password included) and when the runtime has it.</summary>
internal sealed class StoredKeyManager
{
    public required KeyManager Value { get; set; }
    public DateTimeOffset UsableAt { get; set; }

    /// <summary>Set at start when this start's encryption key cannot open its masked values (APIM 4.7.0+).</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool Undecryptable { get; set; }
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

    public static ApimState Load(string? directory) => StateFile.Load<ApimState>(directory, FileName);

    public void Save(string? directory) => StateFile.Save(this, directory, FileName);
}
