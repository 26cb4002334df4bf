using System.Text.Json;
using System.Text.Json.Serialization;

namespace KmLab.Lab;

/// <summary><c>&lt;state&gt;/apis/&lt;name&gt;.json</c>: where the gateway serves an API and which application calls it.</summary>
public sealed record PublishedApi(
    string Name,
    string Context,
    string Version,
    Uri GatewayUrl,
    string Application,
    string ConsumerKey,
    string ApiId);

/// <summary><c>&lt;state&gt;/applications/&lt;name&gt;.json</c> (mode 0600): the application's client credentials and
/// where IS issues its tokens. <see cref="ToString"/> withholds the secret.</summary>
public sealed record LabApplicationFile(string Name, string KeyManager, string ConsumerKey, string ConsumerSecret, Uri TokenUrl)
{
    public override string ToString() => $"application {Name} ({ConsumerKey}, secret withheld)";
}

/// <summary>Writes both files whole (a temporary file, then a rename) and only when their content changed, so a
/// re-run changes nothing and a reader never sees half a file.</summary>
public static class PublishOutputs
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static bool Write(LabLayout layout, PublishedApi api, LabApplicationFile application)
    {
        var wroteApplication = WriteFile(layout.ApplicationsDirectory, layout.ApplicationFile(application.Name), JsonSerializer.Serialize(application, Json), ownerOnly: true);
        var wroteApi = WriteFile(layout.ApisDirectory, layout.ApiFile(api.Name), JsonSerializer.Serialize(api, Json), ownerOnly: false);
        return wroteApplication || wroteApi;
    }

    public static PublishedApi? ReadApi(LabLayout layout, string name) =>
        File.Exists(layout.ApiFile(name)) ? JsonSerializer.Deserialize<PublishedApi>(File.ReadAllText(layout.ApiFile(name)), Json) : null;

    public static LabApplicationFile? ReadApplication(LabLayout layout, string name) =>
        File.Exists(layout.ApplicationFile(name)) ? JsonSerializer.Deserialize<LabApplicationFile>(File.ReadAllText(layout.ApplicationFile(name)), Json) : null;

    private static bool WriteFile(string directory, string path, string content, bool ownerOnly)
    {
        try
        {
            if (File.Exists(path) && File.ReadAllText(path) == content && (!ownerOnly || OperatingSystem.IsWindows()
                    || (File.GetUnixFileMode(path) & ~(UnixFileMode.UserRead | UnixFileMode.UserWrite)) == 0))
                return false;
            Directory.CreateDirectory(directory);
            var temporary = path + ".tmp";
            var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows()) options.UnixCreateMode = ownerOnly ? UnixFileMode.UserRead | UnixFileMode.UserWrite
                : UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
            File.Delete(temporary);
            using (var stream = new FileStream(temporary, options))
            using (var writer = new StreamWriter(stream))
                writer.Write(content);
            File.Move(temporary, path, overwrite: true);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new LabException(ExitCodes.StateNotWritable, $"cannot write {path} ({e.Message}); check the state folder's permissions, then re-run.", e);
        }
    }
}
