using Microsoft.Extensions.Logging;

namespace KmLab.Register.Tests;

/// <summary>Key generation while a new Key Manager propagates. Real APIM inserts the key-mapping row before it looks
/// the Key Manager up in its runtime, answers 500 "Key Manager … not configured" in that window and keeps the row;
/// every later generation then answers 409 901409 until the row is cleaned up (carbon-apimgt 4.6 APIConsumerImpl.java L2451-2457; ExceptionCodes.java L464). These run with the
/// twin's propagation delay on; the leak itself is the APIM twin's to play.</summary>
public sealed class KeyMappingTests
{
    private static readonly TimeSpan Propagation = TimeSpan.FromSeconds(3);

    [Fact]
    public async Task A_run_that_gives_up_while_the_key_manager_propagates_leaves_no_half_made_key_mapping_and_the_next_completes()
    {
        await using var lab = await Lab.StartAsync(apim: o => o with { KeyManagerPropagationDelay = Propagation });
        var gaveUp = await lab.FailAsync(lab.Request() with { UsableTimeout = TimeSpan.FromMilliseconds(500) });
        using var portal = await LabDevPortal.ConnectAsync(lab);
        var applicationId = await portal.ProofApplicationAsync();
        var afterFailure = await portal.KeyMappingsAsync(applicationId);

        var result = await lab.RegisterAsync();
        var afterSuccess = await portal.KeyMappingsAsync(applicationId);

        Assert.Equal(ExitCodes.KeyManagerNotUsable, gaveUp.ExitCode);
        Assert.DoesNotContain(afterFailure, k => k.IsHalfMade);
        var mapping = Assert.Single(afterSuccess, k => k.KeyManager == RegisterRequest.DefaultKeyManagerName);
        Assert.False(mapping.IsHalfMade);
        Assert.Equal(result.ConsumerKey, mapping.ConsumerKey);
    }

    [Fact]
    public async Task A_run_cancelled_while_the_key_manager_propagates_leaves_no_half_made_key_mapping()
    {
        await using var lab = await Lab.StartAsync(apim: o => o with { KeyManagerPropagationDelay = TimeSpan.FromSeconds(30) });
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var run = new KeyManagerRegistrar(lab.Logs.Factory).RunAsync(lab.Request() with { UsableTimeout = TimeSpan.FromMinutes(1) }, cancel.Token);
        using var portal = await LabDevPortal.ConnectAsync(lab);
        // Interrupt it once it is generating keys (the proof application exists, the Key Manager is not usable yet).
        while (!run.IsCompleted && !lab.ApiManager.Requests.Any(r => r.Path.EndsWith("/generate-keys", StringComparison.Ordinal)))
            await Task.Delay(50, TestContext.Current.CancellationToken);
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
        var left = await portal.KeyMappingsAsync(await portal.ProofApplicationAsync());

        Assert.DoesNotContain(left, k => k.IsHalfMade);
    }

    [Fact]
    public async Task A_half_made_key_mapping_left_behind_is_cleaned_up_and_keys_are_generated_again()
    {
        await using var lab = await Lab.StartAsync(apim: o => o with { KeyManagerPropagationDelay = Propagation });
        // The Key Manager is saved but not yet in APIM's runtime; a generation now is what an interrupted run leaves.
        await lab.FailAsync(lab.Request() with { UsableTimeout = TimeSpan.FromMilliseconds(300) });
        using var portal = await LabDevPortal.ConnectAsync(lab);
        var applicationId = await portal.ProofApplicationAsync();
        var refused = await portal.TryGenerateKeysAsync(applicationId, RegisterRequest.DefaultKeyManagerName);
        var left = await portal.KeyMappingsAsync(applicationId);
        if (!left.Any(k => k.IsHalfMade))
            Assert.Skip($"the APIM twin answered {(int?)refused?.StatusCode} and kept no key mapping; real APIM keeps it (carbon-apimgt APIConsumerImpl.java L2451-2457), which this test needs.");
        var conflict = await portal.TryGenerateKeysAsync(applicationId, RegisterRequest.DefaultKeyManagerName);

        var result = await lab.RegisterAsync();
        var after = await portal.KeyMappingsAsync(applicationId);

        Assert.Equal(System.Net.HttpStatusCode.Conflict, conflict?.StatusCode);
        Assert.Equal(ApimErrorCodes.KeyMappingExists, Wso2Failures.ReadError(conflict!)?.Code);
        Assert.Contains(lab.Logs.Lines, l => l.Contains($"Removed the half-made key mapping {left.Single(k => k.IsHalfMade).KeyMappingId} of application {ProofApplication.Name}", StringComparison.Ordinal));
        var mapping = Assert.Single(after);
        Assert.False(mapping.IsHalfMade);
        Assert.Equal(result.ConsumerKey, mapping.ConsumerKey);
    }

    [Fact]
    public async Task A_key_manager_name_apim_does_not_know_at_key_generation_fails_at_once_naming_it()
    {
        await using var lab = await Lab.StartAsync();
        await lab.RegisterAsync();
        using var portal = await LabDevPortal.ConnectAsync(lab);
        var applicationId = await portal.ProofApplicationAsync();
        var probe = await portal.TryGenerateKeysAsync(applicationId, "Not-A-Key-Manager");
        if (probe is null || Wso2Failures.ReadError(probe)?.Code != ApimErrorCodes.KeyManagerNotRegistered)
            Assert.Skip($"the APIM twin answers {(int?)probe?.StatusCode} {(probe is null ? null : Wso2Failures.ReadError(probe)?.Code)} to an unknown Key Manager; real APIM answers 400 901403 (ExceptionCodes.java), which this test needs.");
        var request = lab.Request(name: "Not-A-Key-Manager") with { UsableTimeout = TimeSpan.FromMinutes(2) };
        var unknown = new KeyManager { Name = "Not-A-Key-Manager", Type = Is7Connector.Type, Issuer = "https://localhost/oauth2/token" };

        var earlierLines = lab.Logs.Lines.Count; // the first register went through the propagation window on purpose
        var started = DateTime.UtcNow;
        var e = await Assert.ThrowsAsync<LabException>(() => ProveAsync(lab, request, unknown));

        Assert.Equal(ExitCodes.KeyManagerNotRegistered, e.ExitCode);
        Assert.Equal("APIM has no Key Manager named 'Not-A-Key-Manager' at key generation (400 901403); check in the Admin Portal (Key Managers) that 'Not-A-Key-Manager' exists and is enabled, or pass the --name it has, then re-run register.", e.Message);
        Assert.True(DateTime.UtcNow - started < request.UsableTimeout / 2, "it must not wait for the usable timeout");
        Assert.DoesNotContain(lab.Logs.Lines.Skip(earlierLines), l => l.Contains("not usable yet", StringComparison.Ordinal));
    }

    /// <summary>The proof step alone, with a connection and token as register makes them.</summary>
    private static async Task<KeyManagerProof.Proof> ProveAsync(Lab lab, RegisterRequest request, KeyManager keyManager)
    {
        var ct = TestContext.Current.CancellationToken;
        var logger = lab.Logs.Factory.CreateLogger("proof");
        using var trust = LabTrust.Read(new LabLayout(lab.State.FullName));
        using var apim = new Wso2Connection(trust.For(KeyManagerRegistrar.ApimServerName, request.ApimUrl), logger);
        using var identityServer = new Wso2Connection(trust.For(KeyManagerRegistrar.IsServerName, request.IsUrl), logger);
        var secrets = new Secrets(request.AdminPassword);
        var (_, token) = await ApimRestToken.GetAsync(apim, request.AdminUser, request.AdminPassword, ApimScopes.Register, secrets,
            (e, operation) => Wso2Failures.ForRegister(apim, e, operation, secrets.Scrub), ct);
        return await new KeyManagerProof(apim, identityServer, logger, secrets)
            .ProveAsync(request, keyManager, () => Task.FromResult(token.AccessToken), ct);
    }
}
