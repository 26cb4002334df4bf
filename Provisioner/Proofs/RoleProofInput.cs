using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using KmLab.Provisioner.Wso2Rest;

namespace KmLab.Provisioner.Proofs;

/// <summary>A role proof's input after the local checks: the IS role the APIM role becomes and both users'
/// passwords. The checks run first, so nothing is created for input IS or APIM would refuse.</summary>
internal sealed record RoleProofInput(string Is7Role, string AllowedPassword, string DeniedPassword)
{
    /// <summary>Checks the request; the passwords join <paramref name="secrets"/> so no line prints them.</summary>
    public static RoleProofInput Validate(RolesRequest request, Secrets secrets)
    {
        var is7Role = Is7RoleNames.FromApimRole(request.Role)
            ?? throw new LabException(ExitCodes.NameRefused, $"role '{request.Role}' cannot be mapped to an IS 7 role (the connector maps '{Is7RoleNames.InternalDomain}<name>' to <name> and a plain name to {Is7RoleNames.PrimaryPrefix}<name>; '{Is7RoleNames.ApplicationDomain}' and other domains are refused); give --role as a plain name such as kmlab_reader.");
        if (IsRoleFacts.Refusal(is7Role) is { } refusal)
            throw new LabException(ExitCodes.NameRefused, $"role '{request.Role}' becomes IS role '{is7Role}', which IS refuses ({refusal}); give --role a shorter plain name without '/' such as kmlab_reader.");
        if (!Regex.IsMatch(request.ScopeName, @"^[A-Za-z0-9_:.-]{1,100}$"))
            throw new LabException(ExitCodes.Usage, $"scope '{request.ScopeName}' has characters a scope name cannot have; give --scope such as kmlab_read.");
        foreach (var user in new[] { request.AllowedUser, request.DeniedUser })
            if (!Regex.IsMatch(user, UserStoreFacts.UserNamePattern))
                throw new LabException(ExitCodes.NameRefused, $"user name '{user}' is refused by IS's user store (31301: user names must match {UserStoreFacts.UserNamePattern}, 3-30 characters without spaces); give another user name.");
        if (request.AllowedUser == request.DeniedUser)
            throw new LabException(ExitCodes.Usage, "the user with the role and the user without it are the same user; give two different names.");

        var allowed = request.AllowedPassword ?? request.UserPassword ?? DerivedPassword(request.Lab.AdminPassword);
        var denied = request.DeniedPassword ?? request.UserPassword ?? DerivedPassword(request.Lab.AdminPassword);
        foreach (var (password, variable) in new[] { (allowed, request.AllowedPasswordVariable), (denied, request.DeniedPasswordVariable) })
        {
            if (IdentityServerPasswordRule.Refusal(password) is { } lacks)
                throw new LabException(ExitCodes.NameRefused, $"{variable} is a password IS may refuse ({lacks}); set it to one with {IdentityServerPasswordRule.Description}.");
            secrets.Add(password);
        }
        return new RoleProofInput(is7Role, allowed, denied);
    }

    /// <summary>Stable per lab (the same admin password gives the same users' password), not guessable without it.</summary>
    private static string DerivedPassword(string adminPassword) =>
        "Kl1-" + Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(adminPassword), Encoding.UTF8.GetBytes("kmlab-rbac-users")))[..20]
            .Replace('+', 'x').Replace('/', 'y');

    /// <summary>Keeps the passwords out of any line that prints the input.</summary>
    public override string ToString() => $"IS role {Is7Role} (passwords withheld)";
}
