using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using Refit;

namespace KmLab.Register.Tests;

public sealed class SecretsAndTelemetryTests
{
    [Fact]
    public async Task No_log_line_error_or_dry_run_output_holds_the_admin_password_or_a_client_secret()
    {
        await using var lab = await Lab.StartAsync(apim: o => o with { TransientRegistrationErrors = 2 });
        var outputs = new List<string>();

        await lab.RegisterAsync();
        outputs.Add((await lab.RegisterAsync(lab.Request(dryRun: true))).DryRunJson!);
        await lab.RegisterAsync(lab.Request(display: new Uri($"https://127.0.0.1:{lab.IdentityServer.BaseUrl.Port}")));
        outputs.Add((await lab.FailAsync(lab.Request() with { UsableTimeout = TimeSpan.FromMilliseconds(50), KeyManagerName = "other" })).Message);

        var (restSecret, consumerSecret) = await ClientSecretsAsync(lab);
        var everything = lab.AllLogLines().Concat(outputs).ToList();
        Assert.NotEmpty(lab.Logs.Lines);
        foreach (var secret in new[] { lab.AdminPassword, restSecret, consumerSecret })
            Assert.DoesNotContain(everything, line => line.Contains(secret, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Each_step_is_a_span_with_its_outcome()
    {
        await using var lab = await Lab.StartAsync();
        var spans = new ConcurrentQueue<Activity>();
        using var parent = new Activity("test").Start();
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == StepTelemetry.ActivitySourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a => { if (a.TraceId == parent.TraceId) spans.Enqueue(a); },
        };
        ActivitySource.AddActivityListener(listener);

        await lab.RegisterAsync();

        var outcomes = spans.ToDictionary(s => s.DisplayName, s => s.GetTagItem(StepTelemetry.OutcomeTag));
        Assert.Equal("created", outcomes["register"]);
        Assert.Equal("created", outcomes["register create-or-update"]);
        foreach (var step in new[] { "readiness", "admin-token", "connector", "build", "prove" })
            Assert.Equal("ok", outcomes[$"register {step}"]);
        Assert.All(spans, s => Assert.Equal(ActivityStatusCode.Ok, s.Status));
    }

    /// <summary>The secrets a run handled: the REST client's (the same client name returns the same client) and the
    /// proof application's consumer secret, read back through APIM as an admin.</summary>
    private static async Task<(string RestClient, string Consumer)> ClientSecretsAsync(Lab lab)
    {
        var ct = TestContext.Current.CancellationToken;
        using var http = LabHttp.Client(lab);
        http.BaseAddress = lab.ApiManager.BaseUrl;
        var settings = new RefitSettings { ContentSerializer = new SystemTextJsonContentSerializer(ApimJson.Options) };
        var oauth = RestService.For<IApimOAuthApi>(http, settings);
        var basic = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{lab.Topology.AdminUser}:{lab.AdminPassword}"));
        var client = await oauth.RegisterClientAsync(new ClientRegistrationRequest
        {
            ClientName = KeyManagerRegistrar.RestClientName, Owner = lab.Topology.AdminUser,
            GrantType = "client_credentials password refresh_token", SaasApp = true,
        }, basic, ct);
        var token = await oauth.TokenAsync(new Dictionary<string, string>
        {
            ["grant_type"] = "password", ["username"] = lab.Topology.AdminUser, ["password"] = lab.AdminPassword,
            ["scope"] = ApimScopes.Register,
        }, "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{client.ClientId}:{client.ClientSecret}")), ct);
        var devPortal = RestService.For<IApimDevPortalApi>(http, new RefitSettings
        {
            ContentSerializer = settings.ContentSerializer,
            AuthorizationHeaderValueGetter = (_, _) => ValueTask.FromResult(token.AccessToken),
        });
        var app = (await devPortal.GetApplicationsAsync("kmlab-proof", ct)).List.Single(a => a.Name == "kmlab-proof");
        var keys = await devPortal.GetOAuthKeysAsync(app.ApplicationId!, ct);
        return (client.ClientSecret, keys.List.First(k => k.KeyManager == "IS7").ConsumerSecret!);
    }
}
