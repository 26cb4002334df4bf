using System.Text.Json.Nodes;
using System.Text.Json;
using KmLab.Provisioner.Apim;
using KmLab.Lab.Wso2;
using KmLab.Provisioner.Wso2Rest;

namespace KmLab.Provisioner.Publishing;

/// <summary>An OpenAPI (or Swagger 2.0) document in JSON, read by the provisioner itself (a file, or a URL it reaches:
/// APIM may not reach the service's address), with the operations its <c>paths</c> declare. APIM's import derives
/// the API's operations from the same paths.</summary>
public sealed class OpenApiDocument
{
    private static readonly string[] Verbs = ["get", "put", "post", "delete", "patch", "head", "options"];

    private OpenApiDocument(string source, string text, IReadOnlyList<(string Verb, string Target)> operations,
        IReadOnlySet<(string Verb, string Target)> publicOperations)
    {
        Source = source;
        Text = text;
        Operations = operations;
        PublicOperations = publicOperations;
    }

    /// <summary>The file or URL it was read from.</summary>
    public string Source { get; }
    public string Text { get; }
    public IReadOnlyList<(string Verb, string Target)> Operations { get; }

    /// <summary>The operations APIM's import makes public (auth type None): <c>x-auth-type: None</c>, or
    /// <c>x-wso2-disable-security: true</c> on the document, or on the operation when the document has any root
    /// <c>x-</c> extension (wso2/carbon-apimgt@e62b84c9:components/apimgt/org.wso2.carbon.apimgt.spec.parser/src/main/java/org/wso2/carbon/apimgt/spec/parser/definitions/
    /// OASParserUtil.java:1523-1531 and OAS3Parser.java:503-509, 2526-2560).</summary>
    public IReadOnlySet<(string Verb, string Target)> PublicOperations { get; }
    public string FileName => "openapi.json";
    public string ContentType => "application/json";

    public static async Task<OpenApiDocument> ReadAsync(string source, CancellationToken ct)
    {
        string text;
        try
        {
            if (Uri.TryCreate(source, UriKind.Absolute, out var url) && (url.Scheme == Uri.UriSchemeHttp || url.Scheme == Uri.UriSchemeHttps))
            {
                using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
                using var response = await http.GetAsync(url, ct);
                if (!response.IsSuccessStatusCode)
                    throw Unreadable(source, $"it answered {(int)response.StatusCode}");
                text = await response.Content.ReadAsStringAsync(ct);
            }
            else
            {
                text = await File.ReadAllTextAsync(source, ct);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            throw Unreadable(source, e is HttpRequestException or TaskCanceledException ? Wso2Failures.Reason(e) : e.Message);
        }
        return Parse(source, text);
    }

    public static OpenApiDocument Parse(string source, string text)
    {
        JsonObject root;
        try
        {
            root = JsonNode.Parse(text) as JsonObject ?? throw Unreadable(source, "it is not a JSON object");
        }
        catch (JsonException e)
        {
            throw Unreadable(source, $"it is not JSON ({e.Message.Split('.')[0]}); give the document's JSON form");
        }
        if (root["openapi"] is null && root["swagger"] is null)
            throw Unreadable(source, "it has neither 'openapi' nor 'swagger', so it is no OpenAPI document");
        if (root["paths"] is not JsonObject paths || paths.Count == 0)
            throw Unreadable(source, "it declares no paths (APIM needs at least one operation)");
        var operations = paths
            .SelectMany(p => (p.Value as JsonObject ?? []).Where(v => Verbs.Contains(v.Key, StringComparer.OrdinalIgnoreCase)).Select(v => (Verb: v.Key.ToUpperInvariant(), Target: p.Key)))
            .ToList();
        if (operations.Count == 0) throw Unreadable(source, "its paths declare no operations");
        var allDisabled = IsTrue(root[DisableSecurity]);
        var rootExtensions = root.Any(p => p.Key.StartsWith("x-", StringComparison.Ordinal));
        var publicOperations = operations.Where(o => paths[o.Target]?[o.Verb.ToLowerInvariant()] is JsonObject operation
                && ((string?)(operation[AuthTypeExtension] as JsonValue) == ApimPublishing.AuthTypeNone || allDisabled
                    || (rootExtensions && IsTrue(operation[DisableSecurity]))))
            .ToHashSet();
        return new OpenApiDocument(source, text, operations, publicOperations);

        static bool IsTrue(JsonNode? node) => node is JsonValue value && value.TryGetValue<bool>(out var flag) && flag;
    }

    /// <summary>The document with <c>x-auth-type: None</c> on <paramref name="operations"/>, which APIM's import (and
    /// its <c>PUT /apis/{id}/swagger</c>) turns into operations without authentication; each must be one of the
    /// document's, else one line naming it.</summary>
    public OpenApiDocument WithPublic(IReadOnlyCollection<(string Verb, string Target)> operations)
    {
        if (operations.Count == 0) return this;
        var root = JsonNode.Parse(Text)!.AsObject();
        foreach (var (verb, target) in operations)
        {
            var key = Operations.FirstOrDefault(o => o.Verb == verb && o.Target == target);
            if (key == default)
                throw new LabException(ExitCodes.Usage, $"--public '{verb} {target}' is not an operation of the OpenAPI document {Source} (it has {string.Join(", ", Operations.Select(o => $"{o.Verb} {o.Target}"))}); give one of them, or drop --public.");
            var operation = root["paths"]![target]!.AsObject()
                .First(v => v.Key.Equals(verb, StringComparison.OrdinalIgnoreCase)).Value!.AsObject();
            operation[AuthTypeExtension] = ApimPublishing.AuthTypeNone;
        }
        return Parse(Source, root.ToJsonString());
    }

    /// <summary>The operation's auth type at import (same folder, APISpecParserConstants.java:186).</summary>
    private const string AuthTypeExtension = "x-auth-type";

    /// <summary>APISpecParserConstants.java:118 (same folder): preProcess turns it into x-auth-type None.</summary>
    private const string DisableSecurity = "x-wso2-disable-security";

    /// <summary>What APIM's refusal of the document says, as one line.</summary>
    internal LabException Refused(Error error, string command) => new(ExitCodes.OpenApiUnreadable,
        $"APIM refused the OpenAPI document {Source} ({error.Code} {error.Message}{(string.IsNullOrEmpty(error.Description) ? "" : ": " + error.Description)}); fix the document (OpenAPI 3.0 or Swagger 2.0 with info and paths), then re-run {command}.");

    private static LabException Unreadable(string source, string why) => new(ExitCodes.OpenApiUnreadable,
        $"the OpenAPI document {source} cannot be read: {why}; give --openapi a readable JSON file or a URL this machine reaches (e.g. the service's /openapi/v1.json).");
}
