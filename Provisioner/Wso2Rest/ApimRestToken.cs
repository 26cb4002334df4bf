using System.Diagnostics;
using KmLab.Provisioner.Apim;
using Polly;
using Polly.Retry;
using Polly.Timeout;
using Refit;

namespace KmLab.Provisioner.Wso2Rest;

/// <summary>A token for APIM's REST APIs, always from APIM itself: its client registration with the admin's Basic
/// credentials (the same client name returns the same client), then the password grant for the wanted scopes.
/// Both the client secret and the token join the run's secrets.</summary>
internal static class ApimRestToken
{
    /// <summary>The REST client <c>register</c> and <c>smoke</c> share.</summary>
    public const string ClientName = "kmlab_register";

    public const string RegistrationOperation = "POST " + ApimEndpoints.ClientRegistration;
    public const string TokenOperation = "POST " + ApimEndpoints.Token;

    /// <summary>How long client registration may keep answering 5xx after APIM's health check turned 200, and where
    /// each retry window is logged. WSO2's own harness retries it for its whole start-up timeout, because the
    /// registration webapp can fail well after the health check passes (product-apim integration-v2
    /// <c>BaseSteps.java</c>); the connection's own retries cover only a few seconds, so this retries those windows.</summary>
    public sealed record RegistrationPatience(TimeSpan Timeout, ILogger Logger);

    /// <param name="scopes">Space-separated, as OAuth2 wants them.</param>
    /// <param name="failure">Turns a failed call and its operation (<see cref="RegistrationOperation"/> or
    /// <see cref="TokenOperation"/>) into the caller's one-line error.</param>
    /// <param name="patience">Null: the connection's retries only.</param>
    public static async Task<(string ClientId, TokenResponse Token)> GetAsync(Wso2Connection apim, string adminUser, string adminPassword,
        string scopes, Secrets secrets, Func<Exception, string, LabException> failure, CancellationToken ct,
        RegistrationPatience? patience = null)
    {
        var oauth = apim.Refit<IApimOAuthApi>();
        var request = new ClientRegistrationRequest
        {
            ClientName = ClientName,
            Owner = adminUser,
            GrantType = string.Join(' ', OAuthGrants.ClientCredentials, OAuthGrants.Password, OAuthGrants.RefreshToken),
            SaasApp = true,
        };
        var basic = Wso2Connection.Basic(adminUser, adminPassword);
        var client = await CallAsync(RegistrationOperation, () => patience is null
            ? oauth.RegisterClientAsync(request, basic, ct)
            : RegisterPatientlyAsync(apim, oauth, request, basic, patience, ct));
        secrets.Add(client.ClientSecret);

        var form = new Dictionary<string, string>
        {
            ["grant_type"] = OAuthGrants.Password,
            ["username"] = adminUser,
            ["password"] = adminPassword,
            ["scope"] = scopes,
        };
        var token = await CallAsync(TokenOperation, () => oauth.TokenAsync(form, Wso2Connection.Basic(client.ClientId, client.ClientSecret), ct));
        secrets.Add(token.AccessToken);
        return (client.ClientId, token);

        async Task<T> CallAsync<T>(string operation, Func<Task<T>> call)
        {
            try
            {
                return await call();
            }
            catch (Exception e) when (Wso2Failures.IsCallFailure(e))
            {
                throw failure(e, operation);
            }
        }
    }

    private static async Task<ClientRegistrationResponse> RegisterPatientlyAsync(Wso2Connection apim, IApimOAuthApi oauth,
        ClientRegistrationRequest request, string basic, RegistrationPatience patience, CancellationToken ct)
    {
        var started = Stopwatch.StartNew();
        var pipeline = new ResiliencePipelineBuilder()
            .AddTimeout(patience.Timeout)
            .AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = int.MaxValue,
                Delay = TimeSpan.FromSeconds(1),
                ShouldHandle = new PredicateBuilder().Handle<ApiException>(e => (int)e.StatusCode >= 500),
                OnRetry = args =>
                {
                    patience.Logger.LogInformation(
                        "{Server} client registration still answers {Status} after {Elapsed:0} s (its start-up can lag the health check); retrying until {Timeout:0} s",
                        apim.ServerName, (int)((ApiException)args.Outcome.Exception!).StatusCode, started.Elapsed.TotalSeconds, patience.Timeout.TotalSeconds);
                    return ValueTask.CompletedTask;
                },
            })
            .Build();
        try
        {
            return await pipeline.ExecuteAsync(async token => await oauth.RegisterClientAsync(request, basic, token), ct);
        }
        catch (TimeoutRejectedException)
        {
            throw new LabException(ExitCodes.NotReady,
                $"{apim.ServerName} client registration ({ApimEndpoints.ClientRegistration}) still failed {patience.Timeout.TotalSeconds:0} s after its health check turned 200; check {apim.ServerName}'s log for start-up errors, then re-run register.");
        }
    }

    /// <summary>Whether APIM granted at least one of <paramref name="anyOf"/> (WSO2's REST resources each want one of a list).</summary>
    public static bool GrantsAny(TokenResponse token, params string[] anyOf) =>
        (token.Scope ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries).Intersect(anyOf).Any();
}
