using System.Text.Json;
using System.Text.Json.Serialization;

namespace KmLab.Twins.Wire;

/// <summary>How WSO2's REST APIs (CXF + Jackson) write JSON: camelCase names, null fields left out.</summary>
internal static class WireJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };
}
