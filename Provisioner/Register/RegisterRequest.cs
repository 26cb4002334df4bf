
namespace KmLab.Provisioner.Register;

/// <summary>What one <c>register</c> run needs.</summary>
/// <param name="StateDirectory">The state folder <c>prepare</c> wrote; its lab CA is the only trust anchor.</param>
/// <param name="ApimUrl">APIM's servlet base URL as this process reaches it, e.g. <c>https://localhost:9443</c>.</param>
/// <param name="IsUrl">IS's base URL as this process reaches it, e.g. <c>https://localhost:9444</c>.</param>
/// <param name="IsInternalUrl">IS's base URL as APIM reaches it (server to server), e.g. <c>https://is7:9444</c>.</param>
/// <param name="IsDisplayUrl">IS's base URL as a browser reaches it (display token/revoke, authorize); null: <paramref name="IsUrl"/>.</param>
/// <param name="KeyManagerName">The Key Manager's name: what create-or-update matches on.</param>
/// <param name="AdminUser">The super admin of both servers (APIM's Admin API and the IS 7 connector's credentials).</param>
/// <param name="AdminPassword">Never logged, never printed.</param>
/// <param name="DryRun">Print the Key Manager JSON that would be sent (password masked) and write nothing.</param>
public sealed record RegisterRequest(
    string StateDirectory,
    Uri ApimUrl,
    Uri IsUrl,
    Uri IsInternalUrl,
    Uri? IsDisplayUrl,
    string KeyManagerName,
    string AdminUser,
    string AdminPassword,
    bool DryRun)
{
    public const string DefaultKeyManagerName = LabTopology.DefaultKeyManagerName;

    /// <summary>How long both servers get to answer their health checks (APIM takes about 3 minutes to boot).</summary>
    public TimeSpan ReadinessTimeout { get; init; } = DefaultReadinessTimeout;

    public static readonly TimeSpan DefaultReadinessTimeout = TimeSpan.FromMinutes(5);
    public static readonly TimeSpan DefaultUsableTimeout = TimeSpan.FromMinutes(2);

    /// <summary>How long the Key Manager gets to reach APIM's runtime and issue a working key.</summary>
    public TimeSpan UsableTimeout { get; init; } = DefaultUsableTimeout;

    /// <summary>The APIM version, when known, for the connector facts <c>/settings</c> does not tell. Null: the
    /// newest supported version's facts.</summary>
    public ApiManagerVersion? ApiManagerVersion { get; init; }

    public Uri EffectiveIsDisplayUrl => IsDisplayUrl ?? IsUrl;

    /// <summary>Keeps the password out of any log line that prints the request.</summary>
    public override string ToString() =>
        $"register '{KeyManagerName}' (APIM {ApimUrl}, IS {IsUrl}, internal {IsInternalUrl}, display {EffectiveIsDisplayUrl}, admin {AdminUser}{(DryRun ? ", dry run" : "")})";
}

/// <summary>What a run did.</summary>
/// <param name="Outcome">One of <see cref="RegisterOutcomes"/>.</param>
/// <param name="KeyManagerId">Empty on a dry run that would create.</param>
/// <param name="ConsumerKey">The proof application's consumer key (never its secret); empty on a dry run.</param>
/// <param name="Issuer">The Key Manager's issuer, equal to the proof token's <c>iss</c>.</param>
/// <param name="DryRunJson">The Key Manager JSON a dry run would send, password masked.</param>
public sealed record RegisterResult(string Outcome, string KeyManagerId, string ConsumerKey, string Issuer, string? DryRunJson);

public static class RegisterOutcomes
{
    public const string Created = "created";
    public const string Updated = "updated";
    public const string Unchanged = "unchanged";
    public const string DryRun = "dry-run";
}
