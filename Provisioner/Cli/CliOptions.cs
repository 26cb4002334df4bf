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

    public static Option<string> AdminUser(string description) => new("--admin-user")
    {
        Description = description,
        DefaultValueFactory = _ => LabTopology.DefaultAdminUser,
    };
}
