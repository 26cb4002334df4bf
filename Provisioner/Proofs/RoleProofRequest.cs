using KmLab.Provisioner.Apim;
using KmLab.Provisioner.Publishing;
using KmLab.Provisioner.Wso2Rest;

namespace KmLab.Provisioner.Proofs;

/// <summary>What one role proof needs (the URLs and Key Manager as for <c>smoke</c>); the defaults are the <c>roles</c>
/// command's names, and <c>demo</c> gives its own.</summary>
public sealed record RolesRequest(SmokeRequest Lab)
{
    /// <summary>The APIM role the scope is bound to: a plain name (IS: <c>system_primary_&lt;role&gt;</c>) or <c>Internal/&lt;name&gt;</c> (IS: <c>&lt;name&gt;</c>).</summary>
    public string Role { get; init; } = RoleProof.DefaultRole;
    public string ScopeName { get; init; } = RoleProof.DefaultScope;
    public string AllowedUser { get; init; } = RoleProof.DefaultAllowedUser;
    public string DeniedUser { get; init; } = RoleProof.DefaultDeniedUser;

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
