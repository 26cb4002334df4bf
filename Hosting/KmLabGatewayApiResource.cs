using System.Text.Json;
using KmLab.Lab;

namespace Aspire.Hosting.ApplicationModel;

/// <summary>A service published as an API on the lab's APIM gateway by the Provisioner's <c>publish</c> step, and
/// subscribed by a lab application. Resources that reference it (<c>WithReference</c>) wait for the step and get
/// the gateway URL and the application's keys (<see cref="KmLabGatewayApiExtensions"/>).</summary>
public sealed class KmLabGatewayApiResource : Resource
{
    internal KmLabGatewayApiResource(string name, KmLabResource lab, IResourceWithEndpoints service, string context, string version,
        string application, string? apiName = null) : base(name)
    {
        (Lab, Service, Context, Version, Application, ApiName) = (lab, service, context, version, application, apiName ?? name);
        // Resolved when a dependent starts, after publish wrote the file; never shown as plain text.
        ConsumerSecret = new ParameterResource($"{name}-consumer-secret", _ => Read(Lab.Layout.ApplicationFile(Application),
            PublishOutputs.ReadApplication, a => a.ConsumerSecret, nameof(LabApplicationFile.ConsumerSecret)), secret: true);
    }

    /// <summary>The lab that publishes it.</summary>
    public KmLabResource Lab { get; }

    /// <summary>The service behind the API.</summary>
    public IResourceWithEndpoints Service { get; }

    /// <summary>The API's context on the gateway, e.g. <c>/orders</c>.</summary>
    public string Context { get; }

    /// <summary>The API's version, e.g. <c>1.0.0</c>; the gateway serves it at <c>&lt;context&gt;/&lt;version&gt;</c>.</summary>
    public string Version { get; }

    /// <summary>The DevPortal application that subscribes to it (password and client-credentials grants).</summary>
    public string Application { get; }

    /// <summary>The application's consumer secret: a secret value, read from the state folder when first needed.</summary>
    public ParameterResource ConsumerSecret { get; }

    /// <summary>The operations the gateway serves without a token, as "VERB /path" (<c>WithPublicOperation</c>).</summary>
    public IReadOnlyList<string> PublicOperations => _publicOperations;

    private readonly List<string> _publicOperations = [];

    /// <summary>Adds <paramref name="operation"/> unless it is there already (false then).</summary>
    internal bool AddPublicOperation(string operation)
    {
        if (_publicOperations.Contains(operation)) return false;
        _publicOperations.Add(operation);
        return true;
    }

    /// <summary>The one-shot <c>publish</c> step (<c>&lt;name&gt;-publish</c>) that puts the API on the gateway.</summary>
    public IResource PublishStep
    {
        get => _publishStep ?? throw new InvalidOperationException($"gateway API '{Name}' has no publish step yet");
        internal set => _publishStep = value;
    }

    private IResource? _publishStep;

    /// <summary>The API's name in APIM and in the state folder (<c>apis/&lt;name&gt;.json</c>); the resource's name
    /// unless the lab names it (the demo's API).</summary>
    internal string ApiName { get; }

    /// <summary>The gateway URL of the API as <c>publish</c> recorded it (<c>apis/&lt;name&gt;.json</c>).</summary>
    internal string ReadGatewayUrl() => Read(Lab.Layout.ApiFile(ApiName), PublishOutputs.ReadApi, a => a.GatewayUrl?.ToString(), nameof(PublishedApi.GatewayUrl));

    internal string ReadApiId() => Read(Lab.Layout.ApiFile(ApiName), PublishOutputs.ReadApi, a => a.ApiId, nameof(PublishedApi.ApiId));

    internal string ReadConsumerKey() => Read(Lab.Layout.ApplicationFile(Application), PublishOutputs.ReadApplication, a => a.ConsumerKey, nameof(LabApplicationFile.ConsumerKey));

    /// <summary>One field of a state file, read through Core's reader for it.</summary>
    private string Read<T>(string file, Func<LabLayout, string, T?> reader, Func<T, string?> field, string fieldName) where T : class
    {
        try
        {
            var record = reader(Lab.Layout, Path.GetFileNameWithoutExtension(file))
                ?? throw new FileNotFoundException($"Could not find file '{file}'.", file);
            return field(record)
                ?? throw new DistributedApplicationException($"{file} has no {fieldName}; run publish again (dashboard: restart the publish step).");
        }
        catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException)
        {
            throw new DistributedApplicationException($"{file} cannot be read ({e.Message}); it appears when publish has finished: let the dependent wait for it (WithReference does).", e);
        }
    }
}
