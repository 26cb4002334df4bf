using System.Diagnostics;
using System.Net;
using KmLab.Provisioner.Apim;
using KmLab.Provisioner.IdentityServer;
using KmLab.Provisioner.Publishing;
using KmLab.Provisioner.Proofs;
using KmLab.Provisioner.Wso2Rest;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.IdentityModel.JsonWebTokens;
using Polly.Retry;
using Polly.Timeout;
using Polly;
using Refit;

namespace KmLab.Provisioner.Smoke;

/// <summary>The lab's end-to-end proof: through APIM's Publisher API it creates (or reuses) <see cref="SampleApi"/>
/// with the lab's Key Manager, deploys a revision to the Default gateway and publishes it; through the DevPortal it
/// subscribes the application <c>register</c> made; then a client-credentials token from IS calls the API through
/// the gateway. Every step creates or reuses, so a re-run is harmless. Any failure is a <see cref="LabException"/>
/// with <see cref="ExitCodes.SmokeFailed"/>.</summary>
public static class LabSmoke
{
    public const string ApimServerName = ServerNames.ApiManager;
    public const string GatewayServerName = ServerNames.Gateway;
    public const string IsServerName = ServerNames.IdentityServer;

    /// <summary>The DevPortal application <c>register</c> creates and the smoke subscribes.</summary>
    public const string LabApplicationName = ProofApplication.Name;

    private const string Command = "smoke";

    public static Task<SmokeResult> RunAsync(SmokeRequest request, CancellationToken ct, ILoggerFactory? loggerFactory = null) =>
        StepTelemetry.StepAsync(Command, null, run =>
        {
            run?.SetTag("kmlab.key_manager", request.KeyManagerName);
            return new Run(request, (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger(typeof(LabSmoke))).ExecuteAsync(ct);
        });

    /// <summary>One run: its connections, its secrets, its steps.</summary>
    private sealed class Run(SmokeRequest request, ILogger logger)
    {
        private readonly Wso2Calls _calls = new(ExitCodes.SmokeFailed, new Secrets(request.AdminPassword));
        private Secrets _secrets => _calls.Secrets;

        public async Task<SmokeResult> ExecuteAsync(CancellationToken ct)
        {
            Validate();
            var layout = new LabLayout(request.StateDirectory);
            // An unprepared or unreadable state folder is prepare's failure (14), as for register, not the smoke's.
            using var trust = LabTrust.Read(layout);
            var isInternalUrl = request.IsInternalUrl ?? InternalUrlFromManifest(layout);
            logger.LogInformation("Starting {Request}; backend through IS at {IsInternalUrl}", request, isInternalUrl);

            using var apim = new Wso2Connection(trust.For(ApimServerName, request.ApimUrl), logger);
            using var identityServer = new Wso2Connection(trust.For(IsServerName, request.IsUrl), logger);
            using var gateway = new Wso2Connection(trust.For(GatewayServerName, request.GatewayUrl), logger);

            var token = await StepAsync("rest-token", _ => RestTokenAsync(apim, ct));
            var publisher = new PublishingEngine(apim, () => Task.FromResult(token), Command, _calls, logger);
            var devPortal = publisher.DevPortal;

            // The application and its keys come first: without them (register not run) nothing else is worth doing.
            var (applicationId, key) = await StepAsync("application", _ => ApplicationKeysAsync(apim, devPortal, ct));

            var desired = SampleApi.Build(request.KeyManagerName, SampleApi.BackendBase(isInternalUrl));
            var (api, apiOutcome) = await StepAsync("api", async activity =>
            {
                var result = await publisher.EnsureApiAsync(desired, null, ct);
                activity?.SetTag("kmlab.api_id", result.Api.Id);
                return Tagged(activity, result, result.Outcome);
            });
            await StepAsync("deploy", async activity => Tagged(activity, true,
                await publisher.DeployAsync(api.Id!, SampleApi.Name, redeploy: apiOutcome != SmokeOutcomes.Reused, ct) ? SmokeOutcomes.Created : SmokeOutcomes.Reused));
            await StepAsync("publish", async activity => Tagged(activity, true,
                await publisher.PublishAsync(api.Id!, SampleApi.Name, ct) ? SmokeOutcomes.Created : SmokeOutcomes.Reused));
            await StepAsync("subscribe", async activity => Tagged(activity, true,
                await publisher.SubscribeAsync(api.Id!, SampleApi.Name, applicationId, ProofApplication.Name, ct) ? SmokeOutcomes.Created : SmokeOutcomes.Reused));

            var accessToken = await StepAsync("is-token", _ => IsTokenAsync(identityServer, key, ct));
            var issuer = new JsonWebTokenHandler().CanReadToken(accessToken) ? new JsonWebToken(accessToken).Issuer : "(opaque token)";

            var url = new Uri(request.GatewayUrl.GetLeftPart(UriPartial.Authority) + SampleApi.GatewayPath);
            var (status, body) = await StepAsync("call", activity => CallGatewayAsync(gateway, url, accessToken, issuer, activity, ct));

            var tokenUrl = LabUrls.Token(request.IsUrl).ToString();
            var tokenCommand = $"TOKEN=$(curl -s --cacert '{layout.CaCertificate}' -u \"{key.ConsumerKey}:$CONSUMER_SECRET\" -d grant_type=client_credentials '{tokenUrl}' | jq -r .access_token)";
            var curl = $"curl --cacert '{layout.CaCertificate}' -H \"Authorization: Bearer $TOKEN\" '{url}'";
            logger.LogInformation("Smoke passed: GET {Url} answered {Status} for a token of {ConsumerKey} issued by {Issuer}", url, status, key.ConsumerKey, issuer);
            return new SmokeResult(api.Id!, apiOutcome, url, status, issuer, key.ConsumerKey!, body, tokenCommand, curl)
            {
                Credentials = new LabApplicationCredentials(key.ConsumerKey!, key.ConsumerSecret!, accessToken),
            };
        }

        /// <summary>A token for the Publisher and DevPortal APIs, from APIM's own REST client registration (the same
        /// client <c>register</c> uses).</summary>
        private async Task<string> RestTokenAsync(Wso2Connection apim, CancellationToken ct)
        {
            const string fix = $"set {LabTopology.AdminPasswordVariable} to APIM's admin password and check --admin-user";
            var (_, token) = await ApimRestToken.GetAsync(apim, request.AdminUser, request.AdminPassword, ApimPublisherScopes.Smoke, _secrets,
                (e, operation) => Failure(apim, e, operation, fix), ct);
            if (!ApimRestToken.GrantsAny(token, ApimPublisherScopes.ApiCreate, ApimPublisherScopes.ApiManage))
                throw Failed($"APIM granted '{request.AdminUser}' no Publisher scope ({ApimPublisherScopes.ApiCreate} or {ApimPublisherScopes.ApiManage}); use an admin user (--admin-user)");
            return token.AccessToken;
        }

        /// <summary>The application <c>register</c> created, and its production keys for this Key Manager.</summary>
        private async Task<(string ApplicationId, ApplicationKey Key)> ApplicationKeysAsync(Wso2Connection apim, IApimDevPortalApi devPortal, CancellationToken ct)
        {
            const string name = ProofApplication.Name;
            var registerFirst = $"run register with --name {request.KeyManagerName} first";
            var applicationId = await CallAsync(apim, "GET " + ApimEndpoints.Applications, registerFirst, () => ProofApplication.IdAsync(devPortal, ct))
                                ?? throw Failed($"APIM has no DevPortal application '{name}'; {registerFirst}");
            var key = await CallAsync(apim, "GET " + ApimEndpoints.ApplicationOAuthKeys, registerFirst,
                          () => ProofApplication.ExistingKeyAsync(devPortal, applicationId, request.KeyManagerName, ct))
                      ?? throw Failed($"application '{name}' has no production keys from Key Manager '{request.KeyManagerName}'; {registerFirst}");
            _secrets.Add(key.ConsumerSecret);
            logger.LogInformation("Using application {Application} (id {Id}), consumer key {ConsumerKey}", name, applicationId, key.ConsumerKey);
            return (applicationId, key);
        }

        private static T Tagged<T>(Activity? activity, T value, string outcome)
        {
            activity?.SetTag(StepTelemetry.OutcomeTag, outcome);
            return value;
        }

        private async Task<string> IsTokenAsync(Wso2Connection identityServer, ApplicationKey key, CancellationToken ct)
        {
            var isApi = identityServer.Refit<IIdentityServerApi>();
            var form = new Dictionary<string, string> { ["grant_type"] = OAuthGrants.ClientCredentials };
            var response = await CallAsync(identityServer, "POST " + IdentityServerEndpoints.Token,
                $"re-run register with --name {request.KeyManagerName} (it re-proves the application's keys against IS)",
                () => isApi.TokenAsync(form, Wso2Connection.Basic(key.ConsumerKey!, key.ConsumerSecret!), ct));
            _secrets.Add(response.AccessToken);
            return response.AccessToken;
        }

        /// <summary>Calls the API until the gateway has the revision and the subscription (both arrive asynchronously:
        /// 404, then 403 900908), then expects 200.</summary>
        private async Task<(int Status, string Body)> CallGatewayAsync(Wso2Connection gateway, Uri url, string accessToken, string issuer,
            Activity? activity, CancellationToken ct)
        {
            (int Status, string Body, long? Code) last = (0, "", null);
            var pipeline = new ResiliencePipelineBuilder<(int Status, string Body, long? Code)>()
                .AddTimeout(request.GatewayTimeout)
                .AddRetry(new RetryStrategyOptions<(int Status, string Body, long? Code)>
                {
                    MaxRetryAttempts = int.MaxValue,
                    BackoffType = DelayBackoffType.Exponential,
                    Delay = TimeSpan.FromMilliseconds(100),
                    MaxDelay = TimeSpan.FromSeconds(2),
                    ShouldHandle = args => ValueTask.FromResult(args.Outcome.Result.Status is (int)HttpStatusCode.NotFound
                        || args.Outcome.Result is { Status: (int)HttpStatusCode.Forbidden, Code: ApimPublishing.GatewaySubscriptionMissing }),
                    OnRetry = args =>
                    {
                        logger.LogInformation("Gateway answered {Status} for {Url}; the deployment or subscription has not reached it yet, retry {Attempt}",
                            args.Outcome.Result.Status, url, args.AttemptNumber + 1);
                        return ValueTask.CompletedTask;
                    },
                })
                .Build();

            try
            {
                last = await pipeline.ExecuteAsync(async token =>
                {
                    using var message = new HttpRequestMessage(HttpMethod.Get, url);
                    message.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", accessToken);
                    using var response = await gateway.Probe.SendAsync(message, token);
                    var text = await response.Content.ReadAsStringAsync(token);
                    last = ((int)response.StatusCode, text, ErrorCode(text));
                    return last;
                }, ct);
            }
            catch (TimeoutRejectedException)
            {
                // The last answer below says why.
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
            {
                throw Failure(gateway, e, "GET " + SampleApi.GatewayPath, "check --gateway-url and that APIM's gateway is running");
            }

            activity?.SetTag("http.response.status_code", last.Status);
            if (last.Status == (int)HttpStatusCode.OK) return (last.Status, last.Body);

            var detail = $"{last.Status}{(last.Code is { } c ? $" (code {c})" : "")}";
            throw Failed(last switch
            {
                { Status: (int)HttpStatusCode.Unauthorized } =>
                    $"the gateway refused IS's token at {url} ({detail}); the gateway must know a Key Manager '{request.KeyManagerName}' with issuer '{issuer}' whose JWKS it can fetch: re-run register, then smoke",
                { Status: (int)HttpStatusCode.Forbidden, Code: ApimPublishing.GatewaySubscriptionMissing } =>
                    $"the gateway still reports no subscription of {ProofApplication.Name} to {SampleApi.Name} after {request.GatewayTimeout.TotalSeconds:0} s ({detail}); check the subscription in the DevPortal and APIM's log, then re-run smoke",
                { Status: (int)HttpStatusCode.NotFound } =>
                    $"the gateway does not serve {SampleApi.GatewayPath} after {request.GatewayTimeout.TotalSeconds:0} s ({detail}); check the revision's deployment to {ApimPublishing.DefaultGatewayEnvironment} in the Publisher portal and --gateway-url, then re-run smoke",
                { Status: 0 } => $"the gateway did not answer at {url} within {request.GatewayTimeout.TotalSeconds:0} s; check --gateway-url and that APIM's gateway is running",
                _ => $"the gateway answered {detail} at {url}: {Short(_secrets.Scrub(last.Body))}; the backend is IS's health endpoint: check that APIM's gateway reaches IS (--is-internal-url) and trusts the lab CA",
            });
        }

        private Task<T> StepAsync<T>(string name, Func<Activity?, Task<T>> body) =>
            StepTelemetry.StepAsync(Command, name, body, e => e as LabException ?? new LabException(ExitCodes.SmokeFailed,
                $"smoke step '{name}' failed: {_secrets.Scrub(e.Message)}; re-run smoke, and report it if it persists.", e));

        private Task<T> CallAsync<T>(Wso2Connection server, string operation, string fix, Func<Task<T>> call) => _calls.CallAsync(server, operation, fix, call);

        private LabException Failure(Wso2Connection server, Exception e, string operation, string fix) => _calls.Failure(server, e, operation, fix);

        private LabException Failed(string message, Exception? inner = null) => _calls.Failed(message, inner);

        private static long? ErrorCode(string body) => Wso2Failures.ErrorCode(body);

        private static string Short(string text)
        {
            var line = text.ReplaceLineEndings(" ");
            return line.Length <= 200 ? line : line[..200] + "…";
        }

        private void Validate()
        {
            foreach (var (option, url) in new[] { ("--apim-url", request.ApimUrl), ("--gateway-url", request.GatewayUrl),
                         ("--is-url", request.IsUrl), ("--is-internal-url", request.IsInternalUrl ?? request.IsUrl) })
            {
                if (!url.IsAbsoluteUri || url.Scheme != Uri.UriSchemeHttps)
                    throw new LabException(ExitCodes.Usage, $"{option} '{url}' is not an https URL; give one like {LabUrls.Origin(LabUrls.ApiManager)}.");
            }

            if (string.IsNullOrWhiteSpace(request.KeyManagerName))
                throw new LabException(ExitCodes.Usage, "the Key Manager name is empty; give --name as register was given it.");
            if (string.IsNullOrEmpty(request.AdminUser) || string.IsNullOrEmpty(request.AdminPassword))
                throw new LabException(ExitCodes.Usage,
                    $"the admin user and password must not be empty; set --admin-user and {LabTopology.AdminPasswordVariable}.");
        }

        /// <summary>How APIM reaches IS on the lab network: the container name and port <c>prepare</c> recorded.</summary>
        private static Uri InternalUrlFromManifest(LabLayout layout)
        {
            return LabManifest.Read(layout).IdentityServerInternalUrl();
        }
    }
}
