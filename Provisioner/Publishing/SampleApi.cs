using System.Text.Json.Nodes;
using KmLab.Provisioner.Apim;

namespace KmLab.Provisioner.Publishing;

/// <summary>The sample API the smoke publishes: one GET resource whose backend is IS's own health endpoint (a service
/// the lab already runs, no authentication), secured by the lab's Key Manager only.</summary>
public static class SampleApi
{
    public const string Name = "KmLabHello";
    public const string Version = "1.0.0";
    public const string Context = "/kmlab";

    /// <summary>The resource; the backend URL ends where IS's health path loses this last segment.</summary>
    public const string Resource = "/health";

    /// <summary>Where the gateway serves the resource: <c>{context}/{version}{resource}</c>.</summary>
    public const string GatewayPath = Context + "/" + Version + Resource;

    /// <summary>The backend base: IS's health endpoint without <see cref="Resource"/>, so that the gateway's
    /// <c>{backend}{resource}</c> is exactly IS's health URL.</summary>
    public static string BackendBase(Uri isInternalUrl) =>
        isInternalUrl.GetLeftPart(UriPartial.Authority) + IdentityServerEndpoints.HealthCheck[..^Resource.Length];

    public static Api Build(string keyManagerName, string backendBase) => new()
    {
        Name = Name,
        Version = Version,
        Context = Context,
        Description = "KmLab's smoke API: IS's health endpoint behind APIM's gateway, secured by the lab's Key Manager",
        Type = "HTTP",
        Transport = ["https"],
        Policies = [DevPortal.UnlimitedPolicy],
        SecurityScheme = ApimPublishing.DefaultSecuritySchemes,
        KeyManagers = [keyManagerName],
        Visibility = "PUBLIC",
        EndpointConfig = new JsonObject
        {
            ["endpoint_type"] = ApimPublishing.HttpEndpointType,
            ["production_endpoints"] = new JsonObject { ["url"] = backendBase },
            ["sandbox_endpoints"] = new JsonObject { ["url"] = backendBase },
        },
        Operations =
        [
            new ApiOperation
            {
                Target = Resource, Verb = "GET", AuthType = ApimPublishing.AuthTypeApplicationAndUser,
                ThrottlingPolicy = DevPortal.UnlimitedPolicy,
            },
        ],
    };

    /// <summary>What of <paramref name="desired"/> the stored API lacks: its Key Managers, backend, resource or tier.</summary>
    public static IReadOnlyList<string> Differences(Api desired, Api stored)
    {
        var differences = new List<string>();
        if (!(stored.KeyManagers ?? []).Order().SequenceEqual((desired.KeyManagers ?? []).Order())) differences.Add("keyManagers");
        if (ProductionUrl(stored) != ProductionUrl(desired)) differences.Add("endpointConfig");
        if (!(stored.Operations ?? []).Any(o => o.Target == Resource && o.Verb.Equals("GET", StringComparison.OrdinalIgnoreCase)))
            differences.Add("operations");
        if (!(stored.Policies ?? []).Contains(DevPortal.UnlimitedPolicy)) differences.Add("policies");
        return differences;
    }

    private static string? ProductionUrl(Api api) => (string?)api.EndpointConfig?["production_endpoints"]?["url"];
}
