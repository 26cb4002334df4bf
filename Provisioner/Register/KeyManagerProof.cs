using KmLab.Provisioner.Apim;
using KmLab.Provisioner.IdentityServer;
using KmLab.Provisioner.Proofs;
using KmLab.Provisioner.Wso2Rest;
using Microsoft.IdentityModel.JsonWebTokens;
using Polly.Retry;
using Polly.Timeout;
using Polly;
using Refit;

namespace KmLab.Provisioner.Register;

/// <summary>Proves a Key Manager works end to end: a lab application in the DevPortal gets keys from this Key Manager
/// (APIM registers the client in IS), and IS issues a client-credentials token for them whose <c>iss</c> is the
/// Key Manager's issuer. A new Key Manager reaches APIM's runtime asynchronously, so this polls until it works.</summary>
public sealed class KeyManagerProof
{
    private readonly Wso2Connection apim;
    private readonly Wso2Connection identityServer;
    private readonly ILogger logger;
    private readonly Secrets secrets;

    internal KeyManagerProof(Wso2Connection apim, Wso2Connection identityServer, ILogger logger, Secrets secrets) =>
        (this.apim, this.identityServer, this.logger, this.secrets) = (apim, identityServer, logger, secrets);

    public sealed record Proof(string ConsumerKey, string Issuer);

    internal async Task<Proof> ProveAsync(RegisterRequest request, KeyManager keyManager, Func<Task<string>> token, CancellationToken ct)
    {
        var devPortal = apim.Refit<IApimDevPortalApi>(token);
        var isApi = identityServer.Refit<IIdentityServerApi>();
        var applicationId = await EnsureApplicationAsync(devPortal, ct);

        Exception? lastFailure = null;
        var pipeline = new ResiliencePipelineBuilder()
            .AddTimeout(request.UsableTimeout)
            .AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = int.MaxValue,
                BackoffType = DelayBackoffType.Exponential,
                Delay = TimeSpan.FromMilliseconds(100),
                // Short: the Key Manager becomes usable at one moment (its propagation), and a longer gap only
                // adds to the wait after it (up to 1.2 s of a 2 s propagation with a 2 s cap).
                MaxDelay = TimeSpan.FromMilliseconds(500),
                // Not yet usable: APIM refuses key generation (500 "not configured", 409 over a half-made key
                // mapping), or IS does not know the client yet.
                ShouldHandle = new PredicateBuilder().Handle<ApiException>().Handle<HalfMadeKeys>(),
                OnRetry = args =>
                {
                    lastFailure = args.Outcome.Exception;
                    logger.LogInformation("Key Manager {Name} not usable yet ({Reason}); retry {Attempt}",
                        keyManager.Name, Describe(args.Outcome.Exception), args.AttemptNumber + 1);
                    return ValueTask.CompletedTask;
                },
            })
            .Build();

        (ApplicationKey Key, TokenResponse Token) issued;
        try
        {
            issued = await pipeline.ExecuteAsync(async attempt =>
            {
                var key = await KeysAsync(devPortal, applicationId, keyManager.Name, attempt);
                var form = new Dictionary<string, string> { ["grant_type"] = OAuthGrants.ClientCredentials };
                var response = await isApi.TokenAsync(form, Wso2Connection.Basic(key.ConsumerKey!, key.ConsumerSecret!), attempt);
                secrets.Add(response.AccessToken);
                return (key, response);
            }, ct);
        }
        catch (TimeoutRejectedException)
        {
            throw new LabException(ExitCodes.KeyManagerNotUsable,
                $"Key Manager '{keyManager.Name}' did not become usable within {request.UsableTimeout.TotalSeconds:0} s (last: {Describe(lastFailure)}); check APIM's and IS's logs (APIM must reach IS at {request.IsInternalUrl} with the connector's credentials), then re-run register.");
        }
        catch (Exception e) when (Wso2Failures.IsReportable(e))
        {
            throw Wso2Failures.ForRegister(e is ApiException api && api.RequestMessage.RequestUri?.Host == identityServer.Tls.BaseUrl.Host
                ? identityServer : apim, e, "proving the Key Manager", secrets.Scrub);
        }
        finally
        {
            // Whatever the way out (proven, failed, timed out, cancelled): leave no half-made key mapping behind.
            await CleanUpOnExitAsync(devPortal, applicationId, keyManager.Name);
        }

        var issuer = ReadIssuer(issued.Token.AccessToken, keyManager.Name);
        if (issuer != keyManager.Issuer)
            throw new LabException(ExitCodes.IssuerMismatch,
                $"IS issues tokens with iss '{issuer}' but Key Manager '{keyManager.Name}' expects '{keyManager.Issuer}' (from IS's well-known document); make IS's token issuer match its well-known document ([server] hostname in IS's deployment.toml), restart IS and re-run register.");

        logger.LogInformation("IS issued a token for consumer key {ConsumerKey} of application {Application}; iss {Issuer}",
            issued.Key.ConsumerKey, ProofApplication.Name, issuer);
        return new Proof(issued.Key.ConsumerKey!, issuer);
    }

    private async Task<string> EnsureApplicationAsync(IApimDevPortalApi devPortal, CancellationToken ct)
    {
        if (await FindApplicationAsync(devPortal, ct) is { } id) return id;
        try
        {
            var created = await devPortal.AddApplicationAsync(new Application
            {
                Name = ProofApplication.Name,
                ThrottlingPolicy = DevPortal.UnlimitedPolicy,
                Description = "Proves KmLab's Key Manager registration",
                TokenType = DevPortal.TokenTypeJwt,
            }, ct);
            logger.LogInformation("Created DevPortal application {Application} (id {Id})", ProofApplication.Name, created.ApplicationId);
            return created.ApplicationId!;
        }
        catch (ApiException e) when (e.StatusCode == System.Net.HttpStatusCode.Conflict)
        {
            // A concurrent run created it between our look and our POST: use that one.
            return await FindApplicationAsync(devPortal, ct)
                   ?? throw Wso2Failures.ForRegister(apim, e, "POST " + ApimEndpoints.Applications, secrets.Scrub);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw Wso2Failures.ForRegister(apim, e, "POST " + ApimEndpoints.Applications, secrets.Scrub);
        }
    }

    private Task<string?> FindApplicationAsync(IApimDevPortalApi devPortal, CancellationToken ct) =>
        KeyManagerRegistrar.Call(apim, "GET " + ApimEndpoints.Applications, secrets, () => ProofApplication.IdAsync(devPortal, ct));

    /// <summary>The application's production keys for this Key Manager: the existing ones, else newly generated.
    /// A half-made key mapping (left by a generation that failed while the Key Manager propagated, or by an
    /// interrupted run) is removed first, since APIM answers 409 901409 to every generation while it exists.</summary>
    private async Task<ApplicationKey> KeysAsync(IApimDevPortalApi devPortal, string applicationId, string keyManagerName, CancellationToken ct)
    {
        var mappings = await ProofApplication.MappingsAsync(devPortal, applicationId, keyManagerName, ct);
        if (mappings.FirstOrDefault(k => !k.IsHalfMade) is { } complete)
        {
            secrets.Add(complete.ConsumerSecret);
            if (string.IsNullOrEmpty(complete.ConsumerSecret))
                throw new LabException(ExitCodes.KeyManagerNotUsable,
                    $"APIM lists the keys of application '{ProofApplication.Name}' for Key Manager '{keyManagerName}' without their consumer secret, so register cannot prove them; delete that application in the DevPortal and re-run register.");
            return complete;
        }

        foreach (var halfMade in mappings)
            await CleanUpAsync(devPortal, applicationId, halfMade, ct);

        ApplicationKey key;
        try
        {
            key = await devPortal.GenerateKeysAsync(applicationId, new ApplicationKeyGenerateRequest
            {
                KeyType = DevPortal.KeyTypeProduction,
                KeyManager = keyManagerName,
                GrantTypesToBeSupported = [OAuthGrants.ClientCredentials],
            }, ct);
        }
        catch (ApiException e) when (Wso2Failures.ReadError(e)?.Code == ApimErrorCodes.KeyManagerNotRegistered)
        {
            // APIM looks the name up in its database, where a saved Key Manager is at once: waiting cannot help.
            throw new LabException(ExitCodes.KeyManagerNotRegistered,
                $"APIM has no Key Manager named '{keyManagerName}' at key generation (400 {ApimErrorCodes.KeyManagerNotRegistered}); check in the Admin Portal (Key Managers) that '{keyManagerName}' exists and is enabled, or pass the --name it has, then re-run register.");
        }

        secrets.Add(key.ConsumerSecret);
        if (key.IsHalfMade || string.IsNullOrEmpty(key.ConsumerSecret))
            throw new HalfMadeKeys($"APIM answered keys of state {key.KeyState ?? "none"} without {(string.IsNullOrEmpty(key.ConsumerKey) ? "a consumer key" : "a consumer secret")}");
        logger.LogInformation("Generated {Key}", key);
        return key;
    }

    private async Task CleanUpAsync(IApimDevPortalApi devPortal, string applicationId, ApplicationKey halfMade, CancellationToken ct)
    {
        if (halfMade.KeyMappingId is not { Length: > 0 } id)
            throw new LabException(ExitCodes.KeyManagerNotUsable,
                $"APIM lists a half-made key mapping of application '{ProofApplication.Name}' for Key Manager '{halfMade.KeyManager}' without its id; clean it up in the DevPortal (Applications > {ProofApplication.Name} > Production Keys > Clean up) and re-run register.");
        await devPortal.CleanUpOAuthKeyAsync(applicationId, id, ct);
        logger.LogInformation("Removed the half-made key mapping {KeyMappingId} of application {Application} for Key Manager {Name} (state {State}, consumer key {ConsumerKey})",
            id, ProofApplication.Name, halfMade.KeyManager, halfMade.KeyState ?? "none", string.IsNullOrEmpty(halfMade.ConsumerKey) ? "none" : halfMade.ConsumerKey);
    }

    /// <summary>Removes what the last attempt may have left half-made. Bounded on its own, so it also runs after the
    /// caller cancelled; a failure here is only logged (the next run removes it first).</summary>
    private async Task CleanUpOnExitAsync(IApimDevPortalApi devPortal, string applicationId, string keyManagerName)
    {
        using var bounded = new CancellationTokenSource(ExitCleanUpTimeout);
        try
        {
            foreach (var halfMade in (await ProofApplication.MappingsAsync(devPortal, applicationId, keyManagerName, bounded.Token)).Where(k => k.IsHalfMade))
                await CleanUpAsync(devPortal, applicationId, halfMade, bounded.Token);
        }
        catch (Exception e) when (e is ApiException or LabException || Wso2Failures.IsCallFailure(e) || bounded.IsCancellationRequested)
        {
            logger.LogWarning("Could not check application {Application} for a half-made key mapping on the way out ({Reason}); the next register run removes it",
                ProofApplication.Name, Describe(e));
        }
    }

    private static readonly TimeSpan ExitCleanUpTimeout = TimeSpan.FromSeconds(15);

    /// <summary>Keys came back half-made: clean up and generate again.</summary>
    private sealed class HalfMadeKeys(string message) : Exception(message);

    private static string ReadIssuer(string accessToken, string keyManagerName)
    {
        var handler = new JsonWebTokenHandler();
        if (!handler.CanReadToken(accessToken))
            throw new LabException(ExitCodes.KeyManagerNotUsable,
                $"IS issued an opaque access token for Key Manager '{keyManagerName}', whose issuer cannot be checked; make the application's token type JWT, then re-run register.");
        return handler.ReadJsonWebToken(accessToken).Issuer;
    }

    private string Describe(Exception? e) => e switch
    {
        ApiException api => $"{(int)api.StatusCode} from {api.HttpMethod} {api.Uri?.AbsolutePath}: {secrets.Scrub(Wso2Failures.ReadError(api)?.Description ?? Wso2Failures.ReadError(api)?.Message ?? api.ReasonPhrase ?? "")}",
        null => "nothing",
        HalfMadeKeys or LabException => e.Message,
        _ => Wso2Failures.Reason(e),
    };
}
