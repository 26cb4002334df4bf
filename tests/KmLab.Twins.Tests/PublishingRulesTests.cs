namespace KmLab.Twins.Tests;

/// <summary>The twins' rules that <c>publish</c> and <c>demo</c> meet, stated from WSO2's code: APIM's duplicate-context
/// and same-version refusals, the OpenAPI import and its refusals, the gateway's path templates and unauthenticated
/// resources; IS's SCIM2 user-name and role-name refusals.</summary>
public sealed class PublishingRulesTests
{
    [Fact]
    public async Task A_context_another_api_holds_is_409_900251_unless_it_is_a_new_version_and_the_same_version_is_409_900300()
    {
        await using var lab = await TwinLab.StartAsync();
        var token = (await lab.AdminTokenAsync(TwinLab.AllScopes)).Token;

        var first = await lab.SendAsync(HttpMethod.Post, "/api/am/publisher/v4/apis", TwinLab.ApiBody("First", "/shared", "1.0.0"), token);
        var other = await lab.SendAsync(HttpMethod.Post, "/api/am/publisher/v4/apis", TwinLab.ApiBody("Other", "/shared", "1.0.0"), token);
        var sameVersion = await lab.SendAsync(HttpMethod.Post, "/api/am/publisher/v4/apis", TwinLab.ApiBody("First", "/elsewhere", "1.0.0"), token);
        var newVersion = await lab.SendAsync(HttpMethod.Post, "/api/am/publisher/v4/apis", TwinLab.ApiBody("First", "/shared", "2.0.0"), token);

        Assert.Equal(201, first.Status);
        Assert.Equal(409, other.Status);
        Assert.Equal(900251, (long)other.Body!["code"]!);
        Assert.Equal("The API context already exists.", (string?)other.Body!["message"]);
        Assert.Equal("An API with context '/shared' already exists", (string?)other.Body!["description"]);
        Assert.Equal((409, 900300L), (sameVersion.Status, (long)sameVersion.Body!["code"]!));
        Assert.Equal(201, newVersion.Status);
    }

    [Fact]
    public async Task Import_openapi_takes_the_operations_from_the_paths_and_refuses_what_OASParserUtil_refuses()
    {
        await using var lab = await TwinLab.StartAsync();
        var token = (await lab.AdminTokenAsync(TwinLab.AllScopes)).Token;
        var properties = new JsonObject { ["name"] = "Imported", ["version"] = "1.0.0", ["context"] = "/imported" }.ToJsonString();
        const string document = """{"openapi":"3.0.1","info":{"title":"t","version":"1"},"paths":{"/orders/{id}":{"get":{"responses":{"200":{"description":"OK"}}},"delete":{"x-auth-type":"None","responses":{"204":{"description":"Gone"}}}}}}""";

        var created = await ImportAsync(lab, token, document, properties);
        var noProperties = await ImportAsync(lab, token, document, null);
        var noInfo = await ImportAsync(lab, token, """{"openapi":"3.0.1","paths":{"/a":{"get":{}}}}""", properties.Replace("Imported", "NoInfo"));
        var notOpenApi = await ImportAsync(lab, token, """{"paths":{}}""", properties.Replace("Imported", "NotOpenApi"));
        var unparsable = await ImportAsync(lab, token, "{ not json", properties.Replace("Imported", "Unparsable"));

        Assert.Equal(HttpStatusCode.Created, created.Status);
        var operations = created.Body!["operations"]!.AsArray().Select(o => ((string?)o!["verb"], (string?)o["target"], (string?)o["authType"])).ToList();
        Assert.Equal([("GET", "/orders/{id}", "Application & Application User"), ("DELETE", "/orders/{id}", "None")], operations);
        Assert.Equal((HttpStatusCode.BadRequest, 903215L), (noProperties.Status, (long)noProperties.Body!["code"]!));
        Assert.Equal((HttpStatusCode.BadRequest, 900753L), (noInfo.Status, (long)noInfo.Body!["code"]!));
        Assert.Equal((HttpStatusCode.BadRequest, 900754L), (notOpenApi.Status, (long)notOpenApi.Body!["code"]!));
        Assert.Equal("attribute swagger or openapi should present", (string?)notOpenApi.Body!["description"]);
        Assert.Equal((HttpStatusCode.BadRequest, 900754L), (unparsable.Status, (long)unparsable.Body!["code"]!));
    }

    internal static async Task<(HttpStatusCode Status, JsonNode? Body)> ImportAsync(TwinLab lab, string token, string document, string? properties)
    {
        using var form = new MultipartFormDataContent();
        form.Add(new StringContent(document, Encoding.UTF8, "application/json"), "file", "openapi.json");
        if (properties is not null) form.Add(new StringContent(properties), "additionalProperties");
        using var request = new HttpRequestMessage(HttpMethod.Post, lab.Apim("/api/am/publisher/v4/apis/import-openapi")) { Content = form };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await lab.Http.SendAsync(request, TestContext.Current.CancellationToken);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        return (response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text));
    }

    [Fact]
    public async Task IS_refuses_a_user_name_off_the_user_store_pattern_with_31301_and_role_names_with_a_slash_or_over_255_characters()
    {
        await using var lab = await TwinLab.StartAsync();
        var ct = TestContext.Current.CancellationToken;

        async Task<(HttpStatusCode Status, JsonNode? Body)> Post(string path, JsonNode body)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(lab.IdentityServer.BaseUrl, path))
            {
                Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"),
            };
            request.Headers.Authorization = TwinLab.Basic("admin", lab.AdminPassword);
            using var response = await lab.Http.SendAsync(request, ct);
            var text = await response.Content.ReadAsStringAsync(ct);
            return (response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text));
        }

        var spaced = await Post("/scim2/Users", new JsonObject { ["userName"] = "a b", ["password"] = "Good-pass-1" });
        var shortPassword = await Post("/scim2/Users", new JsonObject { ["userName"] = "carol", ["password"] = "pw" });
        var slash = await Post("/scim2/v2/Roles", new JsonObject { ["displayName"] = "a/b" });
        var tooLong = await Post("/scim2/v2/Roles", new JsonObject { ["displayName"] = new string('r', 256) });

        Assert.Equal(HttpStatusCode.BadRequest, spaced.Status);
        Assert.Equal("invalidValue", (string?)spaced.Body!["scimType"]);
        Assert.StartsWith("31301 - Username a b is not valid.", (string?)spaced.Body!["detail"]);
        Assert.Equal(HttpStatusCode.BadRequest, shortPassword.Status);
        Assert.Equal("invalidValue", (string?)shortPassword.Body!["scimType"]);
        Assert.Equal("The minimum length of password should be 8.", (string?)shortPassword.Body!["detail"]);
        Assert.Equal(HttpStatusCode.BadRequest, slash.Status);
        Assert.Equal("Invalid character: / contains in the role name: a/b.", (string?)slash.Body!["detail"]);
        Assert.Equal(HttpStatusCode.BadRequest, tooLong.Status);
        Assert.Contains("maximum length of 255", (string?)tooLong.Body!["detail"]);
    }
}
