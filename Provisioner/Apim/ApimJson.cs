using System.Text.Json;
using System.Text.Json.Serialization;

namespace KmLab.Provisioner.Apim;

/// <summary>How the WSO2 REST APIs spell JSON: camelCase names, and absent fields left out rather than sent as null
/// (APIM treats an explicit null differently from a missing field in places).</summary>
public static class ApimJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>Indented, for what a person reads (<c>--dry-run</c>).</summary>
    public static JsonSerializerOptions Indented { get; } = new(Options) { WriteIndented = true };
}
