using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Json.Schema;
using YamlDotNet.RepresentationModel;

namespace KmLab.Register.Tests.Contract;

/// <summary>WSO2's OpenAPI descriptions of the Admin v4, Publisher v4 and DevPortal v3 REST APIs as released with each
/// APIM version (wso2/carbon-apimgt, <c>components/apimgt/org.wso2.carbon.apimgt.rest.api.{admin.v1,publisher.v1,store.v1}
/// /src/main/resources/{admin,publisher,devportal}-api.yaml</c> at the release the product pins). They are reference
/// data kept beside the repository, not in it: <c>../shared/wso2-specs</c> from the repository root, or the folder
/// <c>KMLAB_WSO2_SPECS</c> names.</summary>
internal static class ApimSpecs
{
    public const string FolderVariable = "KMLAB_WSO2_SPECS";
    public static readonly string[] Apis = ["admin", "publisher", "devportal"];

    private static readonly ConcurrentDictionary<string, Lazy<ApimSpec>> Loaded = new();

    /// <summary>The specs' folder, or null with the reason it is not there.</summary>
    public static (string? Folder, string? Missing) Locate()
    {
        var named = Environment.GetEnvironmentVariable(FolderVariable);
        var folder = !string.IsNullOrEmpty(named) ? named : Path.GetFullPath(Path.Combine(RepositoryRoot(), "..", "shared", "wso2-specs"));
        var wanted = Path.Combine(folder, "apim-4.6.0-admin-api.yaml");
        return File.Exists(wanted)
            ? (folder, null)
            : (null, $"WSO2's REST API specs are not at {folder} (no {Path.GetFileName(wanted)}); they are reference data kept " +
                     $"beside the repository, not in it: put them there or name their folder in {FolderVariable}");
    }

    /// <summary>One spec, parsed once per run.</summary>
    public static ApimSpec Get(string folder, string apimVersion, string api) =>
        Loaded.GetOrAdd($"{apimVersion}-{api}", key => new Lazy<ApimSpec>(
            () => ApimSpec.Load(Path.Combine(folder, $"apim-{key}-api.yaml"), key))).Value;

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Directory.Packages.props")))
                return dir.FullName;
        throw new InvalidOperationException("the repository root (Directory.Packages.props) is not above " + AppContext.BaseDirectory);
    }
}

/// <summary>One operation of a spec: its path template, method and OpenAPI operation object.</summary>
internal sealed record SpecOperation(ApimSpec Spec, string Template, string Method, JsonObject Operation);

/// <summary>An OpenAPI 3.0 document read as JSON, its schemas turned into one JSON Schema (2020-12) resource.</summary>
internal sealed class ApimSpec
{
    private readonly JsonObject _root;
    private readonly List<(string Template, Regex Pattern, int Parameters, JsonObject Item)> _paths = [];
    private readonly BuildOptions _build = new() { SchemaRegistry = new SchemaRegistry() };
    private readonly Uri _schemasUri;
    private readonly ConcurrentDictionary<string, JsonSchema> _schemas = new();
    private int _built;

    private ApimSpec(string name, JsonObject root)
    {
        Name = name;
        _root = root;
        BasePath = new Uri((string)root["servers"]![0]!["url"]!).AbsolutePath.TrimEnd('/');
        _schemasUri = new Uri($"https://kmlab.invalid/wso2-specs/{name}");
        foreach (var (template, item) in (JsonObject)root["paths"]!)
        {
            var parameters = template.Count(c => c == '{');
            var pattern = "^" + Regex.Replace(Regex.Escape(template), @"\\\{[^}]*}", "[^/]+") + "$";
            _paths.Add((template, new Regex(pattern), parameters, (JsonObject)item!));
        }
        // A literal segment wins over a template (/key-managers/discover before /key-managers/{keyManagerId}).
        _paths.Sort((a, b) => a.Parameters.CompareTo(b.Parameters));

        var schemas = (JsonObject)root["components"]!["schemas"]!.DeepClone();
        var inAllOf = new HashSet<string>();
        CollectAllOfTargets(schemas, inAllOf);
        foreach (var (schemaName, schema) in schemas)
            ToJsonSchema(schema, closeObjects: !inAllOf.Contains(schemaName));
        var resource = new JsonObject { ["$schema"] = "https://json-schema.org/draft/2020-12/schema", ["$defs"] = schemas };
        JsonSchema.Build(JsonDocument.Parse(resource.ToJsonString()).RootElement, _build, _schemasUri);
    }

    /// <summary>e.g. 4.6.0-admin.</summary>
    public string Name { get; }

    /// <summary>The path every operation sits under, e.g. /api/am/admin/v4.</summary>
    public string BasePath { get; }

    public static ApimSpec Load(string file, string name)
    {
        var yaml = new YamlStream();
        using (var reader = File.OpenText(file))
            yaml.Load(reader);
        return new ApimSpec(name, (JsonObject)ToJson(yaml.Documents[0].RootNode)!);
    }

    public SpecOperation? Find(string method, string pathUnderBase)
    {
        foreach (var (template, pattern, _, item) in _paths)
            if (pattern.IsMatch(pathUnderBase))
                return item[method.ToLowerInvariant()] is JsonObject operation ? new SpecOperation(this, template, method, operation) : null;
        return null;
    }

    public bool HasPath(string pathUnderBase) => _paths.Any(p => p.Pattern.IsMatch(pathUnderBase));

    /// <summary>Follows a <c>#/components/...</c> reference to its object (responses, request bodies, parameters).</summary>
    public JsonObject Resolve(JsonObject node)
    {
        while (node["$ref"] is JsonValue reference && ((string)reference!).StartsWith("#/", StringComparison.Ordinal))
        {
            JsonNode? target = _root;
            foreach (var part in ((string)reference!)[2..].Split('/'))
                target = target?[part];
            node = target as JsonObject ?? throw new InvalidOperationException($"{Name}: unresolved {(string)reference!}");
        }
        return node;
    }

    /// <summary>The failures of one JSON value against one schema of this spec (none when it conforms).</summary>
    public IReadOnlyList<string> Validate(JsonObject schema, string json)
    {
        var text = schema.ToJsonString();
        var built = _schemas.GetOrAdd(text, _ =>
        {
            var copy = schema.DeepClone();
            ToJsonSchema(copy, closeObjects: true);
            var document = new JsonObject { ["$schema"] = "https://json-schema.org/draft/2020-12/schema", ["allOf"] = new JsonArray(copy) };
            var uri = new Uri(_schemasUri + $"/check/{Interlocked.Increment(ref _built)}");
            return JsonSchema.Build(JsonDocument.Parse(document.ToJsonString()).RootElement, _build, uri);
        });
        using var instance = JsonDocument.Parse(json);
        var results = built.Evaluate(instance.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.Hierarchical });
        if (results.IsValid)
            return [];
        // A failed value also fails the null branch AdmitJacksonNulls adds; "should be null" says nothing more.
        return [.. Failed(results)
            .Where(d => d.Errors is { Count: > 0 })
            .SelectMany(d => d.Errors!.Where(e => !e.Value.EndsWith("but should be \"null\"", StringComparison.Ordinal))
                .Select(e => $"{(d.InstanceLocation.ToString() is "" ? "(body)" : d.InstanceLocation.ToString())}: {e.Value}"))
            .Distinct()];
    }

    /// <summary>The failed nodes of an evaluation; a passing node's subtree (e.g. an <c>anyOf</c> one branch of
    /// which matched) reports nothing.</summary>
    private static IEnumerable<EvaluationResults> Failed(EvaluationResults node) =>
        node.IsValid ? [] : (node.Details ?? []).SelectMany(Failed).Prepend(node);

    /// <summary>Turns an OpenAPI 3.0 schema object into JSON Schema 2020-12 in place: references point into the
    /// spec's schema resource, <c>nullable</c> becomes a null type, and an object that lists its properties without
    /// <c>additionalProperties</c> admits no others (the server's DTOs have no others; a schema used in an
    /// <c>allOf</c> stays open, its siblings add to it).</summary>
    private void ToJsonSchema(JsonNode? node, bool closeObjects)
    {
        switch (node)
        {
            case JsonArray array:
                foreach (var item in array)
                    ToJsonSchema(item, closeObjects);
                break;
            case JsonObject obj:
                if (obj["$ref"] is JsonValue reference && ((string)reference!).StartsWith("#/components/schemas/", StringComparison.Ordinal))
                    obj["$ref"] = $"{_schemasUri}#/$defs/{((string)reference!)["#/components/schemas/".Length..]}";
                // WSO2's DTOs are generated from these specs; `type: object` without properties becomes a Java
                // Object there, which Jackson reads and writes as any JSON value (an array, a string, ...).
                if (obj["type"] is JsonValue objectType && (string?)objectType == "object" && obj["additionalProperties"] is null
                    && obj["allOf"] is null && obj["properties"] is not JsonObject { Count: > 0 })
                {
                    obj.Remove("type");
                    obj.Remove("properties");
                }
                if (obj["nullable"] is JsonValue nullable && (bool)nullable && obj["type"] is JsonValue type)
                    obj["type"] = new JsonArray((string)type!, "null");
                foreach (var (key, value) in obj.ToList())
                {
                    if (key is "example" or "examples" || key.StartsWith("x-", StringComparison.Ordinal))
                        obj.Remove(key);
                    else if (key == "properties" && value is JsonObject properties)
                    {
                        foreach (var (_, property) in properties)
                            ToJsonSchema(property, closeObjects: true);
                        AdmitJacksonNulls(properties, obj["required"] as JsonArray);
                    }
                    else if (key is "allOf")
                        ToJsonSchema(value, closeObjects: false);
                    else if (key is "items" or "additionalProperties" or "oneOf" or "anyOf" or "not")
                        ToJsonSchema(value, closeObjects: true);
                }
                if (closeObjects && obj["properties"] is JsonObject { Count: > 0 } && obj["additionalProperties"] is null && obj["allOf"] is null
                    && obj["discriminator"] is null)
                    obj["unevaluatedProperties"] = false;
                break;
        }
    }

    /// <summary>The REST APIs' plain JacksonJsonProvider writes an unset DTO field as <c>null</c>
    /// (wso2/carbon-apimgt@e62b84c9:components/apimgt/org.wso2.carbon.apimgt.rest.api.admin.v1/src/main/webapp/WEB-INF/beans.xml:60),
    /// so a property the schema does not require admits null. Lists stay strict: the generated DTOs start them empty,
    /// so a null list is a twin defect, not the server's way.</summary>
    private static void AdmitJacksonNulls(JsonObject properties, JsonArray? required)
    {
        var names = (required ?? []).Select(r => (string?)r).ToHashSet();
        foreach (var (name, property) in properties.ToList())
        {
            if (names.Contains(name) || property is not JsonObject schema || (schema["type"] as JsonValue)?.ToString() == "array")
                continue;
            properties[name] = new JsonObject { ["anyOf"] = new JsonArray(schema.DeepClone(), new JsonObject { ["type"] = "null" }) };
        }
    }

    private static void CollectAllOfTargets(JsonNode? node, HashSet<string> names)
    {
        switch (node)
        {
            case JsonArray array:
                foreach (var item in array) CollectAllOfTargets(item, names);
                break;
            case JsonObject obj:
                foreach (var (key, value) in obj)
                {
                    if (key == "allOf" && value is JsonArray parts)
                        foreach (var part in parts)
                            if (part?["$ref"] is JsonValue r && ((string)r!).StartsWith("#/components/schemas/", StringComparison.Ordinal))
                                names.Add(((string)r!)["#/components/schemas/".Length..]);
                    CollectAllOfTargets(value, names);
                }
                break;
        }
    }

    /// <summary>YAML to JSON: a plain scalar is a boolean, null or number where YAML 1.2's core schema says so;
    /// a quoted one is a string.</summary>
    private static JsonNode? ToJson(YamlNode node) => node switch
    {
        YamlMappingNode map => new JsonObject(map.Children.Select(c => KeyValuePair.Create(((YamlScalarNode)c.Key).Value!, ToJson(c.Value)))),
        YamlSequenceNode seq => new JsonArray([.. seq.Children.Select(ToJson)]),
        YamlScalarNode { Style: YamlDotNet.Core.ScalarStyle.Plain } s => Plain(s.Value ?? ""),
        YamlScalarNode s => JsonValue.Create(s.Value ?? ""),
        _ => throw new InvalidOperationException($"unexpected YAML node {node.NodeType} at {node.Start}"),
    };

    private static JsonNode? Plain(string value) => value switch
    {
        "" or "~" or "null" or "Null" or "NULL" => null,
        "true" or "True" or "TRUE" => JsonValue.Create(true),
        "false" or "False" or "FALSE" => JsonValue.Create(false),
        _ when Regex.IsMatch(value, @"^-?(0|[1-9][0-9]*)$") && long.TryParse(value, CultureInfo.InvariantCulture, out var l) => JsonValue.Create(l),
        _ when Regex.IsMatch(value, @"^-?(0|[1-9][0-9]*)(\.[0-9]*)?([eE][-+]?[0-9]+)?$") => JsonValue.Create(double.Parse(value, CultureInfo.InvariantCulture)),
        _ => JsonValue.Create(value),
    };
}
