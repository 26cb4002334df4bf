namespace KmLab.Twins.Facts;

// Identity Server 7 facts of role-based authorization (users, roles v2, API resources, scope validation). Citations:
// docs/twins.md, "Identity Server: role-based authorization"; /work-level research in rbac.md.

internal static class IsRbacFacts
{
    public const string ScimUsers = "/scim2/Users";
    public const string RolesSearch = IsFacts.Roles + "/.search";

    public const string ScimUserSchema = "urn:ietf:params:scim:schemas:core:2.0:User";
    public const string ScimRoleSchema = "urn:ietf:params:scim:schemas:extension:2.0:Role";
    public const string ScimListSchema = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
    public const string ScimPatchSchema = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
    public const string ScimContentType = "application/scim+json";

    /// <summary>The OIDC scopes IS approves without role checks (DefaultOAuth2ScopeValidator keeps OIDC scopes aside;
    /// the discovery document's <c>scopes_supported</c>).</summary>
    public static readonly IReadOnlySet<string> OidcScopes =
        new HashSet<string>(StringComparer.Ordinal) { "openid", "profile", "email", "address", "phone", "groups", "roles" };

    /// <summary>The primary user store's default <c>UsernameJavaRegEx</c> (JDBC user store manager in IS 7's
    /// user-mgt.xml). Its <c>PasswordJavaRegEx</c> is skipped: IS's password rules (<see cref="IsPasswordFacts"/>) run
    /// instead.</summary>
    public const string UsernamePattern = @"^[\S]{3,30}$";

    /// <summary>carbon-kernel UserCoreErrorConstants ERROR_CODE_INVALID_USER_NAME, as SCIMUserManager
    /// (identity-inbound-provisioning-scim2 v3.7.13 L209-210) looks for it; SCIM's <c>scimType</c> for it and for a
    /// password rule.</summary>
    public const string InvalidUserNameCode = "31301";
    public const string ScimInvalidValue = "invalidValue";
    public const string ScimInvalidSyntax = "invalidSyntax";

    /// <summary>The role attribute holding its members.</summary>
    public const string RoleUsers = "users";

    /// <summary>SCIMRoleManagerV2.prepareAddedRemovedUserLists: a member id that resolves to no user (400 invalidValue).</summary>
    public const string UnresolvedUser = "User can't be resolved from the given user Id.";

    /// <summary>RoleManagementServiceImpl.addRole: the longest role name IS takes.</summary>
    public const int RoleNameMaxLength = 255;

    /// <summary>Roles the connector creates carry no audience: organization roles (RoleManagementServiceImpl).</summary>
    public const string OrganizationAudience = "organization";

    public const string RoleManagementLogger = "org.wso2.carbon.identity.role.v2.mgt.core.RoleManagementServiceImpl";
    public const string ScimUserLogger = "org.wso2.carbon.identity.scim2.common.impl.SCIMUserManager";
}
