using System.Net;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using System.Text;
using KmLab.Provisioner.Apim;
using KmLab.Provisioner.IdentityServer;
using KmLab.Provisioner.Publishing;
using KmLab.Provisioner.Wso2;
using KmLab.Provisioner.Wso2Rest;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging;
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

    /// <summary>One user's own password (the demo's); null: <see cref="UserPassword"/>.</summary>
    public string? AllowedPassword { get; init; }
    public string? DeniedPassword { get; init; }

    /// <summary>The variables the passwords come from, named in the lines that need them.</summary>
    public string AllowedPasswordVariable { get; init; } = RoleProof.UserPasswordVariable;
    public string DeniedPasswordVariable { get; init; } = RoleProof.UserPasswordVariable;

    /// <summary>The command that runs the proof (its name is in every fix) and its failure exit code.</summary>
    public string Command { get; init; } = "roles";
    public int FailureCode { get; init; } = ExitCodes.SmokeFailed;

    public string ApplicationName { get; init; } = RoleProof.ApplicationName;
    public string ApiName { get; init; } = RoleProof.ApiName;
    public string ApiContext { get; init; } = RoleProof.ApiContext;

    /// <summary>The backend (IS as the gateway reaches it) and the resource that needs the scope, below it.</summary>
    public Func<Uri, string> Backend { get; init; } = SampleApi.BackendBase;
    public string ProtectedResource { get; init; } = RoleProof.Resource;

    /// <summary>An operation without authentication (authType None) beside the protected one; null: none.</summary>
    public string? PublicResource { get; init; }

    /// <summary>How long a new scope gets to reach IS through a Key Manager that is still propagating.</summary>
    public TimeSpan ScopeTimeout { get; init; } = TimeSpan.FromSeconds(60);

    public override string ToString() => $"{Command} proof with role '{Role}', scope '{ScopeName}', users {AllowedUser}/{DeniedUser} ({Lab})";
}

/// <summary>What the proof saw: who got which scope and what the gateway answered.</summary>
public sealed record RolesResult(bool Supported, string Line, string? Is7Role = null, Uri? Url = null, string? AllowedScope = null,
    int AllowedStatus = 0, string? DeniedScope = null, int DeniedStatus = 0, long? DeniedCode = null)
{
    /// <summary>The public operation's URL and what the gateway answered a call without a token (0: no such operation).</summary>
    public Uri? PublicUrl { get; init; }
    public int PublicStatus { get; init; }

    /// <summary>The API's base URL on the gateway, its id, and the application's keys (the secret is never printed).</summary>
    public Uri? ApiUrl { get; init; }
    public string? ApiId { get; init; }
    [System.Text.Json.Serialization.JsonIgnore]
    public ApplicationKey? Key { get; init; }

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
        private readonly Wso2Calls _calls = new(request.FailureCode, new Secrets(request.Lab.AdminPassword));
        private Secrets _secrets => _calls.Secrets;
        private string _allowedPassword = "";
        private string _deniedPassword = "";

        public async Task<RolesResult> ExecuteAsync(CancellationToken ct)
        {
            var layout = new LabLayout(_lab.StateDirectory);
            var manifest = LabManifest.Read(layout);
            var (isVersion, apimVersion) = (Wso2Versions.ParseIdentityServer(manifest.IdentityServerVersion), Wso2Versions.ParseApiManager(manifest.ApiManagerVersion));
            if (!Supports(isVersion, apimVersion))
                return new RolesResult(false, $"role-based authorization is not proved on IS {isVersion} with APIM {apimVersion}: it needs IS 7.1.0+ (authorize_all_scopes) and APIM 4.5.0+ (the connector's enable_roles_creation); prepare a lab with --is-version 7.1.0+ --apim-version 4.5.0+");

            var is7Role = Validate();
            using var trust = LabTrust.Read(layout);
            using var apim = new Wso2Connection(trust.For(ServerNames.ApiManager, _lab.ApimUrl), logger);
            using var identityServer = new Wso2Connection(trust.For(ServerNames.IdentityServer, _lab.IsUrl), logger);
            using var gateway = new Wso2Connection(trust.For(ServerNames.Gateway, _lab.GatewayUrl), logger);
            logger.LogInformation("Starting {Request}", request);

            var scopes = string.Join(' ', ApimPublisherScopes.Smoke, RoleEndpoints.SharedScopeManage, ApimScopes.Register);
            var (_, restToken) = await ApimRestToken.GetAsync(apim, _lab.AdminUser, _lab.AdminPassword, scopes, _secrets,
                (e, operation) => Failure(apim, e, operation, $"set {LabTopology.AdminPasswordVariable} to APIM's admin password"), ct);
            Task<string> Bearer() => Task.FromResult(restToken.AccessToken);
            var admin = apim.Refit<IApimAdminApi>(Bearer);
            var shared = apim.Refit<IApimSharedScopesApi>(Bearer);
            var publisher = new PublishingEngine(apim, Bearer, request.Command, _calls, logger);
            var scim = identityServer.Refit<IIdentityServerScimApi>();
            var isApi = identityServer.Refit<IIdentityServerApi>();
            var basic = Wso2Connection.Basic(_lab.AdminUser, _lab.AdminPassword);

            await KeyManagerAsync(apim, admin, ct);
            // A context another API holds is refused before the application, the users or the scope are made.
            if (await publisher.ContextOwnerAsync(request.ApiName, request.ApiContext, ct) is { } owner)
                throw publisher.ContextTaken(request.ApiName, request.ApiContext, owner);
            var (applicationId, key) = await publisher.ApplicationAsync(request.ApplicationName, _lab.KeyManagerName,
                $"KmLab's role-based authorization proof ({request.Command}): password grant for its users", ct);
            var aliceId = await UserAsync(identityServer, scim, isApi, basic, key, request.AllowedUser, _allowedPassword, request.AllowedPasswordVariable, ct);
            var bobId = await UserAsync(identityServer, scim, isApi, basic, key, request.DeniedUser, _deniedPassword, request.DeniedPasswordVariable, ct);
            var roleId = await ScopeInIsAsync(apim, identityServer, shared, scim, basic, is7Role, ct);
            await MembersAsync(identityServer, scim, basic, roleId, is7Role, aliceId, bobId, ct);
            var (api, outcome) = await publisher.EnsureApiAsync(Desired(), null, ct);
            await publisher.DeployAsync(api.Id!, request.ApiName, redeploy: outcome != SmokeOutcomes.Reused, ct);
            await publisher.PublishAsync(api.Id!, request.ApiName, ct);
            await publisher.SubscribeAsync(api.Id!, request.ApiName, applicationId, request.ApplicationName, ct);

            var apiUrl = new Uri(_lab.GatewayUrl.GetLeftPart(UriPartial.Authority) + request.ApiContext + "/" + ApiVersion);
            var url = new Uri(apiUrl + request.ProtectedResource);
            var (aliceToken, aliceScope) = await PasswordTokenAsync(identityServer, isApi, key, request.AllowedUser, _allowedPassword, ct);
            var (bobToken, bobScope) = await PasswordTokenAsync(identityServer, isApi, key, request.DeniedUser, _deniedPassword, ct);
            if (!aliceScope.Split(' ').Contains(request.ScopeName))
                throw Failed($"IS gave {request.AllowedUser}, who holds role {is7Role}, a token with scope '{aliceScope}' but not {request.ScopeName}; check that IS's deployment.toml has [oauth] authorize_all_scopes = true (prepare writes it) and that role {is7Role} has the permission {request.ScopeName}");
            if (bobScope.Split(' ').Contains(request.ScopeName))
                throw Failed($"IS gave {request.DeniedUser}, who does not hold role {is7Role}, scope {request.ScopeName}; remove {request.DeniedUser} from the roles that have it in IS's console");

            var alice = await publisher.CallGatewayAsync(gateway, url, aliceToken, a => a.Status == 200, _lab.GatewayTimeout, ct);
            var bob = await publisher.CallGatewayAsync(gateway, url, bobToken, a => a.Status == 403 && a.Code == ApimRoleFacts.ScopeMismatch, _lab.GatewayTimeout, ct);
            var (aliceStatus, bobStatus, bobCode) = (alice.Status, bob.Status, bob.Code);
            if (aliceStatus != 200)
                throw Failed($"the gateway answered {aliceStatus} at {url} for {request.AllowedUser}'s token with {request.ScopeName}; check the API's deployment in the Publisher portal");
            if (bobStatus != 403 || bobCode != ApimRoleFacts.ScopeMismatch)
                throw Failed($"the gateway answered {bobStatus}{(bobCode is { } c ? $" ({c})" : "")} at {url} for {request.DeniedUser}'s token without {request.ScopeName}, not 403 ({ApimRoleFacts.ScopeMismatch}); check that operation GET {request.ProtectedResource} of {request.ApiName} requires scope {request.ScopeName}");
            Uri? publicUrl = null;
            var publicStatus = 0;
            if (request.PublicResource is { } publicResource)
            {
                publicUrl = new Uri(apiUrl + publicResource);
                publicStatus = (await publisher.CallGatewayAsync(gateway, publicUrl, null, a => a.Status == 200, _lab.GatewayTimeout, ct)).Status;
                if (publicStatus != 200)
                    throw Failed($"the gateway answered {publicStatus} at {publicUrl} without a token; operation GET {publicResource} of {request.ApiName} must have no authentication (authType None): check it in the Publisher portal (Resources)");
            }
            var line = $"{request.Command}: GET {url} -> {aliceStatus} for {request.AllowedUser} (role {is7Role}, scope '{aliceScope}'), {bobStatus} {bobCode} for {request.DeniedUser} (scope '{bobScope}')"
                       + (publicUrl is null ? "" : $"; GET {publicUrl} -> {publicStatus} without a token");
            logger.LogInformation("{Line}", line);
            var tokenUrl = LabUrls.Token(_lab.IsUrl).ToString();
            var user = "${KMLAB_USER:-" + request.AllowedUser + "}";
            return new RolesResult(true, line, is7Role, url, aliceScope, aliceStatus, bobScope, bobStatus, bobCode)
            {
                PublicUrl = publicUrl, PublicStatus = publicStatus, ApiUrl = apiUrl, ApiId = api.Id, Key = key,
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
                ?? throw new LabException(ExitCodes.NameRefused, $"role '{request.Role}' cannot be mapped to an IS 7 role (the connector maps 'Internal/<name>' to <name> and a plain name to system_primary_<name>; 'Application/' and other domains are refused); give --role as a plain name such as kmlab_reader.");
            if (IsRoleFacts.Refusal(is7Role) is { } refusal)
                throw new LabException(ExitCodes.NameRefused, $"role '{request.Role}' becomes IS role '{is7Role}', which IS refuses ({refusal}); give --role a shorter plain name without '/' such as kmlab_reader.");
            if (!Regex.IsMatch(request.ScopeName, @"^[A-Za-z0-9_:.-]{1,100}$"))
                throw new LabException(ExitCodes.Usage, $"scope '{request.ScopeName}' has characters a scope name cannot have; give --scope such as kmlab_read.");
            foreach (var user in new[] { request.AllowedUser, request.DeniedUser })
                if (!Regex.IsMatch(user, UserStoreFacts.UserNamePattern))
                    throw new LabException(ExitCodes.NameRefused, $"user name '{user}' is refused by IS's user store (31301: user names must match {UserStoreFacts.UserNamePattern}, 3-30 characters without spaces); give another user name.");
            if (request.AllowedUser == request.DeniedUser)
                throw new LabException(ExitCodes.Usage, "the user with the role and the user without it are the same user; give two different names.");
            _allowedPassword = request.AllowedPassword ?? request.UserPassword ?? DerivedPassword();
            _deniedPassword = request.DeniedPassword ?? request.UserPassword ?? DerivedPassword();
            foreach (var (password, variable) in new[] { (_allowedPassword, request.AllowedPasswordVariable), (_deniedPassword, request.DeniedPasswordVariable) })
            {
                if (IdentityServerPasswordRule.Refusal(password) is { } lacks)
                    throw new LabException(ExitCodes.NameRefused, $"{variable} is a password IS may refuse ({lacks}); set it to one with {IdentityServerPasswordRule.Description}.");
                _secrets.Add(password);
            }
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

        /// <summary>The user's id; created when missing; an existing one must accept the password (else one line).</summary>
        private async Task<string> UserAsync(Wso2Connection identityServer, IIdentityServerScimApi scim, IIdentityServerApi isApi, string basic,
            ApplicationKey key, string userName, string password, string passwordVariable, CancellationToken ct)
        {
            var fix = $"check IS's user store in its console (User Management), then re-run {request.Command}";
            var found = await CallAsync(identityServer, "GET " + RoleEndpoints.ScimUsers, fix, () => scim.FindUsersAsync($"userName eq {userName}", basic, ct));
            if ((found["Resources"] as JsonArray)?.FirstOrDefault(u => (string?)u?["userName"] == userName)?["id"] is { } existing)
            {
                // The only way to tell whether an existing user has the password is to log in with it.
                try
                {
                    await isApi.TokenAsync(PasswordForm(userName, password, "openid"), Wso2Connection.Basic(key.ConsumerKey!, key.ConsumerSecret!), ct);
                }
                catch (ApiException e) when (e.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.Unauthorized && e.Content?.Contains("invalid_grant", StringComparison.Ordinal) == true)
                {
                    throw _calls.Failed(ExitCodes.UserPasswordMismatch, $"user '{userName}' exists in IS with another password; set {passwordVariable} to its password, or delete the user in IS's console, then re-run {request.Command}");
                }
                logger.LogInformation("Reusing IS user {User} (id {Id})", userName, (string?)existing);
                return (string)existing!;
            }
            try
            {
                var created = await scim.CreateUserAsync(new JsonObject
                {
                    ["schemas"] = new JsonArray(RoleEndpoints.UserSchema), ["userName"] = userName, ["password"] = password,
                    ["name"] = new JsonObject { ["givenName"] = userName, ["familyName"] = "KmLab" },
                }, basic, ct);
                logger.LogInformation("Created IS user {User} (id {Id})", userName, (string?)created["id"]);
                return (string)created["id"]!;
            }
            catch (ApiException e) when (e.StatusCode == HttpStatusCode.BadRequest && Wso2Calls.ScimDetail(e) is { } detail)
            {
                // SCIMUserManager.createUser: the user store's refusal (31301 user name, 30003 password) is 400 invalidValue.
                throw _calls.Failed(ExitCodes.NameRefused, $"IS refused user '{userName}': {detail}; give another user name, or set {passwordVariable} to a password IS accepts, then re-run {request.Command}");
            }
            catch (Exception e) when (e is not LabException && Wso2Connection.IsCallFailure(e))
            {
                throw Failure(identityServer, e, "POST " + RoleEndpoints.ScimUsers, fix);
            }
        }

        /// <summary>The shared scope in APIM, and IS's role holding it as a permission. A scope APIM made while the Key
        /// Manager was still propagating never reached IS: it is deleted and made again until IS has it.</summary>
        private async Task<string> ScopeInIsAsync(Wso2Connection apim, Wso2Connection identityServer, IApimSharedScopesApi shared,
            IIdentityServerScimApi scim, string basic, string is7Role, CancellationToken ct)
        {
            var fix = $"check the scope in APIM's Publisher portal (Scopes) and APIM's log, then re-run {request.Command}";
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
                    throw Failed($"IS has no role {is7Role} with permission {request.ScopeName} after {request.ScopeTimeout.TotalSeconds:0} s; check that IS's deployment.toml has [role_mgt] allow_system_prefix_for_role = true (prepare writes it) and that APIM reaches IS's is7_roles_endpoint, then re-run {request.Command}");
                // What WSO2's harness does: the scope went to no IS 7 Key Manager yet, so remove it and create it again.
                logger.LogInformation("IS has no role {Role} with permission {Scope} yet (attempt {Attempt}); the Key Manager may still be propagating: deleting the scope to create it again",
                    is7Role, request.ScopeName, attempt);
                try
                {
                    await shared.DeleteSharedScopeAsync(scope.Id!, ct);
                }
                catch (ApiException e) when (e.StatusCode == HttpStatusCode.Conflict)
                {
                    throw Failed($"shared scope {request.ScopeName} never reached IS and is used by an API, so it cannot be made again; delete API {request.ApiName} in the Publisher portal, then re-run {request.Command}");
                }
                await Task.Delay(TimeSpan.FromSeconds(Math.Min(attempt, 5)), ct);
            }
        }

        private async Task<string?> RoleWithPermissionAsync(Wso2Connection identityServer, IIdentityServerScimApi scim, string basic, string is7Role, CancellationToken ct)
        {
            var fix = $"check IS's roles in its console, then re-run {request.Command}";
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
            var fix = $"check the role's users in IS's console, then re-run {request.Command}";
            var users = Values((await CallAsync(identityServer, "GET " + RoleEndpoints.Role, fix, () => scim.GetRoleAsync(roleId, basic, ct)))["users"]);
            var operations = new JsonArray();
            if (!users.Contains(aliceId)) operations.Add(new JsonObject { ["op"] = "add", ["path"] = "users", ["value"] = new JsonArray(new JsonObject { ["value"] = aliceId }) });
            // Not path "users" with a value: IS would remove every member.
            if (users.Contains(bobId)) operations.Add(new JsonObject { ["op"] = "remove", ["path"] = IdentityServerRoleMembers.OneMemberPath(bobId) });
            if (operations.Count == 0) return;
            await CallAsync(identityServer, "PATCH " + RoleEndpoints.Role, fix, () => scim.PatchRoleAsync(roleId,
                new JsonObject { ["schemas"] = new JsonArray(RoleEndpoints.PatchOpSchema), ["Operations"] = operations }, basic, ct));
            logger.LogInformation("Role {Role}: {User} added as member{Removed}", is7Role, request.AllowedUser, users.Contains(bobId) ? $", {request.DeniedUser} removed" : "");
        }

        /// <summary>The proof's API: the protected operation needs the shared scope; the public one (if any) no authentication.</summary>
        private Api Desired()
        {
            var operations = new List<ApiOperation>
            {
                new()
                {
                    Target = request.ProtectedResource, Verb = "GET", AuthType = ApimPublishing.AuthTypeApplicationAndUser, ThrottlingPolicy = DevPortal.UnlimitedPolicy,
                    Scopes = [request.ScopeName],
                },
            };
            if (request.PublicResource is { } publicResource)
                operations.Add(new ApiOperation { Target = publicResource, Verb = "GET", AuthType = ApimPublishing.AuthTypeNone, ThrottlingPolicy = DevPortal.UnlimitedPolicy });
            return SampleApi.Build(_lab.KeyManagerName, request.Backend(_lab.IsInternalUrl ?? InternalUrl())) with
            {
                Name = request.ApiName, Version = ApiVersion, Context = request.ApiContext,
                Description = $"KmLab's role-based authorization proof ({request.Command}): GET {request.ProtectedResource} needs scope {request.ScopeName}",
                Scopes = [new ApiScope { Scope = new Scope { Name = request.ScopeName, DisplayName = request.ScopeName, Bindings = [request.Role] }, Shared = true }],
                Operations = operations,
            };
        }

        private Uri InternalUrl()
        {
            return LabManifest.Read(new LabLayout(_lab.StateDirectory)).IdentityServerInternalUrl();
        }

        private static Dictionary<string, string> PasswordForm(string userName, string password, string scope) => new()
        {
            ["grant_type"] = OAuthGrants.Password, ["username"] = userName, ["password"] = password, ["scope"] = scope,
        };

        private async Task<(string Token, string Scope)> PasswordTokenAsync(Wso2Connection identityServer, IIdentityServerApi isApi, ApplicationKey key,
            string userName, string password, CancellationToken ct)
        {
            var response = await CallAsync(identityServer, "POST " + IdentityServerEndpoints.Token, $"check the user in IS's console, then re-run {request.Command}",
                () => isApi.TokenAsync(PasswordForm(userName, password, "openid " + request.ScopeName), Wso2Connection.Basic(key.ConsumerKey!, key.ConsumerSecret!), ct));
            _secrets.Add(response.AccessToken);
            var scope = response.Scope ?? (new JsonWebTokenHandler().CanReadToken(response.AccessToken)
                ? new JsonWebToken(response.AccessToken).TryGetPayloadValue<string>("scope", out var s) ? s : "" : "");
            return (response.AccessToken, scope);
        }

        private static IReadOnlyList<string> Values(JsonNode? node) =>
            node is JsonArray array ? [.. array.Select(v => (string?)v?["value"]).OfType<string>()] : [];

        private Task<T> CallAsync<T>(Wso2Connection server, string operation, string fix, Func<Task<T>> call) => _calls.CallAsync(server, operation, fix, call);

        private LabException Failure(Wso2Connection server, Exception e, string operation, string fix) => _calls.Failure(server, e, operation, fix);

        private LabException Failed(string message, Exception? inner = null) => _calls.Failed(message, inner);
    }
}
