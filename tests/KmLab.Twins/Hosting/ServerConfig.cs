using Tomlyn;
using Tomlyn.Model;
using Tomlyn.Parsing;
using Tomlyn.Syntax;

namespace KmLab.Twins.Hosting;

internal enum TwinProduct { IdentityServer, ApiManager }

/// <summary>A <c>[keystore.*]</c> or <c>[truststore]</c> table; files live in <c>repository/resources/security/</c>.</summary>
internal sealed record StoreConfig(string FileName, string Type, string Password, string Alias);

/// <summary>One <c>[[resource.access_control]]</c> entry of IS.</summary>
internal sealed record AccessControlEntry(string Context, bool Secure, IReadOnlyList<string> HttpMethods)
{
    /// <summary><c>allowed_auth_handlers</c>, comma separated; empty when not given (all handlers engaged).</summary>
    public IReadOnlyList<string> AllowedAuthHandlers { get; init; } = [];

    public bool Matches(string method, string path) =>
        (HttpMethods.Count == 0 || HttpMethods.Contains(method, StringComparer.OrdinalIgnoreCase))
        && System.Text.RegularExpressions.Regex.IsMatch(path, "^" + Context + "$");
}

/// <summary>IS → APIM token revocation listener (<c>[[event_listener]]</c> ApimOauthEventInterceptor).</summary>
internal sealed record NotificationListener(string Endpoint, string Username, string Password, string? KeyManagerHeader);

/// <summary>What a WSO2 server takes from its <c>deployment.toml</c>, as far as the lab touches it.</summary>
internal sealed record ServerConfig(
    string Hostname,
    int Offset,
    StoreConfig PrimaryKeyStore,
    StoreConfig TlsKeyStore,
    StoreConfig TrustStore,
    string AdminUser,
    string AdminPassword,
    IReadOnlyList<AccessControlEntry> AccessControl,
    bool AuthorizeAllScopes,
    bool AllowSystemPrefixForRole,
    NotificationListener? Notification,
    string? NotificationJar)
{
    /// <summary>APIM 4.7.0: <c>[encryption] key</c>, the internal encryption key; null when the file has none.</summary>
    public string? EncryptionKey { get; init; }

    /// <summary>APIM: <c>[apim.jwt] enable</c> (the backend JWT; shipped commented out) and
    /// <c>[apim.jwt.gateway_generator] enable_claim_retrieval</c> (api-manager.xml.j2
    /// <c>EnableUserClaimRetrievalFromKeyManager</c>): the gateway asks the Key Manager for the user's claims when it
    /// builds a backend JWT for a JWT access token. <c>enable_user_claims</c> alone does not (it feeds the key
    /// validation service's generator, not the gateway's).</summary>
    public bool GatewayClaimRetrieval { get; init; }

    /// <summary>APIM: <c>[apim.oauth_config] enable_outbound_auth_header</c> (default false): the gateway keeps the
    /// caller's Authorization header on the request to the backend instead of removing it.</summary>
    public bool OutboundAuthHeader { get; init; }

    /// <summary>APIM: each <c>[[apim.gateway.environment]]</c> by name, with the host names of its virtual hosts: the
    /// host of its own endpoint URLs (Environment.setEndpointsAsVhost) and of each <c>virtual_host</c> entry
    /// (APIManagerConfiguration L1185-1213, CAM-4.6). A deployment names one of these hosts as its <c>vhost</c>.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> GatewayEnvironments { get; init; } = new Dictionary<string, IReadOnlyList<string>>();

    public const string ConfigLogger = "org.wso2.config.mapper.ConfigParser";
    public const string ParserLogger = "org.wso2.config.mapper.TomlParser";
    public const string MainLogger = "org.wso2.carbon.server.Main handleConfiguration";

    /// <summary>Reads <c>repository/conf/deployment.toml</c> of a config volume. Refuses what WSO2's parser refuses:
    /// any TOML error (duplicate tables included) and inline arrays of tables.</summary>
    public static ServerConfig Read(string volume, TwinProduct product, string version, TwinLog log)
    {
        var path = CarbonFacts.DeploymentToml(volume);
        log.Info(ConfigLogger, "Initializing configurations with deployment configurations");
        if (!File.Exists(path))
            throw Refuse(log, $"deployment.toml not found at {path}");
        var text = File.ReadAllText(path);

        var syntax = SyntaxParser.Parse(text, path, validate: true);
        if (syntax.HasErrors)
            throw Refuse(log, Describe(syntax.Diagnostics.First(d => d.Kind == DiagnosticMessageKind.Error)));
        if (FindInlineTableArray(syntax) is { } inline)
            throw Refuse(log, $"{inline} is an inline array of tables, which this server reads only in block form ([[{inline}]])");

        var toml = TomlSerializer.Deserialize<TomlTable>(text) ?? new TomlTable();
        var defaultFormat = product == TwinProduct.IdentityServer ? IsFacts.StoreFormat(version) : new ApimRelease(version).StoreFormat;
        var primary = Store(Table(toml, "keystore", "primary"), CarbonFacts.KeyStoreFile(defaultFormat), defaultFormat);
        var tlsTable = Table(toml, "keystore", "tls");
        var resource = Table(toml, "resource");

        return new ServerConfig(
            Hostname: String(Table(toml, "server"), "hostname") ?? "localhost",
            Offset: Int(Table(toml, "server"), "offset") ?? 0,
            PrimaryKeyStore: primary,
            TlsKeyStore: tlsTable is null ? primary : Store(tlsTable, primary.FileName, defaultFormat),
            TrustStore: Store(Table(toml, "truststore"), CarbonFacts.TrustStoreFile(defaultFormat), defaultFormat),
            AdminUser: String(Table(toml, "super_admin"), "username") ?? "admin",
            AdminPassword: String(Table(toml, "super_admin"), "password") ?? "admin",
            AccessControl: TableArray(resource, "access_control").Select(ReadAccessControl).ToList(),
            AuthorizeAllScopes: Bool(Table(toml, "oauth"), "authorize_all_scopes") ?? false,
            AllowSystemPrefixForRole: Bool(Table(toml, "role_mgt"), "allow_system_prefix_for_role") ?? false,
            Notification: TableArray(toml, "event_listener").Select(ReadNotification).FirstOrDefault(n => n is not null),
            NotificationJar: FindNotificationJar(volume))
        {
            EncryptionKey = String(Table(toml, "encryption"), "key"),
            GatewayClaimRetrieval = Bool(Table(toml, "apim", "jwt"), "enable") == true
                && Bool(Table(toml, "apim", "jwt", "gateway_generator"), "enable_claim_retrieval") == true,
            OutboundAuthHeader = Bool(Table(toml, "apim", "oauth_config"), "enable_outbound_auth_header") == true,
            GatewayEnvironments = ReadGatewayEnvironments(Table(toml, "apim", "gateway")),
        };
    }

    public string SecurityFile(string volume, StoreConfig store) => Path.Combine(CarbonFacts.SecurityDirectory(volume), store.FileName);

    /// <summary>The notifier's jar in <c>repository/components/dropins</c> of the config volume (copied over the
    /// product home at start), or null: without it IS cannot load the listener class.</summary>
    private static string? FindNotificationJar(string volume)
    {
        var dropins = CarbonFacts.Dropins(volume);
        return Directory.Exists(dropins)
            ? Directory.EnumerateFiles(dropins, IsFacts.NotificationJarPrefix + "*.jar").Select(Path.GetFileName).FirstOrDefault()
            : null;
    }

    private static TwinRefusedException Refuse(TwinLog log, string problem)
    {
        log.Error(ParserLogger, problem);
        log.Log("SEVERE", MainLogger, "Error while performing configuration changes");
        log.Line("org.wso2.config.mapper.ConfigParserException: Error parsing deployment configuration");
        return new TwinRefusedException($"deployment.toml refused: {problem}", log.Lines);
    }

    /// <summary>One line in the shape of WSO2's parser: "oauth previously defined at line 3, column 1 (line 9, column 1)".</summary>
    private static string Describe(DiagnosticMessage diagnostic)
    {
        var at = $"line {diagnostic.Span.Start.Line + 1}, column {diagnostic.Span.Start.Column + 1}";
        var duplicate = System.Text.RegularExpressions.Regex.Match(diagnostic.Message, @"The key `([^`]+)` is already defined at \((\d+),(\d+)\)");
        return duplicate.Success
            ? $"{duplicate.Groups[1].Value} previously defined at line {duplicate.Groups[2].Value}, column {duplicate.Groups[3].Value} ({at})"
            : $"{diagnostic.Message.ReplaceLineEndings(" ")} ({at})";
    }

    /// <summary>The dotted name of the first <c>key = [{...}, ...]</c>, or null.</summary>
    private static string? FindInlineTableArray(DocumentSyntax syntax)
    {
        IEnumerable<(string Prefix, KeyValueSyntax Item)> KeyValues()
        {
            foreach (var kv in syntax.KeyValues) yield return ("", kv);
            foreach (var table in syntax.Tables)
                foreach (var kv in table.Items)
                    yield return (table.Name!.ToString().Trim() + ".", kv);
        }
        foreach (var (prefix, kv) in KeyValues())
            if (kv.Value is ArraySyntax array && array.Items.Any(i => i.Value is InlineTableSyntax))
                return prefix + kv.Key!.ToString().Trim();
        return null;
    }

    private static StoreConfig Store(TomlTable? table, string defaultFile, StoreFormat defaultFormat) => new(
        String(table, "file_name") ?? defaultFile,
        String(table, "type") ?? CarbonFacts.TomlType(defaultFormat),
        String(table, "password") ?? CarbonFacts.KeyStorePassword,
        String(table, "alias") ?? CarbonFacts.KeyAlias);

    private static AccessControlEntry ReadAccessControl(TomlTable entry) => new(
        String(entry, "context") ?? "",
        Bool(entry, "secure") ?? true,
        (String(entry, "http_method") ?? "all") is var methods && methods.Equals("all", StringComparison.OrdinalIgnoreCase)
            ? [] : methods.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
    {
        AllowedAuthHandlers = (String(entry, "allowed_auth_handlers") ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries),
    };

    private static readonly string[] EndpointKeys = ["http_endpoint", "https_endpoint", "ws_endpoint", "wss_endpoint"];

    private static Dictionary<string, IReadOnlyList<string>> ReadGatewayEnvironments(TomlTable? gateway)
    {
        var environments = new Dictionary<string, IReadOnlyList<string>>();
        foreach (var environment in TableArray(gateway, "environment"))
        {
            if (String(environment, "name") is not { } name || environments.ContainsKey(name)) continue; // the first one wins
            environments[name] = new[] { environment }.Concat(TableArray(environment, "virtual_host"))
                .SelectMany(vhost => EndpointKeys.Select(key => HostOf(String(vhost, key))))
                .OfType<string>().Distinct().ToList();
        }
        return environments;

        // The URLs hold placeholders such as ${http.nio.port}, so the host is cut out by hand.
        static string? HostOf(string? url)
        {
            if (url is null || url.IndexOf("://", StringComparison.Ordinal) is var scheme && scheme < 0) return null;
            var rest = url[(scheme + 3)..];
            var end = rest.IndexOfAny([':', '/']);
            return end < 0 ? rest : rest[..end];
        }
    }

    private static NotificationListener? ReadNotification(TomlTable listener)
    {
        if (String(listener, "name") != IsFacts.NotificationListener || Table(listener, "properties") is not { } properties)
            return null;
        return String(properties, "notification_endpoint") is { } endpoint
            ? new NotificationListener(endpoint, String(properties, "username") ?? "", String(properties, "password") ?? "",
                String(properties, IsFacts.NotificationHeaderProperty))
            : null;
    }

    private static TomlTable? Table(TomlTable? root, params string[] path)
    {
        var current = root;
        foreach (var name in path)
            current = current is not null && current.TryGetValue(name, out var value) ? value as TomlTable : null;
        return current;
    }

    private static IEnumerable<TomlTable> TableArray(TomlTable? table, string key) =>
        table is not null && table.TryGetValue(key, out var value) && value is TomlTableArray array ? array : [];

    private static string? String(TomlTable? table, string key) =>
        table is not null && table.TryGetValue(key, out var value) ? Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) : null;

    private static int? Int(TomlTable? table, string key) => String(table, key) is { } s && int.TryParse(s, out var i) ? i : null;

    private static bool? Bool(TomlTable? table, string key) => String(table, key) is { } s && bool.TryParse(s, out var b) ? b : null;
}
