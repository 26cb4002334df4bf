using System.Net;
using System.Text.Json;
using System.Text;
using KmLab.Provisioner.Apim;
using KmLab.Provisioner.IdentityServer;
using KmLab.Provisioner.Wso2Rest;
using Refit;

namespace KmLab.Provisioner.Publishing;

/// <summary>The one publish sequence of the lab (smoke, roles, publish and demo use it): create or update an API by
/// name and version (from a body or an OpenAPI document), deploy a revision to the Default gateway when it changed,
/// publish it, subscribe an application, and wait until the gateway serves it. Every step creates or reuses, so a
/// re-run changes nothing and a half-done run is completed.</summary>
internal sealed class PublishingEngine(Wso2Connection apim, Func<Task<string>> bearer, string command, Wso2Calls calls, ILogger logger)
{
    private readonly IApimPublisherApi _publisher = apim.Refit<IApimPublisherApi>(bearer);
    private readonly IApimSubscriptionsApi _subscriptions = apim.Refit<IApimSubscriptionsApi>(bearer);
    private readonly IApimDevPortalApi _devPortal = apim.Refit<IApimDevPortalApi>(bearer);

    /// <summary>The gateway's own 404 for a path no deployed API serves (the main sequence's fault), as opposed to a
    /// backend's 404.</summary>
    public const string GatewayNotFoundDescription = "The requested resource is not available.";

    public IApimDevPortalApi DevPortal => _devPortal;

    /// <summary>The API of another name that holds <paramref name="context"/>, as "name version", or null.</summary>
    public async Task<string?> ContextOwnerAsync(string name, string context, CancellationToken ct)
    {
        var rows = await calls.CallAsync(apim, "GET " + ApimPublisherEndpoints.Apis, Fix, () => _publisher.GetApisAsync($"context:\"{context}\"", ct));
        return rows.List.FirstOrDefault(a => a.Name != name && string.Equals(a.Context?.TrimEnd('/'), context.TrimEnd('/'), StringComparison.OrdinalIgnoreCase)) is { } owner
            ? $"{owner.Name} {owner.Version}" : null;
    }

    public LabException ContextTaken(string name, string context, string owner) => calls.Failed(ExitCodes.ContextTaken,
        $"API context {context} is taken by API {owner}, so APIM refuses {name} there (409 {ApimErrorCodes.ApiContextAlreadyExists}); give another --context, or delete or rename API {owner} in the Publisher portal, then re-run {command}");

    /// <summary>The API as <paramref name="desired"/> says, created (POST, or import of <paramref name="openApi"/>) or
    /// updated (PUT, and the definition) when it differs; reused otherwise.</summary>
    public async Task<(Api Api, string Outcome)> EnsureApiAsync(Api desired, OpenApiDocument? openApi, CancellationToken ct)
    {
        var rows = await calls.CallAsync(apim, "GET " + ApimPublisherEndpoints.Apis, Fix, () => _publisher.GetApisAsync($"name:\"{desired.Name}\"", ct));
        if (rows.List.FirstOrDefault(a => a.Name == desired.Name && a.Version == desired.Version)?.Id is not { } id)
        {
            if (await ContextOwnerAsync(desired.Name, desired.Context, ct) is { } owner) throw ContextTaken(desired.Name, desired.Context, owner);
            Api created;
            try
            {
                created = openApi is null
                    ? await _publisher.CreateApiAsync(desired, ct)
                    : await _publisher.ImportOpenApiAsync(new StreamPart(new MemoryStream(Encoding.UTF8.GetBytes(openApi.Text)), openApi.FileName, openApi.ContentType),
                        JsonSerializer.Serialize(desired with { Operations = null }, ApimJson.Options), ct);
            }
            catch (ApiException e) when (Wso2Failures.ReadError(e)?.Code == ApimErrorCodes.ApiContextAlreadyExists)
            {
                throw ContextTaken(desired.Name, desired.Context, "(another API)");
            }
            catch (ApiException e) when (openApi is not null && e.StatusCode == HttpStatusCode.BadRequest
                                         && Wso2Failures.ReadError(e) is { } error && ApimErrorCodes.IsOpenApiRefusal(error.Code))
            {
                throw openApi.Refused(error, command);
            }
            catch (Exception e) when (Wso2Failures.IsReportable(e))
            {
                throw calls.Failure(apim, e, "POST " + (openApi is null ? ApimPublisherEndpoints.Apis : ApimPublisherEndpoints.ApiImportOpenApi), Fix);
            }
            logger.LogInformation("Created API {Name} {Version} (id {Id}) at context {Context}", created.Name, created.Version, created.Id, created.Context);
            return (created, SmokeOutcomes.Created);
        }

        var stored = await calls.CallAsync(apim, "GET " + ApimPublisherEndpoints.Api, Fix, () => _publisher.GetApiAsync(id, ct));
        // PUT keeps an API's context: a different one cannot be an update.
        if (!string.Equals(stored.Context.TrimEnd('/'), desired.Context.TrimEnd('/'), StringComparison.OrdinalIgnoreCase))
            throw calls.Failed(ExitCodes.ContextTaken,
                $"API {desired.Name} {desired.Version} already exists at context {stored.Context}, and APIM cannot move an API to {desired.Context}; give --context {stored.Context}, or another --version, or delete the API in the Publisher portal, then re-run {command}");
        var differences = Differences(desired, stored, openApi);
        if (differences.Count == 0)
        {
            logger.LogInformation("Reusing API {Name} {Version} (id {Id})", stored.Name, stored.Version, id);
            return (stored, SmokeOutcomes.Reused);
        }
        logger.LogInformation("Updating API {Name} (id {Id}): {Fields} differ", stored.Name, id, string.Join(", ", differences));
        if (openApi is not null && differences.Contains("operations"))
        {
            try
            {
                await _publisher.UpdateSwaggerAsync(id, openApi.Text, ct);
            }
            catch (ApiException e) when (e.StatusCode == HttpStatusCode.BadRequest && Wso2Failures.ReadError(e) is { } error && ApimErrorCodes.IsOpenApiRefusal(error.Code))
            {
                throw openApi.Refused(error, command);
            }
            catch (Exception e) when (Wso2Failures.IsReportable(e))
            {
                throw calls.Failure(apim, e, "PUT " + ApimPublisherEndpoints.ApiSwagger, Fix);
            }
            stored = await calls.CallAsync(apim, "GET " + ApimPublisherEndpoints.Api, Fix, () => _publisher.GetApiAsync(id, ct));
        }
        var body = desired with { Id = id, Provider = stored.Provider, Operations = openApi is null ? desired.Operations : stored.Operations };
        var updated = await calls.CallAsync(apim, "PUT " + ApimPublisherEndpoints.Api, Fix, () => _publisher.UpdateApiAsync(id, body, ct));
        return (updated, SmokeOutcomes.Updated);
    }

    /// <summary>What the stored API lacks of the desired one: Key Managers, backend, operations (verb, target, auth
    /// type, scopes; for a document, its paths and which are public), scopes, tiers.</summary>
    public static IReadOnlyList<string> Differences(Api desired, Api stored, OpenApiDocument? openApi = null)
    {
        var differences = new List<string>();
        if (!(stored.KeyManagers ?? []).Order().SequenceEqual((desired.KeyManagers ?? []).Order())) differences.Add("keyManagers");
        if (ProductionUrl(stored) != ProductionUrl(desired)) differences.Add("endpointConfig");
        // For a document, APIM names the auth type of the others itself: what must match is which ones are public.
        var wanted = openApi is null ? (desired.Operations ?? []).Select(Describe)
            : openApi.Operations.Select(o => $"{o.Verb} {o.Target} {openApi.PublicOperations.Contains(o)}");
        var have = (stored.Operations ?? []).Select(o => openApi is null ? Describe(o)
            : $"{o.Verb.ToUpperInvariant()} {o.Target} {o.AuthType == ApimPublishing.AuthTypeNone}");
        if (!wanted.Order().SequenceEqual(have.Order())) differences.Add("operations");
        if (!(desired.Scopes ?? []).Select(s => s.Scope.Name).Order().SequenceEqual((stored.Scopes ?? []).Select(s => s.Scope.Name).Order())) differences.Add("scopes");
        if (!(desired.Policies ?? []).All((stored.Policies ?? []).Contains)) differences.Add("policies");
        return differences;

        static string Describe(ApiOperation o) =>
            $"{o.Verb.ToUpperInvariant()} {o.Target} {o.AuthType ?? ApimPublishing.AuthTypeApplicationAndUser} {string.Join(',', (o.Scopes ?? []).Order())}";
    }

    public static string? ProductionUrl(Api api) => (string?)api.EndpointConfig?["production_endpoints"]?["url"];

    /// <summary>A revision on the Default gateway: the deployed one when the API did not change, else a new one.</summary>
    public async Task<bool> DeployAsync(string apiId, string apiName, bool redeploy, CancellationToken ct)
    {
        var fix = $"check the Default gateway environment in APIM's Publisher portal (Deployments), then re-run {command}";
        var deployments = await calls.CallAsync(apim, "GET " + ApimPublisherEndpoints.ApiDeployments, fix, () => _publisher.GetDeploymentsAsync(apiId, ct));
        if (!redeploy && deployments.List.FirstOrDefault(d => d.Name == ApimPublishing.DefaultGatewayEnvironment) is { } current)
        {
            logger.LogInformation("Revision {Revision} of {Api} is already deployed to {Environment}", current.RevisionUuid, apiName, current.Name);
            return false;
        }
        var revision = await calls.CallAsync(apim, "POST " + ApimPublisherEndpoints.ApiRevisions,
            $"APIM keeps at most 5 revisions per API: delete old revisions of {apiName} in the Publisher portal, then re-run {command}",
            () => _publisher.CreateRevisionAsync(apiId, new ApiRevision { Description = $"Deployed by KmLab {command}" }, ct));
        var deployed = await calls.CallAsync(apim, "POST " + ApimPublisherEndpoints.ApiDeployRevision, fix, () => _publisher.DeployRevisionAsync(apiId, revision.Id!,
            [new ApiRevisionDeployment { Name = ApimPublishing.DefaultGatewayEnvironment, Vhost = LabTopology.PublicHostName, DisplayOnDevportal = true }], ct));
        logger.LogInformation("Deployed revision {Revision} ({Name}) of API {Api} to {Environment} ({Status})", revision.Id, revision.DisplayName, apiName,
            ApimPublishing.DefaultGatewayEnvironment, string.Join(", ", deployed.Where(d => d.RevisionUuid == revision.Id).Select(d => d.Status)));
        return true;
    }

    public async Task<bool> PublishAsync(string apiId, string apiName, CancellationToken ct)
    {
        var fix = $"publish it in the Publisher portal (Lifecycle) or approve its pending workflow, then re-run {command}";
        var api = await calls.CallAsync(apim, "GET " + ApimPublisherEndpoints.Api, fix, () => _publisher.GetApiAsync(apiId, ct));
        if (api.LifeCycleStatus == ApimPublishing.PublishedState) return false;
        var response = await calls.CallAsync(apim, "POST " + ApimPublisherEndpoints.ChangeLifecycle, fix,
            () => _publisher.ChangeLifecycleAsync(apiId, ApimPublishing.PublishAction, ct));
        if (response.WorkflowStatus is { } status && status != "APPROVED")
            throw calls.Failed($"APIM did not publish {apiName} (workflow {status}); {fix}");
        logger.LogInformation("Published API {Api} (state {State})", apiName, response.LifecycleState?.State);
        return true;
    }

    public async Task<bool> SubscribeAsync(string apiId, string apiName, string applicationId, string applicationName, CancellationToken ct)
    {
        var fix = $"check the subscription in APIM's DevPortal, then re-run {command}";
        var existing = await calls.CallAsync(apim, "GET " + ApimPublisherEndpoints.Subscriptions, fix, () => _subscriptions.GetSubscriptionsAsync(apiId, applicationId, ct));
        if (existing.List.FirstOrDefault(s => s.ApiId == apiId && s.ApplicationId == applicationId) is { } found)
        {
            if (found.Status is { } status && status != SubscriptionStatuses.Unblocked)
                throw calls.Failed($"the subscription of {applicationName} to {apiName} is {status}; unblock it in the Publisher portal (Subscriptions), then re-run {command}");
            return false;
        }
        var created = await calls.CallAsync(apim, "POST " + ApimPublisherEndpoints.Subscriptions, fix, () => _subscriptions.SubscribeAsync(
            new Subscription { ApiId = apiId, ApplicationId = applicationId, ThrottlingPolicy = Apim.DevPortal.UnlimitedPolicy }, ct));
        logger.LogInformation("Subscribed application {Application} to API {Api} (subscription {Id}, {Status})", applicationName, apiName, created.SubscriptionId, created.Status);
        return true;
    }

    /// <summary>A DevPortal application (created when missing) and its production keys from <paramref name="keyManager"/>
    /// with the password and client-credentials grants; a key mapping a failed generation left half-made is cleaned up first.</summary>
    public async Task<(string Id, ApplicationKey Key)> ApplicationAsync(string name, string keyManager, string description, CancellationToken ct)
    {
        var fix = $"check application '{name}' in APIM's DevPortal, then re-run {command}";
        var apps = await calls.CallAsync(apim, "GET " + ApimEndpoints.Applications, fix, () => _devPortal.GetApplicationsAsync(name, ct));
        var applicationId = apps.List.FirstOrDefault(a => a.Name == name)?.ApplicationId
            ?? (await calls.CallAsync(apim, "POST " + ApimEndpoints.Applications, fix, () => _devPortal.AddApplicationAsync(new Application
            {
                Name = name, ThrottlingPolicy = Apim.DevPortal.UnlimitedPolicy, TokenType = Apim.DevPortal.TokenTypeJwt, Description = description,
            }, ct))).ApplicationId!;
        var keys = (await calls.CallAsync(apim, "GET " + ApimEndpoints.ApplicationOAuthKeys, fix, () => _devPortal.GetOAuthKeysAsync(applicationId, ct))).List
            .Where(k => k.KeyManager == keyManager && k.KeyType == Apim.DevPortal.KeyTypeProduction).ToList();
        if (keys.FirstOrDefault(k => !k.IsHalfMade && !string.IsNullOrEmpty(k.ConsumerSecret)) is { } complete)
        {
            if (!(complete.SupportedGrantTypes ?? []).Contains(OAuthGrants.Password))
                throw calls.Failed($"application '{name}' has keys from '{keyManager}' without the password grant; enable it in the DevPortal (Production Keys) or delete the application, then re-run {command}");
            calls.Secrets.Add(complete.ConsumerSecret);
            return (applicationId, complete);
        }
        foreach (var halfMade in keys.Where(k => k.KeyMappingId is { Length: > 0 }))
            await calls.CallAsync(apim, "POST " + ApimEndpoints.ApplicationOAuthKeyCleanUp, fix, () => _devPortal.CleanUpOAuthKeyAsync(applicationId, halfMade.KeyMappingId!, ct));
        var key = await calls.CallAsync(apim, "POST " + ApimEndpoints.ApplicationGenerateKeys, $"re-run register with --name {keyManager}, then {command}",
            () => _devPortal.GenerateKeysAsync(applicationId, new ApplicationKeyGenerateRequest
            {
                KeyType = Apim.DevPortal.KeyTypeProduction, KeyManager = keyManager,
                GrantTypesToBeSupported = [OAuthGrants.Password, OAuthGrants.ClientCredentials],
            }, ct));
        calls.Secrets.Add(key.ConsumerSecret);
        if (key.IsHalfMade || string.IsNullOrEmpty(key.ConsumerSecret))
            throw calls.Failed($"APIM answered half-made keys for application '{name}'; re-run {command} (it cleans them up)");
        logger.LogInformation("Generated keys of application {Application} through {KeyManager}: consumer key {ConsumerKey}", name, keyManager, key.ConsumerKey);
        return (applicationId, key);
    }

    /// <summary>A client-credentials token from IS for the application (the gateway probe's token).</summary>
    public async Task<string> ClientTokenAsync(Wso2Connection identityServer, ApplicationKey key, string keyManager, CancellationToken ct)
    {
        var response = await calls.CallAsync(identityServer, "POST " + IdentityServerEndpoints.Token,
            $"re-run register with --name {keyManager} (it re-proves the application's keys against IS), then {command}",
            () => identityServer.Refit<IIdentityServerApi>().TokenAsync(new Dictionary<string, string> { ["grant_type"] = OAuthGrants.ClientCredentials },
                Wso2Connection.Basic(key.ConsumerKey!, key.ConsumerSecret!), ct));
        calls.Secrets.Add(response.AccessToken);
        return response.AccessToken;
    }

    /// <summary>One gateway answer: status, APIM error code (or null) and body.</summary>
    public sealed record GatewayAnswer(int Status, long? Code, string Body)
    {
        /// <summary>The revision or the subscription has not reached the gateway yet (both arrive asynchronously).</summary>
        public bool Arriving => (Status == (int)HttpStatusCode.NotFound && (Code is 404 or ApimErrorCodes.GatewayResourceNotFound || Body.Contains(GatewayNotFoundDescription, StringComparison.Ordinal)))
                                || (Status == (int)HttpStatusCode.Forbidden && Code == ApimPublishing.GatewaySubscriptionMissing);
    }

    /// <summary>Calls <paramref name="url"/> until the answer is <paramref name="settled"/> or is not one of a
    /// deployment still arriving, at most <paramref name="timeout"/>.</summary>
    public async Task<GatewayAnswer> CallGatewayAsync(Wso2Connection gateway, Uri url, string? token, Func<GatewayAnswer, bool> settled,
        TimeSpan timeout, CancellationToken ct)
    {
        var deadline = DateTimeOffset.UtcNow + timeout;
        var delay = TimeSpan.FromMilliseconds(100);
        while (true)
        {
            using var message = new HttpRequestMessage(HttpMethod.Get, url);
            if (token is not null) message.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
            GatewayAnswer answer;
            try
            {
                using var response = await gateway.Probe.SendAsync(message, ct);
                var body = await response.Content.ReadAsStringAsync(ct);
                answer = new GatewayAnswer((int)response.StatusCode, Wso2Failures.ErrorCode(body), body);
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
            {
                throw calls.Failure(gateway, e, "GET " + url.AbsolutePath, "check --gateway-url and that APIM's gateway is running");
            }
            if (settled(answer) || !answer.Arriving || DateTimeOffset.UtcNow >= deadline) return answer;
            logger.LogInformation("Gateway answered {Status} for {Url}; the deployment or subscription has not reached it yet", answer.Status, url);
            await Task.Delay(delay, ct);
            delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 2000));
        }
    }

    private string Fix => $"check APIM's log (wso2carbon.log), fix the cause and re-run {command}";
}
