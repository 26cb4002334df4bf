using System.Text.Json;

namespace KmLab.Register.Tests;

/// <summary>The <c>WSO2-IS-7</c> connector as APIM 4.6.0's <c>/settings</c> describes it (connector 2.0.8,
/// <c>WSO2IS7ConnectorConfiguration.getAuthConfigurations</c>): <c>Username</c>, <c>Password</c> and
/// <c>Authentication</c> are not in <c>configurations</c> but in <c>authConfigurations</c>, as one required
/// <c>Authentication</c> dropdown (default BasicAuth) whose values are the authentication types with their own fields.
/// The Key Manager body still carries them flat in <c>additionalProperties</c>.</summary>
public sealed class ConnectorSettingsTests
{
    // The shape written out here as a fact, independent of the twin: ConfigurationDto(name, label, type, tooltip,
    // default, required, mask, values, multiple) serialized by the Admin API.
    private const string Settings460 = """
        {"keyManagerConfiguration": [{
          "type": "WSO2-IS-7", "displayName": "WSO2 Identity Server 7",
          "configurations": [
            {"name": "api_resource_management_endpoint", "label": "WSO2 Identity Server 7 API Resource Management Endpoint", "type": "input", "required": true, "mask": false, "multiple": false, "values": []},
            {"name": "is7_roles_endpoint", "label": "WSO2 Identity Server 7 Roles Endpoint", "type": "input", "required": true, "mask": false, "multiple": false, "values": []},
            {"name": "enable_roles_creation", "label": "Create roles in WSO2 Identity Server 7", "type": "checkbox", "required": false, "mask": false, "multiple": false, "default": "Enable", "values": ["Enable"]},
            {"name": "user_schema_cache_enabled", "label": "Enable User Schema Caching", "type": "checkbox", "required": false, "mask": false, "multiple": false, "default": "Enable", "values": ["Enable"]}
          ],
          "authConfigurations": [
            {"name": "Authentication", "label": "Authentication Type", "type": "dropdown", "required": true, "mask": false, "multiple": false, "default": "BasicAuth",
             "values": [
               {"name": "BasicAuth", "label": "Basic Authentication", "type": "labelOnly", "required": false, "mask": false, "multiple": true,
                "values": [
                  {"name": "Username", "label": "Username", "type": "input", "required": true, "mask": false, "multiple": false, "values": []},
                  {"name": "Password", "label": "Password", "type": "input", "required": true, "mask": true, "multiple": false, "values": []}
                ]},
               {"name": "MutualTLS", "label": "MTLS Authentication", "type": "labelOnly", "required": false, "mask": false, "multiple": true,
                "values": [
                  {"name": "IdentityUser", "label": "Identity Username", "type": "input", "required": true, "mask": false, "multiple": false, "values": []},
                  {"name": "MutualTLSOptions", "label": "Select a Certificate Type", "type": "options", "required": true, "mask": false, "multiple": false, "values": []}
                ]}
             ]}
          ]
        }]}
        """;

    private static readonly RegisterRequest Request = new("/tmp/unused", new Uri("https://localhost:9443"), new Uri("https://localhost:9444"),
        new Uri("https://is7:9444"), null, "IS7", "admin", "s3cret-admin", DryRun: false);

    [Fact]
    public void The_460_auth_dropdown_gives_a_flat_body_with_basic_auth_and_the_admins_credentials()
    {
        var connector = Connector(Settings460);

        var properties = KeyManagerDefinition.ConnectorProperties(Request, connector, Wso2Versions.ParseApiManager("4.6.0"));

        Assert.Equal(
            ["Username", "Password", "api_resource_management_endpoint", "is7_roles_endpoint", "enable_roles_creation",
             "Authentication", "user_schema_cache_enabled", "self_validate_jwt"],
            properties.Select(p => p.Key));
        Assert.Equal("BasicAuth", (string?)properties["Authentication"]);
        Assert.Equal("admin", (string?)properties["Username"]);
        Assert.Equal("s3cret-admin", (string?)properties["Password"]);
        Assert.Equal(JsonValueKind.True, properties["enable_roles_creation"]!.GetValueKind());
        // MutualTLS's required fields belong to the type register does not choose.
        Assert.False(properties.ContainsKey("IdentityUser"));
        Assert.False(properties.ContainsKey("MutualTLSOptions"));
        Assert.Equal(["Authentication", "Username", "Password"], KeyManagerDefinition.AuthenticationFields(connector).Select(f => f.Name));
    }

    [Fact]
    public void A_required_field_of_basic_auth_register_cannot_fill_stops_the_run()
    {
        var settings = JsonNode.Parse(Settings460)!;
        settings["keyManagerConfiguration"]![0]!["authConfigurations"]![0]!["values"]![0]!["values"]!.AsArray()
            .Add(JsonNode.Parse("""{"name": "kmlab_otp", "label": "OTP", "type": "input", "required": true, "mask": false, "multiple": false, "values": []}"""));

        var e = Assert.Throws<LabException>(() =>
            KeyManagerDefinition.ConnectorProperties(Request, Connector(settings.ToJsonString()), Wso2Versions.ParseApiManager("4.6.0")));

        Assert.Equal(ExitCodes.ConnectorPropertyMissing, e.ExitCode);
        Assert.Contains("'kmlab_otp'", e.Message);
    }

    [Fact]
    public void A_connector_without_basic_auth_is_named_as_what_register_cannot_fill()
    {
        var settings = JsonNode.Parse(Settings460)!;
        settings["keyManagerConfiguration"]![0]!["authConfigurations"]![0]!["values"]!.AsArray().RemoveAt(0);

        var e = Assert.Throws<LabException>(() =>
            KeyManagerDefinition.ConnectorProperties(Request, Connector(settings.ToJsonString()), Wso2Versions.ParseApiManager("4.6.0")));

        Assert.Equal(ExitCodes.ConnectorPropertyMissing, e.ExitCode);
        Assert.StartsWith("this APIM's WSO2-IS-7 connector offers authentication 'MutualTLS' but not 'BasicAuth'", e.Message);
        Assert.DoesNotContain("s3cret-admin", e.Message);
    }

    [Fact]
    public void The_flat_shape_of_earlier_versions_still_works()
    {
        var settings = JsonNode.Parse(Settings460)!;
        var is7 = settings["keyManagerConfiguration"]![0]!.AsObject();
        is7.Remove("authConfigurations");
        is7["configurations"]!.AsArray().Insert(0, JsonNode.Parse("""{"name": "Username", "type": "input", "required": true, "values": []}"""));
        is7["configurations"]!.AsArray().Insert(1, JsonNode.Parse("""{"name": "Password", "type": "input", "required": true, "mask": true, "values": []}"""));

        var properties = KeyManagerDefinition.ConnectorProperties(Request, Connector(settings.ToJsonString()), Wso2Versions.ParseApiManager("4.5.0"));

        Assert.False(properties.ContainsKey("Authentication"));
        Assert.Equal("admin", (string?)properties["Username"]);
    }

    private static KeyManagerConnectorConfiguration Connector(string settingsJson) =>
        JsonSerializer.Deserialize<Settings>(settingsJson, ApimJson.Options)!.KeyManagerConfiguration.Single(c => c.Type == Is7Connector.Type);
}
