using System.Net;
using System.Text.Json;
using System.Text;
using KmLab.Provisioner.Apim;
using KmLab.Provisioner.Wso2Rest;
using Microsoft.Extensions.Logging.Abstractions;
using Refit;

namespace KmLab.Provisioner.Register;

/// <summary>Makes IS 7 the Key Manager of APIM and proves it works: waits for both servers, gets an Admin API token
/// from APIM, checks the <c>WSO2-IS-7</c> connector, builds the Key Manager from what APIM discovers at IS's internal
/// well-known URL, creates or updates it by name, then polls until a token from IS is issued for keys APIM generated
/// with it. Re-running it changes nothing when nothing changed, and completes a half-done run.</summary>
public sealed class KeyManagerRegistrar(ILoggerFactory? loggerFactory = null)
{
    /// <summary>REST client registered with APIM for the Admin and DevPortal APIs (the same name returns the same client).</summary>
    public const string RestClientName = ApimRestToken.ClientName;

    private const string Command = "register";

    public const string ApimServerName = "APIM";
    public const string IsServerName = "IS";

    private readonly ILogger _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<KeyManagerRegistrar>();

    public Task<RegisterResult> RunAsync(RegisterRequest request, CancellationToken ct) =>
        StepTelemetry.StepAsync(Command, null, async run =>
        {
            run?.SetTag("kmlab.key_manager", request.KeyManagerName);
            var result = await RunStepsAsync(request, ct);
            run?.SetTag(StepTelemetry.OutcomeTag, result.Outcome);
            return result;
        });

    private async Task<RegisterResult> RunStepsAsync(RegisterRequest request, CancellationToken ct)
    {
        Validate(request);
        var layout = new LabLayout(request.StateDirectory);
        var version = request.ApiManagerVersion
                      ?? (File.Exists(layout.Manifest) ? Wso2Versions.ParseApiManager(LabManifest.Read(layout).ApiManagerVersion) : null)
                      ?? Wso2Versions.DefaultApiManager;
        using var trust = LabTrust.Read(layout);
        var secrets = new Secrets(request.AdminPassword);
        _logger.LogInformation("Starting {Request} for APIM {Version}", request, version);

        using var apim = new Wso2Connection(trust.For(ApimServerName, request.ApimUrl), _logger);
        using var identityServer = new Wso2Connection(trust.For(IsServerName, request.IsUrl), _logger);

        // 1. Readiness of both, side by side.
        await StepTelemetry.StepAsync(Command, "readiness", async _ =>
        {
            await Task.WhenAll(
                Readiness.WaitAsync(apim, ApimEndpoints.StartupHealthCheck, request.ReadinessTimeout, _logger, ct),
                Readiness.WaitAsync(identityServer, IdentityServerEndpoints.WellKnown, request.ReadinessTimeout, _logger, ct));
            return true;
        });

        // 2. Admin API token, from APIM itself.
        var token = await StepTelemetry.StepAsync(Command, "admin-token", _ => AdminTokenAsync(apim, request, secrets, ct));
        var admin = apim.Refit<IApimAdminApi>(() => Task.FromResult(token));

        // 3. The connector, and what it wants.
        var connector = await StepTelemetry.StepAsync(Command, "connector", async activity =>
        {
            var settings = await Call(apim, "GET " + ApimEndpoints.Settings, secrets, () => admin.GetSettingsAsync(ct));
            var found = settings.KeyManagerConfiguration.FirstOrDefault(c => c.Type == Is7Connector.Type)
                        ?? throw new LabException(ExitCodes.ConnectorMissing, Wso2Failures.ConnectorMissingMessage);
            activity?.SetTag("kmlab.connector_fields", string.Join(',', found.Configurations.Select(c => c.Name)));
            return found;
        });

        // 4. The Key Manager: discovered through APIM (which proves APIM reaches and trusts IS), then completed.
        var desired = await StepTelemetry.StepAsync(Command, "build", async activity =>
        {
            var wellKnown = request.IsInternalUrl.GetLeftPart(UriPartial.Authority) + IdentityServerEndpoints.WellKnown;
            var discovery = await DiscoverAsync(admin, apim, identityServer, request, wellKnown, secrets, ct);
            if (!discovery.Valid || discovery.Value?.Issuer is not { Length: > 0 })
                throw new LabException(ExitCodes.Unreachable,
                    $"APIM could not read IS's well-known document at {wellKnown}; check --is-internal-url is how APIM reaches IS and that APIM's truststore holds the lab CA (re-run prepare and restart APIM).");

            var (kept, dropped) = KeyManagerDefinition.GrantTypes(discovery.Value.AvailableGrantTypes);
            if (dropped.Count > 0)
                _logger.LogInformation("IS does not advertise grant types {Dropped}; the Key Manager leaves them out", string.Join(", ", dropped));
            var properties = KeyManagerDefinition.ConnectorProperties(request, connector, version);
            activity?.SetTag("kmlab.issuer", discovery.Value.Issuer);
            return KeyManagerDefinition.Build(request, discovery.Value, kept, properties, version);
        });

        if (request.DryRun)
        {
            var json = JsonSerializer.Serialize(KeyManagerDefinition.Masked(desired), ApimJson.Indented);
            var existing = await FindAsync(admin, apim, request.KeyManagerName, secrets, ct);
            _logger.LogInformation("Dry run: would {Action} Key Manager {Name}; nothing written",
                existing is null ? "create" : "create or update", request.KeyManagerName);
            return new RegisterResult(RegisterOutcomes.DryRun, existing?.Id ?? "", "", desired.Issuer ?? "", json);
        }

        // 5. Create or update by name.
        var (outcome, stored) = await StepTelemetry.StepAsync(Command, "create-or-update", async activity =>
        {
            var result = await CreateOrUpdateAsync(admin, apim, desired, secrets, ct);
            activity?.SetTag(StepTelemetry.OutcomeTag, result.Outcome);
            return result;
        });

        // 6. Prove it: keys generated with this Key Manager get a token from IS, whose iss is the Key Manager's issuer.
        var proof = await StepTelemetry.StepAsync(Command, "prove", _ =>
            new KeyManagerProof(apim, identityServer, _logger, secrets).ProveAsync(request, stored, () => Task.FromResult(token), ct));

        _logger.LogInformation("Key Manager {Name} {Outcome} (id {Id}); proven with consumer key {ConsumerKey}, issuer {Issuer}",
            stored.Name, outcome, stored.Id, proof.ConsumerKey, proof.Issuer);
        return new RegisterResult(outcome, stored.Id ?? "", proof.ConsumerKey, proof.Issuer, null);
    }

    private async Task<string> AdminTokenAsync(Wso2Connection apim, RegisterRequest request, Secrets secrets, CancellationToken ct)
    {
        var (clientId, token) = await ApimRestToken.GetAsync(apim, request.AdminUser, request.AdminPassword, ApimScopes.Register, secrets,
            (e, operation) => operation == ApimRestToken.TokenOperation && e is ApiException { StatusCode: HttpStatusCode.BadRequest or HttpStatusCode.Unauthorized } api
                // invalid_grant: the password grant refused the admin's credentials.
                ? new LabException(ExitCodes.AuthenticationFailed,
                    $"APIM refused the admin credentials of '{request.AdminUser}' for a token ({(int)api.StatusCode}); set {LabTopology.AdminPasswordVariable} to the admin password the servers were started with.")
                : Wso2Failures.ForRegister(apim, e, operation, secrets.Scrub),
            ct, new ApimRestToken.RegistrationPatience(request.ReadinessTimeout, _logger));
        if (!ApimRestToken.GrantsAny(token, ApimScopes.Admin, ApimScopes.KeyManagersManage))
            throw new LabException(ExitCodes.AuthenticationFailed,
                $"APIM granted '{request.AdminUser}' none of the Key Manager scopes ({ApimScopes.Admin}, {ApimScopes.KeyManagersManage}); use an admin user (--admin-user).");
        _logger.LogInformation("Admin API token from APIM for REST client {ClientId} ({Token})", clientId, token);
        return token.AccessToken;
    }

    private async Task<(string Outcome, KeyManager Stored)> CreateOrUpdateAsync(IApimAdminApi admin, Wso2Connection apim,
        KeyManager desired, Secrets secrets, CancellationToken ct)
    {
        var existing = await FindAsync(admin, apim, desired.Name, secrets, ct);
        if (existing is null)
        {
            try
            {
                var created = await admin.AddKeyManagerAsync(desired, ct);
                _logger.LogInformation("Created Key Manager {Name} (id {Id})", created.Name, created.Id);
                return (RegisterOutcomes.Created, created);
            }
            catch (ApiException e) when (Wso2Failures.ReadError(e)?.Code == ApimErrorCodes.KeyManagerNameExists)
            {
                // Another run created it between our look and our POST: update that one instead.
                _logger.LogInformation("Key Manager {Name} was created concurrently (409); updating it", desired.Name);
                existing = await FindAsync(admin, apim, desired.Name, secrets, ct)
                           ?? throw new LabException(ExitCodes.ApiError,
                               $"APIM reports Key Manager '{desired.Name}' exists (409) but does not list it; check it in the Admin Portal, then re-run register.");
            }
            catch (Exception e)
            {
                throw Wso2Failures.ForRegister(apim, e, "POST " + ApimEndpoints.KeyManagers, secrets.Scrub);
            }
        }

        var differences = KeyManagerDefinition.Differences(desired, existing);
        if (differences.Count == 0)
        {
            _logger.LogInformation("Key Manager {Name} (id {Id}) is already as wanted; nothing written", existing.Name, existing.Id);
            return (RegisterOutcomes.Unchanged, existing);
        }

        _logger.LogInformation("Updating Key Manager {Name} (id {Id}): {Fields} differ", existing.Name, existing.Id, string.Join(", ", differences));
        var updated = await Call(apim, "PUT " + ApimEndpoints.KeyManager, secrets,
            () => admin.UpdateKeyManagerAsync(existing.Id!, desired with { Id = existing.Id }, ct));
        return (RegisterOutcomes.Updated, updated);
    }

    /// <summary>APIM's discovery of IS's well-known document. APIM answers a failed fetch with a bare 500 and names the
    /// cause only in its log; IS already answered register (readiness), so what remains is APIM's side: most often its
    /// truststore lacks the lab CA. IS's certificate subject comes from register's own handshake with IS (same server).</summary>
    private static async Task<KeyManagerWellKnownResponse> DiscoverAsync(IApimAdminApi admin, Wso2Connection apim, Wso2Connection identityServer,
        RegisterRequest request, string wellKnown, Secrets secrets, CancellationToken ct)
    {
        try
        {
            return await admin.DiscoverKeyManagerAsync(wellKnown, Is7Connector.Type, ct);
        }
        catch (ApiException e) when (e.StatusCode == HttpStatusCode.InternalServerError)
        {
            var isServer = request.IsInternalUrl.GetLeftPart(UriPartial.Authority);
            var subject = identityServer.Tls.PresentedSubject ?? "(not seen)";
            throw new LabException(ExitCodes.UntrustedCertificate,
                $"{ApimServerName} could not fetch {IsServerName}'s well-known document at {wellKnown} (500 to POST {ApimEndpoints.KeyManagersDiscover}): {ApimServerName} does not trust {IsServerName} at {isServer}, certificate '{subject}'; run prepare with this --state and restart {ApimServerName} so its truststore holds the lab CA at {new LabLayout(request.StateDirectory).CaCertificate} (if {ApimServerName} cannot reach {isServer} at all, fix --is-internal-url).");
        }
        catch (Exception e) when (Wso2Failures.IsCallFailure(e))
        {
            throw Wso2Failures.ForRegister(apim, e, "POST " + ApimEndpoints.KeyManagersDiscover, secrets.Scrub);
        }
    }

    /// <summary>The Key Manager with that name, in full, or null.</summary>
    private static async Task<KeyManager?> FindAsync(IApimAdminApi admin, Wso2Connection apim, string name, Secrets secrets, CancellationToken ct)
    {
        var list = await Call(apim, "GET " + ApimEndpoints.KeyManagers, secrets, () => admin.GetKeyManagersAsync(ct));
        var row = list.List.FirstOrDefault(k => k.Name == name);
        return row?.Id is null ? null
            : await Call(apim, "GET " + ApimEndpoints.KeyManager, secrets, () => admin.GetKeyManagerAsync(row.Id, ct));
    }

    internal static async Task<T> Call<T>(Wso2Connection server, string operation, Secrets secrets, Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (Exception e) when (Wso2Failures.IsCallFailure(e))
        {
            throw Wso2Failures.ForRegister(server, e, operation, secrets.Scrub);
        }
    }

    /// <summary>An HTTP Basic authorization header value.</summary>
    private static void Validate(RegisterRequest request)
    {
        foreach (var (option, url) in new[] { ("--apim-url", request.ApimUrl), ("--is-url", request.IsUrl),
                     ("--is-internal-url", request.IsInternalUrl), ("--is-display-url", request.EffectiveIsDisplayUrl) })
        {
            if (!url.IsAbsoluteUri || url.Scheme != Uri.UriSchemeHttps)
                throw new LabException(ExitCodes.Usage, $"{option} '{url}' is not an https URL; give one like {LabUrls.Origin(LabUrls.ApiManager)}.");
        }

        if (string.IsNullOrWhiteSpace(request.KeyManagerName) || request.KeyManagerName.Length > 100 || request.KeyManagerName.Any(char.IsWhiteSpace))
            throw new LabException(ExitCodes.Usage,
                $"Key Manager name '{request.KeyManagerName}' is not usable; give --name 1–100 characters without spaces.");
        if (string.IsNullOrEmpty(request.AdminUser) || string.IsNullOrEmpty(request.AdminPassword))
            throw new LabException(ExitCodes.Usage,
                $"the admin user and password must not be empty; set --admin-user and {LabTopology.AdminPasswordVariable}.");
    }
}
