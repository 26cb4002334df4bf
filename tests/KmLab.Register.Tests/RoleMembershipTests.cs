using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace KmLab.Register.Tests;

/// <summary>What <c>roles</c> does to IS's role membership and which passwords it offers IS: a re-run takes the user
/// without the role out of it and leaves every other member (IS empties a role for a remove on path <c>users</c>);
/// a password IS may refuse is one line, exit 33, before any call.</summary>
public sealed class RoleMembershipTests
{
    private const string Password = "Rbac-member-pass-1";

    [Fact]
    public async Task A_rerun_that_takes_the_denied_user_out_of_the_role_keeps_the_allowed_user_and_a_third_member()
    {
        await using var lab = await Lab.StartAsync("4.6.0", isVersion: "7.3.0");
        await lab.RegisterAsync();
        await RolesAsync(lab, Password);
        using var scim = new Scim(lab);
        var roleId = await scim.RoleIdAsync("system_primary_kmlab_reader");
        var (alice, bob) = (await scim.UserIdAsync("kmlab-alice"), await scim.UserIdAsync("kmlab-bob"));
        var carol = await scim.CreateUserAsync("kmlab-carol");
        // Someone put the denied user and a third user into the role in IS's console.
        await scim.PatchAsync(roleId, new JsonObject
        {
            ["op"] = "add", ["path"] = "users", ["value"] = new JsonArray(new JsonObject { ["value"] = bob }, new JsonObject { ["value"] = carol }),
        });
        Assert.Equal(new[] { alice, bob, carol }.Order(), (await scim.MembersAsync(roleId)).Order());

        var rerun = await RolesAsync(lab, Password);

        Assert.Equal(new[] { alice, carol }.Order(), (await scim.MembersAsync(roleId)).Order());
        Assert.Equal((200, 403), (rerun.AllowedStatus, rerun.DeniedStatus));
    }

    [Theory]
    [InlineData("rbac-demo-pass-1", "no upper-case letter")] // IS 7.x: "The password should contain at least 1 upper case characters."
    [InlineData("Kmlabpass1", "no special character")] // IS 7.0.0 wants one
    [InlineData("Sh0rt-x", "shorter than 8 characters")]
    [InlineData("Has space-1", "has white space")]
    public async Task A_password_IS_may_refuse_is_one_line_with_exit_33_naming_what_it_lacks_before_any_call(string password, string lacks)
    {
        await using var lab = await Lab.StartAsync("4.6.0", isVersion: "7.3.0");
        await lab.RegisterAsync();
        lab.ApiManager.ClearRequests();
        lab.IdentityServer.ClearRequests();

        var e = await Assert.ThrowsAsync<LabException>(() => RolesAsync(lab, password));

        Assert.Equal(ExitCodes.NameRefused, e.ExitCode);
        Assert.Contains(RoleProof.UserPasswordVariable, e.Message);
        Assert.Contains(lacks, e.Message);
        Assert.DoesNotContain('\n', e.Message);
        Assert.DoesNotContain(password, e.Message);
        Assert.Empty(lab.ApiManager.Requests);
        Assert.Empty(lab.IdentityServer.Requests);
    }

    private static Task<RolesResult> RolesAsync(Lab lab, string password) =>
        RoleProof.RunAsync(new RolesRequest(new SmokeRequest(lab.State.FullName, lab.ApiManager.BaseUrl, lab.ApiManager.GatewayUrl!,
                lab.IdentityServer.BaseUrl, RegisterRequest.DefaultKeyManagerName, lab.Topology.AdminUser, lab.AdminPassword)
            {
                IsInternalUrl = lab.IsInternalUrl,
                GatewayTimeout = TimeSpan.FromSeconds(15),
            })
            {
                UserPassword = password, ScopeTimeout = TimeSpan.FromSeconds(20),
            },
            TestContext.Current.CancellationToken, lab.Logs.Factory);

    /// <summary>SCIM2 calls to the IS twin as the super admin, as someone in IS's console would make them.</summary>
    private sealed class Scim(Lab lab) : IDisposable
    {
        private readonly HttpClient _http = LabHttp.Client(lab);

        private async Task<JsonNode> SendAsync(HttpMethod method, string path, JsonNode? body, HttpStatusCode expected = HttpStatusCode.OK)
        {
            using var request = new HttpRequestMessage(method, new Uri(lab.IdentityServer.BaseUrl, path));
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic",
                Convert.ToBase64String(Encoding.UTF8.GetBytes($"{lab.Topology.AdminUser}:{lab.AdminPassword}")));
            request.Content = body is null ? null : new StringContent(body.ToJsonString(), Encoding.UTF8, "application/scim+json");
            using var response = await _http.SendAsync(request, TestContext.Current.CancellationToken);
            Assert.Equal(expected, response.StatusCode);
            return JsonNode.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken))!;
        }

        public async Task<string> RoleIdAsync(string name) =>
            (string)(await SendAsync(HttpMethod.Get, $"{IdentityServerEndpoints.Roles}?filter={Uri.EscapeDataString("displayName eq " + name)}", null))["Resources"]![0]!["id"]!;

        public async Task<string> UserIdAsync(string name) =>
            (string)(await SendAsync(HttpMethod.Get, $"{IdentityServerEndpoints.ScimUsers}?filter={Uri.EscapeDataString("userName eq " + name)}", null))["Resources"]![0]!["id"]!;

        public async Task<string> CreateUserAsync(string name) =>
            (string)(await SendAsync(HttpMethod.Post, IdentityServerEndpoints.ScimUsers, new JsonObject { ["userName"] = name, ["password"] = Password }, HttpStatusCode.Created))["id"]!;

        public Task PatchAsync(string roleId, JsonObject operation) =>
            SendAsync(HttpMethod.Patch, $"{IdentityServerEndpoints.Roles}/{roleId}", new JsonObject
            {
                ["schemas"] = new JsonArray(ScimSchemas.PatchOp), ["Operations"] = new JsonArray(operation),
            });

        public async Task<IReadOnlyList<string>> MembersAsync(string roleId) =>
            (await SendAsync(HttpMethod.Get, $"{IdentityServerEndpoints.Roles}/{roleId}", null))["users"] is JsonArray users
                ? [.. users.Select(u => (string)u!["value"]!)]
                : [];

        public void Dispose() => _http.Dispose();
    }
}
