namespace KmLab.Twins.Tests;

/// <summary>The IS twin's role-based scope rules as WSO2's code has them: organization-role permissions must be
/// registered scopes, a password grant gets a scope only through one of the user's roles, client credentials get any
/// registered scope (authorize_all_scopes), an unregistered scope is never issued.</summary>
public sealed class RoleAuthorizationTests
{
    [Fact]
    public async Task Permissions_must_be_registered_scopes_and_a_password_grant_gets_a_scope_only_through_the_users_role()
    {
        await using var lab = await TwinLab.StartAsync();
        var ct = TestContext.Current.CancellationToken;
        var basic = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"admin:{lab.AdminPassword}")));

        async Task<(HttpStatusCode Status, JsonNode? Body)> Send(HttpMethod method, string path, JsonNode? body, AuthenticationHeaderValue? auth = null, HttpContent? content = null)
        {
            using var message = new HttpRequestMessage(method, new Uri(lab.IdentityServer.BaseUrl, path));
            message.Headers.Authorization = auth ?? basic;
            message.Content = content ?? (body is null ? null : new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"));
            using var response = await lab.Http.SendAsync(message, ct);
            var text = await response.Content.ReadAsStringAsync(ct);
            return (response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text));
        }

        var refused = await Send(HttpMethod.Post, "/scim2/v2/Roles", new JsonObject { ["displayName"] = "readers", ["permissions"] = new JsonArray(new JsonObject { ["value"] = "rbac_read" }) });
        Assert.Equal(HttpStatusCode.BadRequest, refused.Status);

        var resource = await Send(HttpMethod.Post, "/api/server/v1/api-resources", new JsonObject { ["name"] = "r", ["identifier"] = "User-defined-oauth2-resource", ["scopes"] = new JsonArray() });
        Assert.Equal(HttpStatusCode.Created, resource.Status);
        var patched = await Send(HttpMethod.Patch, $"/api/server/v1/api-resources/{resource.Body!["id"]}", new JsonObject { ["addedScopes"] = new JsonArray(new JsonObject { ["name"] = "rbac_read" }) });
        Assert.Equal(HttpStatusCode.OK, patched.Status);
        var again = await Send(HttpMethod.Patch, $"/api/server/v1/api-resources/{resource.Body!["id"]}", new JsonObject { ["addedScopes"] = new JsonArray(new JsonObject { ["name"] = "rbac_read" }) });
        Assert.Equal(HttpStatusCode.Conflict, again.Status);

        var alice = await Send(HttpMethod.Post, "/scim2/Users", new JsonObject { ["userName"] = "alice", ["password"] = "Alice-pass-1" });
        var bob = await Send(HttpMethod.Post, "/scim2/Users", new JsonObject { ["userName"] = "bob", ["password"] = "Bob-pass-1" });
        Assert.Equal((HttpStatusCode.Created, HttpStatusCode.Created), (alice.Status, bob.Status));
        Assert.Equal(HttpStatusCode.Conflict, (await Send(HttpMethod.Post, "/scim2/Users", new JsonObject { ["userName"] = "bob", ["password"] = "Bob-pass-2" })).Status);

        var role = await Send(HttpMethod.Post, "/scim2/v2/Roles", new JsonObject { ["displayName"] = "readers", ["permissions"] = new JsonArray(new JsonObject { ["value"] = "rbac_read" }) });
        Assert.Equal(HttpStatusCode.Created, role.Status);
        var member = await Send(HttpMethod.Patch, $"/scim2/v2/Roles/{role.Body!["id"]}", new JsonObject
        {
            ["Operations"] = new JsonArray(new JsonObject { ["op"] = "add", ["path"] = "users", ["value"] = new JsonArray(new JsonObject { ["value"] = (string?)alice.Body!["id"] }) }),
        });
        Assert.Equal(HttpStatusCode.OK, member.Status);

        var client = await Send(HttpMethod.Post, "/api/identity/oauth2/dcr/v1.1/register", new JsonObject
        {
            ["client_name"] = "rbac-test", ["grant_types"] = new JsonArray("password", "client_credentials"),
        });
        var clientBasic = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{client.Body!["client_id"]}:{client.Body!["client_secret"]}")));
        async Task<string> Scope(params (string, string)[] form)
        {
            var (status, body) = await Send(HttpMethod.Post, "/oauth2/token", null, clientBasic, new FormUrlEncodedContent(form.Select(f => KeyValuePair.Create(f.Item1, f.Item2))));
            Assert.Equal(HttpStatusCode.OK, status);
            return (string)body!["scope"]!;
        }

        Assert.Equal(["openid", "rbac_read"], (await Scope(("grant_type", "password"), ("username", "alice"), ("password", "Alice-pass-1"), ("scope", "openid rbac_read unregistered"))).Split(' ').Order());
        Assert.Equal(["openid"], (await Scope(("grant_type", "password"), ("username", "bob"), ("password", "Bob-pass-1"), ("scope", "openid rbac_read"))).Split(' '));
        Assert.Equal(["rbac_read"], (await Scope(("grant_type", "client_credentials"), ("scope", "rbac_read unregistered"))).Split(' '));
        var wrongPassword = await Send(HttpMethod.Post, "/oauth2/token", null, clientBasic,
            new FormUrlEncodedContent([KeyValuePair.Create("grant_type", "password"), KeyValuePair.Create("username", "bob"), KeyValuePair.Create("password", "nope-nope")]));
        Assert.Equal(HttpStatusCode.BadRequest, wrongPassword.Status);
    }

    [Fact]
    public async Task APIM_refuses_a_local_scope_bound_to_a_role_it_lacks_with_903250_but_takes_a_shared_one_and_registers_nothing_without_an_IS_7_key_manager()
    {
        await using var lab = await TwinLab.StartAsync();
        var (token, _) = await lab.AdminTokenAsync(TwinLab.AllScopes + " apim:shared_scope_manage");
        lab.IdentityServer.ClearRequests();
        JsonNode Api(bool shared) => new JsonObject
        {
            ["name"] = "Rbac", ["version"] = "1.0.0", ["context"] = "/rbac",
            ["scopes"] = new JsonArray(new JsonObject { ["scope"] = new JsonObject { ["name"] = "rbac_read", ["bindings"] = new JsonArray("rbac_reader") }, ["shared"] = shared }),
            ["operations"] = new JsonArray(new JsonObject { ["target"] = "/items", ["verb"] = "GET", ["scopes"] = new JsonArray("rbac_read") }),
        };

        var local = await lab.SendAsync(HttpMethod.Post, "/api/am/publisher/v4/apis", Api(shared: false), token);
        var scope = await lab.SendAsync(HttpMethod.Post, "/api/am/publisher/v4/scopes",
            new JsonObject { ["name"] = "rbac_read", ["bindings"] = new JsonArray("rbac_reader") }, token);
        var sharedApi = await lab.SendAsync(HttpMethod.Post, "/api/am/publisher/v4/apis", Api(shared: true), token);

        Assert.Equal((400, 903250L), (local.Status, (long?)local.Body!["code"]));
        Assert.Equal(201, scope.Status);
        Assert.Equal(201, sharedApi.Status);
        // Only the Resident Key Manager exists: no connector call reaches IS.
        Assert.Empty(lab.IdentityServer.Requests);
    }
}
