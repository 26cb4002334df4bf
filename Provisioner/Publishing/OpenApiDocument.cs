using System.Text.Json.Nodes;
using System.Text.Json;
using KmLab.Provisioner.Apim;
using KmLab.Provisioner.Wso2Rest;

namespace KmLab.Provisioner.Publishing;

/// <summary>An OpenAPI (or Swagger 2.0) document in JSON, read by the provisioner itself (a file, or a URL it reaches:
/// APIM may not reach the service's address), with the operations its <c>paths</c> declare. APIM's import derives
/// the API's operations from the same paths.</summary>
public sealed class OpenApiDocument
{
    private static readonly string[] Verbs = ["get", "put", "post", "delete", "patch", "head", "options"];

    private OpenApiDocument(string source, string text, IReadOnlyList<(string Verb, string Target)> operations)
    {
        Source = source;
        Text = text;
        Operations = operations;
    }

    /// <summary>The file or URL it was read from.</summary>
    public string Source { get; }
    public string Text { get; }
    public IReadOnlyList<(string Verb, string Target)> Operations { get; }
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
            .SelectMany(p => (p.Value as JsonObject ?? []).Where(v => Verbs.Contains(v.Key, StringComparer.OrdinalIgnoreCase)).Select(v => (v.Key.ToUpperInvariant(), p.Key)))
            .ToList();
        if (operations.Count == 0) throw Unreadable(source, "its paths declare no operations");
        return new OpenApiDocument(source, text, operations);
    }

    /// <summary>What APIM's refusal of the document says, as one line.</summary>
    internal LabException Refused(Error error, string command) => new(ExitCodes.OpenApiUnreadable,
        $"APIM refused the OpenAPI document {Source} ({error.Code} {error.Message}{(string.IsNullOrEmpty(error.Description) ? "" : ": " + error.Description)}); fix the document (OpenAPI 3.0 or Swagger 2.0 with info and paths), then re-run {command}.");

    private static LabException Unreadable(string source, string why) => new(ExitCodes.OpenApiUnreadable,
        $"the OpenAPI document {source} cannot be read: {why}; give --openapi a readable JSON file or a URL this machine reaches (e.g. the service's /openapi/v1.json).");
}
