using KmLab.Provisioner;

namespace KmLab.Twins.Tests;

/// <summary>Where real APIM is stricter than a friendly stand-in would be, from carbon-apimgt's Publisher code:
/// deploy-revision's environment and vhost checks and its 201 with every deployment; the lifecycle check on updates
/// of a PUBLISHED API; swagger-parser's messages as 400 900754; the REST form of auth types and
/// <c>x-wso2-disable-security</c>; and the gateway's DefaultAndLocalhost host name check towards HTTPS backends.</summary>
public sealed class PublisherStrictnessTests
{
    private const string Publisher = "/api/am/publisher/v4";
    private const string Responses = "\"responses\":{\"200\":{\"description\":\"OK\"}}";

    /// <summary>A JSON document with each <c>@R</c> replaced by a <c>responses</c> member.</summary>
    private static string Doc(string json) => json.Replace("@R", Responses, StringComparison.Ordinal);

    private static JsonObject Api(string name, string context, string backend, params string[] targets) => new()
    {
        ["name"] = name, ["version"] = "1.0.0", ["context"] = context, ["policies"] = new JsonArray("Unlimited"),
        ["endpointConfig"] = new JsonObject { ["endpoint_type"] = "http", ["production_endpoints"] = new JsonObject { ["url"] = backend } },
        ["operations"] = new JsonArray([.. targets.Select(t => (JsonNode)new JsonObject { ["target"] = t, ["verb"] = "GET", ["authType"] = "None" })]),
    };

    private static JsonArray Deployment(string environment, string? vhost)
    {
        var deployment = new JsonObject { ["name"] = environment, ["displayOnDevportal"] = true };
        if (vhost is not null) deployment["vhost"] = vhost;
        return [deployment];
    }

    private static async Task<string> CreateAsync(TwinLab lab, JsonObject api, string token)
    {
        var (status, body) = await lab.SendAsync(HttpMethod.Post, $"{Publisher}/apis", api, token);
        Assert.Equal(201, status);
        return (string)body!["id"]!;
    }

    private static async Task<string> RevisionAsync(TwinLab lab, string apiId, string token)
    {
        var (status, body) = await lab.SendAsync(HttpMethod.Post, $"{Publisher}/apis/{apiId}/revisions", new JsonObject { ["description"] = "r" }, token);
        Assert.Equal(201, status);
        return (string)body!["id"]!;
    }

    private static Task<(int Status, JsonNode? Body)> DeployAsync(TwinLab lab, string apiId, string revisionId, JsonArray deployments, string token) =>
        lab.SendAsync(HttpMethod.Post, $"{Publisher}/apis/{apiId}/deploy-revision?revisionId={revisionId}", deployments, token);

    /// <summary>A second gateway environment, as an operator adds one to deployment.toml (next to the first).</summary>
    private static void WithSecondEnvironment(LabLayout layout)
    {
        var toml = LabLayout.DeploymentToml(layout.ApiManagerVolume);
        const string next = "[apim.sync_runtime_artifacts.gateway]";
        var text = File.ReadAllText(toml);
        Assert.Contains(next, text);
        File.WriteAllText(toml, text.Replace(next, """
            [[apim.gateway.environment]]
            name = "Second"
            type = "hybrid"
            http_endpoint = "http://second.example:${http.nio.port}"
            https_endpoint = "https://second.example:${https.nio.port}"

            """ + "\n" + next, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Deploy_revision_checks_environment_and_vhost_and_answers_201_with_every_deployment_of_the_api()
    {
        await using var lab = await TwinLab.StartAsync(prepared: WithSecondEnvironment);
        var token = (await lab.AdminTokenAsync(TwinLab.AllScopes)).Token;
        var apiId = await CreateAsync(lab, Api("Deployed", "/deployed", "https://127.0.0.1:1", "/x"), token);
        var first = await RevisionAsync(lab, apiId, token);

        var noVhost = await DeployAsync(lab, apiId, first, Deployment("Default", null), token);
        var otherVhost = await DeployAsync(lab, apiId, first, Deployment("Default", "nowhere.example"), token);
        var otherEnvironment = await DeployAsync(lab, apiId, first, Deployment("Nowhere", "localhost"), token);
        var toSecond = await DeployAsync(lab, apiId, first, Deployment("Second", "second.example"), token);
        var second = await RevisionAsync(lab, apiId, token);
        var toDefault = await DeployAsync(lab, apiId, second, Deployment("Default", "localhost"), token);

        Assert.Equal((400, 900511L), (noVhost.Status, (long)noVhost.Body!["code"]!));
        Assert.Equal((400, 900512L), (otherVhost.Status, (long)otherVhost.Body!["code"]!));
        Assert.Equal("Virtual host with provided vhost name does not exist", (string?)otherVhost.Body!["description"]);
        Assert.Equal((400, 900504L), (otherEnvironment.Status, (long)otherEnvironment.Body!["code"]!));
        Assert.Equal(201, toSecond.Status);
        Assert.Equal(201, toDefault.Status);
        var listed = toDefault.Body!.AsArray().Select(d => ((string?)d!["name"], (string?)d["vhost"], (string?)d["revisionUuid"])).Order().ToList();
        Assert.Equal([("Default", "localhost", second), ("Second", "second.example", first)], listed);
    }

    [Fact]
    public async Task A_published_api_is_changed_only_with_a_publish_manage_import_export_or_admin_scope_else_403_900380()
    {
        await using var lab = await TwinLab.StartAsync();
        var all = (await lab.AdminTokenAsync(TwinLab.AllScopes)).Token;
        var createOnly = (await lab.AdminTokenAsync("apim:api_create apim:api_view")).Token;
        var publish = (await lab.AdminTokenAsync("apim:api_create apim:api_publish")).Token;
        var apiId = await CreateAsync(lab, Api("Guarded", "/guarded", "https://127.0.0.1:1", "/x"), all);
        var revision = await RevisionAsync(lab, apiId, all);
        var beforePublish = await lab.SendAsync(HttpMethod.Put, $"{Publisher}/apis/{apiId}", Api("Guarded", "/guarded", "https://127.0.0.1:2", "/x"), createOnly);
        Assert.Equal(201, (await DeployAsync(lab, apiId, revision, Deployment("Default", "localhost"), all)).Status);
        Assert.Equal(200, (await lab.SendAsync(HttpMethod.Post, $"{Publisher}/apis/change-lifecycle?apiId={apiId}&action=Publish", token: all)).Status);

        var put = await lab.SendAsync(HttpMethod.Put, $"{Publisher}/apis/{apiId}", Api("Guarded", "/guarded", "https://127.0.0.1:3", "/x"), createOnly);
        var swagger = await PutSwaggerAsync(lab, apiId, Doc("""{"openapi":"3.0.1","info":{"title":"t","version":"1"},"paths":{"/y":{"get":{@R}}}}"""), createOnly);
        var newRevision = await lab.SendAsync(HttpMethod.Post, $"{Publisher}/apis/{apiId}/revisions", new JsonObject { ["description"] = "r" }, createOnly);
        var deploy = await DeployAsync(lab, apiId, revision, Deployment("Default", "localhost"), createOnly);
        var withPublish = await lab.SendAsync(HttpMethod.Put, $"{Publisher}/apis/{apiId}", Api("Guarded", "/guarded", "https://127.0.0.1:4", "/x"), publish);

        Assert.Equal(200, beforePublish.Status);
        Assert.Equal((403, 900380L), (put.Status, (long)put.Body!["code"]!));
        Assert.Equal("Insufficient permission to update the API", (string?)put.Body!["message"]);
        Assert.Equal("Updating the API is restricted as as it is PUBLISHED.", (string?)put.Body!["description"]);
        Assert.Equal((HttpStatusCode.Forbidden, 900380L), (swagger.Status, (long)swagger.Body!["code"]!));
        Assert.Equal((403, 900380L), (newRevision.Status, (long)newRevision.Body!["code"]!));
        Assert.Equal((403, 900380L), (deploy.Status, (long)deploy.Body!["code"]!));
        Assert.Equal(200, withPublish.Status);
        var (_, stored) = await lab.SendAsync(HttpMethod.Get, $"{Publisher}/apis/{apiId}", token: all);
        Assert.Equal("https://127.0.0.1:4", (string?)stored!["endpointConfig"]!["production_endpoints"]!["url"]);
    }

    [Theory]
    [InlineData("""{"openapi":"3.0.1","info":{"title":"t","version":"1"},"paths":{"/x":{"get":{}}}}""", "attribute paths.'/x'(get).responses is missing")]
    [InlineData("""{"openapi":"3.0.1","info":{"title":"t"},"paths":{"/x":{"get":{"responses":{"200":{"description":"OK"}}}}}}""", "attribute info.version is missing")]
    [InlineData("""{"swagger":"2.0","info":{"version":"1"},"paths":{"/x":{"get":{"responses":{"200":{"description":"OK"}}}}}}""", "attribute info.title is missing")]
    public async Task A_document_the_parser_reports_on_is_400_900754_with_the_message_at_import_and_at_put_swagger(string document, string message)
    {
        await using var lab = await TwinLab.StartAsync();
        var token = (await lab.AdminTokenAsync(TwinLab.AllScopes)).Token;
        var apiId = await CreateAsync(lab, Api("Documented", "/documented", "https://127.0.0.1:1", "/x"), token);

        var imported = await PublishingRulesTests.ImportAsync(lab, token, document,
            new JsonObject { ["name"] = "Reported", ["version"] = "1.0.0", ["context"] = "/reported" }.ToJsonString());
        var swagger = await PutSwaggerAsync(lab, apiId, document, token);

        foreach (var (status, body) in new[] { imported, swagger })
        {
            Assert.Equal(HttpStatusCode.BadRequest, status);
            Assert.Equal(900754, (long)body!["code"]!);
            Assert.Equal("Error while parsing OpenAPI definition", (string?)body["message"]);
            Assert.Equal(message, (string?)body["description"]);
        }
    }

    [Fact]
    public async Task Auth_types_read_as_the_REST_API_shows_them_and_x_wso2_disable_security_makes_an_operation_None_on_the_gateway()
    {
        await using var lab = await TwinLab.StartAsync();
        var token = (await lab.AdminTokenAsync(TwinLab.AllScopes)).Token;
        // The backend is IS's JWKS endpoint, which answers without a token.
        var backend = lab.IsInternal + "/oauth2";
        var properties = new JsonObject
        {
            ["name"] = "Open", ["version"] = "1.0.0", ["context"] = "/open", ["policies"] = new JsonArray("Unlimited"),
            ["endpointConfig"] = new JsonObject { ["endpoint_type"] = "http", ["production_endpoints"] = new JsonObject { ["url"] = backend } },
        }.ToJsonString();
        var withRootExtension = Doc("""
            {"openapi":"3.0.1","info":{"title":"t","version":"1"},"x-wso2-basePath":"/open/1.0.0","paths":{
              "/jwks":{"get":{"x-wso2-disable-security":true,@R}},
              "/token":{"get":{@R},"post":{"x-auth-type":"Application User",@R}}}}
            """);
        var withoutRootExtension = Doc("""{"openapi":"3.0.1","info":{"title":"t","version":"1"},"paths":{"/jwks":{"get":{"x-wso2-disable-security":true,@R}}}}""");
        var apiLevel = Doc("""{"openapi":"3.0.1","x-wso2-disable-security":"true","info":{"title":"t","version":"1"},"paths":{"/a":{"get":{@R}},"/b":{"put":{@R}}}}""");

        var imported = await PublishingRulesTests.ImportAsync(lab, token, withRootExtension, properties);
        var ignored = await PublishingRulesTests.ImportAsync(lab, token, withoutRootExtension, properties.Replace("\"Open\"", "\"Ignored\"").Replace("/open", "/ignored"));
        var wholeApi = await PublishingRulesTests.ImportAsync(lab, token, apiLevel, properties.Replace("\"Open\"", "\"Whole\"").Replace("/open", "/whole"));

        Assert.Equal(HttpStatusCode.Created, imported.Status);
        Assert.Equal([("GET", "/jwks", "None"), ("GET", "/token", "Application & Application User"), ("POST", "/token", "Application & Application User")], AuthTypes(imported.Body!));
        // processDisableSecurityExtension returns before the operations when the document has no root extension.
        Assert.Equal([("GET", "/jwks", "Application & Application User")], AuthTypes(ignored.Body!));
        Assert.Equal([("GET", "/a", "None"), ("PUT", "/b", "None")], AuthTypes(wholeApi.Body!));

        var apiId = (string)imported.Body!["id"]!;
        Assert.Equal(201, (await DeployAsync(lab, apiId, await RevisionAsync(lab, apiId, token), Deployment("Default", "localhost"), token)).Status);
        using var open = await lab.Http.GetAsync(new Uri(lab.ApiManager.GatewayUrl!, "/open/1.0.0/jwks"), TestContext.Current.CancellationToken);
        using var guarded = await lab.Http.GetAsync(new Uri(lab.ApiManager.GatewayUrl!, "/open/1.0.0/token"), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, open.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, guarded.StatusCode);

        static List<(string?, string?, string?)> AuthTypes(JsonNode api) =>
            [.. api["operations"]!.AsArray().Select(o => ((string?)o!["verb"], (string?)o["target"], (string?)o["authType"]))];
    }

    [Fact]
    public async Task The_gateway_checks_an_HTTPS_backends_host_name_except_for_localhost_names()
    {
        await using var lab = await TwinLab.StartAsync();
        // A second IS twin on every interface: its lab certificate names is7 and localhost, not 127.0.0.2.
        await using var backend = await KmLab.Twins.Twins.StartIdentityServerAsync(
            new TwinOptions(lab.Layout.IdentityServerVolume, KmLab.Lab.Wso2.Wso2Versions.DefaultIdentityServer.Version) { HttpsPort = 0, ListenAddress = "0.0.0.0" },
            TestContext.Current.CancellationToken);
        var port = backend.BaseUrl.Port;
        var token = (await lab.AdminTokenAsync(TwinLab.AllScopes)).Token;
        foreach (var (name, host) in new[] { ("ByAddress", "127.0.0.2"), ("ByLoopback", "127.0.0.1"), ("ByLocalhost", "localhost") })
        {
            var apiId = await CreateAsync(lab, Api(name, "/" + name.ToLowerInvariant(), $"https://{host}:{port}/oauth2", "/jwks"), token);
            Assert.Equal(201, (await DeployAsync(lab, apiId, await RevisionAsync(lab, apiId, token), Deployment("Default", "localhost"), token)).Status);
        }

        var mismatch = await GetAsync("/byaddress/1.0.0/jwks");
        var loopback = await GetAsync("/byloopback/1.0.0/jwks");
        var localhost = await GetAsync("/bylocalhost/1.0.0/jwks");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, mismatch.Status);
        Assert.Equal(101503, (long)JsonNode.Parse(mismatch.Body)!["code"]!);
        Assert.Contains(lab.ApiManager.LogLines, line => line.Contains("Host name verification failed for host : 127.0.0.2", StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.OK, loopback.Status);
        Assert.Equal(HttpStatusCode.OK, localhost.Status);

        async Task<(HttpStatusCode Status, string Body)> GetAsync(string path)
        {
            using var response = await lab.Http.GetAsync(new Uri(lab.ApiManager.GatewayUrl!, path), TestContext.Current.CancellationToken);
            return (response.StatusCode, await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        }
    }

    private static async Task<(HttpStatusCode Status, JsonNode? Body)> PutSwaggerAsync(TwinLab lab, string apiId, string document, string token)
    {
        using var form = new MultipartFormDataContent { { new StringContent(document, Encoding.UTF8), "apiDefinition" } };
        using var request = new HttpRequestMessage(HttpMethod.Put, lab.Apim($"{Publisher}/apis/{apiId}/swagger")) { Content = form };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await lab.Http.SendAsync(request, TestContext.Current.CancellationToken);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        return (response.StatusCode, text.Length == 0 || !text.TrimStart().StartsWith('{') ? null : JsonNode.Parse(text));
    }
}
