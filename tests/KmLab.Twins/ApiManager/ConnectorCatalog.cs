using System.Text.Json.Nodes;
using KmLab.Provisioner.Apim;
using KmLab.Provisioner.Wso2;

namespace KmLab.Twins.ApiManager;

/// <summary>The Key Manager connectors an APIM version has installed, with the configuration fields <c>/settings</c>
/// lists for each. Which IS 7 fields are required comes from <see cref="Is7Connector.RequiredProperties"/>.</summary>
internal static class ConnectorCatalog
{
    /// <summary>The built-in Resident Key Manager's type.</summary>
    public const string Default = "default";

    /// <summary>The IS 5.x/6.x connector.</summary>
    public const string LegacyIs = "WSO2-IS";

    public static IReadOnlyList<string> DefaultInstalled { get; } = [Default, LegacyIs, Is7Connector.Type];

    public static IReadOnlyList<KeyManagerConnectorConfiguration> Installed(ApiManagerVersion version, IReadOnlyList<string>? installed,
        IReadOnlyList<string>? extraRequired = null) =>
        [.. (installed ?? DefaultInstalled).Select(type => Describe(type, version, extraRequired))];

    /// <param name="extraRequired">IS 7 connector properties this server requires besides its version's own.</param>
    public static KeyManagerConnectorConfiguration Describe(string type, ApiManagerVersion version, IReadOnlyList<string>? extraRequired = null) => new()
    {
        Type = type,
        DisplayName = type switch { Default => "Resident Key Manager", LegacyIs => "WSO2 Identity Server 5.10.0", Is7Connector.Type => "WSO2 Identity Server 7", _ => type },
        DefaultConsumerKeyClaim = Is7Connector.ConsumerKeyClaim,
        DefaultScopesClaim = Is7Connector.ScopesClaim,
        Configurations = type switch
        {
            Is7Connector.Type => [.. Is7Fields(version), .. (extraRequired ?? []).Select(name => Field(name, name, required: true))],
            LegacyIs => [Field(Is7Connector.Properties.Username, "Username", required: true), Field(Is7Connector.Properties.Password, "Password", required: true, mask: true)],
            _ => [],
        },
    };

    private static IReadOnlyList<KeyManagerConfiguration> Is7Fields(ApiManagerVersion version)
    {
        var required = Is7Connector.RequiredProperties(version).ToHashSet();
        var fields = new List<KeyManagerConfiguration>();
        if (version.HasAuthenticationMode)
            fields.Add(Field(Is7Connector.Properties.Authentication, "Authentication", required.Contains(Is7Connector.Properties.Authentication),
                type: "options", values: [Is7Connector.Properties.BasicAuth, Is7Connector.Properties.MutualTls], defaultValue: Is7Connector.Properties.BasicAuth));
        fields.Add(Field(Is7Connector.Properties.Username, "Username", required.Contains(Is7Connector.Properties.Username)));
        fields.Add(Field(Is7Connector.Properties.Password, "Password", required.Contains(Is7Connector.Properties.Password), mask: true));
        if (version.HasRoleEndpoints)
        {
            fields.Add(Field(Is7Connector.Properties.ApiResourceManagementEndpoint, "WSO2 Identity Server 7 API Resource Management Endpoint",
                required.Contains(Is7Connector.Properties.ApiResourceManagementEndpoint)));
            fields.Add(Field(Is7Connector.Properties.RolesEndpoint, "WSO2 Identity Server 7 Roles Endpoint",
                required.Contains(Is7Connector.Properties.RolesEndpoint)));
        }
        if (version.HasRoleCreation)
            fields.Add(Field(Is7Connector.Properties.EnableRolesCreation, "Create roles in WSO2 Identity Server 7",
                required.Contains(Is7Connector.Properties.EnableRolesCreation), type: "checkbox", defaultValue: false));
        if (version.HasAuthenticationMode)
            fields.Add(Field(Is7Connector.Properties.UserSchemaCacheEnabled, "Enable user schema cache",
                required.Contains(Is7Connector.Properties.UserSchemaCacheEnabled), type: "checkbox", defaultValue: false));
        return fields;
    }

    private static KeyManagerConfiguration Field(string name, string label, bool required, bool mask = false, string type = "input",
        IReadOnlyList<string>? values = null, JsonNode? defaultValue = null) => new()
    {
        Name = name, Label = label, Type = type, Required = required, Mask = mask, Multiple = false,
        Tooltip = label, Default = defaultValue, Values = values?.Select(v => (JsonNode)JsonValue.Create(v)!).ToList(),
    };
}
