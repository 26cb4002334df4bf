using System.Text.Json.Nodes;

namespace KmLab.Twins.Tests;

/// <summary>Which of an API's resources the gateway applies to a request (carbon-apimgt APIKeyValidator.findMatchingVerb
/// over Synapse's dispatchers): an exact URL mapping before the <c>/*</c> wildcard, and a URI template before the
/// wildcard too, whatever the order of the operations. The backend is IS's health endpoint, which needs no token.</summary>
public sealed class GatewayResourceSelectionTests
{
    [Fact]
    public async Task A_public_exact_resource_listed_after_the_protected_wildcard_needs_no_token()
    {
        await using var lab = await TwinLab.StartAsync();
        await PublishAsync(lab, "/specific", ("GET", "/*", "Application & Application User"), ("GET", "/health", "None"));

        var (status, _) = await GetWithoutTokenAsync(lab, "/specific/1.0.0/health");
        var (other, body) = await GetWithoutTokenAsync(lab, "/specific/1.0.0/elsewhere");

        Assert.Equal(200, status);
        Assert.Equal((401, 900902L), (other, (long)body!["code"]!));
    }

    [Fact]
    public async Task A_protected_template_beats_a_public_wildcard_listed_before_it()
    {
        await using var lab = await TwinLab.StartAsync();
        await PublishAsync(lab, "/templated", ("GET", "/*", "None"), ("GET", "/{check}", "Application & Application User"));

        var (status, body) = await GetWithoutTokenAsync(lab, "/templated/1.0.0/health");
        var (deeper, _) = await GetWithoutTokenAsync(lab, "/templated/1.0.0/health/x");

        Assert.Equal((401, 900902L), (status, (long)body!["code"]!));
        Assert.NotEqual(401, deeper); // two segments: only the wildcard matches, and it is public
    }

    private static async Task PublishAsync(TwinLab lab, string context, params (string Verb, string Target, string AuthType)[] operations)
    {
        var (created, api) = await lab.SendAsync(HttpMethod.Post, "/api/am/publisher/v4/apis", new JsonObject
        {
            ["name"] = "Selection" + context.TrimStart('/'), ["context"] = context, ["version"] = "1.0.0", ["policies"] = new JsonArray("Unlimited"),
            ["endpointConfig"] = new JsonObject
            {
                ["endpoint_type"] = "http",
                ["production_endpoints"] = new JsonObject { ["url"] = lab.IsInternal + "/api/health-check/v1.0" },
            },
            ["operations"] = new JsonArray(operations.Select(o => (JsonNode)new JsonObject
            {
                ["target"] = o.Target, ["verb"] = o.Verb, ["authType"] = o.AuthType, ["throttlingPolicy"] = "Unlimited",
            }).ToArray()),
        });
        Assert.Equal(201, created);
        var id = (string)api!["id"]!;
        var (_, revision) = await lab.SendAsync(HttpMethod.Post, $"/api/am/publisher/v4/apis/{id}/revisions", new JsonObject { ["description"] = "r1" });
        var (deployed, _) = await lab.SendAsync(HttpMethod.Post, $"/api/am/publisher/v4/apis/{id}/deploy-revision?revisionId={revision!["id"]}",
            new JsonArray(new JsonObject { ["name"] = "Default", ["vhost"] = "localhost", ["displayOnDevportal"] = true }));
        Assert.Equal(201, deployed);
    }

    private static async Task<(int Status, JsonNode? Body)> GetWithoutTokenAsync(TwinLab lab, string path)
    {
        using var response = await lab.Http.GetAsync(new Uri(lab.ApiManager.GatewayUrl!, path), TestContext.Current.CancellationToken);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        return ((int)response.StatusCode, text.StartsWith('{') ? JsonNode.Parse(text) : null);
    }
}
