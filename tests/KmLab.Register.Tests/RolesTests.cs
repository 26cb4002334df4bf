namespace KmLab.Register.Tests;

/// <summary>The role-based authorization proof against the twins: the connector's scope registration in IS, the
/// role-permission scope validation of IS's password grant, the gateway's scope check.</summary>
public sealed class RolesTests
{
    [Theory]
    [InlineData("4.6.0")]
    [InlineData("4.7.0")] // 4.7.0 keeps the connector password encrypted: the connector must get it decrypted
    public async Task On_IS_7_3_the_role_holder_gets_200_and_the_other_user_403_900910_and_a_rerun_creates_nothing(string apimVersion)
    {
        await using var lab = await Lab.StartAsync(apimVersion, isVersion: "7.3.0");
        await lab.RegisterAsync();

        const string userPassword = "Rbac-demo-pass-1";
        var first = await RolesAsync(lab, userPassword);
        lab.ApiManager.ClearRequests();
        lab.IdentityServer.ClearRequests();
        var second = await RolesAsync(lab, userPassword);

        foreach (var result in new[] { first, second })
        {
            Assert.True(result.Supported, result.Line);
            Assert.Equal("system_primary_kmlab_reader", result.Is7Role);
            Assert.Contains("kmlab_read", result.AllowedScope!.Split(' '));
            Assert.Contains("openid", result.AllowedScope!.Split(' '));
            Assert.DoesNotContain("kmlab_read", result.DeniedScope!.Split(' '));
            Assert.Equal(200, result.AllowedStatus);
            Assert.Equal((403, 900910L), (result.DeniedStatus, result.DeniedCode));
        }
        // The scope went to IS through the connector (APIM's calls), not from the proof itself.
        Assert.DoesNotContain(lab.IdentityServer.Requests, r => r.Method is "POST" or "PATCH" && r.Path.StartsWith("/api/server/v1/api-resources", StringComparison.Ordinal));
        // A re-run reuses everything: no scope, API, revision, user or role change.
        Assert.DoesNotContain(lab.ApiManager.Requests, r => r.Method is "POST" or "PUT" or "DELETE" && r.Path.StartsWith("/api/am/publisher", StringComparison.Ordinal));
        Assert.DoesNotContain(lab.IdentityServer.Requests, r => r.Method is "PATCH" || (r.Method == "POST" && r.Path == IdentityServerEndpoints.ScimUsers));
        Assert.DoesNotContain(lab.AdminPassword, string.Join('\n', lab.AllLogLines()));
        Assert.DoesNotContain(userPassword, string.Join('\n', lab.AllLogLines().Concat(second.Repeat).Append(second.Line)));
        Assert.Contains(second.Repeat, l => l.Contains("$KMLAB_RBAC_PASSWORD", StringComparison.Ordinal) && l.Contains("grant_type=password", StringComparison.Ordinal));
        Assert.Contains(second.Repeat, l => l.Contains(second.Url!.ToString(), StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_scope_made_before_the_key_manager_reached_APIMs_runtime_is_deleted_and_made_again_until_IS_has_the_role()
    {
        await using var lab = await Lab.StartAsync("4.6.0", isVersion: "7.3.0");
        using (var portal = await LabDevPortal.ConnectAsync(lab))
            await portal.SharedScopes.CreateSharedScopeAsync(new Scope { Name = "kmlab_read", Bindings = ["kmlab_reader"] }, TestContext.Current.CancellationToken);
        await lab.RegisterAsync();
        Assert.DoesNotContain(lab.IdentityServer.Requests, r => r.Path.StartsWith("/scim2/v2/Roles", StringComparison.Ordinal));

        var result = await RolesAsync(lab);

        Assert.Equal((200, 403), (result.AllowedStatus, result.DeniedStatus));
        Assert.Contains(lab.ApiManager.Requests, r => r.Method == "DELETE" && r.Path.StartsWith(ApimPublisherEndpoints.SharedScopes + "/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task On_APIM_4_4_the_proof_says_in_one_line_which_versions_have_it_and_calls_nothing()
    {
        await using var lab = await Lab.StartAsync("4.4.0", isVersion: "7.3.0");
        lab.ApiManager.ClearRequests();

        var result = await RolesAsync(lab);

        Assert.False(result.Supported);
        Assert.Contains("IS 7.1.0+", result.Line);
        Assert.Contains("APIM 4.5.0+", result.Line);
        Assert.DoesNotContain('\n', result.Line);
        Assert.Empty(lab.ApiManager.Requests);
    }

    [Fact]
    public async Task A_user_existing_with_another_password_is_one_line_naming_the_variable_and_nothing_else_is_made()
    {
        await using var lab = await Lab.StartAsync("4.6.0", isVersion: "7.3.0");
        await lab.RegisterAsync();
        await RolesAsync(lab);
        lab.ApiManager.ClearRequests();

        var e = await Assert.ThrowsAsync<LabException>(() => RolesAsync(lab, password: "Another-pass-1"));

        Assert.Equal(ExitCodes.UserPasswordMismatch, e.ExitCode);
        Assert.Contains("exists in IS with another password", e.Message);
        Assert.Contains(RoleProof.UserPasswordVariable, e.Message);
        Assert.DoesNotContain("Another-pass-1", e.Message);
        Assert.DoesNotContain(lab.ApiManager.Requests, r => r.Method is "POST" or "PUT" && r.Path.StartsWith("/api/am/publisher", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("Application/kmlab", null, "cannot be mapped")]
    [InlineData("kmlab_reader", "a b", "user name 'a b' is refused")]
    [InlineData("Internal/a/b", null, "Invalid character: / contains in the role name")]
    public async Task A_role_or_user_name_IS_or_the_connector_would_refuse_is_one_line_before_anything_is_created(string role, string? user, string expected)
    {
        await using var lab = await Lab.StartAsync("4.6.0", isVersion: "7.3.0");
        await lab.RegisterAsync();
        lab.ApiManager.ClearRequests();
        lab.IdentityServer.ClearRequests();

        var e = await Assert.ThrowsAsync<LabException>(() => RolesAsync(lab, role: role, user: user));

        Assert.Equal(ExitCodes.NameRefused, e.ExitCode);
        Assert.Contains(expected, e.Message);
        Assert.Empty(lab.ApiManager.Requests);
        Assert.Empty(lab.IdentityServer.Requests);
    }

    private static Task<RolesResult> RolesAsync(Lab lab, string? password = null, string role = "kmlab_reader", string? user = null) =>
        RoleProof.RunAsync(new RolesRequest(new SmokeRequest(lab.State.FullName, lab.ApiManager.BaseUrl, lab.ApiManager.GatewayUrl!,
                lab.IdentityServer.BaseUrl, RegisterRequest.DefaultKeyManagerName, lab.Topology.AdminUser, lab.AdminPassword)
            {
                IsInternalUrl = lab.IsInternalUrl,
                GatewayTimeout = TimeSpan.FromSeconds(15),
            })
            {
                UserPassword = password, Role = role, AllowedUser = user ?? "kmlab-alice", ScopeTimeout = TimeSpan.FromSeconds(20),
            },
            TestContext.Current.CancellationToken, lab.Logs.Factory);
}
