namespace KmLab.Twins.ApiManager;

/// <summary>The Key Manager connectors an APIM version has installed and what each declares, as the connector's
/// <c>KeyManagerConnectorConfiguration</c> does (KMIS WSO2IS7ConnectorConfiguration.java at the tag the version
/// ships: v2.0.2 L56-60, v2.0.3 L61-70, v2.0.4 L71-74, v2.0.8 L65-146). docs/twins.md has the rows.</summary>
internal static class ConnectorCatalog
{
    public const string Default = ApimFacts.ResidentKeyManagerType;

    public static IReadOnlyList<string> DefaultInstalled { get; } = [Default, ApimFacts.LegacyIsType, ApimFacts.Is7Type];

    /// <summary>What <c>/settings</c> lists: every installed connector but the Resident one (SettingsMappingUtil
    /// CAM-4.6 L73 skips DEFAULT_KEY_MANAGER_TYPE).</summary>
    public static IReadOnlyList<KeyManagerConnectorConfiguration> Settings(ApimRelease release, IReadOnlyList<string>? installed,
        IReadOnlyList<string>? extraRequired) =>
        [.. (installed ?? DefaultInstalled).Where(t => t != Default).Select(type => Describe(type, release, extraRequired))];

    /// <param name="extraRequired">Connection properties this server requires besides the connector's own (a test knob).</param>
    public static KeyManagerConnectorConfiguration Describe(string type, ApimRelease release, IReadOnlyList<string>? extraRequired = null)
    {
        var described = DescribeAll(type, release, extraRequired);
        return release.SettingsHaveUpdateDisabled ? described : described with
        {
            Configurations = [.. described.Configurations.Select(c => c with { UpdateDisabled = null })],
            AuthConfigurations = described.AuthConfigurations?.Select(c => c with { UpdateDisabled = null }).ToList(),
        };
    }

    private static KeyManagerConnectorConfiguration DescribeAll(string type, ApimRelease release, IReadOnlyList<string>? extraRequired) => new()
    {
        Type = type,
        DisplayName = type switch { Default => ApimFacts.ResidentKeyManagerName, ApimFacts.LegacyIsType => "WSO2 Identity Server 5.10.0", ApimFacts.Is7Type => ApimFacts.Is7DisplayName, _ => type },
        DefaultConsumerKeyClaim = ApimFacts.DefaultConsumerKeyClaim,
        DefaultScopesClaim = ApimFacts.DefaultScopesClaim,
        Configurations = type switch
        {
            ApimFacts.Is7Type => [.. Is7Connection(release), .. (extraRequired ?? []).Select(name => Field(name, name, "input", "", required: true))],
            ApimFacts.LegacyIsType => [Field(ApimFacts.Username, "Username", "input", "Username of admin user", required: true),
                Field(ApimFacts.Password, "Password", "input", "Password of Admin user", required: true, mask: true)],
            _ => [],
        },
        AuthConfigurations = type == ApimFacts.Is7Type && release.ConnectorHasAuthConfigurations ? [Is7Authentication()] : null,
    };

    /// <summary>getConnectionConfigurations() of the connector the version ships.</summary>
    private static IEnumerable<KeyManagerConfiguration> Is7Connection(ApimRelease release)
    {
        if (!release.ConnectorHasAuthConfigurations)
        {
            yield return Field(ApimFacts.Username, "Username", "input", "Username of admin user", required: true);
            yield return Field(ApimFacts.Password, "Password", "input", "Password of Admin user", required: true, mask: true);
        }
        if (release.ConnectorHasRoleEndpoints)
        {
            yield return Field(ApimFacts.ApiResourceManagementEndpoint, "WSO2 Identity Server 7 API Resource Management Endpoint", "input",
                "E.g., https://localhost:9444/api/server/v1/api-resources", required: true);
            yield return Field(ApimFacts.RolesEndpoint, "WSO2 Identity Server 7 Roles Endpoint", "input",
                "E.g., https://localhost:9444/scim2/v2/Roles", required: true);
        }
        if (release.ConnectorHasRoleCreation)
            yield return Field(ApimFacts.EnableRolesCreation, "Create roles in WSO2 Identity Server 7", "checkbox",
                "Create roles in WSO2 Identity Server 7, corresponding to the roles used in WSO2 API Manager.", required: false,
                defaultValue: "Enable", values: [JsonValue.Create("Enable")]);
        if (release.ConnectorHasAuthConfigurations)
            yield return Field(ApimFacts.UserSchemaCacheEnabled, "Enable User Schema Caching", "checkbox",
                "Enable user schema caching, corresponding to the user schemas defined in IS 7.x", required: false,
                defaultValue: "Enable", values: [JsonValue.Create("Enable")]);
    }

    /// <summary>getAuthConfigurations() of v2.0.8 (L90-146): one <c>Authentication</c> dropdown. Its values are
    /// ConfigurationDto objects, which Jackson writes with their bean names (<c>defaultValue</c>, not <c>default</c>).</summary>
    private static KeyManagerConfiguration Is7Authentication()
    {
        var basic = Nested(ApimFacts.BasicAuth, "Basic Authentication", "labelOnly", "Select to use basic authentication", false, multiple: true, values:
        [
            Nested(ApimFacts.Username, "Username", "input", "Username of admin user", true),
            Nested(ApimFacts.Password, "Password", "input", "Password of admin user", true, mask: true),
        ]);
        var certificateTypes = Nested(ApimFacts.MutualTlsOptions, "Select a Certificate Type", "options", "", true, values:
        [
            Nested(ApimFacts.ServerWide, "Server-Wide Certificate", "labelOnly",
                "Uses a globally trusted client certificate already configured on the server. No upload is required", false),
            Nested(ApimFacts.TenantWide, "Tenant-Wide Certificate", "labelOnly", "Upload a dedicated certificate specifically for this tenant", false, values:
            [
                Nested(ApimFacts.TenantWideCertificate, "Add a new certificate", "certificate", "Tenant wide certificate for mutual TLS authentication", true),
            ]),
        ]);
        var mtls = Nested(ApimFacts.MutualTls, "MTLS Authentication", "labelOnly", "Select to use MTLS authentication", false, multiple: true, values:
        [
            Nested(ApimFacts.IdentityUser, "Identity Username", "input",
                "Username of an identity user who belongs to the same tenant domain. This username links the client's mTLS identity and is required to establish ownership and context for API operations.",
                true),
            certificateTypes,
        ]);
        return Field(ApimFacts.Authentication, "Authentication Type", "dropdown", "Select the authentication type", required: true,
            defaultValue: ApimFacts.BasicAuth, values: [basic, mtls]);
    }

    private static KeyManagerConfiguration Field(string name, string label, string type, string tooltip, bool required, bool mask = false,
        JsonNode? defaultValue = null, IReadOnlyList<JsonNode>? values = null) => new()
    {
        Name = name, Label = label, Type = type, Required = required, Mask = mask, Multiple = false, Tooltip = tooltip,
        Default = defaultValue ?? "", Values = values ?? [], UpdateDisabled = false,
    };

    private static JsonObject Nested(string name, string label, string type, string tooltip, bool required, bool mask = false,
        bool multiple = false, JsonNode[]? values = null) => new()
    {
        ["name"] = name, ["label"] = label, ["type"] = type, ["tooltip"] = tooltip, ["defaultValue"] = "",
        ["required"] = required, ["mask"] = mask, ["values"] = new JsonArray(values ?? []), ["multiple"] = multiple, ["updateDisabled"] = false,
    };

    /// <summary>The connection properties a save must contain (containsKey, APIAdminImpl CAM-4.6 L1629-1639).</summary>
    public static IEnumerable<string> RequiredConnection(string type, ApimRelease release, IReadOnlyList<string>? extraRequired) =>
        Describe(type, release, extraRequired).Configurations.Where(f => f.Required == true && f.Name is not null).Select(f => f.Name!);

    /// <summary>Names of the properties GET masks (<c>mask: true</c>), wherever they are declared.</summary>
    public static IEnumerable<string> Masked(string type, ApimRelease release) =>
        type == ApimFacts.Is7Type || type == ApimFacts.LegacyIsType ? [ApimFacts.Password] : [];
}
