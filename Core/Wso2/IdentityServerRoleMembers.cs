namespace KmLab.Lab.Wso2;

/// <summary>How a SCIM2 Roles v2 PATCH removes members on IS 7. A <c>remove</c> whose path is exactly <c>users</c>
/// removes every member, whatever its <c>value</c> lists: charon's RoleResourceV2Manager sends it down the
/// "update all users" route (wso2/charon@97980d38 v5.1.3 RoleResourceV2Manager.java:656-674), which patches a copy
/// of the role with RFC 7644 semantics (a remove without a filter deletes the attribute, PatchOperationUtil.java:587-602)
/// and then drops the members missing from it. The filter path removes one member
/// (RoleResourceV2Manager.processRemovePatchOperation, :844-895).</summary>
public static class IdentityServerRoleMembers
{
    /// <summary>The PATCH path that removes the one member <paramref name="userId"/> (no <c>value</c> needed).</summary>
    public static string OneMemberPath(string userId) => $"users[value eq \"{userId}\"]";
}
