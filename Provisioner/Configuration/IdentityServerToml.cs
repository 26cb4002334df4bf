using KmLab.Lab.Wso2;

namespace KmLab.Provisioner.Configuration;

/// <summary>IS 7's deployment.toml: what <c>wso2/wso2is</c> ships (product-is, distribution deployment.toml at the
/// release tag), then the lab's changes and the Key Manager additions WSO2 documents for APIM.</summary>
internal static class IdentityServerToml
{
    /// <summary>IS's H2 URL options, as shipped.</summary>
    private const string H2Options = "DB_CLOSE_ON_EXIT=FALSE;LOCK_TIMEOUT=60000";

    /// <summary>Lets APIM's IS 7 connector read <c>/scim2/Me</c> as the userinfo endpoint for users of any tenant.</summary>
    internal static AccessControlRule ScimMeRule { get; } =
        new("(.*)" + IdentityServerEndpoints.ScimMe, Secure: true, HttpMethod: "GET", CrossTenant: true, Permissions: [], Scopes: []);

    public static TomlDocument Build(LabTopology lab, bool revocationNotifier)
    {
        var version = lab.IdentityServerVersion;
        var keyStore = KeyStoreSection.For(version.KeyStoreFormat);
        var document = new TomlDocument()
            .Table("server", new ServerSection(LabTopology.PublicHostName, lab.IdentityServerOffset,
                BasePath: "https://$ref{server.hostname}:${carbon.management.port}", NodeIp: "127.0.0.1"))
            .Table("super_admin", new SuperAdminSection(lab.AdminUser, lab.AdminPassword))
            .Table("user_store", UserStoreSection.Shipped)
            .Table("database.identity_db", new H2DatabaseSection(H2.Url("WSO2IDENTITY_DB", H2Options)))
            .Table("database.shared_db", new H2DatabaseSection(H2.Url("WSO2SHARED_DB", H2Options)));
        if (ShipsAgentIdentityDataSource(version))
            document.Table("datasource.AgentIdentity", new H2DataSourceSection("AgentIdentity", H2.Url("WSO2AGENTIDENTITY_DB", H2Options)));
        document
            // The shipped file names only the primary store (TLS and internal default to it); the lab names all three
            // so the file says which store serves what.
            .Table("keystore.primary", keyStore)
            .Table("keystore.tls", keyStore)
            .Table("keystore.internal", keyStore)
            .Table("truststore", TrustStoreSection.For(version.KeyStoreFormat))
            // Shipped: the credentials IS's recovery and authentication portals use to call IS itself.
            .Table("account_recovery.endpoint.auth", PlainSection.Of("hash", "66cd9688a2ae068244ea01e70f0e230f5623b7fa4cdecb65070a09ec06452262"))
            .Table("identity.auth_framework.endpoint", PlainSection.Of("app_password", "dashboard"));
        if (version.SupportsAuthorizeAllScopes)
            // IS 7 grants only scopes an application is authorized for through API resources; APIM's API scopes are
            // not, so without this IS leaves them out of tokens.
            document.Table("oauth", PlainSection.Of("authorize_all_scopes", true));
        document
            .ArrayEntry("resource.access_control", ScimMeRule)
            // APIM's connector creates roles named system_primary_<role> in IS.
            .Table("role_mgt", PlainSection.Of("allow_system_prefix_for_role", true));
        if (revocationNotifier)
            document.ArrayEntry("event_listener", TokenRevocationListener.Section(
                TokenRevocationListener.NotificationEndpoint(lab.ApiManagerHost, Wso2Ports.ServletHttps),
                lab.AdminUser, lab.AdminPassword, TokenRevocationListener.IdentityServerKeyManager));
        return document;
    }

    /// <summary>IS 7.2.0 added the agent identity user store, with its own H2 data source in the shipped file.</summary>
    internal static bool ShipsAgentIdentityDataSource(IdentityServerVersion version) =>
        System.Version.Parse(version.Version) >= new System.Version(7, 2, 0);
}
