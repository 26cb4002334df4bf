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

    /// <summary>The shared scopes (Publisher <c>/scopes</c>).</summary>
    public List<Scope> SharedScopes { get; init; } = [];

    public static PublisherState Load(string? directory) => StateFile.Load<PublisherState>(directory, FileName);

    public void Save(string? directory) => StateFile.Save(this, directory, FileName);
}
