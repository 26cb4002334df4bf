namespace KmLab.Register.Tests;

/// <summary><c>demo</c> against the twins: the seeded demo proves 200 for the role holder, 403 900910 for the other
/// user and 200 for the public operation; a re-run changes nothing, a half-done run is completed, and each bad input
/// is one line with its own exit code.</summary>
public sealed class DemoTests
{
    private const string ReaderPassword = "Demo-reader-pw1";
    private const string GuestPassword = "Demo-guest-pw1";

    [Theory]
    [InlineData("4.6.0")]
    [InlineData("4.7.0")]
    public async Task The_demo_proves_both_users_and_the_public_operation_and_a_rerun_changes_nothing(string apimVersion)
    {
        await using var lab = await Lab.StartAsync(apimVersion, isVersion: "7.3.0");
        await lab.RegisterAsync();

        var first = await DemoAsync(lab);
        lab.ApiManager.ClearRequests();
        lab.IdentityServer.ClearRequests();
        var second = await DemoAsync(lab);

        foreach (var result in new[] { first, second })
        {
            Assert.True(result.Supported, result.Line);
            Assert.Contains("-> 200 for kmlab-demo-reader", result.Line);
            Assert.Contains("403 900910 for kmlab-demo-guest", result.Line);
            Assert.Contains("/kmlab-demo/1.0.0/oauth2/jwks -> 200 without a token", result.Line);
        }
        // Nothing made or changed the second time: no scope, API, revision, subscription, user, role or key.
        Assert.DoesNotContain(lab.ApiManager.Requests, r => r.Method is "POST" or "PUT" or "DELETE" && r.Path.StartsWith("/api/am/", StringComparison.Ordinal));
        Assert.DoesNotContain(lab.IdentityServer.Requests, r => r.Method is "PATCH" or "DELETE" || (r.Method == "POST" && (r.Path == IdentityServerEndpoints.ScimUsers || r.Path == IdentityServerEndpoints.Roles)));
        // The curl lines hold no secret, only the variables.
        var lines = string.Join('\n', second.Curl);
        var application = JsonNode.Parse(File.ReadAllText(new LabLayout(lab.State.FullName).ApplicationFile(LabDemo.Application)))!;
        Assert.Contains("$KMLAB_DEMO_READER_PASSWORD", lines);
        Assert.Contains("$KMLAB_DEMO_GUEST_PASSWORD", lines);
        Assert.Contains("$CONSUMER_SECRET", lines);
        foreach (var secret in new[] { ReaderPassword, GuestPassword, (string)application["consumerSecret"]!, lab.AdminPassword })
            Assert.DoesNotContain(secret, lines + second.Line + string.Join('\n', lab.AllLogLines()));
    }

    [Fact]
    public async Task A_run_that_stopped_after_seeding_is_completed_by_the_next_which_makes_nothing_twice()
    {
        await using var lab = await Lab.StartAsync("4.6.0", isVersion: "7.3.0");
        await lab.RegisterAsync();
        // The gateway is not reachable: everything is seeded, the proof fails.
        var stopped = await Assert.ThrowsAsync<LabException>(() => DemoAsync(lab, gateway: new Uri("https://127.0.0.1:1")));
        Assert.Equal(ExitCodes.PublishFailed, stopped.ExitCode);
        lab.ApiManager.ClearRequests();
        lab.IdentityServer.ClearRequests();

        var completed = await DemoAsync(lab);

        Assert.True(completed.Supported, completed.Line);
        Assert.Contains("403 900910", completed.Line);
        Assert.DoesNotContain(lab.ApiManager.Requests, r => r.Method is "POST" or "PUT" && r.Path.StartsWith("/api/am/publisher", StringComparison.Ordinal));
        Assert.DoesNotContain(lab.IdentityServer.Requests, r => r.Method == "POST" && r.Path == IdentityServerEndpoints.ScimUsers);
    }

    [Fact]
    public async Task A_demo_user_existing_with_another_password_is_one_line_naming_its_variable()
    {
        await using var lab = await Lab.StartAsync("4.6.0", isVersion: "7.3.0");
        await lab.RegisterAsync();
        await DemoAsync(lab);

        var e = await Assert.ThrowsAsync<LabException>(() => DemoAsync(lab, guestPassword: "Another-guest-pw1"));

        Assert.Equal(ExitCodes.UserPasswordMismatch, e.ExitCode);
        Assert.Contains("'kmlab-demo-guest' exists in IS with another password", e.Message);
        Assert.Contains(LabTopology.DemoGuestPasswordVariable, e.Message);
        Assert.DoesNotContain("Another-guest-pw1", e.Message);
    }

    [Fact]
    public async Task A_demo_context_another_api_holds_is_refused_before_any_user_scope_or_application_is_made()
    {
        await using var lab = await Lab.StartAsync("4.6.0", isVersion: "7.3.0");
        await lab.RegisterAsync();
        await ApiPublish.RunAsync(new PublishRequest(lab.State.FullName, "SomeoneElses", LabDemo.Context, "2.0.0", lab.Topology.AdminUser, lab.AdminPassword)
        {
            Backend = lab.IsInternalUrl, Operations = ["GET /oauth2/jwks"], ApimUrl = lab.ApiManager.BaseUrl, GatewayUrl = lab.ApiManager.GatewayUrl!,
            IsUrl = lab.IdentityServer.BaseUrl, GatewayTimeout = TimeSpan.FromSeconds(15),
        }, TestContext.Current.CancellationToken, lab.Logs.Factory);
        lab.ApiManager.ClearRequests();
        lab.IdentityServer.ClearRequests();

        var e = await Assert.ThrowsAsync<LabException>(() => DemoAsync(lab));

        Assert.Equal(ExitCodes.ContextTaken, e.ExitCode);
        Assert.Contains("taken by API SomeoneElses 2.0.0", e.Message);
        Assert.DoesNotContain(lab.ApiManager.Requests, r => r.Method is "POST" or "PUT" && r.Path.StartsWith("/api/am/", StringComparison.Ordinal));
        Assert.DoesNotContain(lab.IdentityServer.Requests, r => r.Method is "POST" or "PATCH" && r.Path.StartsWith("/scim2", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Without_the_password_variables_the_demo_is_a_usage_line_naming_them()
    {
        await using var lab = await Lab.StartAsync("4.6.0", isVersion: "7.3.0");
        lab.ApiManager.ClearRequests();

        var e = await Assert.ThrowsAsync<LabException>(() => DemoAsync(lab, readerPassword: ""));

        Assert.Equal(ExitCodes.Usage, e.ExitCode);
        Assert.Contains(LabTopology.DemoReaderPasswordVariable, e.Message);
        Assert.Empty(lab.ApiManager.Requests);
    }

    private static Task<DemoResult> DemoAsync(Lab lab, string readerPassword = ReaderPassword, string guestPassword = GuestPassword, Uri? gateway = null) =>
        LabDemo.RunAsync(new DemoRequest(lab.State.FullName, lab.Topology.AdminUser, lab.AdminPassword, readerPassword, guestPassword)
        {
            ApimUrl = lab.ApiManager.BaseUrl,
            GatewayUrl = gateway ?? lab.ApiManager.GatewayUrl!,
            IsUrl = lab.IdentityServer.BaseUrl,
            IsInternalUrl = lab.IsInternalUrl,
            GatewayTimeout = TimeSpan.FromSeconds(15),
            ScopeTimeout = TimeSpan.FromSeconds(20),
        }, TestContext.Current.CancellationToken, lab.Logs.Factory);
}
