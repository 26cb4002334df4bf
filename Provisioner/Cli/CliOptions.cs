using System.CommandLine;

namespace KmLab.Provisioner.Cli;

/// <summary>Options and help text that mean the same in every command that reads a prepared lab.</summary>
internal static class CliOptions
{
    /// <summary>The end of a command's description: where the admin password comes from.</summary>
    public static string AdminPasswordNote =>
        $"The admin password comes from {LabTopology.AdminPasswordVariable} (default \"{LabTopology.DefaultAdminPassword}\").";

    public static Option<string> State() => new("--state")
    {
        Description = "The lab's state folder written by prepare; its lab CA is the only certificate authority trusted.",
        Required = true,
    };

    /// <summary>A URL option. It is read as text and parsed by <see cref="Url"/>: System.CommandLine has no parser for
    /// <see cref="Uri"/> and would end the process with a stack trace instead of one usage line.</summary>
    public static Option<string?> UrlOption(string name, string description, bool required = false) => new(name)
    {
        Description = description,
        Required = required,
    };

    /// <summary>The option's URL, or null when it was not given; the caller checks that it is https.</summary>
    public static Uri? Url(ParseResult r, Option<string?> option) =>
        r.GetValue(option) is not { } text ? null
        : Uri.TryCreate(text, UriKind.Absolute, out var url) ? url
        : throw new LabException(ExitCodes.Usage, $"{option.Name} '{text}' is not a URL; give one like {LabUrls.Origin(LabUrls.ApiManager)}.");

    /// <summary><c>--apim-url</c>: APIM's servlet port as reached from here.</summary>
    /// <param name="required">Required, shown with an example; otherwise the command defaults to the lab's URL.</param>
    /// <param name="use">What the command calls there, shown in brackets; null: nothing.</param>
    public static Option<string?> ApimUrl(bool required, string? use = null) =>
        ReachedFromHere("--apim-url", "APIM's HTTPS base URL", use, LabUrls.Origin(LabUrls.ApiManager), required);

    /// <summary><c>--gateway-url</c>: APIM's gateway as reached from here.</summary>
    public static Option<string?> GatewayUrl(bool required) =>
        ReachedFromHere("--gateway-url", "APIM's gateway HTTPS base URL", null, LabUrls.Origin(LabUrls.Gateway), required);

    /// <summary><c>--is-url</c>: IS as reached from here (the lab's default IS offset in the example).</summary>
    public static Option<string?> IdentityServerUrl(bool required, string? use = null) =>
        ReachedFromHere("--is-url", "IS's HTTPS base URL", use, required ? LabUrls.Origin(LabUrls.IdentityServer(Wso2Ports.DefaultIdentityServerOffset)) : "https://localhost:<9443 + the lab's IS offset>", required);

    private static Option<string?> ReachedFromHere(string name, string what, string? use, string url, bool required) =>
        UrlOption(name, $"{what} as reached from here{(use is null ? "" : $" ({use})")}{(required ? ", e.g. " : "; default ")}{url}.", required);

    /// <summary>The Key Manager a command creates or uses, by name; the lab's by default.</summary>
    public static Option<string> KeyManagerName(string name, string description) => new(name)
    {
        Description = description,
        DefaultValueFactory = _ => LabTopology.DefaultKeyManagerName,
    };

    public static Option<string> AdminUser(string description) => new("--admin-user")
    {
        Description = description,
        DefaultValueFactory = _ => LabTopology.DefaultAdminUser,
    };
}
