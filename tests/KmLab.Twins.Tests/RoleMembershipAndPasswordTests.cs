namespace KmLab.Twins.Tests;

/// <summary>The IS twin's SCIM2 answers as charon and carbon-identity-framework give them: a Roles v2 PATCH
/// <c>remove</c> on path <c>users</c> empties the role whatever its <c>value</c> says, one member goes with the filter
/// <c>users[value eq "id"]</c>; user creation applies IS's default password rules of the version played.</summary>
public sealed class RoleMembershipAndPasswordTests
{
    private const string Good = "Kl1-member-pass";

    [Fact]
    public async Task A_remove_on_path_users_empties_the_role_whatever_its_value_says_and_the_filter_form_removes_one_member()
    {
        await using var lab = await TwinLab.StartAsync();
        var scim = new Scim(lab);
        var (role, alice, bob, carol) = await scim.RoleWithThreeMembersAsync();

        var filtered = await scim.PatchAsync(role, RemoveMember(bob));
        Assert.Equal(HttpStatusCode.OK, filtered.Status);
        Assert.Equal(new[] { alice, carol }.Order(), (await scim.MembersAsync(role)).Order());

        var all = await scim.PatchAsync(role, UsersOp("remove", carol));
        Assert.Equal(HttpStatusCode.OK, all.Status);
        Assert.Empty(await scim.MembersAsync(role));
    }

    [Fact]
    public async Task An_add_and_a_remove_in_one_PATCH_apply_in_request_order()
    {
        await using var lab = await TwinLab.StartAsync();
        var scim = new Scim(lab);
        var (role, alice, bob, carol) = await scim.RoleWithThreeMembersAsync();
        var dave = await scim.UserAsync("dave");

        // The per-operation route: dave joins, bob leaves, alice and carol stay.
        await scim.PatchAsync(role,
            UsersOp("add", dave),
            RemoveMember(bob));
        Assert.Equal(new[] { alice, carol, dave }.Order(), (await scim.MembersAsync(role)).Order());

        // The whole-attribute route, in request order: the add, then the remove that takes everyone.
        await scim.PatchAsync(role,
            UsersOp("add", bob),
            UsersOp("remove", dave));
        Assert.Empty(await scim.MembersAsync(role));

        // Reversed: the remove empties it, then the add puts one member back.
        await scim.PatchAsync(role,
            UsersOp("remove"),
            UsersOp("add", alice));
        Assert.Equal([alice], await scim.MembersAsync(role));
    }

    [Fact]
    public async Task A_filtered_remove_of_an_unknown_user_id_is_400_invalidValue_and_changes_nothing()
    {
        await using var lab = await TwinLab.StartAsync();
        var scim = new Scim(lab);
        var (role, alice, bob, carol) = await scim.RoleWithThreeMembersAsync();

        var refused = await scim.PatchAsync(role, RemoveMember(Guid.NewGuid().ToString()));

        Assert.Equal(HttpStatusCode.BadRequest, refused.Status);
        Assert.Equal("invalidValue", (string?)refused.Body!["scimType"]);
        Assert.Equal("User can't be resolved from the given user Id.", (string?)refused.Body!["detail"]);
        Assert.Equal(new[] { alice, bob, carol }.Order(), (await scim.MembersAsync(role)).Order());
    }

    [Theory]
    [InlineData("7.3.0", "demo-reader-pw1", "The password should contain at least 1 upper case characters.")]
    [InlineData("7.3.0", "Sh0rt-a", "The minimum length of password should be 8.")]
    [InlineData("7.3.0", "NoDigits-here", "The password should contain at least 1 digits.")]
    [InlineData("7.3.0", "ALLUPPER-123", "The password should contain at least 1 lower case characters.")]
    [InlineData("7.1.0", "Aa1aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "The maximum length of password can be 64")]
    [InlineData("7.0.0", "Letters1AndDigits2", "The password should contain at least 1 special characters.")]
    public async Task A_password_IS_refuses_is_400_invalidValue_with_the_rules_description(string isVersion, string password, string detail)
    {
        await using var lab = await TwinLab.StartAsync(isVersion: isVersion);
        var scim = new Scim(lab);

        var refused = await scim.SendAsync(HttpMethod.Post, "/scim2/Users", new JsonObject { ["userName"] = "erin", ["password"] = password });

        Assert.Equal(HttpStatusCode.BadRequest, refused.Status);
        Assert.Equal("invalidValue", (string?)refused.Body!["scimType"]);
        Assert.Equal("400", (string?)refused.Body!["status"]);
        Assert.Equal(detail, (string?)refused.Body!["detail"]);
    }

    [Theory]
    [InlineData("7.3.0", "Letters1AndDigits2")] // no special character needed after 7.0.0
    [InlineData("7.3.0", "Long1-Aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")] // over the user store's old 30: its pattern is skipped
    [InlineData("7.0.0", Good)]
    public async Task A_password_the_versions_rules_take_creates_the_user(string isVersion, string password)
    {
        await using var lab = await TwinLab.StartAsync(isVersion: isVersion);

        var created = await new Scim(lab).SendAsync(HttpMethod.Post, "/scim2/Users", new JsonObject { ["userName"] = "erin", ["password"] = password });

        Assert.Equal(HttpStatusCode.Created, created.Status);
    }

    /// <summary>A PatchOp operation on the path <c>users</c>, with these members as its value (none: no value).</summary>
    private static JsonObject UsersOp(string op, params string[] members)
    {
        var operation = new JsonObject { ["op"] = op, ["path"] = "users" };
        if (members.Length > 0) operation["value"] = new JsonArray([.. members.Select(m => (JsonNode)new JsonObject { ["value"] = m })]);
        return operation;
    }

    /// <summary>The filter form that removes one member: <c>users[value eq "id"]</c>.</summary>
    private static JsonObject RemoveMember(string user) => new() { ["op"] = "remove", ["path"] = $"users[value eq \"{user}\"]" };

    private sealed class Scim(TwinLab lab)
    {
        public async Task<(HttpStatusCode Status, JsonNode? Body)> SendAsync(HttpMethod method, string path, JsonNode? body)
        {
            using var message = new HttpRequestMessage(method, new Uri(lab.IdentityServer.BaseUrl, path));
            message.Headers.Authorization = TwinLab.Basic("admin", lab.AdminPassword);
            message.Content = body is null ? null : new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
            using var response = await lab.Http.SendAsync(message, TestContext.Current.CancellationToken);
            var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
            return (response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text));
        }

        public async Task<string> UserAsync(string name)
        {
            var (status, body) = await SendAsync(HttpMethod.Post, "/scim2/Users", new JsonObject { ["userName"] = name, ["password"] = Good });
            Assert.Equal(HttpStatusCode.Created, status);
            return (string)body!["id"]!;
        }

        public Task<(HttpStatusCode Status, JsonNode? Body)> PatchAsync(string role, params JsonObject[] operations) =>
            SendAsync(HttpMethod.Patch, $"/scim2/v2/Roles/{role}", new JsonObject
            {
                ["schemas"] = new JsonArray("urn:ietf:params:scim:api:messages:2.0:PatchOp"), ["Operations"] = new JsonArray(operations),
            });

        public async Task<IReadOnlyList<string>> MembersAsync(string role) =>
            (await SendAsync(HttpMethod.Get, $"/scim2/v2/Roles/{role}", null)).Body!["users"] is JsonArray users
                ? [.. users.Select(u => (string)u!["value"]!)]
                : [];

        public async Task<(string Role, string Alice, string Bob, string Carol)> RoleWithThreeMembersAsync()
        {
            var (alice, bob, carol) = (await UserAsync("alice"), await UserAsync("bob"), await UserAsync("carol"));
            var (status, body) = await SendAsync(HttpMethod.Post, "/scim2/v2/Roles", new JsonObject { ["displayName"] = "members" });
            Assert.Equal(HttpStatusCode.Created, status);
            var role = (string)body!["id"]!;
            var added = await PatchAsync(role, UsersOp("add", alice, bob, carol));
            Assert.Equal(HttpStatusCode.OK, added.Status);
            return (role, alice, bob, carol);
        }
    }
}
