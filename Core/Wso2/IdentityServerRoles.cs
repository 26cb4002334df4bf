namespace KmLab.Provisioner.Wso2;

/// <summary>What IS 7's role management refuses in a role name (carbon-identity-framework
/// RoleManagementServiceImpl.addRole): empty, longer than 255 characters, the user-store domain separator '/'. Names
/// starting <c>system_</c> are refused unless <c>[role_mgt] allow_system_prefix_for_role</c>, which prepare sets
/// because the connector creates <c>system_primary_&lt;role&gt;</c>.</summary>
public static class IsRoleFacts
{
    public const int MaxLength = 255;
    public const char DomainSeparator = '/';

    public static string? Refusal(string is7Role) =>
        is7Role.Length == 0 ? "Role name cannot be empty."
        : is7Role.Length > MaxLength ? $"Provided role name exceeds the maximum length of {MaxLength} characters."
        : is7Role.Contains(DomainSeparator) ? $"Invalid character: {DomainSeparator} contains in the role name: {is7Role}."
        : null;
}

/// <summary>IS 7's primary user store default user name pattern (user-mgt.xml UsernameJavaRegEx); passwords:
/// <see cref="IdentityServerPasswordRule"/>.</summary>
public static class UserStoreFacts
{
    public const string UserNamePattern = @"^[\S]{3,30}$";
}

/// <summary>The gateway's answer to a token without any of the operation's scopes (403).</summary>
public static class ApimRoleFacts
{
    public const long ScopeMismatch = 900910;
}
