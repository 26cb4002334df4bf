using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using KmLab.Lab.Wso2;
using KmLab.Tests.Shared;

namespace KmLab.Twins.Tests;

/// <summary>Both twins booted in this process from a real <c>prepare</c> output, over real TLS. The requests are
/// written here from WSO2's specs, not with the Provisioner's clients, so these tests check the twins' side only.</summary>
internal sealed class TwinLab : IAsyncDisposable
{
    private readonly PreparedTwins _twins;

    private TwinLab(PreparedTwins twins, string apimVersion, HttpClient http, string password) =>
        (_twins, ApimVersion, Http, AdminPassword) = (twins, apimVersion, http, password);

    public string State => _twins.State.FullName;
    public string ApimVersion { get; }
    public RunningTwin IdentityServer => _twins.IdentityServer;
    public RunningTwin ApiManager => _twins.ApiManager;
    public HttpClient Http { get; }
    public string AdminPassword { get; }
    public LabLayout Layout => new(State);

    /// <summary>How APIM reaches IS (by address; APIM verifies the chain only).</summary>
    public string IsInternal => $"https://127.0.0.1:{IdentityServer.BaseUrl.Port}";

    public static async Task<TwinLab> StartAsync(string apimVersion = "4.6.0", Func<TwinOptions, TwinOptions>? apim = null,
        Action<LabLayout>? prepared = null, string? isVersion = null)
    {
        var password = "pw-" + Guid.NewGuid().ToString("N");
        var topology = new LabTopology(isVersion is null ? Wso2Versions.DefaultIdentityServer : Wso2Versions.ParseIdentityServer(isVersion), Wso2Versions.ParseApiManager(apimVersion), 1,
            LabTopology.DefaultIdentityServerHost, LabTopology.DefaultApiManagerHost, LabTopology.DefaultAdminUser, password);
        var tuneApim = apim ?? (o => o);
        var twins = await PreparedTwins.StartAsync("kmlab-twins-", topology, o => o,
            o => tuneApim(o with { TransientRegistrationErrors = 0, KeyManagerPropagationDelay = TimeSpan.Zero }), prepared);
        var ca = X509Certificate2.CreateFromPem(File.ReadAllText(new LabLayout(twins.State.FullName).CaCertificate));
        var policy = new X509ChainPolicy { TrustMode = X509ChainTrustMode.CustomRootTrust, RevocationMode = X509RevocationMode.NoCheck };
        policy.CustomTrustStore.Add(ca);
        var http = new HttpClient(new SocketsHttpHandler { SslOptions = new SslClientAuthenticationOptions { CertificateChainPolicy = policy } });
        return new TwinLab(twins, apimVersion, http, password);
    }

    /// <summary>Stops APIM and starts it again from its config volume (as the container's entrypoint copies it at every
    /// start), keeping its data directory when the options name one.</summary>
    public Task RestartApiManagerAsync() => _twins.RestartApiManagerAsync();

    public Uri Apim(string path) => new(ApiManager.BaseUrl, path);

    /// <summary>APIM's REST client registration (Basic admin) and a password-grant token with these scopes.</summary>
    public async Task<(string Token, string Scope)> AdminTokenAsync(string scopes)
    {
        var ct = TestContext.Current.CancellationToken;
        using var register = new HttpRequestMessage(HttpMethod.Post, Apim("/client-registration/v0.17/register"))
        {
            Content = JsonContent.Create(new JsonObject
            {
                ["callbackUrl"] = "www.google.lk", ["clientName"] = "twin-tests", ["owner"] = "admin",
                ["grantType"] = "client_credentials password refresh_token", ["saasApp"] = true,
            }),
        };
        register.Headers.Authorization = Basic("admin", AdminPassword);
        using var registered = await Http.SendAsync(register, ct);
        registered.EnsureSuccessStatusCode();
        var client = (await registered.Content.ReadFromJsonAsync<JsonObject>(ct))!;
        using var tokenRequest = new HttpRequestMessage(HttpMethod.Post, Apim("/oauth2/token"))
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["grant_type"] = "password", ["username"] = "admin", ["password"] = AdminPassword, ["scope"] = scopes,
            }),
        };
        tokenRequest.Headers.Authorization = Basic((string)client["clientId"]!, (string)client["clientSecret"]!);
        using var token = await Http.SendAsync(tokenRequest, ct);
        token.EnsureSuccessStatusCode();
        var body = (await token.Content.ReadFromJsonAsync<JsonObject>(ct))!;
        return ((string)body["access_token"]!, (string)body["scope"]!);
    }

    public const string AllScopes = "apim:admin apim:admin_operations apim:keymanagers_manage apim:admin_settings apim:subscribe apim:app_manage apim:sub_manage apim:api_view apim:api_create apim:api_publish apim:api_manage";

    public async Task<(int Status, JsonNode? Body)> SendAsync(HttpMethod method, string path, JsonNode? body = null, string? token = null)
    {
        token ??= (await AdminTokenAsync(AllScopes)).Token;
        using var request = new HttpRequestMessage(method, Apim(path));
        if (body is not null) request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await Http.SendAsync(request, TestContext.Current.CancellationToken);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        return ((int)response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text));
    }

    /// <summary>A WSO2-IS-7 Key Manager as the admin portal writes it for this APIM version.</summary>
    public JsonObject Is7KeyManager(string name, string? tokenEndpoint = null)
    {
        var properties = new JsonObject
        {
            ["Username"] = "admin", ["Password"] = AdminPassword,
            ["api_resource_management_endpoint"] = IsInternal + "/api/server/v1/api-resources",
            ["is7_roles_endpoint"] = IsInternal + "/scim2/v2/Roles",
        };
        if (ApimVersion is "4.6.0" or "4.7.0") properties["Authentication"] = "BasicAuth";
        return new JsonObject
        {
            ["name"] = name, ["type"] = "WSO2-IS-7", ["enabled"] = true,
            ["issuer"] = $"https://localhost:{IdentityServer.BaseUrl.Port}/oauth2/token",
            ["clientRegistrationEndpoint"] = IsInternal + "/api/identity/oauth2/dcr/v1.1/register",
            ["tokenEndpoint"] = tokenEndpoint ?? IsInternal + "/oauth2/token",
            ["introspectionEndpoint"] = IsInternal + "/oauth2/introspect",
            ["certificates"] = new JsonObject { ["type"] = "JWKS", ["value"] = IsInternal + "/oauth2/jwks" },
            ["enableTokenGeneration"] = true, ["enableOAuthAppCreation"] = true, ["enableMapOAuthConsumerApps"] = true,
            ["consumerKeyClaim"] = "azp", ["scopesClaim"] = "scope",
            ["additionalProperties"] = properties,
        };
    }

    public Task<(int Status, JsonNode? Body)> AddKeyManagerAsync(JsonObject keyManager, string? token = null) =>
        SendAsync(HttpMethod.Post, "/api/am/admin/v4/key-managers", keyManager, token);

    /// <summary>A Publisher API body (publisher-api.yaml API) with one GET operation on this backend.</summary>
    public static JsonObject ApiBody(string name, string context, string version = "1.0.0", string backend = "https://127.0.0.1:1", string target = "/x") => new()
    {
        ["name"] = name, ["version"] = version, ["context"] = context,
        ["endpointConfig"] = new JsonObject { ["endpoint_type"] = "http", ["production_endpoints"] = new JsonObject { ["url"] = backend } },
        ["operations"] = new JsonArray(new JsonObject { ["target"] = target, ["verb"] = "GET" }),
    };

    /// <summary>An API with the Unlimited tier, created, given a revision and deployed to the Default gateway (not
    /// published): its id.</summary>
    public async Task<string> DeployApiAsync(string name, string context, string backend, string target)
    {
        var body = ApiBody(name, context, backend: backend, target: target);
        body["policies"] = new JsonArray("Unlimited");
        var (created, api) = await SendAsync(HttpMethod.Post, "/api/am/publisher/v4/apis", body);
        Assert.Equal(201, created);
        var id = (string)api!["id"]!;
        var (_, revision) = await SendAsync(HttpMethod.Post, $"/api/am/publisher/v4/apis/{id}/revisions", new JsonObject { ["description"] = "r1" });
        var (deployed, _) = await SendAsync(HttpMethod.Post, $"/api/am/publisher/v4/apis/{id}/deploy-revision?revisionId={revision!["id"]}",
            new JsonArray(new JsonObject { ["name"] = "Default", ["vhost"] = "localhost", ["displayOnDevportal"] = true }));
        Assert.Equal(201, deployed);
        return id;
    }

    /// <summary>APIM's error body (the REST APIs' ErrorDTO): this status, this code, and the message when one is given.</summary>
    public static void AssertError(int expectedStatus, long expectedCode, (int Status, JsonNode? Body) answer, string? expectedMessage = null)
    {
        Assert.Equal(expectedStatus, answer.Status);
        Assert.Equal(expectedCode, (long)answer.Body!["code"]!);
        if (expectedMessage is not null) Assert.Equal(expectedMessage, (string?)answer.Body["message"]);
    }

    public async Task<string> CreateApplicationAsync(string name)
    {
        var (status, body) = await SendAsync(HttpMethod.Post, "/api/am/devportal/v3/applications",
            new JsonObject { ["name"] = name, ["throttlingPolicy"] = "Unlimited", ["tokenType"] = "JWT" });
        Assert.Equal(201, status);
        return (string)body!["applicationId"]!;
    }

    public Task<(int Status, JsonNode? Body)> GenerateKeysAsync(string applicationId, string keyManager) =>
        SendAsync(HttpMethod.Post, $"/api/am/devportal/v3/applications/{applicationId}/generate-keys", new JsonObject
        {
            ["keyType"] = "PRODUCTION", ["keyManager"] = keyManager,
            ["grantTypesToBeSupported"] = new JsonArray("client_credentials", "password"), ["scopes"] = new JsonArray("default"),
        });

    public async Task<JsonArray> OAuthKeysAsync(string applicationId)
    {
        var (status, body) = await SendAsync(HttpMethod.Get, $"/api/am/devportal/v3/applications/{applicationId}/oauth-keys");
        Assert.Equal(200, status);
        return body!["list"]!.AsArray();
    }

    public static AuthenticationHeaderValue Basic(string user, string password) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));

    public ValueTask DisposeAsync()
    {
        Http.Dispose();
        return _twins.DisposeAsync();
    }
}
