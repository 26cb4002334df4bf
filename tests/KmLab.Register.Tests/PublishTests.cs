using Microsoft.Extensions.Logging;

namespace KmLab.Register.Tests;

/// <summary><c>publish</c> against the twins: an API declared or imported from its OpenAPI document, behind the
/// gateway, subscribed by the lab application; its files; a re-run that changes nothing; and each bad input as one
/// line with its own exit code, nothing half-made.</summary>
public sealed class PublishTests
{
    private const string Health = "/api/health-check/v1.0";

    [Theory]
    [InlineData("4.6.0")]
    [InlineData("4.7.0")]
    public async Task A_declared_api_is_served_by_the_gateway_its_files_are_written_and_a_rerun_changes_nothing(string apimVersion)
    {
        await using var lab = await Lab.StartAsync(apimVersion);
        await lab.RegisterAsync();
        var layout = new LabLayout(lab.State.FullName);

        var first = await PublishAsync(lab, Request(lab, "KmLabOrders", "/kmlab-orders") with { Operations = ["GET /{check}", "GET /health"] });
        var apiFile = File.ReadAllText(first.ApiFile);
        var applicationFile = File.ReadAllText(first.ApplicationFile);
        var written = (File.GetLastWriteTimeUtc(first.ApiFile), File.GetLastWriteTimeUtc(first.ApplicationFile));
        lab.ApiManager.ClearRequests();
        var second = await PublishAsync(lab, Request(lab, "KmLabOrders", "/kmlab-orders") with { Operations = ["GET /health", "GET /{check}"] });

        Assert.Equal("created", first.Outcome);
        Assert.Equal("reused", second.Outcome);
        Assert.Equal(200, first.Probe); // the probe calls the first target without a template: /health
        Assert.Equal(new Uri(lab.ApiManager.GatewayUrl!, "/kmlab-orders/1.0.0"), first.GatewayUrl);
        var api = JsonNode.Parse(apiFile)!;
        Assert.Equal(("KmLabOrders", "/kmlab-orders", "1.0.0", "KmLabApps"), ((string?)api["name"], (string?)api["context"], (string?)api["version"], (string?)api["application"]));
        Assert.Equal(first.GatewayUrl.ToString(), (string?)api["gatewayUrl"]);
        Assert.Null(api["consumerSecret"]);
        var application = JsonNode.Parse(applicationFile)!;
        Assert.Equal(first.ConsumerKey, (string?)application["consumerKey"]);
        Assert.False(string.IsNullOrEmpty((string?)application["consumerSecret"]));
        if (!OperatingSystem.IsWindows())
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(layout.ApplicationFile("KmLabApps")));
        // The secret reaches neither a log line nor the API file.
        Assert.DoesNotContain((string)application["consumerSecret"]!, string.Join('\n', lab.AllLogLines()) + apiFile);
        // A re-run: nothing created or changed in APIM, the files untouched.
        Assert.DoesNotContain(lab.ApiManager.Requests, r => r.Method is "POST" or "PUT" or "DELETE" && r.Path.StartsWith("/api/am/", StringComparison.Ordinal) && !r.Path.EndsWith("/register", StringComparison.Ordinal));
        Assert.Equal(written, (File.GetLastWriteTimeUtc(first.ApiFile), File.GetLastWriteTimeUtc(first.ApplicationFile)));

        // The path template reaches the backend through the gateway with the lab application's token.
        using var http = LabHttp.Client(lab);
        using var call = new HttpRequestMessage(HttpMethod.Get, new Uri(first.GatewayUrl + "/health"));
        call.Headers.Authorization = new("Bearer", await ClientTokenAsync(lab, application));
        using var answer = await http.SendAsync(call, TestContext.Current.CancellationToken);
        Assert.Equal(200, (int)answer.StatusCode);
    }

    [Fact]
    public async Task An_api_from_its_OpenAPI_document_is_imported_then_updated_when_the_document_changes()
    {
        await using var lab = await Lab.StartAsync();
        await lab.RegisterAsync();
        var document = Path.Combine(lab.State.FullName, "openapi.json");
        await File.WriteAllTextAsync(document, TestData.OpenApi("/health"), TestContext.Current.CancellationToken);

        var created = await PublishAsync(lab, Request(lab, "KmLabImported", "/kmlab-imported") with { Operations = [], OpenApi = document });
        lab.ApiManager.ClearRequests();
        var reused = await PublishAsync(lab, Request(lab, "KmLabImported", "/kmlab-imported") with { Operations = [], OpenApi = document });
        await File.WriteAllTextAsync(document, TestData.OpenApi("/health", "/{check}"), TestContext.Current.CancellationToken);
        var updated = await PublishAsync(lab, Request(lab, "KmLabImported", "/kmlab-imported") with { Operations = [], OpenApi = document });

        Assert.Equal(("created", "reused", "updated"), (created.Outcome, reused.Outcome, updated.Outcome));
        Assert.Equal(200, created.Probe);
        Assert.Single(lab.ApiManager.Requests, r => r.Method == "PUT" && r.Path == $"/api/am/publisher/v4/apis/{created.ApiId}/swagger");
        Assert.Contains(lab.ApiManager.Requests, r => r.Method == "POST" && r.Path == $"/api/am/publisher/v4/apis/{created.ApiId}/revisions");
    }

    [Fact]
    public async Task A_public_operation_beside_the_wildcard_ones_is_served_without_a_token_and_the_others_are_not()
    {
        await using var lab = await Lab.StartAsync();
        await lab.RegisterAsync();
        var request = Request(lab, "KmLabPublic", "/kmlab-public") with { Operations = [], PublicOperations = ["GET /health"] };

        var first = await PublishAsync(lab, request);
        lab.ApiManager.ClearRequests();
        var second = await PublishAsync(lab, request);

        Assert.Equal(("created", "reused"), (first.Outcome, second.Outcome));
        await AssertHealthPublicAndRestProtectedAsync(lab, first, "/*");
    }

    [Fact]
    public async Task A_public_operation_of_an_OpenAPI_document_is_imported_without_authentication_and_the_others_keep_it()
    {
        await using var lab = await Lab.StartAsync();
        await lab.RegisterAsync();
        var document = Path.Combine(lab.State.FullName, "openapi.json");
        await File.WriteAllTextAsync(document, TestData.OpenApi("/{check}", "/health"), TestContext.Current.CancellationToken);
        var request = Request(lab, "KmLabPublicDoc", "/kmlab-publicdoc") with { Operations = [], OpenApi = document };

        var protectedFirst = await PublishAsync(lab, request);
        Assert.Equal(401, await GetWithoutTokenAsync(lab, protectedFirst.GatewayUrl, "/health"));
        var madePublic = await PublishAsync(lab, request with { PublicOperations = ["GET /health"] });
        lab.ApiManager.ClearRequests();
        var reused = await PublishAsync(lab, request with { PublicOperations = ["GET /health"] });

        Assert.Equal(("created", "updated", "reused"), (protectedFirst.Outcome, madePublic.Outcome, reused.Outcome));
        await AssertHealthPublicAndRestProtectedAsync(lab, madePublic, "/{check}");
    }

    [Theory]
    [InlineData("FETCH /health", null, "--public 'FETCH /health' is not \"VERB /path\"")]
    [InlineData("GET health", null, "--public 'GET health' is not \"VERB /path\"")]
    [InlineData("GET /missing", "/health", "--public 'GET /missing' is not an operation of the OpenAPI document")]
    public async Task A_public_operation_that_is_not_usable_is_one_line_before_anything_is_made(string declared, string? documentPath, string expected)
    {
        await using var lab = await Lab.StartAsync();
        await lab.RegisterAsync();
        var request = Request(lab, "KmLabBadPublic", "/kmlab-badpublic") with { PublicOperations = [declared] };
        if (documentPath is not null)
        {
            var document = Path.Combine(lab.State.FullName, "openapi.json");
            await File.WriteAllTextAsync(document, TestData.OpenApi(documentPath), TestContext.Current.CancellationToken);
            request = request with { Operations = [], OpenApi = document };
        }
        lab.ApiManager.ClearRequests();

        var e = await Assert.ThrowsAsync<LabException>(() => PublishAsync(lab, request));

        Assert.Equal(ExitCodes.Usage, e.ExitCode);
        Assert.StartsWith(expected, e.Message);
        Assert.DoesNotContain('\n', e.Message);
        Assert.Empty(lab.ApiManager.Requests);
    }

    [Fact]
    public async Task A_context_another_api_holds_is_one_line_with_its_own_code_and_nothing_is_made()
    {
        await using var lab = await LabWithApiAsync("KmLabFirst", "/kmlab-shared");

        var e = await Assert.ThrowsAsync<LabException>(() => PublishAsync(lab, Request(lab, "KmLabSecond", "/kmlab-shared") with { Application = "KmLabOther" }));

        Assert.Equal(ExitCodes.ContextTaken, e.ExitCode);
        Assert.Contains("taken by API KmLabFirst 1.0.0", e.Message);
        Assert.Contains("--context", e.Message);
        Assert.DoesNotContain('\n', e.Message);
        Assert.DoesNotContain(lab.ApiManager.Requests, r => r.Method is "POST" or "PUT" && r.Path.StartsWith("/api/am/", StringComparison.Ordinal));
        Assert.False(File.Exists(new LabLayout(lab.State.FullName).ApiFile("KmLabSecond")));
    }

    [Fact]
    public async Task The_same_api_at_another_context_is_refused_since_APIM_cannot_move_it()
    {
        await using var lab = await LabWithApiAsync("KmLabMoved", "/kmlab-before");

        var e = await Assert.ThrowsAsync<LabException>(() => PublishAsync(lab, Request(lab, "KmLabMoved", "/kmlab-after")));

        Assert.Equal(ExitCodes.ContextTaken, e.ExitCode);
        Assert.Contains("already exists at context /kmlab-before", e.Message);
        Assert.DoesNotContain(lab.ApiManager.Requests, r => r.Method is "POST" or "PUT" && r.Path.StartsWith("/api/am/publisher", StringComparison.Ordinal));
        Assert.Equal("/kmlab-before", (string?)JsonNode.Parse(File.ReadAllText(new LabLayout(lab.State.FullName).ApiFile("KmLabMoved")))!["context"]);
    }

    [Theory]
    [InlineData("missing", "cannot be read")]
    [InlineData("not json {", "is not JSON")]
    [InlineData("""{"openapi":"3.0.1","info":{"title":"t","version":"1"}}""", "declares no paths")]
    public async Task An_OpenAPI_document_that_cannot_be_read_is_one_line_before_APIM_is_called(string content, string expected)
    {
        await using var lab = await Lab.StartAsync();
        var document = Path.Combine(lab.State.FullName, "openapi.json");
        if (content != "missing") await File.WriteAllTextAsync(document, content, TestContext.Current.CancellationToken);
        lab.ApiManager.ClearRequests();

        var e = await Assert.ThrowsAsync<LabException>(() => PublishAsync(lab, Request(lab, "KmLabBroken", "/kmlab-broken") with { Operations = [], OpenApi = document }));

        Assert.Equal(ExitCodes.OpenApiUnreadable, e.ExitCode);
        Assert.Contains(expected, e.Message);
        Assert.Contains("--openapi", e.Message);
        Assert.Empty(lab.ApiManager.Requests);
    }

    [Fact]
    public async Task A_document_APIM_refuses_at_import_is_the_same_exit_code_with_APIMs_reason()
    {
        await using var lab = await Lab.StartAsync();
        await lab.RegisterAsync();
        // Parses locally (paths present) but has no info, which OASParserUtil refuses (900753).
        var document = Path.Combine(lab.State.FullName, "openapi.json");
        await File.WriteAllTextAsync(document, """{"openapi":"3.0.1","paths":{"/health":{"get":{}}}}""", TestContext.Current.CancellationToken);

        var e = await Assert.ThrowsAsync<LabException>(() => PublishAsync(lab, Request(lab, "KmLabNoInfo", "/kmlab-noinfo") with { Operations = [], OpenApi = document }));

        Assert.Equal(ExitCodes.OpenApiUnreadable, e.ExitCode);
        Assert.Contains("900753", e.Message);
    }

    [Fact]
    public async Task An_operation_without_responses_is_refused_by_APIMs_parser_with_the_same_exit_code_and_its_message()
    {
        await using var lab = await Lab.StartAsync();
        await lab.RegisterAsync();
        // Parses locally, but swagger-parser reports the missing responses and APIM refuses any reported document.
        var document = Path.Combine(lab.State.FullName, "openapi.json");
        await File.WriteAllTextAsync(document, """{"openapi":"3.0.1","info":{"title":"t","version":"1"},"paths":{"/health":{"get":{}}}}""", TestContext.Current.CancellationToken);

        var e = await Assert.ThrowsAsync<LabException>(() => PublishAsync(lab, Request(lab, "KmLabNoResponses", "/kmlab-noresponses") with { Operations = [], OpenApi = document }));

        Assert.Equal(ExitCodes.OpenApiUnreadable, e.ExitCode);
        Assert.Contains("900754", e.Message);
        Assert.Contains("attribute paths.'/health'(get).responses is missing", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    private static PublishRequest Request(Lab lab, string name, string context) =>
        new(lab.State.FullName, name, context, "1.0.0", lab.Topology.AdminUser, lab.AdminPassword)
        {
            Backend = new Uri(lab.IsInternalUrl, Health),
            Operations = ["GET /health"],
            ApimUrl = lab.ApiManager.BaseUrl,
            GatewayUrl = lab.ApiManager.GatewayUrl!,
            IsUrl = lab.IdentityServer.BaseUrl,
            GatewayTimeout = TimeSpan.FromSeconds(15),
        };

    /// <summary>A registered lab with one API published; APIM's request log starts after it.</summary>
    private static async Task<Lab> LabWithApiAsync(string name, string context)
    {
        var lab = await Lab.StartAsync();
        try
        {
            await lab.RegisterAsync();
            await PublishAsync(lab, Request(lab, name, context));
            lab.ApiManager.ClearRequests();
            return lab;
        }
        catch
        {
            await lab.DisposeAsync();
            throw;
        }
    }

    private static Task<PublishResult> PublishAsync(Lab lab, PublishRequest request) =>
        ApiPublish.RunAsync(request, TestContext.Current.CancellationToken, lab.Logs.Factory);

    /// <summary>After a re-run that wrote nothing: <c>GET /health</c> is public (auth type None, 200 through the gateway
    /// without a token) and <paramref name="protectedTarget"/> still needs a token (401).</summary>
    private static async Task AssertHealthPublicAndRestProtectedAsync(Lab lab, PublishResult result, string protectedTarget)
    {
        Assert.DoesNotContain(lab.ApiManager.Requests, r => r.Method is "POST" or "PUT" && r.Path.StartsWith("/api/am/publisher/", StringComparison.Ordinal));
        var operations = (await StoredApiAsync(lab, result.ApiId)).Operations!.Select(o => (o.Verb, o.Target, o.AuthType)).ToList();
        Assert.Contains(("GET", "/health", "None"), operations);
        Assert.Contains(("GET", protectedTarget, "Application & Application User"), operations);
        Assert.Equal((200, 401), (await GetWithoutTokenAsync(lab, result.GatewayUrl, "/health"), await GetWithoutTokenAsync(lab, result.GatewayUrl, "/other")));
    }

    /// <summary>The API as the Publisher REST API shows it, read with an admin token of its own.</summary>
    private static async Task<Api> StoredApiAsync(Lab lab, string apiId)
    {
        var ct = TestContext.Current.CancellationToken;
        var logger = lab.Logs.Factory.CreateLogger("publisher");
        using var trust = LabTrust.Read(new LabLayout(lab.State.FullName));
        using var apim = new Wso2Connection(trust.For(KeyManagerRegistrar.ApimServerName, lab.ApiManager.BaseUrl), logger);
        var secrets = new Secrets(lab.AdminPassword);
        var (_, token) = await ApimRestToken.GetAsync(apim, lab.Topology.AdminUser, lab.AdminPassword, ApimPublisherScopes.Smoke, secrets,
            (e, operation) => Wso2Failures.ForRegister(apim, e, operation, secrets.Scrub), ct);
        return await apim.Refit<IApimPublisherApi>(() => Task.FromResult(token.AccessToken)).GetApiAsync(apiId, ct);
    }

    private static async Task<int> GetWithoutTokenAsync(Lab lab, Uri apiUrl, string resource)
    {
        using var http = LabHttp.Client(lab);
        using var response = await http.GetAsync(new Uri(apiUrl + resource), TestContext.Current.CancellationToken);
        return (int)response.StatusCode;
    }

    private static async Task<string> ClientTokenAsync(Lab lab, JsonNode application)
    {
        using var http = LabHttp.Client(lab);
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(lab.IdentityServer.BaseUrl, IdentityServerEndpoints.Token))
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["grant_type"] = "client_credentials" }),
        };
        request.Headers.Authorization = new("Basic", Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{application["consumerKey"]}:{application["consumerSecret"]}")));
        using var response = await http.SendAsync(request, TestContext.Current.CancellationToken);
        response.EnsureSuccessStatusCode();
        return (string)JsonNode.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken))!["access_token"]!;
    }
}
