using KmLab.Provisioner.Configuration;
using Tomlyn;
using Tomlyn.Model;
using Tomlyn.Parsing;
using Tomlyn.Syntax;

namespace KmLab.Provisioner.Tests.Configuration;

public class DeploymentTomlTests
{
    public static TheoryData<string, string> VersionPairs()
    {
        var data = new TheoryData<string, string>();
        foreach (var identityServer in Wso2Versions.IdentityServer)
            foreach (var apiManager in Wso2Versions.ApiManager)
                data.Add(identityServer.Version, apiManager.Version);
        return data;
    }

    [Theory]
    [MemberData(nameof(VersionPairs))]
    public void Identity_server_file_reparses_to_the_lab_values(string isVersion, string apimVersion)
    {
        var lab = RandomLab(isVersion, apimVersion);

        var toml = Parse(DeploymentToml.ForIdentityServer(lab));

        var server = Table(toml, "server");
        Assert.Equal("localhost", server["hostname"]);
        Assert.Equal((long)lab.IdentityServerOffset, server["offset"]);
        // IS 7.0 ships JKS stores; 7.1 and later PKCS12 (wso2/product-is@v7.1.0:modules/distribution/src/repository/resources/conf/deployment.toml).
        var (keyStoreFile, trustStoreFile, type) = isVersion == "7.0.0"
            ? ("wso2carbon.jks", "client-truststore.jks", "JKS")
            : ("wso2carbon.p12", "client-truststore.p12", "PKCS12");
        AssertStores(toml, keyStoreFile, trustStoreFile, type);
        AssertSuperAdmin(toml, lab);
        Assert.Equal("database_unique_id", Table(toml, "user_store")["type"]);
        Assert.Equal("h2", Table(toml, "database", "identity_db")["type"]);
        Assert.Equal("h2", Table(toml, "database", "shared_db")["type"]);
        // IS 7.2.0 added the agent identity data source to the shipped file.
        Assert.Equal(isVersion is "7.2.0" or "7.3.0", toml.ContainsKey("datasource"));

        // IS 7.0.0 GA does not know authorize_all_scopes: no [oauth] table there at all.
        if (isVersion == "7.0.0")
            Assert.False(toml.ContainsKey("oauth"));
        else
            Assert.Equal(true, Table(toml, "oauth")["authorize_all_scopes"]);

        var rule = Assert.Single(TableArray(Table(toml, "resource"), "access_control"));
        Assert.Equal("(.*)/scim2/Me", rule["context"]);
        Assert.Equal(true, rule["secure"]);
        Assert.Equal("GET", rule["http_method"]);
        Assert.Equal(true, rule["cross_tenant"]);
        Assert.Empty(Assert.IsType<TomlArray>(rule["permissions"]));
        Assert.Empty(Assert.IsType<TomlArray>(rule["scopes"]));

        Assert.Equal(true, Table(toml, "role_mgt")["allow_system_prefix_for_role"]);
        Assert.False(toml.ContainsKey("event_listener"));
    }

    [Theory]
    [MemberData(nameof(VersionPairs))]
    public void Identity_server_file_notifies_apim_of_revocations_only_when_asked(string isVersion, string apimVersion)
    {
        var lab = RandomLab(isVersion, apimVersion);

        var toml = Parse(DeploymentToml.ForIdentityServer(lab, revocationNotifier: true));

        var listener = Assert.Single(TableArray(toml, "event_listener"));
        Assert.Equal("token_revocation", listener["id"]);
        Assert.Equal("org.wso2.carbon.identity.core.handler.AbstractIdentityHandler", listener["type"]);
        Assert.Equal("org.wso2.is.notification.ApimOauthEventInterceptor", listener["name"]);
        Assert.Equal(1L, listener["order"]);
        var properties = Assert.IsType<TomlTable>(listener["properties"]);
        Assert.Equal(4, properties.Count);
        Assert.Equal($"https://{lab.ApiManagerHost}:9443/internal/data/v1/notify", properties["notification_endpoint"]);
        Assert.Equal(lab.AdminUser, properties["username"]);
        Assert.True(lab.AdminPassword.Equals(properties["password"]), "the listener's password is not APIM's admin password");
        Assert.Equal("WSO2-IS", properties["header.X-WSO2-KEY-MANAGER"]);
        // The rest of the file is unchanged by the listener.
        Assert.Equal("localhost", Table(toml, "server")["hostname"]);
        Assert.Single(TableArray(Table(toml, "resource"), "access_control"));
    }

    [Theory]
    [MemberData(nameof(VersionPairs))]
    public void Api_manager_file_reparses_to_the_lab_values(string isVersion, string apimVersion)
    {
        var lab = RandomLab(isVersion, apimVersion);

        var toml = Parse(DeploymentToml.ForApiManager(lab, TestKey));

        var server = Table(toml, "server");
        Assert.Equal("localhost", server["hostname"]);
        Assert.Equal(0L, server["offset"]);
        // Every APIM image of 4.3–4.7 ships JKS stores.
        AssertStores(toml, "wso2carbon.jks", "client-truststore.jks", "JKS");
        AssertSuperAdmin(toml, lab);
        Assert.Equal("database_unique_id", Table(toml, "user_store")["type"]);
        Assert.Equal("h2", Table(toml, "database", "apim_db")["type"]);
        Assert.Equal("h2", Table(toml, "database", "shared_db")["type"]);

        var apim = Table(toml, "apim");
        var gateway = Assert.Single(TableArray(Table(apim, "gateway"), "environment"));
        Assert.Equal("Default", gateway["name"]);
        Assert.Equal("https://localhost:${https.nio.port}", gateway["https_endpoint"]);
        Assert.Equal(["Default"], Assert.IsType<TomlArray>(Table(apim, "sync_runtime_artifacts", "gateway")["gateway_labels"]));
        Assert.Equal("https://localhost:${mgt.transport.https.port}/devportal", Table(apim, "devportal")["url"]);
        Assert.Equal(false, Table(apim, "analytics")["enable"]);
        // Shipped per version: 4.5 and 4.6 list more gateway types; 4.4 replaced API-key subscription validation.
        Assert.Equal(apimVersion switch
            {
                "4.5.0" => "Regular,APK,AWS",
                "4.6.0" => "Regular,APK,AWS,Azure,Kong,Envoy",
                "4.7.0" => "Regular,APK,AWS,Azure,Kong,Envoy,APIPlatform",
                _ => null,
            },
            apim.TryGetValue("gateway_type", out var gatewayType) ? gatewayType : null);
        Assert.Equal(apimVersion == "4.3.0" ? "enable_apikey_subscription_validation" : "enable_lightweight_apikey_generation",
            Assert.Single(Table(apim, "key_manager").Keys));
        Assert.Equal(@"^[\sa-zA-Z0-9._-]*$", Table(toml, "service_provider")["sp_name_regex"]);

        // APIM's own resident Key Manager listener, as shipped: WSO2's placeholders, not the lab's credentials.
        var listener = Assert.Single(TableArray(toml, "event_listener"));
        Assert.Equal("org.wso2.is.notification.ApimOauthEventInterceptor", listener["name"]);
        var properties = Assert.IsType<TomlTable>(listener["properties"]);
        Assert.Equal("default", properties["header.X-WSO2-KEY-MANAGER"]);
        Assert.Equal("${admin.password}", properties["password"]);
        Assert.False(toml.ContainsKey("resource"));
        Assert.False(toml.ContainsKey("role_mgt"));

        // 4.7.0 ships the JWT token type and keeps its local database open; it gets the lab's encryption key.
        var is47 = apimVersion == "4.7.0";
        Assert.Equal(is47 ? "jdbc:h2:./repository/database/WSO2CARBON_DB;DB_CLOSE_ON_EXIT=FALSE;DB_CLOSE_DELAY=-1"
            : "jdbc:h2:./repository/database/WSO2CARBON_DB;DB_CLOSE_ON_EXIT=FALSE", Table(toml, "database", "local")["url"]);
        if (is47)
        {
            var tokenType = Assert.Single(TableArray(Table(toml, "oauth", "extensions"), "token_types"));
            Assert.Equal("JWT", tokenType["name"]);
            Assert.Equal("org.wso2.is.key.manager.tokenpersistence.issuer.ExtendedJWTTokenIssuer", tokenType["issuer"]);
            Assert.Equal(TestKey, Table(toml, "encryption")["key"]);
        }
        else
        {
            Assert.False(toml.ContainsKey("encryption"));
            Assert.False(Table(toml, "oauth").ContainsKey("extensions"));
        }
    }

    /// <summary>WSO2's runtime diagnostics tool, which api-manager.sh starts as a second JVM beside every APIM, reads
    /// <c>diagnostic_tool_enabled</c> from the table its version's default.json names and exits unless it is "true"
    /// (product-apim default.json: <c>server_configuration</c> at v4.3.0–v4.5.0,
    /// <c>diagnostic_tool.server_configuration</c> at v4.6.0 and v4.7.0). The expected tables are written here from
    /// those files, not taken from the generator.</summary>
    [Theory]
    [MemberData(nameof(VersionPairs))]
    public void Api_manager_file_switches_the_diagnostics_tool_off_where_its_version_reads_the_switch(string isVersion, string apimVersion)
    {
        var toml = Parse(DeploymentToml.ForApiManager(RandomLab(isVersion, apimVersion), TestKey));

        string[] path = apimVersion is "4.6.0" or "4.7.0" ? ["diagnostic_tool", "server_configuration"] : ["server_configuration"];
        var section = Table(toml, path);
        Assert.Equal("false", Assert.Single(section).Value);
        Assert.Equal("diagnostic_tool_enabled", Assert.Single(section).Key);
        // Only the version's own table: a second one would be a key no template of that version reads.
        Assert.False(toml.ContainsKey(path[0] == "server_configuration" ? "diagnostic_tool" : "server_configuration"));
    }

    [Fact]
    public void Apim_4_7_without_an_encryption_key_is_not_written()
    {
        var lab = RandomLab("7.3.0", "4.7.0");

        Assert.Throws<ArgumentException>(() => DeploymentToml.ForApiManager(lab));
    }

    [Theory]
    [MemberData(nameof(VersionPairs))]
    public void Every_file_has_the_shape_the_strict_wso2_parser_wants(string isVersion, string apimVersion)
    {
        var lab = RandomLab(isVersion, apimVersion);
        foreach (var text in new[]
                 {
                     DeploymentToml.ForIdentityServer(lab), DeploymentToml.ForIdentityServer(lab, revocationNotifier: true),
                     DeploymentToml.ForApiManager(lab, TestKey),
                 })
        {
            var syntax = SyntaxParser.ParseStrict(text, "deployment.toml");
            Assert.False(syntax.HasErrors, string.Join("; ", syntax.Diagnostics.Select(d => d.Message)));
            Assert.Empty(syntax.KeyValues);

            var headers = syntax.Tables.OfType<TableSyntax>().Select(t => t.Name!.ToString().Trim()).ToList();
            Assert.Equal(headers.Distinct().ToList(), headers);
            Assert.True(syntax.Tables.OfType<TableArraySyntax>().Any(), "the file has no [[...]] block at all");

            var values = syntax.Tables.SelectMany(t => t.Items).Select(kv => kv.Value).ToList();
            Assert.DoesNotContain(values, v => v is InlineTableSyntax);
            Assert.DoesNotContain(values, v => v is ArraySyntax array && array.Items.Any(i => i.Value is InlineTableSyntax));

            // No empty parent header such as [resource] right before [[resource.access_control]].
            var lines = text.Split('\n').Where(l => l.Length > 0).ToList();
            for (var i = 0; i + 1 < lines.Count; i++)
                Assert.False(lines[i].StartsWith('[') && !lines[i].StartsWith("[[") && lines[i + 1].StartsWith('[')
                             && lines[i + 1].TrimStart('[').StartsWith(lines[i].Trim('[', ']') + ".", StringComparison.Ordinal),
                    $"{lines[i]} is empty and only opens {lines[i + 1]}");
        }
    }

    private const string TestKey = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

    [Fact]
    public void A_table_cannot_be_written_twice()
    {
        var document = new TomlDocument().Table("oauth", PlainSection.Of("authorize_all_scopes", true));

        var e = Assert.Throws<InvalidOperationException>(() => document.Table("oauth", PlainSection.Of("other", 1)));
        Assert.Contains("[oauth]", e.Message);
    }

    private static LabTopology RandomLab(string isVersion, string apimVersion) => new(
        Wso2Versions.ParseIdentityServer(isVersion),
        Wso2Versions.ParseApiManager(apimVersion),
        IdentityServerOffset: RandomNumberGenerator.GetInt32(1, 100),
        IdentityServerHost: "is-" + RandomNumberGenerator.GetHexString(6, lowercase: true),
        ApiManagerHost: "apim-" + RandomNumberGenerator.GetHexString(6, lowercase: true),
        AdminUser: "admin-" + RandomNumberGenerator.GetHexString(4, lowercase: true),
        AdminPassword: RandomNumberGenerator.GetHexString(24));

    private static void AssertStores(TomlTable toml, string keyStoreFile, string trustStoreFile, string type)
    {
        foreach (var use in new[] { "primary", "tls", "internal" })
        {
            var store = Table(toml, "keystore", use);
            Assert.Equal(keyStoreFile, store["file_name"]);
            Assert.Equal(type, store["type"]);
            Assert.Equal("wso2carbon", store["password"]);
            Assert.Equal("wso2carbon", store["alias"]);
            Assert.Equal("wso2carbon", store["key_password"]);
        }
        var trustStore = Table(toml, "truststore");
        Assert.Equal(trustStoreFile, trustStore["file_name"]);
        Assert.Equal(type, trustStore["type"]);
        Assert.Equal("wso2carbon", trustStore["password"]);
    }

    /// <summary>Compares the password without handing it to an assertion that would print it.</summary>
    private static void AssertSuperAdmin(TomlTable toml, LabTopology lab)
    {
        var admin = Table(toml, "super_admin");
        Assert.Equal(lab.AdminUser, admin["username"]);
        Assert.True(lab.AdminPassword.Equals(admin["password"]), "super_admin.password is not the lab's admin password");
        Assert.Equal(true, admin["create_admin_account"]);
    }

    private static TomlTable Parse(string text) => TomlSerializer.Deserialize<TomlTable>(text)!;

    private static TomlTable Table(TomlTable table, params string[] path) =>
        path.Aggregate(table, (current, key) => Assert.IsType<TomlTable>(current[key]));

    private static TomlTableArray TableArray(TomlTable table, string key) => Assert.IsType<TomlTableArray>(table[key]);
}
