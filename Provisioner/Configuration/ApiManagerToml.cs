using KmLab.Lab.Wso2;
using Tomlyn.Model;

namespace KmLab.Provisioner.Configuration;

/// <summary>APIM's deployment.toml: what <c>wso2/wso2am</c> ships (product-apim, distribution deployment.toml at the
/// release tag) with the lab's keystores and admin account. The Key Manager itself is registered later, through the
/// Admin REST API, not here.</summary>
internal static class ApiManagerToml
{
    /// <summary>APIM's H2 URL options, as shipped.</summary>
    private const string H2Options = "DB_CLOSE_ON_EXIT=FALSE";

    /// <summary>4.7.0 ships <c>[database.local]</c> with the database kept open while the JVM runs.</summary>
    private const string LocalH2Options47 = H2Options + ";DB_CLOSE_DELAY=-1";

    /// <summary>Placeholders APIM resolves itself at start; they are text in the file, not the lab's values.</summary>
    private const string HttpsPort = "${mgt.transport.https.port}";
    private const string ShippedAdminUser = "${admin.username}";
    private const string ShippedAdminPassword = "${admin.password}";

    /// <param name="encryptionKey">The lab's <c>[encryption] key</c>; required for versions that have one
    /// (<see cref="ApiManagerVersion.HasInternalEncryptionKey"/>), ignored otherwise.</param>
    public static TomlDocument Build(LabTopology lab, string? encryptionKey)
    {
        var version = lab.ApiManagerVersion;
        var keyStore = KeyStoreSection.For(version.KeyStoreFormat);
        var host = LabTopology.PublicHostName;
        var document = new TomlDocument()
            .Table("server", new ServerSection(host, Offset: 0,
                BasePath: "${carbon.protocol}://${carbon.host}:${carbon.management.port}", ServerRole: "default"))
            .Table("super_admin", new SuperAdminSection(lab.AdminUser, lab.AdminPassword))
            .Table("user_store", UserStoreSection.Shipped)
            .Table("database.apim_db", new H2DatabaseSection(H2.Url("WSO2AM_DB", H2Options)))
            .Table("database.shared_db", new H2DatabaseSection(H2.Url("WSO2SHARED_DB", H2Options)))
            .Table("database.local", new H2DatabaseSection(
                H2.Url("WSO2CARBON_DB", ShippedFrom47(version) ? LocalH2Options47 : H2Options), WithCredentials: false))
            // The shipped file names only the TLS store (primary and internal have built-in defaults); the lab names
            // all three, since the primary key signs APIM's own tokens and must be the generated one.
            .Table("keystore.primary", keyStore)
            .Table("keystore.tls", keyStore)
            .Table("keystore.internal", keyStore)
            .Table("truststore", TrustStoreSection.For(version.KeyStoreFormat));
        if (ShippedGatewayTypes(version) is { } gatewayTypes)
            document.Table("apim", PlainSection.Of("gateway_type", gatewayTypes));
        document
            .ArrayEntry("apim.gateway.environment", DefaultGateway(host))
            .Table("apim.sync_runtime_artifacts.gateway", PlainSection.Of("gateway_labels", new TomlArray { "Default" }));
        if (ShippedFrom47(version))
            // Shipped from 4.7.0: the Key Manager's JWT issuer.
            document.ArrayEntry("oauth.extensions.token_types", PlainSection.Of(new TomlTable
            {
                ["name"] = "JWT",
                ["issuer"] = "org.wso2.is.key.manager.tokenpersistence.issuer.ExtendedJWTTokenIssuer",
            }));
        document
            // The portals' links to the Developer Portal: the host name a browser reaches.
            .Table("apim.devportal", PlainSection.Of("url", $"https://{host}:{HttpsPort}/devportal"))
            // Shipped disabled (analytics needs a cloud account a lab does not have), with its keys as shipped.
            .Table("apim.analytics", PlainSection.Of(ShippedAnalyticsSettings(version)))
            // As shipped: enabled, with an empty key (its features need a WSO2 subscription key the lab does not have).
            .Table("apim.ai", PlainSection.Of(ShippedAiSettings(version)))
            .Table("apim.key_manager", PlainSection.Of(ShippedKeyManagerSettings(version)))
            .Table("apim.cors", PlainSection.Of(new TomlTable
            {
                ["allow_origins"] = "*",
                ["allow_methods"] = new TomlArray { "GET", "PUT", "POST", "DELETE", "PATCH", "OPTIONS" },
                ["allow_headers"] = new TomlArray { "authorization", "Access-Control-Allow-Origin", "Content-Type", "SOAPAction", "apikey", "Internal-Key" },
                ["allow_credentials"] = false,
            }))
            // Shipped: self-signed-up Developer Portal users get their roles through this handler.
            .ArrayEntry("event_handler", PlainSection.Of(new TomlTable
            {
                ["name"] = "userPostSelfRegistration",
                ["subscriptions"] = new TomlArray { "POST_ADD_USER" },
            }))
            .Table("service_provider", PlainSection.Of("sp_name_regex", @"^[\sa-zA-Z0-9._-]*$"))
            // Shipped: APIM's resident Key Manager notifies its own gateways of revoked tokens.
            .ArrayEntry("event_listener", TokenRevocationListener.Section(
                $"https://{host}:{HttpsPort}{TokenRevocationListener.NotifyPath}",
                ShippedAdminUser, ShippedAdminPassword, TokenRevocationListener.ResidentKeyManager))
            // Not shipped (commented out as false): the gateway passes the caller's Authorization header on to the
            // backend, so a service behind it can validate IS's token itself (docs/twins.md; carbon-apimgt api-manager.xml.j2:
            // RemoveOAuthHeadersFromOutMessage = not enable_outbound_auth_header).
            .Table("apim.oauth_config", PlainSection.Of("enable_outbound_auth_header", true))
            .Table("oauth.grant_type.token_exchange", PlainSection.Of(new TomlTable
            {
                ["enable"] = true,
                ["allow_refresh_tokens"] = true,
                ["iat_validity_period"] = "1h",
            }));
        document
            // Not shipped (default.json sets it "true"): the lab switches WSO2's runtime diagnostics tool off.
            .Table(DiagnosticsToolTable(version), PlainSection.Of(DiagnosticsToolSwitch, "false"));
        if (version.HasInternalEncryptionKey)
            // Not shipped: without it 4.7.0's start script writes a random key into the product's copy of this file,
            // which the entrypoint replaces at the next start, so what APIM encrypted before could not be read.
            document.Table("encryption", PlainSection.Of("key", encryptionKey
                ?? throw new ArgumentException($"APIM {version} needs the lab's encryption key.", nameof(encryptionKey))));
        return document;
    }

    /// <summary>The key (in the table <see cref="DiagnosticsToolTable"/> names) that turns WSO2's runtime diagnostics tool
    /// on or off. api-manager.sh starts that tool as a second JVM (up to 256 MB of heap) beside the server at every start
    /// (wso2/product-apim@53b83f28:all-in-one-apim/modules/distribution/product/src/main/startup-scripts/api-manager.sh:311,
    /// …/startup-scripts/diagnostics.sh:114); 30 s later it reads this key and, unless it is "true", exits
    /// (wso2/runtime-diagnostic-tool@c7018627:src/main/java/org/wso2/diagnostics/DiagnosticsApp.java:75-85). Left on, it
    /// watches the server's CPU and memory and takes thread dumps and log archives once they pass 80 % twice in a row
    /// (…/resources/conf/default.json:551-569), which a server still booting on a small machine does. The lab reads
    /// none of its archives; only the tool reads the key.</summary>
    internal const string DiagnosticsToolSwitch = "diagnostic_tool_enabled";

    /// <summary>Where each version reads <see cref="DiagnosticsToolSwitch"/>: 4.3–4.5 under <c>[server_configuration]</c>
    /// (wso2/product-apim@6e7a9db2:modules/distribution/product/src/main/resources/conf/default.json:484-485 at v4.3.0,
    /// config.toml.j2:28-29 there; the same keys at v4.4.0 and v4.5.0), 4.6 and 4.7 under
    /// <c>[diagnostic_tool.server_configuration]</c> (wso2/product-apim@53b83f28:all-in-one-apim/modules/distribution/product/src/main/resources/conf/default.json:551,
    /// templates/diagnostics-tool/conf/config.toml.j2:25-30 and 93).</summary>
    internal static string DiagnosticsToolTable(ApiManagerVersion version) => version.Version is "4.3.0" or "4.4.0" or "4.5.0"
        ? "server_configuration"
        : "diagnostic_tool.server_configuration";

    /// <summary>The gateway every API deploys to by default, with the URLs the Developer Portal shows.</summary>
    private static PlainSection DefaultGateway(string host) => PlainSection.Of(new TomlTable
    {
        ["name"] = "Default",
        ["type"] = "hybrid",
        ["gateway_type"] = "Regular",
        ["provider"] = "wso2",
        ["display_in_api_console"] = true,
        ["description"] = "This is a hybrid gateway that handles both production and sandbox token traffic.",
        ["show_as_token_endpoint_url"] = true,
        ["service_url"] = $"https://{host}:{HttpsPort}/services/",
        ["username"] = ShippedAdminUser,
        ["password"] = ShippedAdminPassword,
        ["ws_endpoint"] = $"ws://{host}:9099",
        ["wss_endpoint"] = $"wss://{host}:8099",
        ["http_endpoint"] = $"http://{host}:${{http.nio.port}}",
        ["https_endpoint"] = $"https://{host}:${{https.nio.port}}",
        ["websub_event_receiver_http_endpoint"] = $"http://{host}:9021",
        ["websub_event_receiver_https_endpoint"] = $"https://{host}:8021",
    });

    /// <summary>What 4.7.0's file adds to 4.6.0's (product-apim v4.6.0..v4.7.0 diff): the
    /// <c>[[oauth.extensions.token_types]]</c> JWT entry and <c>;DB_CLOSE_DELAY=-1</c> on <c>[database.local]</c>.</summary>
    private static bool ShippedFrom47(ApiManagerVersion version) => version.Version == "4.7.0";

    /// <summary><c>[apim] gateway_type</c> as each version ships it (4.3 and 4.4 ship none: Regular only).</summary>
    internal static string? ShippedGatewayTypes(ApiManagerVersion version) => version.Version switch
    {
        "4.5.0" => "Regular,APK,AWS",
        "4.6.0" => "Regular,APK,AWS,Azure,Kong,Envoy",
        "4.7.0" => "Regular,APK,AWS,Azure,Kong,Envoy,APIPlatform",
        _ => null,
    };

    /// <summary><c>[apim.analytics]</c> as each version ships it: disabled; 4.3–4.5 with an empty <c>auth_token</c>,
    /// 4.6 and 4.7 with <c>type = "moesif"</c> instead.</summary>
    internal static TomlTable ShippedAnalyticsSettings(ApiManagerVersion version) => version.Version is "4.6.0" or "4.7.0"
        ? new TomlTable { ["enable"] = false, ["type"] = "moesif" }
        : new TomlTable { ["enable"] = false, ["auth_token"] = "" };

    /// <summary><c>[apim.ai]</c> as each version ships it: enabled with empty credentials, whose key was renamed twice
    /// (4.3 <c>token</c> and <c>endpoint</c>, 4.4 <c>token</c>, 4.5+ <c>key</c>).</summary>
    internal static TomlTable ShippedAiSettings(ApiManagerVersion version) => version.Version switch
    {
        "4.3.0" => new TomlTable { ["enable"] = true, ["token"] = "", ["endpoint"] = "" },
        "4.4.0" => new TomlTable { ["enable"] = true, ["token"] = "" },
        _ => new TomlTable { ["enable"] = true, ["key"] = "" },
    };

    /// <summary><c>[apim.key_manager]</c> as each version ships it: 4.3 validates API-key subscriptions, 4.4 replaced
    /// that with light-weight API keys.</summary>
    internal static TomlTable ShippedKeyManagerSettings(ApiManagerVersion version) => version.Version == "4.3.0"
        ? new TomlTable { ["enable_apikey_subscription_validation"] = true }
        : new TomlTable { ["enable_lightweight_apikey_generation"] = true };
}
