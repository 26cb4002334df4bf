namespace KmLab.Lab.Wso2;

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

/// <summary>The IS 7 connector's mapping of an APIM role to the IS role it creates when <c>enable_roles_creation</c> is
/// on (KMIS v2.0.4+; wso2-extensions/apim-km-wso2is@2c3140f3:components/wso2is7.key.manager/src/main/java/org/wso2/is7/client/WSO2IS7KeyManager.java:2033-2043).</summary>
public static class Is7RoleNames
{
    public const string InternalDomain = "Internal/";
    public const string ApplicationDomain = "Application/";
    public const string PrimaryPrefix = "system_primary_";

    /// <summary><c>Internal/x</c> → <c>x</c>, a plain <c>x</c> → <c>system_primary_x</c>; null for <c>Application/</c>
    /// and any other domain, which the connector refuses.</summary>
    public static string? FromApimRole(string apimRole) =>
        apimRole.StartsWith(InternalDomain, StringComparison.OrdinalIgnoreCase) ? apimRole[InternalDomain.Length..]
        : apimRole.StartsWith(ApplicationDomain, StringComparison.OrdinalIgnoreCase) || apimRole.Contains('/') ? null
        : PrimaryPrefix + apimRole;
}

/// <summary>IS 7's primary user store default user name pattern (user-mgt.xml UsernameJavaRegEx); passwords:
/// <see cref="IdentityServerPasswordRule"/>.</summary>
public static class UserStoreFacts
{
    public const string UserNamePattern = @"^[\S]{3,30}$";
}

/// <summary>The gateway's answer to a token without any of the operation's scopes (403; APISecurityConstants
/// INVALID_SCOPE, dpiyumal2319/wso2-carbon-apimgt@68732448:components/apimgt/…/APISecurityConstants.java:67-68).</summary>
public static class ApimRoleFacts
{
    public const long ScopeMismatch = 900910;
}
