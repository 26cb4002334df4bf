using System.Text.Json.Nodes;
using KmLab.Provisioner.Apim;
using KmLab.Provisioner.Publishing;
using KmLab.Provisioner.Wso2Rest;
using Microsoft.Extensions.Logging.Abstractions;

namespace KmLab.Provisioner.Proofs;

/// <summary>Role-based authorization through the gateway, as WSO2's own scenario proves it
/// (wso2/product-apim@140e5b90:all-in-one-apim/modules/integration-v2/tests-integration/cucumber-tests/src/test/resources/features/admin/is7_role_enforcement.feature): a shared
/// scope bound to an APIM role reaches IS as that role's permission (the connector maps the name); an API operation
/// needs the scope; a user holding the role gets it in a password-grant token and the gateway answers 200, a user
/// without it does not and the gateway answers 403 900910. Every step creates or reuses. <c>roles</c> runs it with
/// the names below, <c>demo</c> with its own.</summary>
public static class RoleProof
{
    /// <summary>The names <c>roles</c> proves with unless told otherwise.</summary>
    public const string DefaultRole = "kmlab_reader";
    public const string DefaultScope = "kmlab_read";
    public const string DefaultAllowedUser = "kmlab-alice";
    public const string DefaultDeniedUser = "kmlab-bob";

    public const string ApplicationName = "kmlab-rbac";
    public const string ApiName = "KmLabRbac";
    public const string ApiVersion = "1.0.0";
    public const string ApiContext = "/kmlab-rbac";
    public const string Resource = "/health";
    public const string UserPasswordVariable = "KMLAB_RBAC_PASSWORD";

    /// <summary>IS 7.1.0+ (authorize_all_scopes) with APIM 4.5.0+ (enable_roles_creation and the role-name mapping).</summary>
    public static bool Supports(IdentityServerVersion identityServer, ApiManagerVersion apiManager) =>
        identityServer.SupportsAuthorizeAllScopes && apiManager.HasRoleCreation;

    public static Task<RolesResult> RunAsync(RolesRequest request, CancellationToken ct, ILoggerFactory? loggerFactory = null) =>
        new Run(request, (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger(typeof(RoleProof))).ExecuteAsync(ct);

    private sealed class Run(RolesRequest request, ILogger logger)
    {
        private readonly SmokeRequest _lab = request.Lab;
        private readonly Wso2Calls _calls = new(request.FailureCode, new Secrets(request.Lab.AdminPassword));

        public async Task<RolesResult> ExecuteAsync(CancellationToken ct)
        {
            var layout = new LabLayout(_lab.StateDirectory);
            var manifest = LabManifest.Read(layout);
            var (isVersion, apimVersion) = (Wso2Versions.ParseIdentityServer(manifest.IdentityServerVersion), Wso2Versions.ParseApiManager(manifest.ApiManagerVersion));
            if (!Supports(isVersion, apimVersion))
                return new RolesResult(false, $"role-based authorization is not proved on IS {isVersion} with APIM {apimVersion}: it needs IS 7.1.0+ (authorize_all_scopes) and APIM 4.5.0+ (the connector's enable_roles_creation); prepare a lab with --is-version 7.1.0+ --apim-version 4.5.0+");

            var input = RoleProofInput.Validate(request, _calls.Secrets);
            var is7Role = input.Is7Role;
            using var trust = LabTrust.Read(layout);
            using var apim = new Wso2Connection(trust.For(ServerNames.ApiManager, _lab.ApimUrl), logger);
            using var identityServer = new Wso2Connection(trust.For(ServerNames.IdentityServer, _lab.IsUrl), logger);
            using var gateway = new Wso2Connection(trust.For(ServerNames.Gateway, _lab.GatewayUrl), logger);
            logger.LogInformation("Starting {Request}", request);

            var scopes = string.Join(' ', ApimPublisherScopes.Smoke, ApimPublisherScopes.SharedScopeManage, ApimScopes.Register);
            var (_, restToken) = await ApimRestToken.GetAsync(apim, _lab.AdminUser, _lab.AdminPassword, scopes, _calls.Secrets,
                (e, operation) => _calls.Failure(apim, e, operation, $"set {LabTopology.AdminPasswordVariable} to APIM's admin password"), ct);
            Task<string> Bearer() => Task.FromResult(restToken.AccessToken);
            var publisher = new PublishingEngine(apim, Bearer, request.Command, _calls, logger);
            var basic = Wso2Connection.Basic(_lab.AdminUser, _lab.AdminPassword);
            var users = new IdentityServerUsers(identityServer, basic, request.Command, _calls, logger);
            var scopeRole = new SharedScopeRole(request, apim, apim.Refit<IApimSharedScopesApi>(Bearer), identityServer, basic, _calls, logger);

            await KeyManagerAsync(apim, apim.Refit<IApimAdminApi>(Bearer), ct);
            // A context another API holds is refused before the application, the users or the scope are made.
            if (await publisher.ContextOwnerAsync(request.ApiName, request.ApiContext, ct) is { } owner)
                throw publisher.ContextTaken(request.ApiName, request.ApiContext, owner);
            var (applicationId, key) = await publisher.ApplicationAsync(request.ApplicationName, _lab.KeyManagerName,
                $"KmLab's role-based authorization proof ({request.Command}): password grant for its users", ct);
            var aliceId = await users.EnsureAsync(key, request.AllowedUser, input.AllowedPassword, request.AllowedPasswordVariable, ct);
            var bobId = await users.EnsureAsync(key, request.DeniedUser, input.DeniedPassword, request.DeniedPasswordVariable, ct);
            var roleId = await scopeRole.EnsureAsync(is7Role, ct);
            await scopeRole.MembersAsync(roleId, is7Role, aliceId, bobId, ct);
            var (api, outcome) = await publisher.EnsureApiAsync(Desired(), null, ct);
            await publisher.DeployAsync(api.Id!, request.ApiName, redeploy: outcome != SmokeOutcomes.Reused, ct);
            await publisher.PublishAsync(api.Id!, request.ApiName, ct);
            await publisher.SubscribeAsync(api.Id!, request.ApiName, applicationId, request.ApplicationName, ct);

            var apiUrl = new Uri(_lab.GatewayUrl.GetLeftPart(UriPartial.Authority) + request.ApiContext + "/" + ApiVersion);
            var url = new Uri(apiUrl + request.ProtectedResource);
            var (aliceToken, aliceScope) = await users.PasswordTokenAsync(key, request.AllowedUser, input.AllowedPassword, request.ScopeName, ct);
            var (bobToken, bobScope) = await users.PasswordTokenAsync(key, request.DeniedUser, input.DeniedPassword, request.ScopeName, ct);
            if (!aliceScope.Split(' ').Contains(request.ScopeName))
                throw _calls.Failed($"IS gave {request.AllowedUser}, who holds role {is7Role}, a token with scope '{aliceScope}' but not {request.ScopeName}; check that IS's deployment.toml has [oauth] authorize_all_scopes = true (prepare writes it) and that role {is7Role} has the permission {request.ScopeName}");
            if (bobScope.Split(' ').Contains(request.ScopeName))
                throw _calls.Failed($"IS gave {request.DeniedUser}, who does not hold role {is7Role}, scope {request.ScopeName}; remove {request.DeniedUser} from the roles that have it in IS's console");

            var alice = await publisher.CallGatewayAsync(gateway, url, aliceToken, a => a.Status == 200, _lab.GatewayTimeout, ct);
            var bob = await publisher.CallGatewayAsync(gateway, url, bobToken, a => a.Status == 403 && a.Code == ApimRoleFacts.ScopeMismatch, _lab.GatewayTimeout, ct);
            var (aliceStatus, bobStatus, bobCode) = (alice.Status, bob.Status, bob.Code);
            if (aliceStatus != 200)
                throw _calls.Failed($"the gateway answered {aliceStatus} at {url} for {request.AllowedUser}'s token with {request.ScopeName}; check the API's deployment in the Publisher portal");
            if (bobStatus != 403 || bobCode != ApimRoleFacts.ScopeMismatch)
                throw _calls.Failed($"the gateway answered {bobStatus}{(bobCode is { } c ? $" ({c})" : "")} at {url} for {request.DeniedUser}'s token without {request.ScopeName}, not 403 ({ApimRoleFacts.ScopeMismatch}); check that operation GET {request.ProtectedResource} of {request.ApiName} requires scope {request.ScopeName}");
            Uri? publicUrl = null;
            var publicStatus = 0;
            if (request.PublicResource is { } publicResource)
            {
                publicUrl = new Uri(apiUrl + publicResource);
                publicStatus = (await publisher.CallGatewayAsync(gateway, publicUrl, null, a => a.Status == 200, _lab.GatewayTimeout, ct)).Status;
                if (publicStatus != 200)
                    throw _calls.Failed($"the gateway answered {publicStatus} at {publicUrl} without a token; operation GET {publicResource} of {request.ApiName} must have no authentication (authType None): check it in the Publisher portal (Resources)");
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
                    $"TOKEN=$(curl -s --cacert '{layout.CaCertificate}' -u \"{key.ConsumerKey}:$CONSUMER_SECRET\" -d grant_type=password -d \"username={user}\" --data-urlencode \"password=${UserPasswordVariable}\" -d 'scope=openid {request.ScopeName}' '{tokenUrl}' | jq -r .access_token)",
                    $"curl -i --cacert '{layout.CaCertificate}' -H \"Authorization: Bearer $TOKEN\" '{url}'",
                ],
            };
        }

        /// <summary>The Key Manager exists and creates roles in IS (else APIM's scopes never become IS permissions).</summary>
        private async Task KeyManagerAsync(Wso2Connection apim, IApimAdminApi admin, CancellationToken ct)
        {
            var fix = $"run register with --name {_lab.KeyManagerName} first";
            var rows = await _calls.CallAsync(apim, "GET " + ApimEndpoints.KeyManagers, fix, () => admin.GetKeyManagersAsync(ct));
            var row = rows.List.FirstOrDefault(k => k.Name == _lab.KeyManagerName) ?? throw _calls.Failed($"APIM has no Key Manager '{_lab.KeyManagerName}'; {fix}");
            var keyManager = await _calls.CallAsync(apim, "GET " + ApimEndpoints.KeyManager, fix, () => admin.GetKeyManagerAsync(row.Id!, ct));
            // The connector reads the flag as a JSON boolean; register sends true on 4.5.0+.
            if (keyManager.AdditionalProperties?[Is7Connector.Properties.EnableRolesCreation] is not JsonValue flag || flag.GetValueKind() != System.Text.Json.JsonValueKind.True)
                throw _calls.Failed($"Key Manager '{_lab.KeyManagerName}' does not have {Is7Connector.Properties.EnableRolesCreation} on (a JSON true), so APIM creates no roles in IS; re-run register, which sets it");
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
            var internalUrl = _lab.IsInternalUrl ?? LabManifest.Read(new LabLayout(_lab.StateDirectory)).IdentityServerInternalUrl();
            return SampleApi.Build(_lab.KeyManagerName, request.Backend(internalUrl)) with
            {
                Name = request.ApiName, Version = ApiVersion, Context = request.ApiContext,
                Description = $"KmLab's role-based authorization proof ({request.Command}): GET {request.ProtectedResource} needs scope {request.ScopeName}",
                Scopes = [new ApiScope { Scope = new Scope { Name = request.ScopeName, DisplayName = request.ScopeName, Bindings = [request.Role] }, Shared = true }],
                Operations = operations,
            };
        }
    }
}
