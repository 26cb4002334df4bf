using System.Text;
using System.Text.Json;
using KmLab.Lab.Wso2;

namespace KmLab.Lab;

/// <summary>What <c>prepare</c> decided, for the steps after it (lab.json). It never holds the admin password.</summary>
public sealed record LabManifest(
    string IdentityServerVersion,
    string ApiManagerVersion,
    int IdentityServerOffset,
    string IdentityServerHost,
    string ApiManagerHost,
    string AdminUser)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static LabManifest From(LabTopology topology) => new(
        topology.IdentityServerVersion.Version, topology.ApiManagerVersion.Version, topology.IdentityServerOffset,
        topology.IdentityServerHost, topology.ApiManagerHost, topology.AdminUser);

    /// <summary>The topology again, with the password supplied by the caller.</summary>
    public LabTopology ToTopology(string adminPassword) => new(
        Wso2Versions.ParseIdentityServer(IdentityServerVersion), Wso2Versions.ParseApiManager(ApiManagerVersion),
        IdentityServerOffset, IdentityServerHost, ApiManagerHost, AdminUser, adminPassword);

    public static LabManifest Read(LabLayout layout)
    {
        if (!File.Exists(layout.Manifest))
            throw new LabException(ExitCodes.CorruptState,
                $"{layout.Manifest} does not exist; run prepare --state {layout.Root} first.");
        try
        {
            return JsonSerializer.Deserialize<LabManifest>(File.ReadAllBytes(layout.Manifest), Json)
                   ?? throw new JsonException("empty");
        }
        catch (JsonException)
        {
            throw new LabException(ExitCodes.CorruptState,
                $"{layout.Manifest} cannot be read; run prepare --state {layout.Root} again to rewrite it.");
        }
    }

    /// <summary>IS as this machine reaches it (the AppHost publishes IS's port unchanged on the host).</summary>
    public Uri IdentityServerUrl() => LabUrls.IdentityServer(IdentityServerOffset);

    /// <summary>IS as containers on the lab network reach it (APIM's connector, for one).</summary>
    public Uri IdentityServerInternalUrl() => LabUrls.IdentityServerInternal(IdentityServerHost, IdentityServerOffset);

    /// <summary>lab.json's bytes; <c>prepare</c> writes them (atomically, only when they changed).</summary>
    public byte[] ToJsonBytes() => Encoding.UTF8.GetBytes(JsonSerializer.Serialize(this, Json) + "\n");
}
