using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using KmLab.Provisioner.Apim;
using KmLab.Provisioner.Publishing;
using KmLab.Provisioner.Wso2Rest;
using Microsoft.Extensions.Logging.Abstractions;

namespace KmLab.Provisioner.Publish;

/// <summary>What one <c>publish</c> run needs: the API (declared, or from an OpenAPI document), the application that
/// subscribes, and how to reach the lab (defaults: the lab's published ports on localhost).</summary>
public sealed record PublishRequest(string StateDirectory, string Name, string Context, string Version, string AdminUser, string AdminPassword)
{
    /// <summary>The backend base URL (the gateway calls <c>{backend}{resource}</c>); with a document, default: its first server.</summary>
    public Uri? Backend { get; init; }

    /// <summary>"VERB /path" each (path templates such as <c>/orders/{id}</c>); none: every verb on <c>/*</c>.</summary>
    public IReadOnlyList<string> Operations { get; init; } = [];

    /// <summary>A file or URL of an OpenAPI document in JSON; exclusive with <see cref="Operations"/>.</summary>
    public string? OpenApi { get; init; }

    /// <summary>"VERB /path" each: operations the gateway serves without a token (APIM's auth type None). Without a
    /// document they join the declared operations (or the <c>/*</c> ones); with one, each must be one of its operations.</summary>
    public IReadOnlyList<string> PublicOperations { get; init; } = [];

    public string Application { get; init; } = LabTopology.DefaultLabApplication;
    public string KeyManagerName { get; init; } = LabTopology.DefaultKeyManagerName;
    public Uri ApimUrl { get; init; } = LabUrls.ApiManager;
    public Uri GatewayUrl { get; init; } = LabUrls.Gateway;

    /// <summary>IS as reached from here (token endpoint); null: <c>https://localhost:&lt;9443 + offset&gt;</c> from lab.json.</summary>
    public Uri? IsUrl { get; init; }
    public TimeSpan GatewayTimeout { get; init; } = TimeSpan.FromMinutes(1);

    public override string ToString() =>
        $"publish of {Name} {Version} at {Context} ({(OpenApi is null ? $"backend {Backend}" : $"OpenAPI {OpenApi}")}{(PublicOperations.Count > 0 ? $", public {string.Join(", ", PublicOperations)}" : "")}), application {Application}, Key Manager {KeyManagerName} (APIM {ApimUrl}, gateway {GatewayUrl}, admin {AdminUser})";
}

/// <param name="GatewayUrl">Where the gateway serves the API: <c>{gateway}{context}/{version}</c>.</param>
/// <param name="Outcome">created, updated or reused (the API).</param>
/// <param name="Probe">What the gateway answered the probe (not 404).</param>
public sealed record PublishResult(string ApiId, string Outcome, Uri GatewayUrl, string Application, string ConsumerKey, string ApiFile,
    string ApplicationFile, int Probe);

/// <summary><c>publish</c>: one API behind the gateway, subscribed by the lab application, keys from the IS Key Manager;
/// its coordinates in <c>&lt;state&gt;/apis/</c> and <c>&lt;state&gt;/applications/</c>. Local checks come first and
/// a taken context is found before anything is made, so bad input leaves nothing half-created.</summary>
public static class ApiPublish
{
    private const string Command = "publish";
    public static readonly string[] DefaultVerbs = ["GET", "POST", "PUT", "DELETE", "PATCH"];

    public static Task<PublishResult> RunAsync(PublishRequest request, CancellationToken ct, ILoggerFactory? loggerFactory = null) =>
        StepTelemetry.StepAsync(Command, null, _ => ExecuteAsync(request, (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger(typeof(ApiPublish)), ct));

    private static async Task<PublishResult> ExecuteAsync(PublishRequest request, ILogger logger, CancellationToken ct)
    {
        var operations = Validate(request);
        // The document as APIM gets it: the public operations marked x-auth-type None, which its import honours.
        var openApi = request.OpenApi is null ? null : (await OpenApiDocument.ReadAsync(request.OpenApi, ct)).WithPublic(PublicOperations(request));
        var backend = request.Backend ?? (openApi is null ? null : FirstServer(openApi))
            ?? throw new LabException(ExitCodes.Usage, $"the OpenAPI document {request.OpenApi} names no absolute server URL; give --backend with the service's URL as APIM's gateway reaches it.");
        var layout = new LabLayout(request.StateDirectory);
        using var trust = LabTrust.Read(layout);
        var isUrl = request.IsUrl ?? LabManifest.Read(layout).IdentityServerUrl();
        logger.LogInformation("Starting {Request}", request);

        var calls = new Wso2Calls(ExitCodes.PublishFailed, new Secrets(request.AdminPassword));
        using var apim = new Wso2Connection(trust.For(ServerNames.ApiManager, request.ApimUrl), logger);
        using var identityServer = new Wso2Connection(trust.For(ServerNames.IdentityServer, isUrl), logger);
        using var gateway = new Wso2Connection(trust.For(ServerNames.Gateway, request.GatewayUrl), logger);
        var (_, restToken) = await ApimRestToken.GetAsync(apim, request.AdminUser, request.AdminPassword, ApimPublisherScopes.Smoke, calls.Secrets,
            (e, operation) => calls.Failure(apim, e, operation, $"set {LabTopology.AdminPasswordVariable} to APIM's admin password and check --admin-user"), ct);
        var publisher = new PublishingEngine(apim, () => Task.FromResult(restToken.AccessToken), Command, calls, logger);

        // A context another API holds is refused before the application or the API is made.
        if (await publisher.ContextOwnerAsync(request.Name, request.Context, ct) is { } owner) throw publisher.ContextTaken(request.Name, request.Context, owner);
        var (applicationId, key) = await publisher.ApplicationAsync(request.Application, request.KeyManagerName,
            "KmLab's lab application: the services published behind the gateway", ct);
        var desired = Desired(request, backend, operations);
        var (api, outcome) = await publisher.EnsureApiAsync(desired, openApi, ct);
        await publisher.DeployAsync(api.Id!, request.Name, redeploy: outcome != SmokeOutcomes.Reused, ct);
        await publisher.PublishAsync(api.Id!, request.Name, ct);
        await publisher.SubscribeAsync(api.Id!, request.Name, applicationId, request.Application, ct);

        var apiUrl = new Uri(request.GatewayUrl.GetLeftPart(UriPartial.Authority) + request.Context.TrimEnd('/') + "/" + request.Version);
        // The probe calls an operation that needs the token when there is one: a public one would not prove the
        // subscription or the Key Manager.
        var secured = openApi?.Operations.Where(o => !openApi.PublicOperations.Contains(o)).Select(o => o.Target)
                      ?? operations.Where(o => o.AuthType != ApimPublishing.AuthTypeNone).Select(o => o.Target);
        var probeUrl = new Uri(apiUrl + ProbePath(secured.Any() ? secured : openApi?.Operations.Select(o => o.Target) ?? operations.Select(o => o.Target)));
        var token = await publisher.ClientTokenAsync(identityServer, key, request.KeyManagerName, ct);
        var answer = await publisher.CallGatewayAsync(gateway, probeUrl, token, a => !a.Arriving, request.GatewayTimeout, ct);
        if (answer.Arriving)
            throw calls.Failed($"the gateway does not serve {request.Name} at {probeUrl} after {request.GatewayTimeout.TotalSeconds:0} s ({answer.Status}{(answer.Code is { } c ? $" {c}" : "")}); check the revision's deployment to {ApimPublishing.DefaultGatewayEnvironment} and the subscription in the Publisher portal, then re-run publish");
        if (answer.Status == 401)
            throw calls.Failed($"the gateway refused IS's token for {request.Name} at {probeUrl} (401{(answer.Code is { } c2 ? $" {c2}" : "")}); re-run register with --name {request.KeyManagerName}, then publish");

        var tokenUrl = LabUrls.Token(isUrl);
        PublishOutputs.Write(layout, new PublishedApi(request.Name, request.Context, request.Version, apiUrl, request.Application, key.ConsumerKey!, api.Id!),
            new LabApplicationFile(request.Application, request.KeyManagerName, key.ConsumerKey!, key.ConsumerSecret!, tokenUrl));
        logger.LogInformation("Published {Name} {Version} at {Url} ({Outcome}); the gateway answered {Status}", request.Name, request.Version, apiUrl, outcome, answer.Status);
        return new PublishResult(api.Id!, outcome, apiUrl, request.Application, key.ConsumerKey!, layout.ApiFile(request.Name),
            layout.ApplicationFile(request.Application), answer.Status);
    }

    /// <summary>The API body: the lab's Key Manager only, the backend for production and sandbox, the operations
    /// (an imported document brings its own).</summary>
    public static Api Desired(PublishRequest request, Uri backend, IReadOnlyList<ApiOperation> operations) => new()
    {
        Name = request.Name,
        Version = request.Version,
        Context = request.Context,
        Description = $"Published by KmLab ({(request.OpenApi is null ? "declared operations" : "from its OpenAPI document")})",
        Type = "HTTP",
        Transport = ["https"],
        Policies = [DevPortal.UnlimitedPolicy],
        SecurityScheme = ApimPublishing.DefaultSecuritySchemes,
        KeyManagers = [request.KeyManagerName],
        Visibility = "PUBLIC",
        EndpointConfig = new JsonObject
        {
            ["endpoint_type"] = ApimPublishing.HttpEndpointType,
            ["production_endpoints"] = new JsonObject { ["url"] = backend.ToString().TrimEnd('/') },
            ["sandbox_endpoints"] = new JsonObject { ["url"] = backend.ToString().TrimEnd('/') },
        },
        Operations = operations,
    };

    /// <summary>A path the probe can call: the first target without a template (else the first), templates and
    /// wildcards filled in. Any answer but the gateway's own 404 shows the API has arrived.</summary>
    private static string ProbePath(IEnumerable<string> targets)
    {
        var list = targets.ToList();
        var target = list.FirstOrDefault(t => !t.Contains('{') && !t.Contains('*')) ?? list.FirstOrDefault() ?? "/";
        target = Regex.Replace(target, @"\{[^}]*\}", "1");
        return target.EndsWith("/*", StringComparison.Ordinal) ? target[..^1] : target;
    }

    private static Uri? FirstServer(OpenApiDocument document)
    {
        var root = JsonNode.Parse(document.Text)!;
        var url = (string?)root["servers"]?[0]?["url"]
                  ?? ((string?)root["host"] is { } host ? $"https://{host}{(string?)root["basePath"]}" : null);
        return Uri.TryCreate(url, UriKind.Absolute, out var server) && server.Scheme is "http" or "https" ? server : null;
    }

    /// <summary>Local checks: names APIM accepts, one way of declaring the operations, URLs.</summary>
    public static IReadOnlyList<ApiOperation> Validate(PublishRequest request)
    {
        // APIUtil.validateCharacterLengthOfAPIParams / the Publisher's name rules: no special characters, 50 at most.
        if (!Regex.IsMatch(request.Name, @"^[A-Za-z0-9][A-Za-z0-9_.-]{0,49}$"))
            throw new LabException(ExitCodes.Usage, $"API name '{request.Name}' is not usable (1–50 letters, digits, '_', '.', '-'; it names the file apis/<name>.json); give --name such as OrdersApi.");
        if (!Regex.IsMatch(request.Context, @"^(/[A-Za-z0-9_.~-]+)+$"))
            throw new LabException(ExitCodes.Usage, $"API context '{request.Context}' is not usable (it starts with '/', does not end with one, and has no spaces or special characters); give --context such as /orders.");
        if (!Regex.IsMatch(request.Version, @"^[A-Za-z0-9][A-Za-z0-9_.-]{0,29}$"))
            throw new LabException(ExitCodes.Usage, $"API version '{request.Version}' is not usable; give --version such as 1.0.0.");
        if (!Regex.IsMatch(request.Application, @"^[A-Za-z0-9][A-Za-z0-9_.-]{0,69}$"))
            throw new LabException(ExitCodes.Usage, $"application name '{request.Application}' is not usable (letters, digits, '_', '.', '-'; it names the file applications/<name>.json); give --application such as KmLabApps.");
        if (request.OpenApi is not null && request.Operations.Count > 0)
            throw new LabException(ExitCodes.Usage, "--openapi and --operation both declare the operations; give one of them.");
        if (request.OpenApi is null && request.Backend is null)
            throw new LabException(ExitCodes.Usage, "give --backend with the service's URL as APIM's gateway reaches it (or --openapi with its document).");
        if (request.Backend is { } backend && (!backend.IsAbsoluteUri || backend.Scheme is not ("http" or "https")))
            throw new LabException(ExitCodes.Usage, $"--backend '{backend}' is not an http(s) URL; give one like http://orders:8080.");
        foreach (var (option, url) in new[] { ("--apim-url", request.ApimUrl), ("--gateway-url", request.GatewayUrl), ("--is-url", request.IsUrl ?? request.ApimUrl) })
            if (!url.IsAbsoluteUri || url.Scheme != Uri.UriSchemeHttps)
                throw new LabException(ExitCodes.Usage, $"{option} '{url}' is not an https URL; give one like {LabUrls.Origin(LabUrls.ApiManager)}.");
        if (string.IsNullOrEmpty(request.AdminUser) || string.IsNullOrEmpty(request.AdminPassword))
            throw new LabException(ExitCodes.Usage, $"the admin user and password must not be empty; set --admin-user and {LabTopology.AdminPasswordVariable}.");

        var publicOperations = PublicOperations(request);
        if (request.OpenApi is not null) return [];
        var declared = request.Operations.Count == 0
            ? DefaultVerbs.Select(v => (v, "/*")).ToList()
            : Parse(request.Operations, "--operation");
        // A public operation is one more resource beside the others (a declared one of the same verb and path turns
        // public): the gateway picks the most specific resource, so /* keeps the rest behind a token.
        return declared.Where(o => !publicOperations.Contains(o))
            .Select(o => Operation(o, ApimPublishing.AuthTypeApplicationAndUser))
            .Concat(publicOperations.Select(o => Operation(o, ApimPublishing.AuthTypeNone)))
            .ToList();

        static ApiOperation Operation((string Verb, string Target) o, string authType) => new()
        {
            Verb = o.Verb, Target = o.Target, AuthType = authType, ThrottlingPolicy = DevPortal.UnlimitedPolicy,
        };
    }

    /// <summary>The operations <see cref="PublishRequest.PublicOperations"/> declares.</summary>
    public static IReadOnlyList<(string Verb, string Target)> PublicOperations(PublishRequest request) => Parse(request.PublicOperations, "--public");

    /// <summary>"VERB /path" each, checked: a verb APIM knows, a path from the API's root, each once.</summary>
    private static List<(string Verb, string Target)> Parse(IEnumerable<string> texts, string option)
    {
        var operations = new List<(string Verb, string Target)>();
        foreach (var text in texts)
        {
            var match = Regex.Match(text.Trim(), @"^(GET|POST|PUT|DELETE|PATCH|HEAD|OPTIONS)\s+(/\S*)$", RegexOptions.IgnoreCase);
            if (!match.Success)
                throw new LabException(ExitCodes.Usage, $"{option} '{text}' is not \"VERB /path\" (GET, POST, PUT, PATCH, DELETE, HEAD or OPTIONS); give one like \"GET /orders/{{id}}\".");
            var operation = (match.Groups[1].Value.ToUpperInvariant(), match.Groups[2].Value);
            if (operations.Contains(operation))
                throw new LabException(ExitCodes.Usage, $"{option} '{text}' is given twice; give each operation once.");
            operations.Add(operation);
        }
        return operations;
    }
}
