using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using KmLab.Provisioner.Apim;
using KmLab.Provisioner.IdentityServer;
using KmLab.Provisioner.Register;
using KmLab.Provisioner.Smoke;
using KmLab.Provisioner.Wso2;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.IdentityModel.JsonWebTokens;
using Refit;

namespace KmLab.Provisioner.Roles;

/// <summary>What one <c>roles</c> run needs (the URLs and Key Manager as for <c>smoke</c>).</summary>
public sealed record RolesRequest(SmokeRequest Lab)
{
    /// <summary>The APIM role the scope is bound to: a plain name (IS: <c>system_primary_&lt;role&gt;</c>) or <c>Internal/&lt;name&gt;</c> (IS: <c>&lt;name&gt;</c>).</summary>
    public string Role { get; init; } = "kmlab_reader";
    public string ScopeName { get; init; } = "kmlab_read";
    public string AllowedUser { get; init; } = "kmlab-alice";
    public string DeniedUser { get; init; } = "kmlab-bob";

    /// <summary>Both users' password; null: derived from the admin password (stable, never printed).</summary>
    public string? UserPassword { get; init; }

    /// <summary>How long a new scope gets to reach IS through a Key Manager that is still propagating.</summary>
    public TimeSpan ScopeTimeout { get; init; } = TimeSpan.FromSeconds(60);

    public override string ToString() => $"roles proof with role '{Role}', scope '{ScopeName}', users {AllowedUser}/{DeniedUser} ({Lab})";
}

/// <summary>What the proof saw: who got which scope and what the gateway answered.</summary>
public sealed record RolesResult(bool Supported, string Line, string? Is7Role = null, Uri? Url = null, string? AllowedScope = null,
    int AllowedStatus = 0, string? DeniedScope = null, int DeniedStatus = 0, long? DeniedCode = null)
{
    /// <summary>Shell lines that repeat the proof for one user; they read the secrets from <c>$CONSUMER_SECRET</c> and
    /// <c>$KMLAB_RBAC_PASSWORD</c>, so they hold none.</summary>
    public IReadOnlyList<string> Repeat { get; init; } = [];
}

/// <summary>Role-based authorization through the gateway, as WSO2's is7_role_enforcement harness proves it: a shared
/// scope bound to an APIM role reaches IS as that role's permission (the connector maps the name); an API operation
/// needs the scope; a user holding the role gets it in a password-grant token and the gateway answers 200, a user
/// without it does not and the gateway answers 403 900910. Every step creates or reuses.</summary>
public static class RoleProof
{
    public const string ApplicationName = "kmlab-rbac";
    public const string ApiName = "KmLabRbac";
    public const string ApiVersion = "1.0.0";
    public const string ApiContext = "/kmlab-rbac";
    public const string Resource = "/health";
    public const string UserPasswordVariable = "KMLAB_RBAC_PASSWORD";

    /// <summary>IS 7.1.0+ (authorize_all_scopes) with APIM 4.5.0+ (enable_roles_creation and the role-name mapping).</summary>
    public static bool Supports(IdentityServerVersion identityServer, ApiManagerVersion apiManager) =>
        identityServer.SupportsAuthorizeAllScopes && apiManager.HasRoleCreation;

    /// <summary>The connector's mapping with role creation on (KMIS v2.0.4+).</summary>
    public static string? Is7RoleName(string apimRole) =>
        apimRole.StartsWith("Internal/", StringComparison.OrdinalIgnoreCase) ? apimRole["Internal/".Length..]
        : apimRole.StartsWith("Application/", StringComparison.OrdinalIgnoreCase) || apimRole.Contains('/') ? null
        : "system_primary_" + apimRole;

    public static Task<RolesResult> RunAsync(RolesRequest request, CancellationToken ct, ILoggerFactory? loggerFactory = null) =>
        new Run(request, (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger(typeof(RoleProof))).ExecuteAsync(ct);

    private sealed class Run(RolesRequest request, ILogger logger)
    {
        private readonly SmokeRequest _lab = request.Lab;
        private readonly Secrets _secrets = new(request.Lab.AdminPassword);
        private string _password = "";

        public async Task<RolesResult> ExecuteAsync(CancellationToken ct)
        {
            var layout = new LabLayout(_lab.StateDirectory);
            var manifest = Prepare.LabManifest.Read(layout);
            var (isVersion, apimVersion) = (Wso2Versions.ParseIdentityServer(manifest.IdentityServerVersion), Wso2Versions.ParseApiManager(manifest.ApiManagerVersion));
            if (!Supports(isVersion, apimVersion))
                return new RolesResult(false, $"role-based authorization is not proved on IS {isVersion} with APIM {apimVersion}: it needs IS 7.1.0+ (authorize_all_scopes) and APIM 4.5.0+ (the connector's enable_roles_creation); prepare a lab with --is-version 7.1.0+ --apim-version 4.5.0+");

            var is7Role = Validate();
            using var trust = LabTrust.Read(layout);
            using var apim = new Wso2Connection(trust.For(LabSmoke.ApimServerName, _lab.ApimUrl), logger);
            using var identityServer = new Wso2Connection(trust.For(LabSmoke.IsServerName, _lab.IsUrl), logger);
            using var gateway = new Wso2Connection(trust.For(LabSmoke.GatewayServerName, _lab.GatewayUrl), logger);
            logger.LogInformation("Starting {Request}", request);

            var scopes = string.Join(' ', ApimPublisherScopes.Smoke, RoleEndpoints.SharedScopeManage, ApimScopes.Register);
            var (_, restToken) = await ApimRestToken.GetAsync(apim, _lab.AdminUser, _lab.AdminPassword, scopes, _secrets,
                (e, operation) => Failure(apim, e, operation, $"set {LabTopology.AdminPasswordVariable} to APIM's admin password"), ct);
            Task<string> Bearer() => Task.FromResult(restToken.AccessToken);
            var admin = apim.Refit<IApimAdminApi>(Bearer);
            var devPortal = apim.Refit<IApimDevPortalApi>(Bearer);
            var publisher = apim.Refit<IApimPublisherApi>(Bearer);
            var shared = apim.Refit<IApimSharedScopesApi>(Bearer);
            var subscriptions = apim.Refit<IApimSubscriptionsApi>(Bearer);
            var scim = identityServer.Refit<IIdentityServerScimApi>();
            var isApi = identityServer.Refit<IIdentityServerApi>();
            var basic = KeyManagerRegistrar.Basic(_lab.AdminUser, _lab.AdminPassword);

            await KeyManagerAsync(apim, admin, ct);
            var key = await ApplicationKeysAsync(apim, devPortal, ct);
            var aliceId = await UserAsync(identityServer, scim, isApi, basic, key, request.AllowedUser, ct);
            var bobId = await UserAsync(identityServer, scim, isApi, basic, key, request.DeniedUser, ct);
            var roleId = await ScopeInIsAsync(apim, identityServer, shared, scim, basic, is7Role, ct);
            await MembersAsync(identityServer, scim, basic, roleId, is7Role, aliceId, bobId, ct);
            var apiId = await ApiAsync(apim, publisher, ct);
            await PublishAsync(apim, publisher, subscriptions, devPortal, apiId, ct);

            var url = new Uri(_lab.GatewayUrl.GetLeftPart(UriPartial.Authority) + ApiContext + "/" + ApiVersion + Resource);
            var (aliceToken, aliceScope) = await PasswordTokenAsync(identityServer, isApi, key, request.AllowedUser, ct);
            var (bobToken, bobScope) = await PasswordTokenAsync(identityServer, isApi, key, request.DeniedUser, ct);
            if (!aliceScope.Split(' ').Contains(request.ScopeName))
                throw Failed($"IS gave {request.AllowedUser}, who holds role {is7Role}, a token with scope '{aliceScope}' but not {request.ScopeName}; check that IS's deployment.toml has [oauth] authorize_all_scopes = true (prepare writes it) and that role {is7Role} has the permission {request.ScopeName}");
            if (bobScope.Split(' ').Contains(request.ScopeName))
                throw Failed($"IS gave {request.DeniedUser}, who does not hold role {is7Role}, scope {request.ScopeName}; remove {request.DeniedUser} from the roles that have it in IS's console");

            var (aliceStatus, _) = await CallAsync(gateway, url, aliceToken, expectOk: true, ct);
            var (bobStatus, bobCode) = await CallAsync(gateway, url, bobToken, expectOk: false, ct);
            if (aliceStatus != 200)
                throw Failed($"the gateway answered {aliceStatus} at {url} for {request.AllowedUser}'s token with {request.ScopeName}; check the API's deployment in the Publisher portal");
            if (bobStatus != 403 || bobCode != ApimRoleFacts.ScopeMismatch)
                throw Failed($"the gateway answered {bobStatus}{(bobCode is { } c ? $" ({c})" : "")} at {url} for {request.DeniedUser}'s token without {request.ScopeName}, not 403 ({ApimRoleFacts.ScopeMismatch}); check that operation GET {Resource} of {ApiName} requires scope {request.ScopeName}");
            var line = $"roles: GET {url} -> {aliceStatus} for {request.AllowedUser} (role {is7Role}, scope '{aliceScope}'), {bobStatus} {bobCode} for {request.DeniedUser} (scope '{bobScope}')";
            logger.LogInformation("{Line}", line);
            var tokenUrl = _lab.IsUrl.GetLeftPart(UriPartial.Authority) + IdentityServerEndpoints.Token;
            var user = "${KMLAB_USER:-" + request.AllowedUser + "}";
            return new RolesResult(true, line, is7Role, url, aliceScope, aliceStatus, bobScope, bobStatus, bobCode)
            {
                Repeat =
                [
                    $"TOKEN=$(curl -s --cacert '{layout.CaCertificate}' -u \"{key.ConsumerKey}:$CONSUMER_SECRET\" -d grant_type=password -d \"username={user}\" --data-urlencode \"password=$KMLAB_RBAC_PASSWORD\" -d 'scope=openid {request.ScopeName}' '{tokenUrl}' | jq -r .access_token)",
                    $"curl -i --cacert '{layout.CaCertificate}' -H \"Authorization: Bearer $TOKEN\" '{url}'",
                ],
            };
        }

        /// <summary>Local checks first, so nothing is created for input IS or APIM would refuse.</summary>
        private string Validate()
        {
            var is7Role = Is7RoleName(request.Role)
                ?? throw new LabException(ExitCodes.Usage, $"role '{request.Role}' cannot be mapped to an IS 7 role (the connector maps 'Internal/<name>' and plain names; 'Application/' and other domains are refused); give --role as a plain name such as kmlab_reader.");
            if (!Regex.IsMatch(request.Role, @"^(Internal/)?[A-Za-z0-9][A-Za-z0-9_.-]{2,29}$"))
                throw new LabException(ExitCodes.Usage, $"role '{request.Role}' is not a name IS accepts here (3-30 letters, digits, '_', '.', '-'); give --role such as kmlab_reader.");
            if (!Regex.IsMatch(request.ScopeName, @"^[A-Za-z0-9_:.-]{1,100}$"))
                throw new LabException(ExitCodes.Usage, $"scope '{request.ScopeName}' has characters a scope name cannot have; give --scope such as kmlab_read.");
            foreach (var user in new[] { request.AllowedUser, request.DeniedUser })
                if (!Regex.IsMatch(user, UserStoreFacts.UserNamePattern))
                    throw new LabException(ExitCodes.Usage, $"user name '{user}' is refused by IS's user store ({UserStoreFacts.UserNamePattern}: 3-30 characters, no spaces); give another --allowed-user/--denied-user.");
            if (request.AllowedUser == request.DeniedUser)
                throw new LabException(ExitCodes.Usage, "--allowed-user and --denied-user are the same user; give two different names.");
            _password = request.UserPassword ?? DerivedPassword();
            if (!Regex.IsMatch(_password, UserStoreFacts.PasswordPattern))
                throw new LabException(ExitCodes.Usage, $"{UserPasswordVariable} is refused by IS's user store (5-30 characters, no spaces); set another one.");
            _secrets.Add(_password);
            return is7Role;
        }

        /// <summary>Stable per lab (the same admin password gives the same users' password), not guessable without it.</summary>
        private string DerivedPassword() =>
            "Kl1-" + Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(_lab.AdminPassword), Encoding.UTF8.GetBytes("kmlab-rbac-users")))[..20]
                .Replace('+', 'x').Replace('/', 'y');

        private async Task KeyManagerAsync(Wso2Connection apim, IApimAdminApi admin, CancellationToken ct)
        {
            var fix = $"run register with --name {_lab.KeyManagerName} first";
            var rows = await CallAsync(apim, "GET " + ApimEndpoints.KeyManagers, fix, () => admin.GetKeyManagersAsync(ct));
            var row = rows.List.FirstOrDefault(k => k.Name == _lab.KeyManagerName) ?? throw Failed($"APIM has no Key Manager '{_lab.KeyManagerName}'; {fix}");
            var keyManager = await CallAsync(apim, "GET " + ApimEndpoints.KeyManager, fix, () => admin.GetKeyManagerAsync(row.Id!, ct));
            // The connector reads the flag as a JSON boolean; register sends true on 4.5.0+.
            if (keyManager.AdditionalProperties?[Is7Connector.Properties.EnableRolesCreation] is not JsonValue flag || flag.GetValueKind() != System.Text.Json.JsonValueKind.True)
                throw Failed($"Key Manager '{_lab.KeyManagerName}' does not have {Is7Connector.Properties.EnableRolesCreation} on (a JSON true), so APIM creates no roles in IS; re-run register, which sets it");
        }

        private async Task<ApplicationKey> ApplicationKeysAsync(Wso2Connection apim, IApimDevPortalApi devPortal, CancellationToken ct)
        {
            const string fix = "check the application in APIM's DevPortal, then re-run roles";
            var apps = await CallAsync(apim, "GET " + ApimEndpoints.Applications, fix, () => devPortal.GetApplicationsAsync(ApplicationName, ct));
            var applicationId = apps.List.FirstOrDefault(a => a.Name == ApplicationName)?.ApplicationId
                ?? (await CallAsync(apim, "POST " + ApimEndpoints.Applications, fix, () => devPortal.AddApplicationAsync(new Application
                {
                    Name = ApplicationName, ThrottlingPolicy = DevPortal.UnlimitedPolicy, TokenType = "JWT",
                    Description = "KmLab's role-based authorization proof: password grant for its demo users",
                }, ct))).ApplicationId!;
            _applicationId = applicationId;
            var keys = (await CallAsync(apim, "GET " + ApimEndpoints.ApplicationOAuthKeys, fix, () => devPortal.GetOAuthKeysAsync(applicationId, ct))).List
                .Where(k => k.KeyManager == _lab.KeyManagerName && k.KeyType == DevPortal.KeyTypeProduction).ToList();
            if (keys.FirstOrDefault(k => !k.IsHalfMade && !string.IsNullOrEmpty(k.ConsumerSecret)) is { } complete)
            {
                if (!(complete.SupportedGrantTypes ?? []).Contains(OAuthGrants.Password))
                    throw Failed($"application '{ApplicationName}' has keys from '{_lab.KeyManagerName}' without the password grant; enable it in the DevPortal (Production Keys) or delete the application, then re-run roles");
                _secrets.Add(complete.ConsumerSecret);
                return complete;
            }
            foreach (var halfMade in keys.Where(k => k.KeyMappingId is { Length: > 0 }))
                await CallAsync(apim, "POST " + ApimEndpoints.ApplicationOAuthKeyCleanUp, fix, async () =>
                {
                    await devPortal.CleanUpOAuthKeyAsync(applicationId, halfMade.KeyMappingId!, ct);
                    return true;
                });
            var key = await CallAsync(apim, "POST " + ApimEndpoints.ApplicationGenerateKeys, $"re-run register with --name {_lab.KeyManagerName}, then roles",
                () => devPortal.GenerateKeysAsync(applicationId, new ApplicationKeyGenerateRequest
                {
                    KeyType = DevPortal.KeyTypeProduction, KeyManager = _lab.KeyManagerName,
                    GrantTypesToBeSupported = [OAuthGrants.Password, OAuthGrants.ClientCredentials],
                }, ct));
            _secrets.Add(key.ConsumerSecret);
            if (key.IsHalfMade || string.IsNullOrEmpty(key.ConsumerSecret))
                throw Failed($"APIM answered half-made keys for application '{ApplicationName}'; re-run roles (it cleans them up)");
            logger.LogInformation("Generated keys of application {Application}: consumer key {ConsumerKey}", ApplicationName, key.ConsumerKey);
            return key;
        }

        private string _applicationId = "";

        /// <summary>The user's id; created when missing; an existing one must accept the password (else one line).</summary>
        private async Task<string> UserAsync(Wso2Connection identityServer, IIdentityServerScimApi scim, IIdentityServerApi isApi, string basic,
            ApplicationKey key, string userName, CancellationToken ct)
        {
            const string fix = "check IS's user store in its console (User Management), then re-run roles";
            var found = await CallAsync(identityServer, "GET " + RoleEndpoints.ScimUsers, fix, () => scim.FindUsersAsync($"userName eq {userName}", basic, ct));
            if ((found["Resources"] as JsonArray)?.FirstOrDefault(u => (string?)u?["userName"] == userName)?["id"] is { } existing)
            {
                var form = PasswordForm(userName, "openid");
                try
                {
                    await isApi.TokenAsync(form, KeyManagerRegistrar.Basic(key.ConsumerKey!, key.ConsumerSecret!), ct);
                }
                catch (ApiException e) when (e.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.Unauthorized && e.Content?.Contains("invalid_grant", StringComparison.Ordinal) == true)
                {
                    throw Failed($"user '{userName}' exists in IS with another password; set {UserPasswordVariable} to its password, or delete the user in IS's console, then re-run roles");
                }
                logger.LogInformation("Reusing IS user {User} (id {Id})", userName, (string?)existing);
                return (string)existing!;
            }
            var created = await CallAsync(identityServer, "POST " + RoleEndpoints.ScimUsers, $"give another user name or set {UserPasswordVariable} to a password IS accepts",
                () => scim.CreateUserAsync(new JsonObject
                {
                    ["schemas"] = new JsonArray(RoleEndpoints.UserSchema), ["userName"] = userName, ["password"] = _password,
                    ["name"] = new JsonObject { ["givenName"] = userName, ["familyName"] = "KmLab" },
                }, basic, ct));
            logger.LogInformation("Created IS user {User} (id {Id})", userName, (string?)created["id"]);
            return (string)created["id"]!;
        }

        /// <summary>The shared scope in APIM, and IS's role holding it as a permission. A scope APIM made while the Key
        /// Manager was still propagating never reached IS: it is deleted and made again until IS has it.</summary>
        private async Task<string> ScopeInIsAsync(Wso2Connection apim, Wso2Connection identityServer, IApimSharedScopesApi shared,
            IIdentityServerScimApi scim, string basic, string is7Role, CancellationToken ct)
        {
            const string fix = "check the scope in APIM's Publisher portal (Scopes) and APIM's log, then re-run roles";
            var deadline = DateTimeOffset.UtcNow + request.ScopeTimeout;
            for (var attempt = 1; ; attempt++)
            {
                var scope = (await CallAsync(apim, "GET " + RoleEndpoints.SharedScopes, fix, () => shared.GetSharedScopesAsync(ct))).List
                    .FirstOrDefault(s => s.Name == request.ScopeName);
                if (scope is not null && !(scope.Bindings ?? []).Contains(request.Role))
                    throw Failed($"shared scope {request.ScopeName} exists in APIM bound to {string.Join(", ", scope.Bindings ?? [])}, not to {request.Role}; give another --scope or bind it to {request.Role} in the Publisher portal");
                if (scope is null)
                {
                    scope = await CallAsync(apim, "POST " + RoleEndpoints.SharedScopes, fix, () => shared.CreateSharedScopeAsync(new Scope
                    {
                        Name = request.ScopeName, DisplayName = request.ScopeName, Description = "KmLab role-based authorization proof", Bindings = [request.Role],
                    }, ct));
                    logger.LogInformation("Created shared scope {Scope} (id {Id}) bound to {Role}", scope.Name, scope.Id, request.Role);
                }

                if (await RoleWithPermissionAsync(identityServer, scim, basic, is7Role, ct) is { } roleId) return roleId;
                if (DateTimeOffset.UtcNow >= deadline)
                    throw Failed($"IS has no role {is7Role} with permission {request.ScopeName} after {request.ScopeTimeout.TotalSeconds:0} s; check that IS's deployment.toml has [role_mgt] allow_system_prefix_for_role = true (prepare writes it) and that APIM reaches IS's is7_roles_endpoint, then re-run roles");
                // What WSO2's harness does: the scope went to no IS 7 Key Manager yet, so remove it and create it again.
                logger.LogInformation("IS has no role {Role} with permission {Scope} yet (attempt {Attempt}); the Key Manager may still be propagating: deleting the scope to create it again",
                    is7Role, request.ScopeName, attempt);
                try
                {
                    await shared.DeleteSharedScopeAsync(scope.Id!, ct);
                }
                catch (ApiException e) when (e.StatusCode == HttpStatusCode.Conflict)
                {
                    throw Failed($"shared scope {request.ScopeName} never reached IS and is used by an API, so it cannot be made again; delete API {ApiName} in the Publisher portal, then re-run roles");
                }
                await Task.Delay(TimeSpan.FromSeconds(Math.Min(attempt, 5)), ct);
            }
        }

        private async Task<string?> RoleWithPermissionAsync(Wso2Connection identityServer, IIdentityServerScimApi scim, string basic, string is7Role, CancellationToken ct)
        {
            const string fix = "check IS's roles in its console, then re-run roles";
            var found = await CallAsync(identityServer, "POST " + RoleEndpoints.RolesSearch, fix, () => scim.SearchRolesAsync(new JsonObject
            {
                ["schemas"] = new JsonArray(RoleEndpoints.SearchSchema), ["startIndex"] = 1, ["filter"] = $"displayName eq {is7Role}",
            }, basic, ct));
            if ((string?)(found["Resources"] as JsonArray)?.FirstOrDefault(r => (string?)r?["displayName"] == is7Role)?["id"] is not { } roleId) return null;
            var role = await CallAsync(identityServer, "GET " + RoleEndpoints.Role, fix, () => scim.GetRoleAsync(roleId, basic, ct));
            return Values(role["permissions"]).Contains(request.ScopeName) ? roleId : null;
        }

        private async Task MembersAsync(Wso2Connection identityServer, IIdentityServerScimApi scim, string basic, string roleId, string is7Role,
            string aliceId, string bobId, CancellationToken ct)
        {
            const string fix = "check the role's users in IS's console, then re-run roles";
            var users = Values((await CallAsync(identityServer, "GET " + RoleEndpoints.Role, fix, () => scim.GetRoleAsync(roleId, basic, ct)))["users"]);
            var operations = new JsonArray();
            if (!users.Contains(aliceId)) operations.Add(new JsonObject { ["op"] = "add", ["path"] = "users", ["value"] = new JsonArray(new JsonObject { ["value"] = aliceId }) });
            if (users.Contains(bobId)) operations.Add(new JsonObject { ["op"] = "remove", ["path"] = "users", ["value"] = new JsonArray(new JsonObject { ["value"] = bobId }) });
            if (operations.Count == 0) return;
            await CallAsync(identityServer, "PATCH " + RoleEndpoints.Role, fix, () => scim.PatchRoleAsync(roleId,
                new JsonObject { ["schemas"] = new JsonArray(RoleEndpoints.PatchOpSchema), ["Operations"] = operations }, basic, ct));
            logger.LogInformation("Role {Role}: {User} added as member{Removed}", is7Role, request.AllowedUser, users.Contains(bobId) ? $", {request.DeniedUser} removed" : "");
        }

        private Api Desired() => SampleApi.Build(_lab.KeyManagerName, SampleApi.BackendBase(_lab.IsInternalUrl ?? InternalUrl())) with
        {
            Name = ApiName, Version = ApiVersion, Context = ApiContext,
            Description = "KmLab's role-based authorization proof: GET /health needs scope " + request.ScopeName,
            Scopes = [new ApiScope { Scope = new Scope { Name = request.ScopeName, DisplayName = request.ScopeName, Bindings = [request.Role] }, Shared = true }],
            Operations =
            [
                new ApiOperation
                {
                    Target = Resource, Verb = "GET", AuthType = ApimPublishing.AuthTypeApplicationAndUser, ThrottlingPolicy = DevPortal.UnlimitedPolicy,
                    Scopes = [request.ScopeName],
                },
            ],
        };

        private Uri InternalUrl()
        {
            var manifest = Prepare.LabManifest.Read(new LabLayout(_lab.StateDirectory));
            return new Uri($"https://{manifest.IdentityServerHost}:{Wso2Ports.ServletHttps + manifest.IdentityServerOffset}");
        }

        private bool _apiChanged;

        private async Task<string> ApiAsync(Wso2Connection apim, IApimPublisherApi publisher, CancellationToken ct)
        {
            const string fix = "check APIM's log, then re-run roles";
            var desired = Desired();
            var rows = await CallAsync(apim, "GET " + ApimPublisherEndpoints.Apis, fix, () => publisher.GetApisAsync($"name:\"{ApiName}\"", ct));
            if (rows.List.FirstOrDefault(a => a.Name == ApiName && a.Version == ApiVersion)?.Id is not { } id)
            {
                try
                {
                    var created = await publisher.CreateApiAsync(desired, ct);
                    logger.LogInformation("Created API {Name} {Version} (id {Id})", ApiName, ApiVersion, created.Id);
                    _apiChanged = true;
                    return created.Id!;
                }
                catch (ApiException e) when (e.StatusCode == HttpStatusCode.Conflict)
                {
                    throw Failed($"APIM refused API {ApiName}: context {ApiContext} (or the name) is taken by another API; delete or rename that API in the Publisher portal, then re-run roles");
                }
                catch (Exception e) when (Wso2Connection.IsCallFailure(e))
                {
                    throw Failure(apim, e, "POST " + ApimPublisherEndpoints.Apis, fix);
                }
            }
            var stored = await CallAsync(apim, "GET " + ApimPublisherEndpoints.Api, fix, () => publisher.GetApiAsync(id, ct));
            var operation = stored.Operations?.FirstOrDefault(o => o.Target == Resource && o.Verb.Equals("GET", StringComparison.OrdinalIgnoreCase));
            if (operation?.Scopes?.Contains(request.ScopeName) == true && SampleApi.Differences(desired, stored).Count == 0) return id;
            await CallAsync(apim, "PUT " + ApimPublisherEndpoints.Api, fix, () => publisher.UpdateApiAsync(id, desired with { Id = id, Provider = stored.Provider }, ct));
            logger.LogInformation("Updated API {Name} (id {Id}): GET {Resource} needs {Scope}", ApiName, id, Resource, request.ScopeName);
            _apiChanged = true;
            return id;
        }

        private async Task PublishAsync(Wso2Connection apim, IApimPublisherApi publisher, IApimSubscriptionsApi subscriptions, IApimDevPortalApi devPortal,
            string apiId, CancellationToken ct)
        {
            const string fix = "check the API in APIM's Publisher portal, then re-run roles";
            var deployments = await CallAsync(apim, "GET " + ApimPublisherEndpoints.ApiDeployments, fix, () => publisher.GetDeploymentsAsync(apiId, ct));
            if (_apiChanged || !deployments.List.Any(d => d.Name == ApimPublishing.DefaultGatewayEnvironment))
            {
                var revision = await CallAsync(apim, "POST " + ApimPublisherEndpoints.ApiRevisions,
                    $"APIM keeps at most 5 revisions per API: delete old revisions of {ApiName} in the Publisher portal, then re-run roles",
                    () => publisher.CreateRevisionAsync(apiId, new ApiRevision { Description = "Deployed by KmLab roles" }, ct));
                await CallAsync(apim, "POST " + ApimPublisherEndpoints.ApiDeployRevision, fix, () => publisher.DeployRevisionAsync(apiId, revision.Id!,
                    [new ApiRevisionDeployment { Name = ApimPublishing.DefaultGatewayEnvironment, Vhost = LabTopology.PublicHostName, DisplayOnDevportal = true }], ct));
            }
            var api = await CallAsync(apim, "GET " + ApimPublisherEndpoints.Api, fix, () => publisher.GetApiAsync(apiId, ct));
            if (api.LifeCycleStatus != ApimPublishing.PublishedState)
                await CallAsync(apim, "POST " + ApimPublisherEndpoints.ChangeLifecycle, fix, () => publisher.ChangeLifecycleAsync(apiId, ApimPublishing.PublishAction, ct));
            var existing = await CallAsync(apim, "GET " + ApimPublisherEndpoints.Subscriptions, fix, () => subscriptions.GetSubscriptionsAsync(apiId, _applicationId, ct));
            if (!existing.List.Any(s => s.ApiId == apiId && s.ApplicationId == _applicationId))
                await CallAsync(apim, "POST " + ApimPublisherEndpoints.Subscriptions, fix, () => subscriptions.SubscribeAsync(
                    new Subscription { ApiId = apiId, ApplicationId = _applicationId, ThrottlingPolicy = DevPortal.UnlimitedPolicy }, ct));
        }

        private Dictionary<string, string> PasswordForm(string userName, string scope) => new()
        {
            ["grant_type"] = OAuthGrants.Password, ["username"] = userName, ["password"] = _password, ["scope"] = scope,
        };

        private async Task<(string Token, string Scope)> PasswordTokenAsync(Wso2Connection identityServer, IIdentityServerApi isApi, ApplicationKey key,
            string userName, CancellationToken ct)
        {
            var response = await CallAsync(identityServer, "POST " + IdentityServerEndpoints.Token, "check the user in IS's console, then re-run roles",
                () => isApi.TokenAsync(PasswordForm(userName, "openid " + request.ScopeName), KeyManagerRegistrar.Basic(key.ConsumerKey!, key.ConsumerSecret!), ct));
            _secrets.Add(response.AccessToken);
            var scope = response.Scope ?? (new JsonWebTokenHandler().CanReadToken(response.AccessToken)
                ? new JsonWebToken(response.AccessToken).TryGetPayloadValue<string>("scope", out var s) ? s : "" : "");
            return (response.AccessToken, scope);
        }

        /// <summary>Until the gateway has the revision and subscription (404, 403 900908), at most the gateway timeout.</summary>
        private async Task<(int Status, long? Code)> CallAsync(Wso2Connection gateway, Uri url, string token, bool expectOk, CancellationToken ct)
        {
            var deadline = DateTimeOffset.UtcNow + _lab.GatewayTimeout;
            while (true)
            {
                using var message = new HttpRequestMessage(HttpMethod.Get, url);
                message.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
                int status;
                long? code;
                try
                {
                    using var response = await gateway.Probe.SendAsync(message, ct);
                    status = (int)response.StatusCode;
                    code = ErrorCode(await response.Content.ReadAsStringAsync(ct));
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
                {
                    throw Failure(gateway, e, "GET " + url.AbsolutePath, "check --gateway-url and that APIM's gateway is running");
                }
                var settled = expectOk ? status == 200 : status == 403 && code == ApimRoleFacts.ScopeMismatch;
                var arriving = status == 404 || (status == 403 && code == ApimPublishing.GatewaySubscriptionMissing);
                if (settled || !arriving || DateTimeOffset.UtcNow >= deadline) return (status, code);
                await Task.Delay(TimeSpan.FromMilliseconds(500), ct);
            }
        }

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

        private static IReadOnlyList<string> Values(JsonNode? node) =>
            node is JsonArray array ? [.. array.Select(v => (string?)v?["value"]).OfType<string>()] : [];

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

        private LabException Failure(Wso2Connection server, Exception e, string operation, string fix)
        {
            if (server.Tls.Refusal() is { } refusal && Wso2Connection.IsTlsRefusal(e))
                return new LabException(ExitCodes.SmokeFailed, refusal.Message, e);
            var detail = e switch
            {
                ApiException { StatusCode: HttpStatusCode.Unauthorized } => $"{server.ServerName} refused the credentials at {operation} (401); set {LabTopology.AdminPasswordVariable} to the admin password",
                ApiException api when ScimDetail(api) is { } scim => $"{server.ServerName} answered {(int)api.StatusCode} to {operation}: {_secrets.Scrub(scim)}; {fix}",
                ApiException api when Wso2Connection.ReadError(api) is { } error => $"{server.ServerName} answered {(int)api.StatusCode} to {operation}: {error.Code} {_secrets.Scrub(error.Description ?? error.Message ?? "")}; {fix}",
                ApiException api => $"{server.ServerName} answered {(int)api.StatusCode} to {operation}; {fix}",
                _ => $"cannot reach {server.ServerName} at {server.Tls.BaseUrl} ({Wso2Connection.Reason(e)}); check the URL and that {server.ServerName} is running",
            };
            return Failed(detail, e);
        }

        private static string? ScimDetail(ApiException e)
        {
            try
            {
                return e.Content is { Length: > 0 } text && JsonNode.Parse(text) is JsonObject o && (string?)o["detail"] is { } detail ? detail : null;
            }
            catch (System.Text.Json.JsonException)
            {
                return null;
            }
        }

        private LabException Failed(string message, Exception? inner = null) =>
            new(ExitCodes.SmokeFailed, _secrets.Scrub(message.EndsWith('.') ? message : message + "."), inner);
    }
}

/// <summary>IS 7's primary user store defaults (user-mgt.xml UsernameJavaRegEx, PasswordJavaRegEx).</summary>
public static class UserStoreFacts
{
    public const string UserNamePattern = @"^[\S]{3,30}$";
    public const string PasswordPattern = @"^[\S]{5,30}$";
}

/// <summary>The gateway's answer to a token without any of the operation's scopes (403).</summary>
public static class ApimRoleFacts
{
    public const long ScopeMismatch = 900910;
}
