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

    public static Option<string> AdminUser(string description) => new("--admin-user")
    {
        Description = description,
        DefaultValueFactory = _ => LabTopology.DefaultAdminUser,
    };
}
