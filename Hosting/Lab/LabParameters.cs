using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using KmLab.Lab;
using KmLab.Provisioner.Wso2;
using Microsoft.Extensions.Configuration;

namespace KmLab.Hosting;

/// <summary>Which images play the two servers.</summary>
public enum Wso2ImageSource
{
    /// <summary><c>wso2/wso2is</c> and <c>wso2/wso2am</c> from Docker Hub.</summary>
    Wso2,

    /// <summary>KmLab's twins (<c>kmlab/wso2is-twin:dev</c>, <c>kmlab/wso2am-twin:dev</c>), built locally.</summary>
    Twin,
}

/// <summary>The names of the lab's parameters. Each is an Aspire parameter set as <c>Parameters:&lt;name&gt;</c> in
/// configuration (user secrets, <c>appsettings.json</c>, an environment variable <c>Parameters__&lt;name&gt;</c>, or
/// <c>--Parameters:&lt;name&gt;=&lt;value&gt;</c> on the command line). A setting overrides the AppHost's code
/// (<c>WithVersions</c>, <c>WithTwinImages</c>, ...), so one run can switch to the twins without a code change.</summary>
public static class LabParameters
{
    /// <summary>The super admin password of both servers (user <c>admin</c>): a secret, generated on first run and kept
    /// in the AppHost's user secrets, so a persistent lab keeps its password.</summary>
    public const string AdminPasswordName = "admin-password";

    /// <summary>APIM 4.7.0+'s internal encryption key, when the user supplies one (a secret; otherwise <c>prepare</c>
    /// makes one per lab and keeps it in the state folder).</summary>
    public const string ApimEncryptionKeyName = "apim-encryption-key";

    public const string IdentityServerVersionName = "is-version";
    public const string ApiManagerVersionName = "apim-version";
    public const string ImagesName = "images";
    public const string PersistentName = "persistent";
    public const string StateDirectoryName = "state-dir";

    /// <summary>Turns the workshop demo on (<c>WithDemo</c>): <c>true</c> or <c>false</c>.</summary>
    public const string DemoName = "demo";

    /// <summary>Secret parameters with the demo users' passwords (generated on first run, kept in user secrets): the
    /// user holding the demo role, and the one without it.</summary>
    public const string DemoReaderPasswordName = "demo-reader-password";
    public const string DemoGuestPasswordName = "demo-guest-password";

    /// <summary>Relative to the AppHost folder; add <c>.kmlab/</c> to the repository's <c>.gitignore</c>.</summary>
    public const string DefaultStateDirectory = ".kmlab/state";
}

/// <summary>The lab's choices as the AppHost's code made them, with configuration overriding each.</summary>
internal sealed class LabChoices(IConfiguration configuration, string appHostDirectory)
{
    public string? IdentityServerVersionCode { get; set; }
    public string? ApiManagerVersionCode { get; set; }
    public Wso2ImageSource ImagesCode { get; set; } = Wso2ImageSource.Wso2;
    public bool PersistentCode { get; set; }
    public string StateDirectoryCode { get; set; } = LabParameters.DefaultStateDirectory;
    public bool DemoCode { get; set; }

    public IdentityServerVersion IdentityServerVersion => Choose(LabParameters.IdentityServerVersionName, Wso2Versions.IdentityServer,
        Code(IdentityServerVersionCode, Wso2Versions.IdentityServer, "IS", Wso2Versions.DefaultIdentityServer));

    public ApiManagerVersion ApiManagerVersion => Choose(LabParameters.ApiManagerVersionName, Wso2Versions.ApiManager,
        Code(ApiManagerVersionCode, Wso2Versions.ApiManager, "APIM", Wso2Versions.DefaultApiManager));

    public Wso2ImageSource Images => Choose(LabParameters.ImagesName, Enum.GetValues<Wso2ImageSource>(), ImagesCode);

    public bool Persistent => Choose(LabParameters.PersistentName, [false, true], PersistentCode);

    public bool Demo => Choose(LabParameters.DemoName, [false, true], DemoCode);

    public LabLayout Layout => new(Path.GetFullPath(Setting(LabParameters.StateDirectoryName) ?? StateDirectoryCode, appHostDirectory));

    /// <summary>Reads every choice once, so that a bad value stops the AppHost at start with its one line.</summary>
    public void Validate() => _ = (IdentityServerVersion, ApiManagerVersion, Images, Persistent, Demo, Layout);

    public string? Setting(string name) =>
        configuration[$"Parameters:{name}"] is { } value && !string.IsNullOrWhiteSpace(value) ? value.Trim() : null;

    public static string Text<T>(T value) => value?.ToString()?.ToLowerInvariant() ?? "";

    private static T Code<T>(string? version, IReadOnlyList<T> supported, string product, T fallback) =>
        version is null ? fallback
        : supported.FirstOrDefault(v => Text(v) == version.Trim().ToLowerInvariant())
          ?? throw new DistributedApplicationException(
              $"{product} version '{version}' is not supported by KmLab; pass one of {string.Join(", ", supported.Select(Text))} to WithVersions.");

    private T Choose<T>(string name, IReadOnlyList<T> choices, T fallback)
    {
        var value = Setting(name);
        if (value is null)
            return fallback;

        var index = choices.Select(Text).ToList().FindIndex(c => string.Equals(c, value, StringComparison.OrdinalIgnoreCase));
        return index >= 0
            ? choices[index]
            : throw new DistributedApplicationException(
                $"Parameters:{name} is '{value}', which the lab does not support; set it to one of {string.Join(", ", choices.Select(Text))}.");
    }
}
