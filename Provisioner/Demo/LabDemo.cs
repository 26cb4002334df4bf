using KmLab.Provisioner.Proofs;
using KmLab.Provisioner.Wso2Rest;

namespace KmLab.Provisioner.Demo;

/// <summary>What one <c>demo</c> run needs. The users' passwords come from <see cref="LabTopology.DemoReaderPasswordVariable"/>
/// and <see cref="LabTopology.DemoGuestPasswordVariable"/> only.</summary>
public sealed record DemoRequest(string StateDirectory, string AdminUser, string AdminPassword, string? ReaderPassword, string? GuestPassword)
{
    public string KeyManagerName { get; init; } = LabTopology.DefaultKeyManagerName;
    public Uri ApimUrl { get; init; } = LabUrls.ApiManager;
    public Uri GatewayUrl { get; init; } = LabUrls.Gateway;

    /// <summary>IS as reached from here; null: <c>https://localhost:&lt;9443 + offset&gt;</c> from lab.json.</summary>
    public Uri? IsUrl { get; init; }

    /// <summary>IS as APIM's gateway reaches it (the demo API's backend); null: the container name from lab.json.</summary>
    public Uri? IsInternalUrl { get; init; }
    public TimeSpan GatewayTimeout { get; init; } = TimeSpan.FromMinutes(1);
    public TimeSpan ScopeTimeout { get; init; } = TimeSpan.FromSeconds(60);

    public override string ToString() => $"demo with Key Manager '{KeyManagerName}' (APIM {ApimUrl}, gateway {GatewayUrl}, admin {AdminUser})";
}

/// <summary>What the demo proved, and the lines to repeat it (secrets only as shell variables).</summary>
public sealed record DemoResult(bool Supported, string Line, IReadOnlyList<string> Curl);

/// <summary>The workshop demo: API <see cref="ApiName"/> with a public operation (IS's JWKS, no
/// token) and a role-protected one (IS's health, scope <see cref="Scope"/>), the shared scope bound to role
/// <see cref="Role"/>, two IS users (<see cref="Reader"/> holds the role, <see cref="Guest"/> does not) and the
/// application <see cref="Application"/>. It is the role proof with these names, so every step creates or reuses:
/// a re-run changes nothing and completes a half-done one.</summary>
public static class LabDemo
{
    public const string ApiName = LabTopology.DemoApiName;
    public const string Context = LabTopology.DemoContext;
    public const string Application = LabTopology.DemoApplication;
    public const string Role = LabTopology.DemoRole;
    public const string Scope = LabTopology.DemoScope;
    public const string Reader = LabTopology.DemoReader;
    public const string Guest = LabTopology.DemoGuest;
    public const string PublicResource = IdentityServerEndpoints.Jwks;
    public const string ProtectedResource = IdentityServerEndpoints.HealthCheck;

    public static async Task<DemoResult> RunAsync(DemoRequest request, CancellationToken ct, ILoggerFactory? loggerFactory = null)
    {
        foreach (var (value, variable) in new[] { (request.ReaderPassword, LabTopology.DemoReaderPasswordVariable), (request.GuestPassword, LabTopology.DemoGuestPasswordVariable) })
            if (string.IsNullOrEmpty(value))
                throw new LabException(ExitCodes.Usage, $"{variable} is not set; set it to the demo user's password ({IdentityServerPasswordRule.Description}; the AppHost sets it from its secret parameter).");
        var layout = new LabLayout(request.StateDirectory);
        var manifest = LabManifest.Read(layout);
        var isUrl = request.IsUrl ?? manifest.IdentityServerUrl();
        var proof = await RoleProof.RunAsync(new RolesRequest(new SmokeRequest(request.StateDirectory, request.ApimUrl, request.GatewayUrl, isUrl,
                request.KeyManagerName, request.AdminUser, request.AdminPassword)
            {
                IsInternalUrl = request.IsInternalUrl,
                GatewayTimeout = request.GatewayTimeout,
            })
            {
                Command = "demo", FailureCode = ExitCodes.PublishFailed,
                Role = Role, ScopeName = Scope, AllowedUser = Reader, DeniedUser = Guest,
                AllowedPassword = request.ReaderPassword, DeniedPassword = request.GuestPassword,
                AllowedPasswordVariable = LabTopology.DemoReaderPasswordVariable, DeniedPasswordVariable = LabTopology.DemoGuestPasswordVariable,
                ApplicationName = Application, ApiName = ApiName, ApiContext = Context,
                Backend = internalUrl => internalUrl.GetLeftPart(UriPartial.Authority), ProtectedResource = ProtectedResource, PublicResource = PublicResource,
                ScopeTimeout = request.ScopeTimeout,
            }, ct, loggerFactory);
        if (!proof.Supported) return new DemoResult(false, "demo: " + proof.Line, []);

        var key = proof.Key!;
        var tokenUrl = LabUrls.Token(isUrl);
        PublishOutputs.Write(layout, new PublishedApi(ApiName, Context, RoleProof.ApiVersion, proof.ApiUrl!, Application, key.ConsumerKey!, proof.ApiId!),
            new LabApplicationFile(Application, request.KeyManagerName, key.ConsumerKey!, key.ConsumerSecret!, tokenUrl));
        return new DemoResult(true, proof.Line, Curl(layout, key.ConsumerKey!, tokenUrl, proof));
    }

    /// <summary>Ready-to-paste lines: the secret comes from the application file, the passwords from their variables.</summary>
    private static IReadOnlyList<string> Curl(LabLayout layout, string consumerKey, Uri tokenUrl, RolesResult proof)
    {
        var ca = layout.CaCertificate;
        string TokenLine(string user, string variable) =>
            $"TOKEN=$(curl -s --cacert '{ca}' -u \"{consumerKey}:$CONSUMER_SECRET\" -d grant_type=password -d 'username={user}' --data-urlencode \"password=${variable}\" -d 'scope=openid {Scope}' '{tokenUrl}' | jq -r .access_token)";
        var call = $"curl -i --cacert '{ca}' -H \"Authorization: Bearer $TOKEN\" '{proof.Url}'";
        return
        [
            $"# the public operation, no token: {proof.PublicStatus}",
            $"curl -i --cacert '{ca}' '{proof.PublicUrl}'",
            $"CONSUMER_SECRET=$(jq -r .consumerSecret '{layout.ApplicationFile(Application)}')",
            $"# {Reader} holds role {Role} ({proof.Is7Role} in IS), so the token has {Scope}: {proof.AllowedStatus}",
            TokenLine(Reader, LabTopology.DemoReaderPasswordVariable),
            call,
            $"# {Guest} does not: {proof.DeniedStatus} {proof.DeniedCode}",
            TokenLine(Guest, LabTopology.DemoGuestPasswordVariable),
            call,
        ];
    }
}
