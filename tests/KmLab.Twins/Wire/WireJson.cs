using System.Text.Json;
using System.Text.Json.Serialization;

namespace KmLab.Twins.Wire;

/// <summary>How WSO2's servers write JSON: camelCase names. Two conventions, by who writes.</summary>
internal static class WireJson
{
    /// <summary>Null fields left out: the IS endpoints, APIM's own OAuth2/DCR and gateway answers, and the twins'
    /// state files (their private storage).</summary>
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>APIM's Admin v4, Publisher v4 and DevPortal v3 REST APIs: each registers a plain
    /// <c>com.fasterxml.jackson.jaxrs.json.JacksonJsonProvider</c> (inclusion ALWAYS, and the generated DTOs carry no
    /// <c>@JsonInclude</c>), so an unset field is written as <c>null</c>
    /// (wso2/carbon-apimgt@e62b84c9:components/apimgt/org.wso2.carbon.apimgt.rest.api.admin.v1/src/main/webapp/WEB-INF/beans.xml:60,
    /// @01fd1ee3:…rest.api.publisher.v1/src/main/webapp/WEB-INF/beans.xml, @052f3e13:…rest.api.store.v1/src/main/webapp/WEB-INF/beans.xml).
    /// The Wire models carry the DTOs' own defaults (lists empty, not null); a field not every version has is
    /// marked <c>WhenWritingNull</c> there, so the versions without it do not write it.</summary>
    public static JsonSerializerOptions Rest { get; } = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };
}
