using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using KmLab.Lab;
using KmLab.Lab.Wso2;
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

/// <summary>The lab's choices as the AppHost's code made them: <c>AddKmLab</c>'s defaults, then each <c>With…</c> call
/// (a call replaces the record, it never edits one in place). Recording a choice resolves nothing.</summary>
internal sealed record LabCode(
    IdentityServerVersion? IdentityServerVersion = null,
    ApiManagerVersion? ApiManagerVersion = null,
    Wso2ImageSource Images = Wso2ImageSource.Wso2,
    bool Persistent = false,
    string StateDirectory = LabParameters.DefaultStateDirectory,
    bool Demo = false)
{
    /// <summary>A version as <c>WithVersions</c> names it; an unsupported one stops the AppHost at that call.</summary>
    public static T Version<T>(string version, IReadOnlyList<T> supported, string product) =>
        supported.FirstOrDefault(v => LabOptions.Text(v) == version.Trim().ToLowerInvariant())
        ?? throw new DistributedApplicationException(
            $"{product} version '{version}' is not supported by KmLab; pass one of {string.Join(", ", supported.Select(LabOptions.Text))} to WithVersions.");
}

/// <summary>The lab's choices in force: the code's, each overridden by its <c>Parameters:&lt;name&gt;</c> setting.
/// Built whole in one place, so a bad value stops the AppHost at <c>AddKmLab</c> with its one line.</summary>
internal sealed record LabOptions(
    IdentityServerVersion IdentityServerVersion,
    ApiManagerVersion ApiManagerVersion,
    Wso2ImageSource Images,
    bool Persistent,
    LabLayout Layout,
    bool Demo)
{
    public static LabOptions Resolve(LabCode code, IConfiguration configuration, string appHostDirectory)
    {
        var settings = new LabSettings(configuration);
        return new LabOptions(
            settings.Choose(LabParameters.IdentityServerVersionName, Wso2Versions.IdentityServer,
                code.IdentityServerVersion ?? Wso2Versions.DefaultIdentityServer),
            settings.Choose(LabParameters.ApiManagerVersionName, Wso2Versions.ApiManager,
                code.ApiManagerVersion ?? Wso2Versions.DefaultApiManager),
            settings.Choose(LabParameters.ImagesName, Enum.GetValues<Wso2ImageSource>(), code.Images),
            settings.Choose(LabParameters.PersistentName, [false, true], code.Persistent),
            new LabLayout(Path.GetFullPath(settings[LabParameters.StateDirectoryName] ?? code.StateDirectory, appHostDirectory)),
            settings.Choose(LabParameters.DemoName, [false, true], code.Demo));
    }

    public static string Text<T>(T value) => value?.ToString()?.ToLowerInvariant() ?? "";
}

/// <summary>The lab's settings in configuration (<c>Parameters:&lt;name&gt;</c>); blank counts as unset.</summary>
internal readonly struct LabSettings(IConfiguration configuration)
{
    public string? this[string name] =>
        configuration[$"Parameters:{name}"] is { } value && !string.IsNullOrWhiteSpace(value) ? value.Trim() : null;

    public T Choose<T>(string name, IReadOnlyList<T> choices, T fallback)
    {
        var value = this[name];
        if (value is null)
            return fallback;

        var index = choices.Select(LabOptions.Text).ToList().FindIndex(c => string.Equals(c, value, StringComparison.OrdinalIgnoreCase));
        return index >= 0
            ? choices[index]
            : throw new DistributedApplicationException(
                $"Parameters:{name} is '{value}', which the lab does not support; set it to one of {string.Join(", ", choices.Select(LabOptions.Text))}.");
    }
}
