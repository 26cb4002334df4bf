using System.CommandLine;

namespace KmLab.Provisioner.Cli;

// Placeholder until the register step lands (issue 3).
internal static class RegisterCommand
{
    public static Command Create() => new("register", "Registers IS 7 as APIM's Key Manager and proves it works.");
}
