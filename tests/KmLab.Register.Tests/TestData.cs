namespace KmLab.Register.Tests;

/// <summary>Inputs several suites here share.</summary>
public static class TestData
{
    /// <summary>Every APIM version the lab supports, one theory row each.</summary>
    public static TheoryData<string> ApimVersions => new(Wso2Versions.ApiManager.Select(v => v.Version));

    /// <summary>An OpenAPI 3 document with a GET on each of <paramref name="paths"/>, each with a 200 response: APIM's
    /// parser refuses an operation without responses (400 900754).</summary>
    public static string OpenApi(params string[] paths) => new JsonObject
    {
        ["openapi"] = "3.0.1",
        ["info"] = new JsonObject { ["title"] = "KmLab test", ["version"] = "1.0.0" },
        ["paths"] = new JsonObject(paths.Select(p => KeyValuePair.Create(p, (JsonNode?)new JsonObject
        {
            ["get"] = new JsonObject { ["responses"] = new JsonObject { ["200"] = new JsonObject { ["description"] = "OK" } } },
        }))),
    }.ToJsonString();
}
