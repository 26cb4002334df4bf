using System.Diagnostics;
using System.Net;
using KmLab.Provisioner.Apim;
using KmLab.Provisioner.IdentityServer;
using KmLab.Provisioner.Prepare;
using KmLab.Provisioner.Register;
using KmLab.Provisioner.Wso2;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.IdentityModel.JsonWebTokens;
using Polly;
using Polly.Retry;
using Polly.Timeout;
using Refit;

namespace KmLab.Provisioner.Smoke;

/// <summary>The lab's end-to-end proof: through APIM's Publisher API it creates (or reuses) <see cref="SampleApi"/>
/// with the lab's Key Manager, deploys a revision to the Default gateway and publishes it; through the DevPortal it
/// subscribes the application <c>register</c> made; then a client-credentials token from IS calls the API through
/// the gateway. Every step creates or reuses, so a re-run is harmless. Any failure is a <see cref="LabException"/>
/// with <see cref="ExitCodes.SmokeFailed"/>.</summary>
public static class LabSmoke
{
    public const string ApimServerName = "APIM";
    public const string GatewayServerName = "APIM gateway";
    public const string IsServerName = "IS";

    /// <summary>The DevPortal application <c>register</c> creates and the smoke subscribes.</summary>
    public const string LabApplicationName = KeyManagerProof.ApplicationName;

    private const string Command = "smoke";

    public static Task<SmokeResult> RunAsync(SmokeRequest request, CancellationToken ct, ILoggerFactory? loggerFactory = null) =>
        RegisterTelemetry.StepAsync(Command, null, run =>
        {
            run?.SetTag("kmlab.key_manager", request.KeyManagerName);
            return new Run(request, (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger(typeof(LabSmoke))).ExecuteAsync(ct);
        });

    /// <summary>One run: its connections, its secrets, its steps.</summary>
    private sealed class Run(SmokeRequest request, ILogger logger)
    {
        private readonly Secrets _secrets = new(request.AdminPassword);

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
            var publisher = apim.Refit<IApimPublisherApi>(() => Task.FromResult(token));
            var devPortal = apim.Refit<IApimDevPortalApi>(() => Task.FromResult(token));
            var subscriptions = apim.Refit<IApimSubscriptionsApi>(() => Task.FromResult(token));

            // The application and its keys come first: without them (register not run) nothing else is worth doing.
            var (applicationId, key) = await StepAsync("application", _ => ApplicationKeysAsync(apim, devPortal, ct));

            var desired = SampleApi.Build(request.KeyManagerName, SampleApi.BackendBase(isInternalUrl));
            var (api, apiOutcome) = await StepAsync("api", activity => CreateOrReuseApiAsync(apim, publisher, desired, activity, ct));
            await StepAsync("deploy", activity => DeployAsync(apim, publisher, api.Id!, redeploy: apiOutcome != SmokeOutcomes.Reused, activity, ct));
            await StepAsync("publish", activity => PublishAsync(apim, publisher, api.Id!, activity, ct));
            await StepAsync("subscribe", activity => SubscribeAsync(apim, subscriptions, api.Id!, applicationId, activity, ct));

            var accessToken = await StepAsync("is-token", _ => IsTokenAsync(identityServer, key, ct));
            var issuer = new JsonWebTokenHandler().CanReadToken(accessToken) ? new JsonWebToken(accessToken).Issuer : "(opaque token)";

            var url = new Uri(request.GatewayUrl.GetLeftPart(UriPartial.Authority) + SampleApi.GatewayPath);
            var (status, body) = await StepAsync("call", activity => CallGatewayAsync(gateway, url, accessToken, issuer, activity, ct));

            var tokenUrl = request.IsUrl.GetLeftPart(UriPartial.Authority) + IdentityServerEndpoints.Token;
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
            const string name = KeyManagerProof.ApplicationName;
            var registerFirst = $"run register with --name {request.KeyManagerName} first";
            var applicationId = await CallAsync(apim, "GET " + ApimEndpoints.Applications, registerFirst, () => KeyManagerProof.ApplicationIdAsync(devPortal, ct))
                                ?? throw Failed($"APIM has no DevPortal application '{name}'; {registerFirst}");
            var key = await CallAsync(apim, "GET " + ApimEndpoints.ApplicationOAuthKeys, registerFirst,
                          () => KeyManagerProof.ExistingKeyAsync(devPortal, applicationId, request.KeyManagerName, ct))
                      ?? throw Failed($"application '{name}' has no production keys from Key Manager '{request.KeyManagerName}'; {registerFirst}");
            _secrets.Add(key.ConsumerSecret);
            logger.LogInformation("Using application {Application} (id {Id}), consumer key {ConsumerKey}", name, applicationId, key.ConsumerKey);
            return (applicationId, key);
        }

        private async Task<(Api Api, string Outcome)> CreateOrReuseApiAsync(Wso2Connection apim, IApimPublisherApi publisher, Api desired,
            Activity? activity, CancellationToken ct)
        {
            const string fix = "check APIM's log (wso2carbon.log), fix the cause and re-run smoke";
            var rows = await CallAsync(apim, "GET " + ApimPublisherEndpoints.Apis, fix, () => publisher.GetApisAsync($"name:\"{SampleApi.Name}\"", ct));
            var row = rows.List.FirstOrDefault(a => a.Name == SampleApi.Name && a.Version == SampleApi.Version);
            (Api Api, string Outcome) result;
            if (row?.Id is null)
            {
                var created = await CallAsync(apim, "POST " + ApimPublisherEndpoints.Apis,
                    $"check that context {SampleApi.Context} is free in the Publisher portal, then re-run smoke",
                    () => publisher.CreateApiAsync(desired, ct));
                logger.LogInformation("Created API {Name} {Version} (id {Id})", created.Name, created.Version, created.Id);
                result = (created, SmokeOutcomes.Created);
            }
            else
            {
                var stored = await CallAsync(apim, "GET " + ApimPublisherEndpoints.Api, fix, () => publisher.GetApiAsync(row.Id, ct));
                var differences = SampleApi.Differences(desired, stored);
                if (differences.Count == 0)
                {
                    logger.LogInformation("Reusing API {Name} {Version} (id {Id})", stored.Name, stored.Version, stored.Id);
                    result = (stored, SmokeOutcomes.Reused);
                }
                else
                {
                    logger.LogInformation("Updating API {Name} (id {Id}): {Fields} differ", stored.Name, stored.Id, string.Join(", ", differences));
                    var updated = await CallAsync(apim, "PUT " + ApimPublisherEndpoints.Api, fix,
                        () => publisher.UpdateApiAsync(row.Id, desired with { Id = row.Id, Provider = stored.Provider }, ct));
                    result = (updated, SmokeOutcomes.Updated);
                }
            }

            activity?.SetTag("kmlab.api_id", result.Api.Id);
            activity?.SetTag(RegisterTelemetry.OutcomeTag, result.Outcome);
            return result;
        }

        /// <summary>A revision on the Default gateway: the deployed one when the API did not change, else a new one.</summary>
        private async Task<bool> DeployAsync(Wso2Connection apim, IApimPublisherApi publisher, string apiId, bool redeploy,
            Activity? activity, CancellationToken ct)
        {
            const string fix = "check the Default gateway environment in APIM's Publisher portal (Deployments), then re-run smoke";
            var deployments = await CallAsync(apim, "GET " + ApimPublisherEndpoints.ApiDeployments, fix, () => publisher.GetDeploymentsAsync(apiId, ct));
            var current = deployments.List.FirstOrDefault(d => d.Name == ApimPublishing.DefaultGatewayEnvironment);
            if (!redeploy && current is not null)
            {
                logger.LogInformation("Revision {Revision} is already deployed to {Environment}", current.RevisionUuid, current.Name);
                activity?.SetTag(RegisterTelemetry.OutcomeTag, SmokeOutcomes.Reused);
                return false;
            }

            var revision = await CallAsync(apim, "POST " + ApimPublisherEndpoints.ApiRevisions,
                $"APIM keeps at most 5 revisions per API: delete old revisions of {SampleApi.Name} in the Publisher portal, then re-run smoke",
                () => publisher.CreateRevisionAsync(apiId, new ApiRevision { Description = "Deployed by KmLab smoke" }, ct));
            var deployed = await CallAsync(apim, "POST " + ApimPublisherEndpoints.ApiDeployRevision, fix,
                () => publisher.DeployRevisionAsync(apiId, revision.Id!,
                [
                    new ApiRevisionDeployment
                    {
                        Name = ApimPublishing.DefaultGatewayEnvironment, Vhost = LabTopology.PublicHostName, DisplayOnDevportal = true,
                    },
                ], ct));
            logger.LogInformation("Deployed revision {Revision} ({Name}) of API {Api} to {Environment} ({Status})", revision.Id,
                revision.DisplayName, apiId, ApimPublishing.DefaultGatewayEnvironment, string.Join(", ", deployed.Select(d => d.Status)));
            activity?.SetTag("kmlab.revision_id", revision.Id);
            activity?.SetTag(RegisterTelemetry.OutcomeTag, SmokeOutcomes.Created);
            return true;
        }

        private async Task<bool> PublishAsync(Wso2Connection apim, IApimPublisherApi publisher, string apiId, Activity? activity, CancellationToken ct)
        {
            const string fix = "publish it in the Publisher portal (Lifecycle) or approve its pending workflow, then re-run smoke";
            var api = await CallAsync(apim, "GET " + ApimPublisherEndpoints.Api, fix, () => publisher.GetApiAsync(apiId, ct));
            if (api.LifeCycleStatus == ApimPublishing.PublishedState)
            {
                activity?.SetTag(RegisterTelemetry.OutcomeTag, SmokeOutcomes.Reused);
                return false;
            }

            var response = await CallAsync(apim, "POST " + ApimPublisherEndpoints.ChangeLifecycle, fix,
                () => publisher.ChangeLifecycleAsync(apiId, ApimPublishing.PublishAction, ct));
            if (response.WorkflowStatus is { } status && status != "APPROVED")
                throw Failed($"APIM did not publish {SampleApi.Name} (workflow {status}); {fix}");
            logger.LogInformation("Published API {Api} (state {State})", apiId, response.LifecycleState?.State);
            activity?.SetTag(RegisterTelemetry.OutcomeTag, SmokeOutcomes.Created);
            return true;
        }

        private async Task<string> SubscribeAsync(Wso2Connection apim, IApimSubscriptionsApi subscriptions, string apiId, string applicationId,
            Activity? activity, CancellationToken ct)
        {
            const string fix = "check the subscription in APIM's DevPortal, then re-run smoke";
            var existing = await CallAsync(apim, "GET " + ApimPublisherEndpoints.Subscriptions, fix,
                () => subscriptions.GetSubscriptionsAsync(apiId, applicationId, ct));
            if (existing.List.FirstOrDefault(s => s.ApiId == apiId && s.ApplicationId == applicationId) is { } found)
            {
                if (found.Status is { } status && status != SubscriptionStatuses.Unblocked)
                    throw Failed($"the subscription of {KeyManagerProof.ApplicationName} to {SampleApi.Name} is {status}; unblock it in the Publisher portal (Subscriptions), then re-run smoke");
                activity?.SetTag(RegisterTelemetry.OutcomeTag, SmokeOutcomes.Reused);
                return found.SubscriptionId ?? "";
            }

            var created = await CallAsync(apim, "POST " + ApimPublisherEndpoints.Subscriptions, fix, () => subscriptions.SubscribeAsync(
                new Subscription { ApiId = apiId, ApplicationId = applicationId, ThrottlingPolicy = DevPortal.UnlimitedPolicy }, ct));
            logger.LogInformation("Subscribed application {Application} to API {Api} (subscription {Id}, {Status})",
                KeyManagerProof.ApplicationName, apiId, created.SubscriptionId, created.Status);
            activity?.SetTag(RegisterTelemetry.OutcomeTag, SmokeOutcomes.Created);
            return created.SubscriptionId ?? "";
        }

        private async Task<string> IsTokenAsync(Wso2Connection identityServer, ApplicationKey key, CancellationToken ct)
        {
            var isApi = identityServer.Refit<IIdentityServerApi>();
            var form = new Dictionary<string, string> { ["grant_type"] = OAuthGrants.ClientCredentials };
            var response = await CallAsync(identityServer, "POST " + IdentityServerEndpoints.Token,
                $"re-run register with --name {request.KeyManagerName} (it re-proves the application's keys against IS)",
                () => isApi.TokenAsync(form, KeyManagerRegistrar.Basic(key.ConsumerKey!, key.ConsumerSecret!), ct));
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
                    $"the gateway still reports no subscription of {KeyManagerProof.ApplicationName} to {SampleApi.Name} after {request.GatewayTimeout.TotalSeconds:0} s ({detail}); check the subscription in the DevPortal and APIM's log, then re-run smoke",
                { Status: (int)HttpStatusCode.NotFound } =>
                    $"the gateway does not serve {SampleApi.GatewayPath} after {request.GatewayTimeout.TotalSeconds:0} s ({detail}); check the revision's deployment to {ApimPublishing.DefaultGatewayEnvironment} in the Publisher portal and --gateway-url, then re-run smoke",
                { Status: 0 } => $"the gateway did not answer at {url} within {request.GatewayTimeout.TotalSeconds:0} s; check --gateway-url and that APIM's gateway is running",
                _ => $"the gateway answered {detail} at {url}: {Short(_secrets.Scrub(last.Body))}; the backend is IS's health endpoint: check that APIM's gateway reaches IS (--is-internal-url) and trusts the lab CA",
            });
        }

        private Task<T> StepAsync<T>(string name, Func<Activity?, Task<T>> body) =>
            RegisterTelemetry.StepAsync(Command, name, body, e => e as LabException ?? new LabException(ExitCodes.SmokeFailed,
                $"smoke step '{name}' failed: {_secrets.Scrub(e.Message)}; re-run smoke, and report it if it persists.", e));

        private async Task<T> CallAsync<T>(Wso2Connection server, string operation, string fix, Func<Task<T>> call)
        {
            try
            {
                return await call();
            }
            catch (Exception e) when (Wso2Connection.IsCallFailure(e))
            {
                throw Failure(server, e, operation, fix);
            }
        }

        /// <summary>One line naming the server, the operation and what it said, then the fix.</summary>
        private LabException Failure(Wso2Connection server, Exception e, string operation, string fix)
        {
            if (server.Tls.Refusal() is { } refusal && Wso2Connection.IsTlsRefusal(e))
                return new LabException(ExitCodes.SmokeFailed, refusal.Message, e);
            var what = e switch
            {
                ApiException { StatusCode: HttpStatusCode.Unauthorized } =>
                    $"{server.ServerName} refused the credentials at {operation} (401); set {LabTopology.AdminPasswordVariable} to the admin password the servers were started with",
                ApiException api when Wso2Connection.ReadError(api) is { } error =>
                    $"{server.ServerName} answered {(int)api.StatusCode} to {operation}: {error.Code} {_secrets.Scrub(error.Description ?? error.Message ?? "")}; {fix}",
                ApiException api => $"{server.ServerName} answered {(int)api.StatusCode} to {operation}; {fix}",
                HttpRequestException or TaskCanceledException or TimeoutRejectedException =>
                    $"cannot reach {server.ServerName} at {server.Tls.BaseUrl} ({Wso2Connection.Reason(e)}); check the URL and that {server.ServerName} is running",
                _ => $"{operation} at {server.ServerName} failed: {_secrets.Scrub(e.Message)}; {fix}",
            };
            return Failed(what, e);
        }

        private static LabException Failed(string message, Exception? inner = null) =>
            new(ExitCodes.SmokeFailed, message.EndsWith('.') ? message : message + ".", inner);

        private static long? ErrorCode(string body)
        {
            try
            {
                return System.Text.Json.JsonSerializer.Deserialize<Error>(body, ApimJson.Options)?.Code;
            }
            catch (System.Text.Json.JsonException)
            {
                return null;
            }
        }

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
                    throw new LabException(ExitCodes.Usage, $"{option} '{url}' is not an https URL; give one like https://localhost:9443.");
            }

            if (string.IsNullOrWhiteSpace(request.KeyManagerName))
                throw new LabException(ExitCodes.Usage, "the Key Manager name is empty; give --name as register was given it.");
            if (string.IsNullOrEmpty(request.AdminUser) || string.IsNullOrEmpty(request.AdminPassword))
                throw new LabException(ExitCodes.Usage,
                    $"the admin user and password must not be empty; set --admin-user and {LabTopology.AdminPasswordVariable}.");
        }

        /// <summary>Every smoke failure has the smoke's exit code, whatever part of the lab reported it.</summary>
        /// <summary>How APIM reaches IS on the lab network: the container name and port <c>prepare</c> recorded.</summary>
        private static Uri InternalUrlFromManifest(LabLayout layout)
        {
            var manifest = LabManifest.Read(layout);
            return new Uri($"https://{manifest.IdentityServerHost}:{Wso2Ports.ServletHttps + manifest.IdentityServerOffset}");
        }
    }
}
