using System.CommandLine;
using KmLab.Provisioner;
using KmLab.Provisioner.Cli;

var root = new RootCommand("KmLab provisioner: prepares WSO2 IS 7 and API Manager configuration, then registers IS 7 as APIM's Key Manager.");
root.Subcommands.Add(PrepareCommand.Create());
root.Subcommands.Add(RegisterCommand.Create());
root.Subcommands.Add(SmokeCommand.Create());
root.Subcommands.Add(RolesCommand.Create());
root.Subcommands.Add(PublishCommand.Create());
root.Subcommands.Add(DemoCommand.Create());

var parsed = root.Parse(args);
// A value that does not parse (e.g. --is-offset abc) is a usage error like any other: one line each, exit code 2.
if (parsed.Errors.Count > 0 && !args.Any(a => a is "-h" or "--help" or "-?"))
{
    foreach (var error in parsed.Errors)
        await Console.Error.WriteLineAsync($"error: {error.Message} (see --help)");
    return ExitCodes.Usage;
}
return await parsed.InvokeAsync();
