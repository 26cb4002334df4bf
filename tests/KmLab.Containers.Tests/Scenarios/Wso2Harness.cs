using KmLab.Provisioner.Publishing;

namespace KmLab.Containers.Tests.Scenarios;

/// <summary>The requests of WSO2's own integration harness, sent to the lab with plain HTTP and JSON of the harness's
/// payload shapes: they are WSO2's requests, not the Provisioner's. Everything it creates is deleted on dispose,
/// applications before Key Managers, as the harness's clean-up does. Citations: "H" =
/// wso2/product-apim@140e5b9079d232920f192aeed98f16171b07e40c:all-in-one-apim/modules/integration-v2/tests-integration/cucumber-tests/src/test/java/org/wso2/am/integration/cucumbertests/
/// (its <c>stepdefinitions/</c> and <c>utils/</c>), "R" = the same module's <c>src/test/resources/</c>.</summary>
public sealed class Wso2Harness : IAsyncDisposable
{
    /// <summary>The IS 7 host of the harness's config-only payloads (R artifacts/payloads/keymanagers/
    /// wso2is7-config*.json): stored, never contacted.</summary>
    public const string ConfigOnlyIs = "https://is7.example.com:9444";

    public const string ClientCredentials = "client_credentials";
    public const string Saml2Bearer = "urn:ietf:params:oauth:grant-type:saml2-bearer";

    private static int _unique;
    private readonly HttpClient _http;
    private readonly List<string> _applications = [];
    private readonly List<string> _keyManagers = [];
    private string? _token;

    private Wso2Harness(ContainerLab lab, string issuer)
    {
        Lab = lab;
        Issuer = issuer;
        _http = lab.CreateClient();
    }

    public ContainerLab Lab { get; }

    /// <summary>IS's issuer as IS advertises it (the harness rewrites IS's host name to its alias, so there the
    /// issuer and the endpoints share one host; in the lab they do not).</summary>
    public string Issuer { get; }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static async Task<Wso2Harness> StartAsync(LabFixture fixture)
    {
        var lab = await fixture.LabAsync();
        return new Wso2Harness(lab, fixture.FirstRegistration.Issuer);
    }

    public sealed record Reply(int Status, JsonNode? Body)
    {
        public string? Text(string path) => path.Split('.').Aggregate(Body, (node, key) => node?[key]) is JsonValue v ? v.ToString() : null;
    }

    /// <summary>H utils/Names.java L43-57: <c>${UNIQUE:x}</c> becomes <c>x_&lt;8 hex&gt;_&lt;n&gt;</c>.</summary>
    public static string Unique(string prefix) =>
        $"{prefix}_{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}_{Interlocked.Increment(ref _unique)}";

    /// <summary>H stepdefinitions/BaseSteps.java L107-294: APIM's REST client registration, Basic admin, then a
    /// password-grant token with the admin, publisher and DevPortal scopes the harness asks for.</summary>
    public async Task<string> AdminTokenAsync()
    {
        if (_token is not null) return _token;
        var user = Lab.Topology.AdminUser;
        var registered = await SendAsync(HttpMethod.Post, ApimEndpoints.ClientRegistration, new JsonObject
        {
            ["callbackUrl"] = "www.google.lk", ["clientName"] = $"integration_test_app_{user}_carbon.super",
            ["grantType"] = "client_credentials password refresh_token", ["saasApp"] = true, ["owner"] = user,
        }, basic: (user, Lab.Topology.AdminPassword));
        Assert.Equal(200, registered.Status);
        var token = await FormAsync(new Uri(Lab.ApimUrl, "/oauth2/token"), (registered.Text("clientId")!, registered.Text("clientSecret")!), new()
        {
            ["grant_type"] = "password", ["username"] = user, ["password"] = Lab.Topology.AdminPassword,
            ["scope"] = "apim:admin apim:admin_operations apim:keymanagers_manage apim:api_view apim:api_create apim:api_publish apim:api_manage apim:subscribe apim:app_manage apim:sub_manage",
        });
        Assert.Equal(200, token.Status);
        return _token = token.Text("access_token")!;
    }

    /// <summary>A management call. H utils/clients/SimpleHTTPClient.java L80-82, L152-185: a 5xx whose body carries
    /// 900967 ("General Error") is sent again, three attempts, 2 s apart; that is why a leaked key-mapping row
    /// surfaces as 409 in the harness.</summary>
    public async Task<Reply> SendAsync(HttpMethod method, string path, JsonNode? body = null, (string User, string Password)? basic = null)
    {
        Reply reply = new(0, null);
        for (var attempt = 1; attempt <= 3; attempt++)
        {
            if (attempt > 1) await Task.Delay(TimeSpan.FromSeconds(2), Ct);
            using var request = new HttpRequestMessage(method, new Uri(Lab.ApimUrl, path));
            if (body is not null) request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
            request.Headers.Authorization = basic is { } b ? Basic(b.User, b.Password) : new AuthenticationHeaderValue("Bearer", await AdminTokenAsync());
            reply = await ReadAsync(await _http.SendAsync(request, Ct));
            if (!(reply.Status >= 500 && reply.Body?.ToJsonString().Contains("900967", StringComparison.Ordinal) == true)) break;
        }
        return reply;
    }

    public async Task<Reply> FormAsync(Uri url, (string User, string Password) basic, Dictionary<string, string> form)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new FormUrlEncodedContent(form) };
        request.Headers.Authorization = Basic(basic.User, basic.Password);
        return await ReadAsync(await _http.SendAsync(request, Ct));
    }

    /// <summary>The <c>wso2is7.json</c> shape (R artifacts/payloads/keymanagers/wso2is7.json L1-43) on the lab's IS: endpoints
    /// where APIM reaches IS, the issuer IS advertises, the lab's admin as the connector's user.</summary>
    public JsonObject Is7KeyManager(string prefix, string? isBase = null)
    {
        var b = isBase ?? Lab.IsInternalUrl.GetLeftPart(UriPartial.Authority);
        return new JsonObject
        {
            ["name"] = Unique(prefix), ["displayName"] = "WSO2 IS 7 External Key Manager", ["type"] = "WSO2-IS-7",
            ["description"] = "WSO2 Identity Server 7.x registered as a third-party key manager",
            ["issuer"] = isBase is null ? Issuer : b + "/oauth2/token",
            ["tokenEndpoint"] = b + "/oauth2/token", ["introspectionEndpoint"] = b + "/oauth2/introspect",
            ["revokeEndpoint"] = b + "/oauth2/revoke", ["authorizeEndpoint"] = b + "/oauth2/authorize",
            ["userInfoEndpoint"] = b + "/scim2/Me", ["scopeManagementEndpoint"] = b + "/api/identity/oauth2/v1.0/scopes",
            ["clientRegistrationEndpoint"] = b + "/api/identity/oauth2/dcr/v1.1/register",
            ["consumerKeyClaim"] = "azp", ["scopesClaim"] = "scope", ["enabled"] = true,
            ["enableTokenGeneration"] = true, ["enableOAuthAppCreation"] = true, ["enableMapOAuthConsumerApps"] = true,
            ["enableSelfValidationJWT"] = true,
            ["availableGrantTypes"] = new JsonArray("client_credentials", "password", "refresh_token", "authorization_code",
                "urn:ietf:params:oauth:grant-type:device_code", "urn:ietf:params:oauth:grant-type:jwt-bearer", Saml2Bearer),
            ["certificates"] = new JsonObject { ["type"] = "JWKS", ["value"] = b + "/oauth2/jwks" },
            ["additionalProperties"] = new JsonObject
            {
                ["Authentication"] = "BasicAuth",
                ["api_resource_management_endpoint"] = b + "/api/server/v1/api-resources",
                ["is7_roles_endpoint"] = b + "/scim2/v2/Roles",
                ["Username"] = Lab.Topology.AdminUser, ["Password"] = Lab.Topology.AdminPassword,
                ["self_validate_jwt"] = true, ["enable_roles_creation"] = true,
            },
        };
    }

    /// <summary>The <c>wso2is7-config.json</c> shape (config CRUD only, never contacted): grants
    /// client_credentials, password, refresh_token; Basic credentials without an <c>Authentication</c> key.</summary>
    public static JsonObject Is7Config(string prefix)
    {
        const string b = ConfigOnlyIs;
        return new JsonObject
        {
            ["name"] = Unique(prefix), ["displayName"] = "Test Key Manager WSO2 IS 7", ["type"] = "WSO2-IS-7",
            ["description"] = "WSO2 IS 7 key manager with optional parameters",
            ["issuer"] = b + "/oauth2/token", ["tokenEndpoint"] = b + "/oauth2/token", ["introspectionEndpoint"] = b + "/oauth2/introspect",
            ["revokeEndpoint"] = b + "/oauth2/revoke", ["authorizeEndpoint"] = b + "/oauth2/authorize", ["userInfoEndpoint"] = b + "/scim2/Me",
            ["scopeManagementEndpoint"] = b + "/api/identity/oauth2/v1.0/scopes",
            ["clientRegistrationEndpoint"] = b + "/api/identity/oauth2/dcr/v1.1/register",
            ["consumerKeyClaim"] = "azp", ["scopesClaim"] = "scope", ["enabled"] = true,
            ["enableTokenGeneration"] = true, ["enableOAuthAppCreation"] = true, ["enableMapOAuthConsumerApps"] = true,
            ["availableGrantTypes"] = new JsonArray("client_credentials", "password", "refresh_token"),
            ["certificates"] = new JsonObject { ["type"] = "JWKS", ["value"] = b + "/oauth2/jwks" },
            ["additionalProperties"] = new JsonObject
            {
                ["api_resource_management_endpoint"] = b + "/api/server/v1/api-resources", ["is7_roles_endpoint"] = b + "/scim2/v2/Roles",
                ["Username"] = "admin", ["Password"] = "admin", ["self_validate_jwt"] = true, ["enable_roles_creation"] = false,
            },
        };
    }

    /// <summary>R <c>wso2is7-config-token-exchange.json</c>: <see cref="Is7Config"/> as a token-exchange Key Manager
    /// (EXCHANGED, client_credentials and token-exchange grants, the token endpoint as alias).</summary>
    public static JsonObject Is7ExchangedConfig(string prefix)
    {
        var body = Is7Config(prefix);
        body["availableGrantTypes"] = new JsonArray(ClientCredentials, "urn:ietf:params:oauth:grant-type:token-exchange");
        body["tokenType"] = "EXCHANGED";
        body["alias"] = ConfigOnlyIs + "/oauth2/token";
        return body;
    }

    /// <summary>H stepdefinitions/ApplicationBaseSteps.java L3980-3990: <c>POST /key-managers</c>; a 201 is kept for
    /// clean-up.</summary>
    public async Task<Reply> PostKeyManagerAsync(JsonObject body)
    {
        var reply = await SendAsync(HttpMethod.Post, ApimEndpoints.KeyManagers, body);
        if (reply.Status == 201) _keyManagers.Add(reply.Text("id")!);
        return reply;
    }

    public async Task<(string Id, string Name)> CreateKeyManagerAsync(JsonObject body)
    {
        var reply = await PostKeyManagerAsync(body);
        Assert.True(reply.Status == 201, $"POST key-managers answered {reply.Status}: {reply.Body?.ToJsonString()}");
        return (reply.Text("id")!, reply.Text("name")!);
    }

    public Task<Reply> GetKeyManagerAsync(string id) => SendAsync(HttpMethod.Get, $"{ApimEndpoints.KeyManagers}/{id}");

    /// <summary>H stepdefinitions/ApplicationBaseSteps.java L4158-4290: GET, change one field, PUT.</summary>
    public async Task<Reply> UpdateKeyManagerAsync(string id, string field, JsonNode value)
    {
        var current = await GetKeyManagerAsync(id);
        Assert.Equal(200, current.Status);
        var body = current.Body!.AsObject();
        body[field] = value;
        return await SendAsync(HttpMethod.Put, $"{ApimEndpoints.KeyManagers}/{id}", body);
    }

    public async Task<Reply> DeleteKeyManagerAsync(string id)
    {
        var reply = await SendAsync(HttpMethod.Delete, $"{ApimEndpoints.KeyManagers}/{id}");
        if (reply.Status == 200) _keyManagers.Remove(id);
        return reply;
    }

    /// <summary>H stepdefinitions/ApplicationBaseSteps.java L4004-4087, "and wait until it is operational": every 2 s for 60 s, a
    /// probe application generates client-credentials keys against the Key Manager and is deleted again.</summary>
    public async Task WaitOperationalAsync(string keyManagerId)
    {
        Reply last = new(0, null);
        for (var attempt = 0; attempt < 30; attempt++)
        {
            if (attempt > 0) await Task.Delay(TimeSpan.FromSeconds(2), Ct);
            var probe = await CreateApplicationAsync();
            last = await GenerateKeysAsync(probe, keyManagerId, [ClientCredentials]);
            await DeleteApplicationAsync(probe);
            if (last.Status is >= 200 and < 300) return;
        }
        Assert.Fail($"Key Manager {keyManagerId} was not operational within 60 s (last keygen {last.Status}: {last.Body?.ToJsonString()})");
    }

    /// <summary>R artifacts/payloads/create_apim_test_app_oauth.json: <c>{name, throttlingPolicy Unlimited, tokenType OAUTH}</c>.</summary>
    public async Task<string> CreateApplicationAsync()
    {
        var reply = await SendAsync(HttpMethod.Post, Paths.Applications, new JsonObject
        {
            ["name"] = Unique("APIMTestApp"), ["throttlingPolicy"] = "Unlimited",
            ["description"] = "Test application for scenarios", ["tokenType"] = "OAUTH",
        });
        Assert.Equal(201, reply.Status);
        var id = reply.Text("applicationId")!;
        _applications.Add(id);
        return id;
    }

    public async Task DeleteApplicationAsync(string id)
    {
        var reply = await SendAsync(HttpMethod.Delete, $"{Paths.Applications}/{id}");
        if (reply.Status == 200) _applications.Remove(id);
    }

    /// <summary>H stepdefinitions/ApplicationBaseSteps.java L1891-1912: <c>POST /applications/{id}/generate-keys</c>.</summary>
    public Task<Reply> GenerateKeysAsync(string applicationId, string keyManager, IEnumerable<string> grants) =>
        SendAsync(HttpMethod.Post, $"{Paths.Applications}/{applicationId}/generate-keys", new JsonObject
        {
            ["keyType"] = "PRODUCTION", ["keyManager"] = keyManager,
            ["grantTypesToBeSupported"] = new JsonArray([.. grants.Select(g => (JsonNode)g)]),
        });

    /// <summary>H stepdefinitions/PublisherBaseSteps.java L1073-1084 (create L71-87, revision L228-275, deploy
    /// L306-324), publish L485-530, lifecycle L950-: the API of create_apim_test_api.json, context without a
    /// leading <c>/</c>. The harness's backend (a node service at nodebackend:3001) is not in the lab: IS's health
    /// endpoint stands in, as for the lab's own smoke API, so the resource is <c>GET /health</c>. Payload: R artifacts/payloads/create_apim_test_api.json.
    /// With <paramref name="sharedScope"/>, the scope-protected API of H stepdefinitions/PublisherBaseSteps.java
    /// L1722-1758: the shared scope referenced with <c>shared: true</c> and required by the GET operation.</summary>
    public async Task<(string Id, string Context)> CreateDeployedPublishedApiAsync(string? sharedScope = null)
    {
        var backend = SampleApi.BackendBase(Lab.IsInternalUrl);
        var payload = new JsonObject
        {
            ["name"] = Unique("APIMTest"), ["context"] = Unique("apiTestContext"), ["version"] = "1.0.0",
            ["endpointConfig"] = new JsonObject
            {
                ["endpoint_type"] = "http",
                ["production_endpoints"] = new JsonObject { ["url"] = backend },
                ["sandbox_endpoints"] = new JsonObject { ["url"] = backend },
            },
            ["description"] = "This is Test API Created by API Manager Integration Test",
            ["policies"] = new JsonArray("Gold", "Bronze", "Unlimited"),
            ["operations"] = new JsonArray(
                new JsonObject
                {
                    ["verb"] = "GET", ["target"] = SampleApi.Resource,
                    ["scopes"] = sharedScope is null ? new JsonArray() : new JsonArray(sharedScope),
                }),
            ["isDefaultVersion"] = true,
        };
        if (sharedScope is not null)
        {
            payload["scopes"] = new JsonArray(new JsonObject
            {
                ["scope"] = new JsonObject { ["name"] = sharedScope, ["displayName"] = sharedScope }, ["shared"] = true,
            });
        }
        var created = await SendAsync(HttpMethod.Post, Paths.Apis, payload);
        Assert.True(created.Status == 201, $"POST apis answered {created.Status}: {created.Body?.ToJsonString()}");
        var id = created.Text("id")!;
        var revision = await UntilAsync(() => SendAsync(HttpMethod.Post, $"{Paths.Apis}/{id}/revisions", new JsonObject { ["description"] = "Initial Revision" }), 201);
        // H stepdefinitions/PublisherBaseSteps.java L275: the harness pauses 3 s after the revision. The scenarios' key generation
        // relies on it: it is what puts a Key Manager created just before past its propagation to the runtime.
        await Task.Delay(TimeSpan.FromSeconds(3), Ct);
        var deployed = await SendAsync(HttpMethod.Post, $"{Paths.Apis}/{id}/deploy-revision?revisionId={revision.Text("id")}",
            new JsonArray(new JsonObject { ["name"] = "Default", ["vhost"] = "localhost", ["displayOnDevportal"] = true }));
        Assert.True(deployed.Status is 200 or 201, $"deploy-revision answered {deployed.Status}: {deployed.Body?.ToJsonString()}");
        await UntilAsync(() => SendAsync(HttpMethod.Post, $"{Paths.Apis}/change-lifecycle?apiId={id}&action=Publish"), 200);
        var state = await UntilAsync(() => SendAsync(HttpMethod.Get, $"{Paths.Apis}/{id}/lifecycle-state"), 200, r => r.Text("state") == "Published");
        Assert.Equal("Published", state.Text("state"));
        var api = await SendAsync(HttpMethod.Get, $"{Paths.Apis}/{id}");
        return (id, api.Text("context")!);
    }

    /// <summary>H stepdefinitions/ApplicationBaseSteps.java L1531-1556.</summary>
    public Task<Reply> SubscribeAsync(string applicationId, string apiId) =>
        SendAsync(HttpMethod.Post, Paths.Subscriptions, new JsonObject
        {
            ["applicationId"] = applicationId, ["apiId"] = apiId, ["throttlingPolicy"] = "Unlimited",
        });

    /// <summary>H stepdefinitions/ApplicationBaseSteps.java L2429-2458: a client-credentials token from IS with the keys' client.</summary>
    public Task<Reply> IsClientCredentialsTokenAsync(string consumerKey, string consumerSecret) =>
        FormAsync(new Uri(Lab.IsUrl, IdentityServerEndpoints.Token), (consumerKey, consumerSecret), new() { ["grant_type"] = ClientCredentials });

    /// <summary>H stepdefinitions/APIInvocationSteps.java L253-263, H utils/Utils.java L207-225: the gateway every 2 s
    /// until it answers <paramref name="expected"/>, within max(<paramref name="seconds"/>, 180) s; the last status.</summary>
    public async Task<int> GatewayUntilAsync(string context, string accessToken, int expected, int seconds)
    {
        var url = new Uri(Lab.GatewayUrl, $"{context}/1.0.0{SampleApi.Resource}");
        var deadline = DateTimeOffset.UtcNow + TimeSpan.FromSeconds(Math.Max(seconds, 180));
        while (true)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
            using var response = await _http.SendAsync(request, Ct);
            var status = (int)response.StatusCode;
            if (status == expected || DateTimeOffset.UtcNow > deadline) return status;
            await Task.Delay(TimeSpan.FromSeconds(2), Ct);
        }
    }

    /// <summary>H stepdefinitions/PublisherBaseSteps.java L1617-1711: a shared scope bound to a new APIM role; IS is
    /// probed for the derived role <c>system_primary_&lt;role&gt;</c> three times 2 s apart. A scope created before
    /// the Key Manager reached the runtime never gets its role, so it is deleted and made again with new names,
    /// for 60 s. Returns the last create's reply (what the feature's status step reads), the scope and the IS role.</summary>
    public async Task<(Reply Created, string Scope, string IsRole)> CreateSharedScopeBoundToNewRoleAsync()
    {
        var deadline = DateTimeOffset.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            var scope = Unique("is7scope");
            var isRole = "system_primary_" + Unique("is7role");
            var created = await SendAsync(HttpMethod.Post, Paths.SharedScopes, new JsonObject
            {
                ["name"] = scope, ["displayName"] = scope, ["description"] = "IS7 runtime role-creation test scope",
                ["bindings"] = new JsonArray(isRole["system_primary_".Length..]),
            });
            if (created.Status is >= 200 and < 300)
            {
                for (var probe = 0; probe < 3; probe++)
                {
                    if (probe > 0) await Task.Delay(TimeSpan.FromSeconds(2), Ct);
                    if (await IsRoleExistsAsync(isRole)) return (created, scope, isRole);
                }
                await SendAsync(HttpMethod.Delete, $"{Paths.SharedScopes}/{created.Text("id")}");
            }
            Assert.True(DateTimeOffset.UtcNow < deadline, $"the derived IS role never appeared within 60 s (last scope create {created.Status})");
            await Task.Delay(TimeSpan.FromSeconds(2), Ct);
        }
    }

    public Task<Reply> DeleteSharedScopeAsync(string id) => SendAsync(HttpMethod.Delete, $"{Paths.SharedScopes}/{id}");

    /// <summary>H stepdefinitions/ApplicationBaseSteps.java L3143-3168: 200 with <c>totalResults</c> ≥ 1.</summary>
    public async Task<bool> IsRoleExistsAsync(string role)
    {
        var reply = await QueryIsRoleAsync(role);
        return reply.Status == 200 && (int?)reply.Body?["totalResults"] >= 1;
    }

    /// <summary>H stepdefinitions/ApplicationBaseSteps.java L2444-2457: a password-grant token from IS with the keys'
    /// client, the scope sent verbatim.</summary>
    public Task<Reply> IsPasswordTokenAsync(string consumerKey, string consumerSecret, string user, string password, string scope) =>
        FormAsync(new Uri(Lab.IsUrl, IdentityServerEndpoints.Token), (consumerKey, consumerSecret), new()
        {
            ["grant_type"] = "password", ["username"] = user, ["password"] = password, ["scope"] = scope,
        });

    /// <summary>H stepdefinitions/ApplicationBaseSteps.java L3143-3168: SCIM2 Roles by display name, Basic IS admin.</summary>
    public async Task<Reply> QueryIsRoleAsync(string role) =>
        await IsAdminAsync(HttpMethod.Get, $"{IdentityServerEndpoints.Roles}?filter={Uri.EscapeDataString($"displayName eq {role}")}", null);

    /// <summary>H stepdefinitions/ApplicationBaseSteps.java L2474-2531: a SCIM2 user with a unique name derived from
    /// <paramref name="nameBase"/> (201 asserted), then, with <paramref name="isRole"/>, a Roles v2 PatchOp adding
    /// the user to that role (2xx asserted). Returns the user name.</summary>
    public async Task<string> CreateIsUserAsync(string nameBase, string password, string? isRole)
    {
        var userName = Unique(nameBase);
        var user = await IsAdminAsync(HttpMethod.Post, "/scim2/Users", new JsonObject
        {
            ["schemas"] = new JsonArray("urn:ietf:params:scim:schemas:core:2.0:User"),
            ["userName"] = userName, ["password"] = password,
            ["name"] = new JsonObject { ["givenName"] = userName, ["familyName"] = "is7test" },
        });
        Assert.True(user.Status == 201, $"SCIM2 user create for {userName} answered {user.Status}");
        if (string.IsNullOrEmpty(isRole)) return userName;

        var roles = await QueryIsRoleAsync(isRole);
        Assert.True((int?)roles.Body?["totalResults"] >= 1, $"IS role {isRole} not found: {roles.Status} {roles.Body?.ToJsonString()}");
        var patched = await IsAdminAsync(new HttpMethod("PATCH"), $"{IdentityServerEndpoints.Roles}/{roles.Body!["Resources"]![0]!["id"]}", new JsonObject
        {
            ["schemas"] = new JsonArray("urn:ietf:params:scim:api:messages:2.0:PatchOp"),
            ["Operations"] = new JsonArray(new JsonObject
            {
                ["op"] = "add", ["path"] = "users",
                ["value"] = new JsonArray(new JsonObject { ["value"] = user.Text("id") }),
            }),
        });
        Assert.True(patched.Status is >= 200 and < 300, $"SCIM2 role member add for {userName} answered {patched.Status}: {patched.Body?.ToJsonString()}");
        return userName;
    }

    private async Task<Reply> IsAdminAsync(HttpMethod method, string path, JsonNode? body)
    {
        using var request = new HttpRequestMessage(method, new Uri(Lab.IsUrl, path));
        if (body is not null) request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        request.Headers.Authorization = Basic(Lab.Topology.AdminUser, Lab.Topology.AdminPassword);
        return await ReadAsync(await _http.SendAsync(request, Ct));
    }

    /// <summary>H stepdefinitions/ApplicationBaseSteps.java L3096-3134: revoke at IS as the client, then IS's introspection as its admin.</summary>
    public async Task<(Reply Revoked, Reply Introspected)> RevokeAtIsAsync(string consumerKey, string consumerSecret, string accessToken)
    {
        var revoked = await FormAsync(new Uri(Lab.IsUrl, IdentityServerEndpoints.Revoke), (consumerKey, consumerSecret), new() { ["token"] = accessToken });
        var introspected = await FormAsync(new Uri(Lab.IsUrl, IdentityServerEndpoints.Introspect), (Lab.Topology.AdminUser, Lab.Topology.AdminPassword), new() { ["token"] = accessToken });
        return (revoked, introspected);
    }

    /// <summary>The lab's own Key Manager (from <c>register</c>) has IS's issuer too, and the gateway resolves a token's
    /// Key Manager by issuer: WSO2 runs these scenarios with at most one Key Manager per issuer (R
    /// testng-v2.xml L414-421). So a scenario that goes through the gateway disables the lab's Key Manager
    /// while it runs and enables it again after, waiting until it is operational.</summary>
    public async Task<IAsyncDisposable> SetLabKeyManagerAsideAsync(string labKeyManagerId)
    {
        Assert.Equal(200, (await UpdateKeyManagerAsync(labKeyManagerId, "enabled", false)).Status);
        return new Restore(async () =>
        {
            Assert.Equal(200, (await UpdateKeyManagerAsync(labKeyManagerId, "enabled", true)).Status);
            await WaitOperationalAsync(labKeyManagerId);
        });
    }

    private sealed class Restore(Func<Task> action) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync() => await action();
    }

    private static async Task<Reply> UntilAsync(Func<Task<Reply>> call, int status, Func<Reply, bool>? also = null)
    {
        Reply reply = new(0, null);
        for (var attempt = 0; attempt < 90; attempt++)
        {
            if (attempt > 0) await Task.Delay(TimeSpan.FromSeconds(2), Ct);
            reply = await call();
            if (reply.Status == status && (also?.Invoke(reply) ?? true)) return reply;
        }
        Assert.Fail($"expected {status}, last answer {reply.Status}: {reply.Body?.ToJsonString()}");
        return reply;
    }

    private static async Task<Reply> ReadAsync(HttpResponseMessage response)
    {
        using (response)
        {
            var text = await response.Content.ReadAsStringAsync(Ct);
            JsonNode? body = null;
            if (text.Length > 0)
            {
                try { body = JsonNode.Parse(text); } catch (System.Text.Json.JsonException) { body = JsonValue.Create(text); }
            }
            return new Reply((int)response.StatusCode, body);
        }
    }

    private static AuthenticationHeaderValue Basic(string user, string password) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));

    public async ValueTask DisposeAsync()
    {
        foreach (var application in _applications.ToList())
            await SendAsync(HttpMethod.Delete, $"{Paths.Applications}/{application}");
        foreach (var keyManager in _keyManagers.ToList())
            await SendAsync(HttpMethod.Delete, $"{ApimEndpoints.KeyManagers}/{keyManager}");
        _http.Dispose();
    }

    private static class Paths
    {
        public const string Applications = "/api/am/devportal/v3/applications";
        public const string Subscriptions = "/api/am/devportal/v3/subscriptions";
        public const string Apis = "/api/am/publisher/v4/apis";
        public const string SharedScopes = "/api/am/publisher/v4/scopes";
    }
}
