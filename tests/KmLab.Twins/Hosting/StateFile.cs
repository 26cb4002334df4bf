namespace KmLab.Twins.Hosting;

/// <summary>What a twin keeps as the real server keeps it in its database: one JSON file in the data directory,
/// replaced whole on every change (write, then rename). No data directory: memory only.</summary>
internal static class StateFile
{
    public static T Load<T>(string? directory, string fileName) where T : new()
    {
        var path = directory is null ? null : Path.Combine(directory, fileName);
        return path is not null && File.Exists(path)
            ? JsonSerializer.Deserialize<T>(File.ReadAllText(path), WireJson.Options) ?? new T()
            : new T();
    }

    public static void Save<T>(T state, string? directory, string fileName)
    {
        if (directory is null) return;
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, fileName);
        File.WriteAllText(path + ".tmp", JsonSerializer.Serialize(state, WireJson.Options));
        File.Move(path + ".tmp", path, overwrite: true);
    }
}
