using Tomlyn;
using Tomlyn.Model;

namespace KmLab.Provisioner.Configuration;

/// <summary>A deployment.toml under construction: typed sections placed at dotted table names, then written with
/// Tomlyn in the shape WSO2's strict parser wants.</summary>
internal sealed class TomlDocument
{
    private readonly TomlTable _root = new();

    /// <summary>Adds <c>[path]</c>. A table may be added once only: WSO2 refuses a repeated table (a second
    /// <c>[oauth]</c> stops IS at start), so everything a table holds goes into its one section.</summary>
    public TomlDocument Table(string path, ITomlSection section)
    {
        var (parent, name) = Parent(path);
        if (!parent.TryAdd(name, section.ToTable()))
            throw new InvalidOperationException($"[{path}] is added twice; merge its keys into one section.");
        return this;
    }

    /// <summary>Appends one <c>[[path]]</c> entry.</summary>
    public TomlDocument ArrayEntry(string path, ITomlSection section)
    {
        var (parent, name) = Parent(path);
        if (!parent.TryGetValue(name, out var existing))
            parent[name] = existing = new TomlTableArray();
        ((TomlTableArray)existing).Add(section.ToTable());
        return this;
    }

    /// <summary>Blocks only: WSO2's parser reads <c>[[a.b]]</c> headers, never inline arrays of tables.</summary>
    private static readonly TomlSerializerOptions Options = new()
    {
        TableArrayStyle = TomlTableArrayStyle.Headers,
        InlineTablePolicy = TomlInlineTablePolicy.Never,
        NewLine = TomlNewLineKind.Lf,
    };

    public override string ToString() => Tidy(TomlSerializer.Serialize(_root, Options));

    /// <summary>Tomlyn writes a header for every table on a path, so a table holding only sub-tables comes out as an
    /// empty <c>[resource]</c> right before <c>[[resource.access_control]]</c> (likewise <c>[keystore]</c>,
    /// <c>[database]</c>). That is valid TOML and WSO2's parser (Cava TOML) would take it, but the header declares
    /// nothing the next one does not declare implicitly, and WSO2's own files never write it; dropping it keeps the
    /// file in the form WSO2 documents and leaves the parsed tree unchanged. A blank line before each header is for
    /// the reader.</summary>
    private static string Tidy(string toml)
    {
        var lines = toml.Split('\n');
        var kept = new List<string>(lines.Length + 32);
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            if (IsTableHeader(line) && i + 1 < lines.Length && OpensSubTable(lines[i + 1], line[1..^1]))
                continue;
            if (line.StartsWith('[') && kept.Count > 0)
                kept.Add("");
            kept.Add(line);
        }
        return string.Join('\n', kept);
    }

    private static bool IsTableHeader(string line) => line.StartsWith('[') && !line.StartsWith("[[") && line.EndsWith(']');

    private static bool OpensSubTable(string next, string parent) =>
        next.StartsWith('[') && next.TrimStart('[').StartsWith(parent + ".", StringComparison.Ordinal);

    private (TomlTable Parent, string Name) Parent(string path)
    {
        var parts = path.Split('.');
        var table = _root;
        foreach (var part in parts[..^1])
        {
            if (!table.TryGetValue(part, out var child))
                table[part] = child = new TomlTable();
            table = child as TomlTable
                ?? throw new InvalidOperationException($"[{path}] lies under '{part}', which is not a table.");
        }
        return (table, parts[^1]);
    }
}
