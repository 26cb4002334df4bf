using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using KmLab.Lab;

namespace KmLab.Testing;

/// <summary>One running lab as an end-to-end test sees it: what its state folder says (the lab CA, <c>lab.json</c>,
/// the published APIs and the lab applications) and the servers on their fixed host ports. Gets tokens from IS,
/// creates users in IS, and gives HTTP clients that trust the lab CA (and only it).</summary>
public sealed partial class KmLabEndToEnd : IDisposable
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly LabLayout _layout;
    private readonly LabTrust _trust;
    private readonly string _adminUser;
    private readonly string _adminPassword;
    private readonly HttpClient _http;

    private KmLabEndToEnd(LabLayout layout, int identityServerOffset, string adminUser, string adminPassword)
    {
        _layout = layout;
        _adminUser = adminUser;
        _adminPassword = adminPassword;
        if (!File.Exists(layout.CaCertificate))
            throw new KmLabTestException($"the lab CA certificate {layout.CaCertificate} does not exist; has the lab's prepare step run with this state folder?");
        _trust = LabTrust.Read(layout);
        _http = new HttpClient(_trust.CreateHandler()) { Timeout = TimeSpan.FromSeconds(30) };
        IdentityServerUrl = LabUrls.IdentityServer(identityServerOffset);
        ApiManagerUrl = LabUrls.ApiManager;
        GatewayUrl = LabUrls.Gateway;
    }

    /// <summary>The lab whose state folder is <paramref name="stateDirectory"/> (what its <c>prepare</c> step wrote).</summary>
    /// <param name="stateDirectory">The lab's state folder.</param>
    /// <param name="adminPassword">The super admin's password (the lab's admin-password parameter); only
    /// <see cref="CreateUserAsync"/> needs it.</param>
    /// <param name="adminUser">The super admin's user name.</param>
    /// <exception cref="KmLabTestException">The folder holds no prepared lab.</exception>
    public static KmLabEndToEnd Open(string stateDirectory, string adminPassword, string adminUser = LabTopology.DefaultAdminUser)
    {
        var layout = new LabLayout(stateDirectory);
        if (!File.Exists(layout.Manifest))
            throw new KmLabTestException($"{layout.Manifest} does not exist: the lab's prepare step has not run with state folder {layout.Root}.");
        // lab.json is what prepare decided; the servers' host ports follow from IS's port offset.
        LabManifest manifest;
        try
        {
            manifest = LabManifest.Read(layout);
        }
        catch (LabException e)
        {
            throw new KmLabTestException($"{layout.Manifest} cannot be read ({e.Message}); run the lab's prepare step again.", e);
        }
        return new KmLabEndToEnd(layout, manifest.IdentityServerOffset, adminUser, adminPassword);
    }

    /// <summary>The state folder.</summary>
    public string StateDirectory => _layout.Root;

    /// <summary>The lab CA certificate (PEM) that signs both servers' certificates.</summary>
    public string CaCertificate => _layout.CaCertificate;

    /// <summary>IS on the host, e.g. <c>https://localhost:9444</c>.</summary>
    public Uri IdentityServerUrl { get; }

    /// <summary>APIM's portals and REST APIs on the host, <c>https://localhost:9443</c>.</summary>
    public Uri ApiManagerUrl { get; }

    /// <summary>APIM's gateway on the host, <c>https://localhost:8243</c>.</summary>
    public Uri GatewayUrl { get; }

    /// <summary>An HTTP client that trusts the lab CA and no other (TLS validation stays on). Dispose it.</summary>
    /// <param name="baseAddress">Its base address; the gateway when null.</param>
    public HttpClient CreateHttpClient(Uri? baseAddress = null) =>
        new(_trust.CreateHandler()) { BaseAddress = baseAddress ?? GatewayUrl, Timeout = TimeSpan.FromSeconds(60) };

    /// <summary>An HTTP client for the gateway (<see cref="GatewayUrl"/>) that trusts the lab CA. Dispose it.</summary>
    public HttpClient CreateGatewayClient() => CreateHttpClient(GatewayUrl);

    /// <summary>The API <paramref name="name"/> as <c>publish</c> recorded it, once the gateway answers for it (any
    /// status but 404: without a token that is 401).</summary>
    /// <param name="name">The API's name (the gateway API resource's name in the AppHost).</param>
    /// <param name="timeout">How long to wait; two minutes when null.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <exception cref="KmLabTestException">The API was not published, or the gateway did not serve it in time.</exception>
    public async Task<GatewayApi> WaitForApiAsync(string name, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromMinutes(2));
        using (var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            wait.CancelAfter(deadline - DateTime.UtcNow);
            try
            {
                await WaitForPublishAsync(name, wait.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new KmLabTestException($"API {name}'s publish step did not end in time; check its console log.");
            }
        }
        var file = _layout.ApiFile(name);
        string last = $"{file} does not exist yet";
        while (true)
        {
            if (File.Exists(file))
            {
                var api = ReadApi(name, file);
                try
                {
                    using var response = await _http.GetAsync(api.Url, cancellationToken).ConfigureAwait(false);
                    if (response.StatusCode != HttpStatusCode.NotFound) return api;
                    last = $"the gateway answered 404 at {api.Url}";
                }
                catch (HttpRequestException e)
                {
                    last = $"the gateway at {api.Url} could not be reached ({e.GetBaseException().Message})";
                }
            }
            if (DateTime.UtcNow >= deadline)
                throw new KmLabTestException($"API {name} is not live on the gateway: {last}; check the lab's publish step for {name} (its console log).");
            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The lab application <paramref name="name"/> with its consumer key and secret.</summary>
    /// <exception cref="KmLabTestException">No such application in the state folder.</exception>
    public LabApplication GetApplication(string name)
    {
        var file = _layout.ApplicationFile(name);
        if (!File.Exists(file))
            throw new KmLabTestException($"{file} does not exist: no lab application {name}; publish an API for it first (the AppHost's AddGatewayApi).");
        var application = ReadState(file, () => PublishOutputs.ReadApplication(_layout, name));
        return new LabApplication(name, Required(application.ConsumerKey, nameof(application.ConsumerKey), file),
            Required(application.ConsumerSecret, nameof(application.ConsumerSecret), file));
    }

    /// <summary>A client-credentials token from IS for the lab application <paramref name="application"/>.</summary>
    /// <param name="application">The lab application's name (e.g. <see cref="GatewayApi.Application"/>).</param>
    /// <param name="scope">The scopes to ask for, space-separated; none when null.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    public Task<LabToken> GetClientCredentialsTokenAsync(string application, string? scope = null, CancellationToken cancellationToken = default)
    {
        var form = new Dictionary<string, string> { ["grant_type"] = "client_credentials" };
        if (scope is not null) form["scope"] = scope;
        return TokenAsync(GetApplication(application), form, $"client-credentials token for application {application}", cancellationToken);
    }

    /// <summary>A password-grant token from IS for <paramref name="user"/>, through the lab application
    /// <paramref name="application"/> (which has the password grant).</summary>
    /// <param name="user">A user, e.g. from <see cref="CreateUserAsync"/>.</param>
    /// <param name="application">The lab application's name.</param>
    /// <param name="scope">The scopes to ask for, space-separated.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    public Task<LabToken> GetPasswordTokenAsync(LabUser user, string application, string scope = "openid", CancellationToken cancellationToken = default) =>
        TokenAsync(GetApplication(application), new Dictionary<string, string>
        {
            ["grant_type"] = "password", ["username"] = user.UserName, ["password"] = user.Password, ["scope"] = scope,
        }, $"password-grant token for {user.UserName} through application {application}", cancellationToken);

    /// <summary>Creates a user in IS's primary user store (SCIM2, as the super admin).</summary>
    /// <param name="userName">The user name (3-30 characters, no spaces); a new unique one when null.</param>
    /// <param name="password">The password (IS's default rule: 8 or more characters with an upper-case and a
    /// lower-case letter and a digit, on IS 7.0.0 also a special character); a random one when null.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <exception cref="KmLabTestException">IS refused the user (the message says why: a taken name, a refused pattern).</exception>
    public async Task<LabUser> CreateUserAsync(string? userName = null, string? password = null, CancellationToken cancellationToken = default)
    {
        userName ??= "e2e-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(5));
        password ??= "Kt1-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(10));
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(IdentityServerUrl, ScimUsers))
        {
            Content = JsonContent.Create(new JsonObject
            {
                ["schemas"] = new JsonArray(ScimUserSchema),
                ["userName"] = userName,
                ["password"] = password,
                ["name"] = new JsonObject { ["givenName"] = userName, ["familyName"] = "KmLab" },
            }),
        };
        request.Headers.Authorization = Basic(_adminUser, _adminPassword);
        using var response = await SendAsync(request, $"creating IS user {userName}", cancellationToken).ConfigureAwait(false);
        var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.Conflict)
            throw new KmLabTestException($"IS already has a user {userName}; give another user name (or none: a unique one is made).");
        if (response.StatusCode == HttpStatusCode.Unauthorized)
            throw new KmLabTestException($"IS refused the super admin {_adminUser} creating user {userName} (401); pass the lab's admin password.");
        if (!response.IsSuccessStatusCode)
            throw new KmLabTestException($"IS refused user {userName} ({(int)response.StatusCode}): {ScimDetail(body)}.");
        var id = (string?)JsonNode.Parse(body)?["id"] ?? throw new KmLabTestException($"IS created user {userName} but answered no id.");
        return new LabUser(id, userName, password);
    }

    /// <summary>SCIM2 users (IS's primary user store).</summary>
    private const string ScimUsers = "/scim2/Users";
    private const string ScimUserSchema = "urn:ietf:params:scim:schemas:core:2.0:User";

    private async Task<LabToken> TokenAsync(LabApplication application, Dictionary<string, string> form, string what, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, LabUrls.Token(IdentityServerUrl))
        {
            Content = new FormUrlEncodedContent(form),
        };
        request.Headers.Authorization = Basic(application.ConsumerKey, application.ConsumerSecret);
        using var response = await SendAsync(request, what, ct).ConfigureAwait(false);
        var body = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
        JsonNode? json = null;
        try
        {
            json = JsonNode.Parse(body);
        }
        catch (JsonException)
        {
        }
        if (!response.IsSuccessStatusCode || (string?)json?["access_token"] is not { Length: > 0 } accessToken)
            throw new KmLabTestException($"IS refused the {what} ({(int)response.StatusCode} {(string?)json?["error"]}: {(string?)json?["error_description"]}).");
        return new LabToken(accessToken, (string?)json["scope"] ?? "", (long?)json["expires_in"] ?? 0);
    }

    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, string what, CancellationToken ct)
    {
        try
        {
            return await _http.SendAsync(request, ct).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            throw new KmLabTestException($"{what}: IS at {IdentityServerUrl} could not be reached ({e.GetBaseException().Message}); is the lab running?", e);
        }
    }

    private GatewayApi ReadApi(string name, string file)
    {
        var published = ReadState(file, () => PublishOutputs.ReadApi(_layout, name));
        var context = "/" + Required(published.Context, nameof(published.Context), file).Trim('/');
        var version = Required(published.Version, nameof(published.Version), file);
        // The recorded gateway URL is the gateway's base (https://localhost:8243) or the API's own URL on it.
        var gateway = published.GatewayUrl
            ?? throw new KmLabTestException($"{file} has no '{nameof(published.GatewayUrl)}'; run the lab's publish step again.");
        var basePath = $"{context}/{version}";
        var url = gateway.AbsolutePath.TrimEnd('/').EndsWith(basePath, StringComparison.Ordinal)
            ? gateway
            : new Uri(gateway.GetLeftPart(UriPartial.Authority) + basePath);
        return new GatewayApi(name, url, context, version, Required(published.Application, nameof(published.Application), file),
            Required(published.ConsumerKey, nameof(published.ConsumerKey), file));
    }

    /// <summary>A state file through Core's reader for it; a missing or unreadable file names the step to re-run.</summary>
    private static T ReadState<T>(string file, Func<T?> read) where T : class
    {
        try
        {
            return read() ?? throw new FileNotFoundException($"Could not find file '{file}'.", file);
        }
        catch (Exception e) when (e is JsonException or IOException or NotSupportedException)
        {
            throw new KmLabTestException($"{file} cannot be read ({e.Message}); run the lab step that writes it again.", e);
        }
    }

    private static string Required(string? value, string field, string file) =>
        value is { Length: > 0 }
            ? value
            : throw new KmLabTestException($"{file} has no '{field}'; run the lab's publish step again.");

    private static string ScimDetail(string body)
    {
        try
        {
            return (string?)JsonNode.Parse(body)?["detail"] ?? body;
        }
        catch (JsonException)
        {
            return body;
        }
    }

    private static AuthenticationHeaderValue Basic(string user, string password) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));

    /// <inheritdoc />
    public void Dispose()
    {
        _http.Dispose();
        _trust.Dispose();
    }
}
