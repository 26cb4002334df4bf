using System.CommandLine;
using KmLab.Provisioner.Cli;

var root = new RootCommand("KmLab provisioner: prepares WSO2 IS 7 and API Manager configuration, then registers IS 7 as APIM's Key Manager.");
root.Subcommands.Add(PrepareCommand.Create());
root.Subcommands.Add(RegisterCommand.Create());
root.Subcommands.Add(SmokeCommand.Create());
return await root.Parse(args).InvokeAsync();
