using KmLab.Provisioner.Configuration;
using Tomlyn;
using Tomlyn.Model;

namespace KmLab.Provisioner.Tests.Configuration;

/// <summary>Every key the product's shipped deployment.toml of that version sets stays in the generated file (the lab
/// changes values, not keys). The expected key sets are facts read from the shipped files, written here as dotted keys
/// (<c>[]</c> marks an array of tables), independent of the generator:
/// product-apim <c>modules/distribution/product/src/main/conf/deployment.toml</c> at v4.3.0 and v4.4.0,
/// <c>all-in-one-apim/modules/distribution/product/src/main/conf/deployment.toml</c> at v4.5.0, v4.6.0 and v4.7.0;
/// product-is <c>modules/distribution/src/repository/resources/conf/deployment.toml</c> at v7.0.0 to v7.3.0.</summary>
public sealed class ShippedKeysTests
{
    /// <summary>Keys all five APIM versions ship.</summary>
    private static readonly string[] ApimCommon =
    [
        "apim.ai.enable",
        "apim.analytics.enable",
        "apim.cors.allow_credentials",
        "apim.cors.allow_headers",
        "apim.cors.allow_methods",
        "apim.cors.allow_origins",
        "apim.gateway.environment[].description",
        "apim.gateway.environment[].display_in_api_console",
        "apim.gateway.environment[].gateway_type",
        "apim.gateway.environment[].http_endpoint",
        "apim.gateway.environment[].https_endpoint",
        "apim.gateway.environment[].name",
        "apim.gateway.environment[].password",
        "apim.gateway.environment[].provider",
        "apim.gateway.environment[].service_url",
        "apim.gateway.environment[].show_as_token_endpoint_url",
        "apim.gateway.environment[].type",
        "apim.gateway.environment[].username",
        "apim.gateway.environment[].websub_event_receiver_http_endpoint",
        "apim.gateway.environment[].websub_event_receiver_https_endpoint",
        "apim.gateway.environment[].ws_endpoint",
        "apim.gateway.environment[].wss_endpoint",
        "apim.sync_runtime_artifacts.gateway.gateway_labels",
        "database.apim_db.password",
        "database.apim_db.type",
        "database.apim_db.url",
        "database.apim_db.username",
        "database.local.url",
        "database.shared_db.password",
        "database.shared_db.type",
        "database.shared_db.url",
        "database.shared_db.username",
        "event_handler[].name",
        "event_handler[].subscriptions",
        "event_listener[].id",
        "event_listener[].name",
        "event_listener[].order",
        "event_listener[].properties.'header.X-WSO2-KEY-MANAGER'",
        "event_listener[].properties.notification_endpoint",
        "event_listener[].properties.password",
        "event_listener[].properties.username",
        "event_listener[].type",
        "keystore.tls.alias",
        "keystore.tls.file_name",
        "keystore.tls.key_password",
        "keystore.tls.password",
        "keystore.tls.type",
        "oauth.grant_type.token_exchange.allow_refresh_tokens",
        "oauth.grant_type.token_exchange.enable",
        "oauth.grant_type.token_exchange.iat_validity_period",
        "server.base_path",
        "server.hostname",
        "server.server_role",
        "service_provider.sp_name_regex",
        "super_admin.create_admin_account",
        "super_admin.password",
        "super_admin.username",
        "user_store.type",
    ];

    /// <summary>What each APIM version ships besides <see cref="ApimCommon"/>.</summary>
    private static readonly Dictionary<string, string[]> ApimByVersion = new()
    {
        ["4.3.0"] = ["apim.ai.endpoint", "apim.ai.token", "apim.analytics.auth_token", "apim.key_manager.enable_apikey_subscription_validation"],
        ["4.4.0"] = ["apim.ai.token", "apim.analytics.auth_token", "apim.key_manager.enable_lightweight_apikey_generation"],
        ["4.5.0"] = ["apim.ai.key", "apim.analytics.auth_token", "apim.gateway_type", "apim.key_manager.enable_lightweight_apikey_generation"],
        ["4.6.0"] = ["apim.ai.key", "apim.analytics.type", "apim.gateway_type", "apim.key_manager.enable_lightweight_apikey_generation"],
        ["4.7.0"] = ["apim.ai.key", "apim.analytics.type", "apim.gateway_type", "apim.key_manager.enable_lightweight_apikey_generation",
                     "oauth.extensions.token_types[].issuer", "oauth.extensions.token_types[].name"],
    };

    /// <summary>Keys all four IS versions ship.</summary>
    private static readonly string[] IsCommon =
    [
        "account_recovery.endpoint.auth.hash",
        "database.identity_db.password",
        "database.identity_db.type",
        "database.identity_db.url",
        "database.identity_db.username",
        "database.shared_db.password",
        "database.shared_db.type",
        "database.shared_db.url",
        "database.shared_db.username",
        "identity.auth_framework.endpoint.app_password",
        "keystore.primary.file_name",
        "keystore.primary.password",
        "keystore.primary.type",
        "server.base_path",
        "server.hostname",
        "server.node_ip",
        "super_admin.create_admin_account",
        "super_admin.password",
        "super_admin.username",
        "truststore.file_name",
        "truststore.password",
        "truststore.type",
        "user_store.type",
    ];

    /// <summary>What each IS version ships besides <see cref="IsCommon"/>: 7.2.0 added an H2 data source.</summary>
    private static readonly Dictionary<string, string[]> IsByVersion = new()
    {
        ["7.0.0"] = [],
        ["7.1.0"] = [],
        ["7.2.0"] = AgentIdentity,
        ["7.3.0"] = AgentIdentity,
    };

    private static string[] AgentIdentity =>
        ["datasource.AgentIdentity.driver", "datasource.AgentIdentity.id", "datasource.AgentIdentity.password",
         "datasource.AgentIdentity.url", "datasource.AgentIdentity.username"];

    public static TheoryData<string> ApimVersions => new(Wso2Versions.ApiManager.Select(v => v.Version));
    public static TheoryData<string> IsVersions => new(Wso2Versions.IdentityServer.Select(v => v.Version));

    [Theory]
    [MemberData(nameof(ApimVersions))]
    public void The_generated_apim_file_keeps_every_key_the_shipped_file_of_that_version_sets(string version)
    {
        var lab = Topology("7.3.0", version);

        var generated = Keys(DeploymentToml.ForApiManager(lab, new string('a', 64)));

        Assert.Empty(ApimCommon.Concat(ApimByVersion[version]).Except(generated).Order());
    }

    [Theory]
    [MemberData(nameof(IsVersions))]
    public void The_generated_is_file_keeps_every_key_the_shipped_file_of_that_version_sets(string version)
    {
        var lab = Topology(version, "4.6.0");

        var generated = Keys(DeploymentToml.ForIdentityServer(lab, revocationNotifier: true));

        Assert.Empty(IsCommon.Concat(IsByVersion[version]).Except(generated).Order());
    }

    [Fact]
    public void Every_supported_version_has_its_shipped_key_set_here()
    {
        Assert.Equal(Wso2Versions.ApiManager.Select(v => v.Version).Order(), ApimByVersion.Keys.Order());
        Assert.Equal(Wso2Versions.IdentityServer.Select(v => v.Version).Order(), IsByVersion.Keys.Order());
    }

    [Fact]
    public void A_missing_key_is_seen()
    {
        // The comparison itself can fail: a file without [apim.ai] lacks keys 4.6.0 ships.
        var generated = Keys("[apim.analytics]\nenable = false\ntype = \"moesif\"\n");

        Assert.Contains("apim.ai.enable", ApimCommon.Except(generated));
    }

    /// <summary>The dotted keys a TOML text sets; arrays of tables as <c>name[].key</c>, keys with dots quoted.</summary>
    internal static IReadOnlySet<string> Keys(string toml)
    {
        var keys = new HashSet<string>(StringComparer.Ordinal);
        Walk(TomlSerializer.Deserialize<TomlTable>(toml)!, "");
        return keys;

        void Walk(TomlTable table, string prefix)
        {
            foreach (var (key, value) in table)
            {
                var part = key.Contains('.') || key.Contains(' ') ? $"'{key}'" : key;
                var name = prefix.Length == 0 ? part : $"{prefix}.{part}";
                switch (value)
                {
                    case TomlTable child: Walk(child, name); break;
                    case TomlTableArray array: foreach (var item in array) Walk(item, name + "[]"); break;
                    default: keys.Add(name); break;
                }
            }
        }
    }

    private static LabTopology Topology(string isVersion, string apimVersion) => new(
        Wso2Versions.ParseIdentityServer(isVersion), Wso2Versions.ParseApiManager(apimVersion), 1, "is7", "apim", "admin", "pw");
}
