using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using KmLab.Provisioner;
using KmLab.Provisioner.Wso2;

namespace KmLab.AppHost.Lab;

/// <summary>Which images play the two servers.</summary>
public enum Wso2ImageSource
{
    /// <summary><c>wso2/wso2is</c> and <c>wso2/wso2am</c> from Docker Hub.</summary>
    Wso2,

    /// <summary>KmLab's twins (<c>kmlab/wso2is-twin:dev</c>, <c>kmlab/wso2am-twin:dev</c>), built locally.</summary>
    Twin,
}

/// <summary>The lab's choices, each an Aspire parameter set as <c>Parameters:&lt;name&gt;</c> in configuration
/// (user secrets, <c>appsettings.json</c>, an environment variable <c>Parameters__&lt;name&gt;</c>, or
/// <c>--Parameters:&lt;name&gt;=&lt;value&gt;</c> on the command line).</summary>
/// <param name="AdminPassword">The super admin password of both servers (user <c>admin</c>): a secret, generated
/// on first run and kept in the AppHost's user secrets, so a persistent lab keeps its password.</param>
/// <param name="IdentityServerVersion">Chooses the IS image tag and the config <c>prepare</c> writes.</param>
/// <param name="ApiManagerVersion">Chooses the APIM image tag and the config <c>prepare</c> writes.</param>
/// <param name="Images">The images switch: WSO2's images or KmLab's twins.</param>
/// <param name="Persistent">Keep the containers across AppHost runs (Aspire's persistent lifetime).</param>
/// <param name="Layout">The state folder: generated config, the lab CA; kept between runs.</param>
public sealed record LabParameters(
    IResourceBuilder<ParameterResource> AdminPassword,
    IdentityServerVersion IdentityServerVersion,
    ApiManagerVersion ApiManagerVersion,
    Wso2ImageSource Images,
    bool Persistent,
    LabLayout Layout)
{
    /// <summary>APIM 4.7.0+'s internal encryption key, when the user supplies one (a secret; otherwise <c>prepare</c>
    /// makes one per lab and keeps it in the state folder).</summary>
    public IResourceBuilder<ParameterResource>? ApimEncryptionKey { get; init; }

    public const string AdminPasswordName = "admin-password";
    public const string ApimEncryptionKeyName = "apim-encryption-key";
    public const string IdentityServerVersionName = "is-version";
    public const string ApiManagerVersionName = "apim-version";
    public const string ImagesName = "images";
    public const string PersistentName = "persistent";
    public const string StateDirectoryName = "state-dir";

    /// <summary>Relative to the AppHost folder: <c>&lt;repo&gt;/.kmlab/state</c>, which git ignores.</summary>
    public const string DefaultStateDirectory = "../.kmlab/state";
}

public static class LabParametersExtensions
{
    /// <summary>Reads the lab's choices and adds them to the model as parameters, so the dashboard shows them.
    /// The versions and switches shape the model (image tags, lifetimes), so they are read now; an unknown value
    /// stops the AppHost with a message naming the allowed ones.</summary>
    public static LabParameters AddLabParameters(this IDistributedApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);

        // Letters and digits only: nothing to escape in deployment.toml, a form or a Basic header, and 22 of them
        // fit IS's default password rule (5 to 30 non-blank characters).
        var adminPassword = builder.AddParameter(LabParameters.AdminPasswordName,
                new GenerateParameterDefault { MinLength = 22, Special = false }, secret: true, persist: true)
            .WithDescription("Password of the `admin` super user of IS and APIM. Generated on first run and kept in user secrets.", enableMarkdown: true);

        var isVersion = Choose(builder, LabParameters.IdentityServerVersionName, Wso2Versions.IdentityServer, Wso2Versions.DefaultIdentityServer);
        var apimVersion = Choose(builder, LabParameters.ApiManagerVersionName, Wso2Versions.ApiManager, Wso2Versions.DefaultApiManager);
        var images = Choose(builder, LabParameters.ImagesName, Enum.GetValues<Wso2ImageSource>(), Wso2ImageSource.Wso2);
        var persistent = Choose(builder, LabParameters.PersistentName, [false, true], false);

        var stateDirectory = Path.GetFullPath(
            Setting(builder, LabParameters.StateDirectoryName) ?? LabParameters.DefaultStateDirectory,
            builder.AppHostDirectory);

        // Shown in the dashboard with the values in force; the servers carry the versions into prepare's arguments.
        Show(builder, LabParameters.IdentityServerVersionName, isVersion, "WSO2 Identity Server version (image tag).");
        Show(builder, LabParameters.ApiManagerVersionName, apimVersion, "WSO2 API Manager version (image tag).");
        Show(builder, LabParameters.ImagesName, images, "`wso2`: WSO2's images; `twin`: KmLab's twins, built locally.");
        Show(builder, LabParameters.PersistentName, persistent, "`true`: the containers outlive the AppHost and the next run reuses them.");

        return new LabParameters(
            adminPassword,
            isVersion,
            apimVersion,
            images,
            persistent,
            new LabLayout(stateDirectory))
        {
            // Only when set: the lab's own key is the default, and an unset parameter would stop the AppHost to ask.
            ApimEncryptionKey = Setting(builder, LabParameters.ApimEncryptionKeyName) is null ? null
                : builder.AddParameter(LabParameters.ApimEncryptionKeyName, secret: true)
                    .WithDescription("APIM 4.7.0+ internal encryption key (64 lower-case hex characters). Unset: the lab's own key.", enableMarkdown: false),
        };
    }

    private static void Show<T>(IDistributedApplicationBuilder builder, string name, T value, string description) =>
        builder.AddParameter(name, Text(value)).WithDescription(description, enableMarkdown: true);

    private static T Choose<T>(IDistributedApplicationBuilder builder, string name, IReadOnlyList<T> choices, T fallback)
    {
        var value = Setting(builder, name);
        if (value is null)
            return fallback;

        var index = choices.Select(Text).ToList().FindIndex(c => string.Equals(c, value, StringComparison.OrdinalIgnoreCase));
        return index >= 0
            ? choices[index]
            : throw new DistributedApplicationException(
                $"Parameters:{name} is '{value}', which the lab does not support; set it to one of {string.Join(", ", choices.Select(Text))}.");
    }

    private static string? Setting(IDistributedApplicationBuilder builder, string name) =>
        builder.Configuration[$"Parameters:{name}"] is { } value && !string.IsNullOrWhiteSpace(value) ? value.Trim() : null;

    private static string Text<T>(T value) => value?.ToString()?.ToLowerInvariant() ?? "";
}
