using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using KmLab.Provisioner;
using KmLab.Provisioner.Publish;
using KmLab.Provisioner.Register;
using KmLab.Provisioner.Proofs;
using KmLab.Provisioner.Smoke;
using KmLab.Provisioner.Wso2Rest;
using KmLab.Provisioner.Demo;
using KmLab.Twins;
using KmLab.Twins.Hosting;

namespace KmLab.Register.Tests.Contract;

/// <summary>The contract between the Provisioner and APIM, held against WSO2's published specs rather than against
/// either side: the lab's flows (register, smoke, roles, publish declared and imported, demo) run on the twins of
/// every APIM version, and every call on the Admin v4, Publisher v4 and DevPortal v3 paths, with the twin's answer,
/// is checked against that version's spec. A call the spec does not have means the Provisioner calls (or the twin
/// serves) something WSO2 does not; a body off its schema means one side has a field, a name, a type or an enum
/// value wrong. Where the spec itself is wrong, <see cref="KnownDeviations"/> says so with the WSO2 source that shows
/// what the server really does.</summary>
public sealed class WireContractTests
{
    [Theory]
    [InlineData("4.3.0")]
    [InlineData("4.4.0")]
    [InlineData("4.5.0")]
    [InlineData("4.6.0")]
    [InlineData("4.7.0")]
    public async Task Every_call_of_the_flows_and_every_answer_follow_the_spec_of_the_apim_version(string apimVersion)
    {
        var (folder, missing) = ApimSpecs.Locate();
        if (folder is null)
            Assert.Skip(missing!);
        var specs = ApimSpecs.Apis.Select(api => ApimSpecs.Get(folder, apimVersion, api)).ToList();

        await using var lab = await Lab.StartAsync(apimVersion, isVersion: "7.3.0");
        await RunFlowsAsync(lab);

        var calls = lab.ApiManager.Requests.Where(r => specs.Any(s => Under(r.Path, s.BasePath))).ToList();
        Assert.NotEmpty(calls);
        Assert.NotEmpty(lab.ApiManager.Routes);
        var failures = calls.SelectMany(call => Check(call, specs.First(s => Under(call.Path, s.BasePath))))
            .Concat(CheckRoutes(lab.ApiManager, specs)).ToList();
        var unexplained = failures.Where(f => !KnownDeviations.Any(d => d.Explains(f))).Select(f => f.ToString()).Distinct().ToList();
        Assert.True(unexplained.Count == 0,
            $"{unexplained.Count} call(s) off WSO2's APIM {apimVersion} specs:\n" + string.Join('\n', unexplained));
    }

    [Fact]
    public void A_body_off_its_schema_is_caught_by_name_type_enum_required_and_unknown_field()
    {
        var (folder, missing) = ApimSpecs.Locate();
        if (folder is null)
            Assert.Skip(missing!);
        var admin = ApimSpecs.Get(folder, "4.6.0", "admin");
        var post = admin.Find("POST", "/key-managers")!;
        var schema = (JsonObject)admin.Resolve((JsonObject)post.Operation["requestBody"]!)["content"]!["application/json"]!["schema"]!;

        Assert.Empty(admin.Validate(schema, """{"name":"IS7","type":"WSO2-IS-7","tokenType":"DIRECT"}"""));
        Assert.NotEmpty(admin.Validate(schema, """{"type":"WSO2-IS-7"}"""));                               // name is required
        Assert.NotEmpty(admin.Validate(schema, """{"name":"IS7","type":"WSO2-IS-7","tokenType":"OPAQUE"}""")); // not in the enum
        Assert.NotEmpty(admin.Validate(schema, """{"name":"IS7","type":"WSO2-IS-7","enabled":"yes"}"""));    // a boolean
        Assert.NotEmpty(admin.Validate(schema, """{"name":"IS7","type":"WSO2-IS-7","wellKnownUrl":"x"}"""));  // no such field
        Assert.Null(admin.Find("PATCH", "/key-managers"));
        Assert.Equal("/key-managers/discover", admin.Find("POST", "/key-managers/discover")!.Template);
    }

    private static async Task RunFlowsAsync(Lab lab)
    {
        var ct = TestContext.Current.CancellationToken;
        await lab.RegisterAsync();
        var smoke = new SmokeRequest(lab.State.FullName, lab.ApiManager.BaseUrl, lab.ApiManager.GatewayUrl!,
            lab.IdentityServer.BaseUrl, RegisterRequest.DefaultKeyManagerName, lab.Topology.AdminUser, lab.AdminPassword)
        {
            IsInternalUrl = lab.IsInternalUrl,
            GatewayTimeout = TimeSpan.FromSeconds(15),
        };
        await LabSmoke.RunAsync(smoke, ct, lab.Logs.Factory);
        await RoleProof.RunAsync(new RolesRequest(smoke)
        {
            Role = "kmlab_reader", AllowedUser = "kmlab-alice", ScopeTimeout = TimeSpan.FromSeconds(20),
        }, ct, lab.Logs.Factory);

        var declared = new PublishRequest(lab.State.FullName, "KmLabOrders", "/kmlab-orders", "1.0.0", lab.Topology.AdminUser, lab.AdminPassword)
        {
            Backend = new Uri(lab.IsInternalUrl, "/api/health-check/v1.0"),
            Operations = ["GET /health", "GET /{check}"],
            ApimUrl = lab.ApiManager.BaseUrl,
            GatewayUrl = lab.ApiManager.GatewayUrl!,
            IsUrl = lab.IdentityServer.BaseUrl,
            GatewayTimeout = TimeSpan.FromSeconds(15),
        };
        await ApiPublish.RunAsync(declared, ct, lab.Logs.Factory);
        var document = Path.Combine(lab.State.FullName, "openapi.json");
        await File.WriteAllTextAsync(document, OpenApi("/health"), ct);
        var imported = declared with { Name = "KmLabImported", Context = "/kmlab-imported", Operations = [], OpenApi = document };
        await ApiPublish.RunAsync(imported, ct, lab.Logs.Factory);
        await File.WriteAllTextAsync(document, OpenApi("/health", "/{check}"), ct);
        await ApiPublish.RunAsync(imported, ct, lab.Logs.Factory);

        await LabDemo.RunAsync(new DemoRequest(lab.State.FullName, lab.Topology.AdminUser, lab.AdminPassword, "Demo-reader-pw1", "Demo-guest-pw1")
        {
            ApimUrl = lab.ApiManager.BaseUrl,
            GatewayUrl = lab.ApiManager.GatewayUrl!,
            IsUrl = lab.IdentityServer.BaseUrl,
            IsInternalUrl = lab.IsInternalUrl,
            GatewayTimeout = TimeSpan.FromSeconds(15),
            ScopeTimeout = TimeSpan.FromSeconds(20),
        }, ct, lab.Logs.Factory);
    }

    /// <summary>A twin serves only what WSO2's server has: every route it maps under a spec's base path is an
    /// operation of that spec (path template and method).</summary>
    private static IEnumerable<Failure> CheckRoutes(RunningTwin twin, IReadOnlyList<ApimSpec> specs)
    {
        foreach (var (method, template) in twin.Routes)
            if (specs.FirstOrDefault(s => Under(template, s.BasePath)) is { } spec)
            {
                var path = template[spec.BasePath.Length..];
                // Any value for each route parameter: the spec's template must take it.
                var sample = Regex.Replace(path, @"\{[^}]*}", "x");
                if (spec.Find(method, sample) is not { } operation
                    || Regex.Replace(operation.Template, @"\{[^}]*}", "{}") != Regex.Replace(path, @"\{[^}]*}", "{}"))
                    yield return new Failure(spec.Name, $"{method} {path}", "route", "the twin serves an operation the spec does not have");
            }
    }

    private static string OpenApi(params string[] paths) => new JsonObject
    {
        ["openapi"] = "3.0.1",
        ["info"] = new JsonObject { ["title"] = "KmLab contract", ["version"] = "1.0.0" },
        ["paths"] = new JsonObject(paths.Select(p => KeyValuePair.Create(p, (JsonNode?)new JsonObject
        {
            // APIM's parser refuses an operation without responses (900754).
            ["get"] = new JsonObject { ["responses"] = new JsonObject { ["200"] = new JsonObject { ["description"] = "OK" } } },
        }))),
    }.ToJsonString();

    private static bool Under(string path, string basePath) =>
        path.StartsWith(basePath + "/", StringComparison.Ordinal) || path == basePath;

    /// <summary>What is off the spec in one call and its answer.</summary>
    private static IEnumerable<Failure> Check(CapturedRequest call, ApimSpec spec)
    {
        var path = call.Path[spec.BasePath.Length..];
        var operation = spec.Find(call.Method, path);
        if (operation is null)
        {
            yield return new Failure(spec.Name, $"{call.Method} {path}", "operation",
                spec.HasPath(path) ? "the spec has this path but not this method" : "the spec has no such path");
            yield break;
        }
        var key = $"{call.Method} {operation.Template}";
        var pathItem = (JsonObject)operation.Operation.Parent!;

        // Query parameters: each one the operation (or its path) declares.
        var declared = Parameters(spec, operation.Operation).Concat(Parameters(spec, pathItem))
            .Where(p => (string?)p["in"] == "query").Select(p => (string)p["name"]!).ToHashSet();
        foreach (var name in call.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries).Select(q => Uri.UnescapeDataString(q.Split('=')[0])))
            if (!declared.Contains(name))
                yield return new Failure(spec.Name, key, "query", $"query parameter '{name}' is not declared");

        // The request body.
        if (operation.Operation["requestBody"] is JsonObject bodyRef)
        {
            var body = spec.Resolve(bodyRef);
            if (call.Body.Length == 0)
            {
                if ((bool?)body["required"] == true)
                    yield return new Failure(spec.Name, key, "request body", "the spec requires a body; none was sent");
            }
            else
                foreach (var f in CheckContent(spec, key, "request body", (JsonObject)body["content"]!, call.ContentType, call.Body, request: true))
                    yield return f;
        }
        else if (call.Body.Length > 0)
            yield return new Failure(spec.Name, key, "request body", "the spec takes no body; one was sent");

        // The answer: a status the operation declares, and its body.
        var responses = (JsonObject)operation.Operation["responses"]!;
        var status = call.ResponseStatus?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none";
        if ((responses[status] ?? responses["default"]) is not JsonObject responseRef)
        {
            yield return new Failure(spec.Name, key, $"status {status}",
                $"the twin answers {status}; the spec declares {string.Join(", ", responses.Select(r => r.Key))}");
            yield break;
        }
        var response = spec.Resolve(responseRef);
        if (call.ResponseBody.Length > 0 && response["content"] is JsonObject content)
            foreach (var f in CheckContent(spec, key, $"response {status}", content, call.ResponseContentType, call.ResponseBody, request: false))
                yield return f;
    }

    private static IEnumerable<Failure> CheckContent(ApimSpec spec, string key, string what, JsonObject content, string? contentType, string body, bool request)
    {
        var mediaType = (contentType ?? "").Split(';')[0].Trim().ToLowerInvariant();
        var entry = content.FirstOrDefault(c => c.Key.Equals(mediaType, StringComparison.OrdinalIgnoreCase) || c.Key == "*/*");
        if (entry.Value is not JsonObject media)
        {
            yield return new Failure(spec.Name, key, what, $"content type '{mediaType}' is not one the spec gives ({string.Join(", ", content.Select(c => c.Key))})");
            yield break;
        }
        if (media["schema"] is not JsonObject schema)
            yield break;
        if (mediaType == "multipart/form-data")
        {
            var resolved = spec.Resolve(schema);
            var properties = resolved["properties"] as JsonObject ?? [];
            var fields = Regex.Matches(body, "Content-Disposition: form-data; name=\"?([^\";\r\n]+)\"?").Select(m => m.Groups[1].Value).ToHashSet();
            foreach (var field in fields.Where(f => !properties.ContainsKey(f)))
                yield return new Failure(spec.Name, key, what, $"form field '{field}' is not in the spec");
            foreach (var required in (resolved["required"] as JsonArray ?? []).Select(r => (string)r!).Where(r => !fields.Contains(r)))
                yield return new Failure(spec.Name, key, what, $"required form field '{required}' is missing");
        }
        else if (mediaType.EndsWith("json", StringComparison.Ordinal))
        {
            IReadOnlyList<string> errors;
            try { errors = spec.Validate(schema, body); }
            catch (JsonException e) { errors = [$"not JSON: {e.Message}"]; }
            foreach (var error in errors)
                yield return new Failure(spec.Name, key, what, error);
        }
    }


    private static IEnumerable<JsonObject> Parameters(ApimSpec spec, JsonObject owner) =>
        (owner["parameters"] as JsonArray ?? []).OfType<JsonObject>().Select(spec.Resolve);

    /// <summary>One thing off the spec: which spec, which operation, what was checked, what was wrong.</summary>
    internal sealed record Failure(string Spec, string Operation, string Check, string Detail)
    {
        public override string ToString() => $"{Spec} {Operation} [{Check}] {Detail}";
    }

    /// <summary>A place where WSO2's spec and WSO2's server disagree, and the server is what the lab must match.</summary>
    internal sealed record KnownDeviation(string Operation, string Check, string DetailContains, string Source)
    {
        public bool Explains(Failure f) =>
            f.Operation == Operation && f.Check == Check && f.Detail.Contains(DetailContains, StringComparison.Ordinal);
    }

    /// <summary>Every known case where the spec says one thing and WSO2's code does another, each with the code.</summary>
    internal static readonly KnownDeviation[] KnownDeviations =
    [
        // The key mapping exists already (a re-run, or a row an earlier failure left): APIManagementException with
        // KEY_MAPPING_ALREADY_EXIST, which the REST layer lets through to its exception mapper as 409 901409.
        new("POST /applications/{applicationId}/generate-keys", "status 409", "the twin answers 409",
            "wso2/carbon-apimgt@e62b84c9:components/apimgt/org.wso2.carbon.apimgt.impl/src/main/java/org/wso2/carbon/apimgt/impl/APIConsumerImpl.java:2452-2457; " +
            "components/apimgt/org.wso2.carbon.apimgt.api/src/main/java/org/wso2/carbon/apimgt/api/ExceptionCodes.java:464; " +
            "components/apimgt/org.wso2.carbon.apimgt.rest.api.store.v1/src/main/java/org/wso2/carbon/apimgt/rest/api/store/v1/impl/ApplicationsApiServiceImpl.java:855-856"),
        // The Key Manager is in the database but not yet in the runtime holder (or the client or token request at the
        // Key Manager fails): APIManagementException(String), i.e. INTERNAL_ERROR, 500 900967.
        new("POST /applications/{applicationId}/generate-keys", "status 500", "the twin answers 500",
            "wso2/carbon-apimgt@e62b84c9:components/apimgt/org.wso2.carbon.apimgt.impl/src/main/java/org/wso2/carbon/apimgt/impl/workflow/AbstractApplicationRegistrationWorkflowExecutor.java:142-144; " +
            "components/apimgt/org.wso2.carbon.apimgt.api/src/main/java/org/wso2/carbon/apimgt/api/ExceptionCodes.java:341"),
        // A discovered Key Manager has no name yet: the mapping never sets it, and the REST layer's plain
        // JacksonJsonProvider writes the null it holds, although the schema makes name a required string.
        new("POST /key-managers/discover", "response 200", "/value/name: Value is \"null\"",
            "wso2/carbon-apimgt@e62b84c9:components/apimgt/org.wso2.carbon.apimgt.rest.api.admin.v1/src/main/java/org/wso2/carbon/apimgt/rest/api/admin/v1/utils/mappings/KeyManagerMappingUtil.java:368-395; " +
            "components/apimgt/org.wso2.carbon.apimgt.rest.api.admin.v1/src/main/webapp/WEB-INF/beans.xml:60"),
        // The answer is the updated definition itself (a String entity written as it is), which the spec describes
        // as `type: string`; the body is the OpenAPI document, a JSON object.
        new("PUT /apis/{apiId}/swagger", "response 200", "(body): Value is \"object\" but should be \"string\"",
            "wso2/carbon-apimgt@e62b84c9:components/apimgt/org.wso2.carbon.apimgt.rest.api.publisher.v1/src/main/java/org/wso2/carbon/apimgt/rest/api/publisher/v1/impl/ApisApiServiceImpl.java:3006-3008"),
        // A deployment answers 201 CREATED with every deployment of the API, where the spec declares 200.
        new("POST /apis/{apiId}/deploy-revision", "status 201", "the twin answers 201",
            "wso2/carbon-apimgt@e62b84c9:components/apimgt/org.wso2.carbon.apimgt.rest.api.publisher.v1/src/main/java/org/wso2/carbon/apimgt/rest/api/publisher/v1/impl/ApisApiServiceImpl.java:4395-4400"),
    ];
}
