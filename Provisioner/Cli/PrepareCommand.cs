using System.CommandLine;

namespace KmLab.Provisioner.Cli;

// Placeholder until the prepare step lands (issue 2).
internal static class PrepareCommand
{
    public static Command Create() => new("prepare", "Writes both servers' configuration volumes and the lab CA into a state folder.");
}
