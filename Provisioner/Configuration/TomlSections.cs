using KmLab.Lab.Wso2;
using Tomlyn.Model;

namespace KmLab.Provisioner.Configuration;

/// <summary>One table of a deployment.toml, typed; <see cref="ToTable"/> gives its keys in WSO2's spelling.</summary>
internal interface ITomlSection
{
    TomlTable ToTable();
}

/// <summary><c>[server]</c>. <c>hostname</c> drives every URL the server prints (issuer, portals, redirects).</summary>
internal sealed record ServerSection(string Hostname, int Offset, string BasePath, string? NodeIp = null, string? ServerRole = null)
    : ITomlSection
{
    public TomlTable ToTable() => new TomlTable { ["hostname"] = Hostname }
        .WithOptional("node_ip", NodeIp)
        .With("base_path", BasePath)
        .WithOptional("server_role", ServerRole)
        .With("offset", Offset);
}

/// <summary><c>[super_admin]</c>: the account created at first start.</summary>
internal sealed record SuperAdminSection(string Username, string Password) : ITomlSection
{
    public TomlTable ToTable() => new()
    {
        ["username"] = Username,
        ["password"] = Password,
        ["create_admin_account"] = true,
    };
}

/// <summary><c>[user_store]</c>.</summary>
internal sealed record UserStoreSection(string Type) : ITomlSection
{
    /// <summary>Both images ship the JDBC user store with unique user ids.</summary>
    public static UserStoreSection Shipped { get; } = new("database_unique_id");

    public TomlTable ToTable() => new() { ["type"] = Type };
}

/// <summary><c>[database.*]</c>: the images ship embedded H2 databases, which is what a lab wants.</summary>
internal sealed record H2DatabaseSection(string Url, bool WithCredentials = true) : ITomlSection
{
    public TomlTable ToTable() => WithCredentials
        ? new TomlTable { ["type"] = "h2", ["url"] = Url, ["username"] = H2.User, ["password"] = H2.Password }
        : new TomlTable { ["url"] = Url };
}

/// <summary><c>[datasource.*]</c>: a named H2 data source (IS 7.2+ ships <c>AgentIdentity</c> this way).</summary>
internal sealed record H2DataSourceSection(string Id, string Url) : ITomlSection
{
    public TomlTable ToTable() => new()
    {
        ["id"] = Id,
        ["url"] = Url,
        ["username"] = H2.User,
        ["password"] = H2.Password,
        ["driver"] = H2.Driver,
    };
}

/// <summary>The embedded H2 databases' conventions, as both products ship them.</summary>
internal static class H2
{
    public const string User = "wso2carbon";
    public const string Password = "wso2carbon";
    public const string Driver = "org.h2.Driver";

    /// <summary>A database file under the product's <c>repository/database</c>; <paramref name="options"/> as shipped.</summary>
    public static string Url(string name, string options) => $"jdbc:h2:./repository/database/{name};{options}";
}

/// <summary><c>[keystore.primary]</c>, <c>[keystore.tls]</c> or <c>[keystore.internal]</c>.</summary>
internal sealed record KeyStoreSection(string FileName, string Type, string Password, string Alias, string KeyPassword)
    : ITomlSection
{
    /// <summary>The lab's one keystore per server, in the file name and format the image version expects.</summary>
    public static KeyStoreSection For(KeyStoreFormat format) => new(
        Wso2KeyStores.KeyStoreFileName(format), Wso2KeyStores.TomlType(format),
        Wso2KeyStores.Password, Wso2KeyStores.Alias, Wso2KeyStores.Password);

    public TomlTable ToTable() => new()
    {
        ["file_name"] = FileName,
        ["type"] = Type,
        ["password"] = Password,
        ["alias"] = Alias,
        ["key_password"] = KeyPassword,
    };
}

/// <summary><c>[truststore]</c>.</summary>
internal sealed record TrustStoreSection(string FileName, string Type, string Password) : ITomlSection
{
    public static TrustStoreSection For(KeyStoreFormat format) => new(
        Wso2KeyStores.TrustStoreFileName(format), Wso2KeyStores.TomlType(format), Wso2KeyStores.Password);

    public TomlTable ToTable() => new() { ["file_name"] = FileName, ["type"] = Type, ["password"] = Password };
}

/// <summary>One <c>[[resource.access_control]]</c> entry of IS.</summary>
internal sealed record AccessControlRule(
    string Context, bool Secure, string HttpMethod, bool CrossTenant, IReadOnlyList<string> Permissions, IReadOnlyList<string> Scopes)
    : ITomlSection
{
    public TomlTable ToTable() => new()
    {
        ["context"] = Context,
        ["secure"] = Secure,
        ["http_method"] = HttpMethod,
        ["cross_tenant"] = CrossTenant,
        ["permissions"] = Strings(Permissions),
        ["scopes"] = Strings(Scopes),
    };

    private static TomlArray Strings(IEnumerable<string> values)
    {
        var array = new TomlArray();
        foreach (var value in values) array.Add(value);
        return array;
    }
}

/// <summary>One <c>[[event_listener]]</c> entry with its <c>[event_listener.properties]</c>.</summary>
internal sealed record EventListenerSection(string Id, string Type, string Name, int Order, IReadOnlyList<KeyValuePair<string, string>> Properties)
    : ITomlSection
{
    public TomlTable ToTable()
    {
        var properties = new TomlTable();
        foreach (var (key, value) in Properties) properties[key] = value;
        return new TomlTable { ["id"] = Id, ["type"] = Type, ["name"] = Name, ["order"] = Order, ["properties"] = properties };
    }
}

/// <summary>A table the typed records above do not need a type of their own for (a few scalar keys, as shipped).</summary>
internal sealed record PlainSection(TomlTable Table) : ITomlSection
{
    public static PlainSection Of(TomlTable table) => new(table);

    public static PlainSection Of(string key, object value) => new(new TomlTable { [key] = value });

    public TomlTable ToTable() => Table;
}

internal static class TomlTableExtensions
{
    public static TomlTable With(this TomlTable table, string key, object value)
    {
        table[key] = value;
        return table;
    }

    public static TomlTable WithOptional(this TomlTable table, string key, object? value) =>
        value is null ? table : table.With(key, value);
}
