using System.Text.Json;
using KmLab.Provisioner.Apim;

namespace KmLab.Twins.ApiManager;

/// <summary>An API as the Publisher stores it, with its revisions (frozen copies) and where they are deployed.</summary>
internal sealed class StoredApi
{
    public required Api Value { get; set; }
    public List<StoredRevision> Revisions { get; init; } = [];
    public int RevisionCounter { get; set; }

    /// <summary>By gateway environment: at most one revision deployed to each.</summary>
    public List<ApiRevisionDeployment> Deployments { get; init; } = [];
}

internal sealed class StoredRevision
{
    public required ApiRevision Info { get; init; }

    /// <summary>The API as it was when the revision was made: what a gateway serves once it is deployed.</summary>
    public required Api Snapshot { get; init; }
}

/// <summary>What real APIM keeps about published APIs and subscriptions, next to <see cref="ApimState"/> and in the
/// same data directory (so a restart keeps them, as the database inside the container does).</summary>
internal sealed class PublisherState
{
    private const string FileName = "apim-twin-publisher.json";

    public List<StoredApi> Apis { get; init; } = [];
    public List<Subscription> Subscriptions { get; init; } = [];

    public static PublisherState Load(string? directory)
    {
        var path = directory is null ? null : Path.Combine(directory, FileName);
        return path is not null && File.Exists(path)
            ? JsonSerializer.Deserialize<PublisherState>(File.ReadAllText(path), ApimJson.Options) ?? new PublisherState()
            : new PublisherState();
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
