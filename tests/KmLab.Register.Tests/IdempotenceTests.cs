namespace KmLab.Register.Tests;

/// <summary>Create on the first run, nothing written on the second, update in place after a change, and concurrent runs.</summary>
public sealed class IdempotenceTests
{
    [Fact]
    public async Task A_second_run_writes_nothing_and_keeps_the_same_key_manager_and_keys()
    {
        await using var lab = await Lab.StartAsync();
        var first = await lab.RegisterThenClearRequestsAsync();

        var second = await lab.RegisterAsync();

        Assert.Equal(RegisterOutcomes.Created, first.Outcome);
        Assert.Equal(RegisterOutcomes.Unchanged, second.Outcome);
        Assert.Equal(first.KeyManagerId, second.KeyManagerId);
        Assert.Equal(first.ConsumerKey, second.ConsumerKey);
        Assert.DoesNotContain(lab.ApiManager.Requests, r =>
            r.Method is "PUT" or "DELETE" || (r.Method == "POST" && (r.Path == ApimEndpoints.KeyManagers
                                                                   || r.Path == ApimEndpoints.Applications
                                                                   || r.Path.EndsWith("/generate-keys", StringComparison.Ordinal))));
    }

    [Fact]
    public async Task A_changed_setting_updates_the_key_manager_in_place()
    {
        await using var lab = await Lab.StartAsync();
        var first = await lab.RegisterThenClearRequestsAsync();
        var display = new Uri($"https://127.0.0.1:{lab.IdentityServer.BaseUrl.Port}");

        var second = await lab.RegisterAsync(lab.Request(display: display));

        Assert.Equal(RegisterOutcomes.Updated, second.Outcome);
        Assert.Equal(first.KeyManagerId, second.KeyManagerId);
        var put = Assert.Single(lab.ApiManager.Requests, r => r.Method == "PUT");
        Assert.Equal(ApimEndpoints.KeyManagers + "/" + first.KeyManagerId, put.Path);
        var expected = await RegisterRequestsTests.ExpectedBodyAsync(lab, "4.6.0", display);
        expected["id"] = first.KeyManagerId;
        var sent = JsonNode.Parse(put.Body)!;
        Assert.True(JsonNode.DeepEquals(expected, sent), $"expected\n{expected}\nsent\n{sent}");
        Assert.Contains(lab.Logs.Lines, l => l.Contains("displayTokenEndpoint", StringComparison.Ordinal)
                                             && l.Contains("authorizeEndpoint", StringComparison.Ordinal)
                                             && !l.Contains("additionalProperties.Password", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Concurrent_runs_end_with_one_key_manager_and_the_409_loser_updates_it()
    {
        await using var lab = await Lab.StartAsync(apim: o => o with { TransientRegistrationErrors = 0 });

        var results = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => lab.RegisterAsync()));

        Assert.Single(results.Select(r => r.KeyManagerId).Distinct());
        Assert.Single(results, r => r.Outcome == RegisterOutcomes.Created);
        var creates = lab.ApiManager.Requests.Count(r => r.Method == "POST" && r.Path == ApimEndpoints.KeyManagers);
        // Each POST that lost the race got 409 (901402) and carried on; the test is only meaningful when some did.
        if (creates < 2) Assert.Skip("the runs did not overlap at the create step on this machine; 409 was not exercised");
        Assert.Contains(lab.Logs.Lines, l => l.Contains("created concurrently (409)", StringComparison.Ordinal));
    }
}
