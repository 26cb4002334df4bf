using System.CommandLine;
using KmLab.Provisioner.Register;

namespace KmLab.Provisioner.Cli;

/// <summary><c>register</c>: makes IS 7 APIM's Key Manager, idempotently, and proves it works.</summary>
internal static class RegisterCommand
{
    public static Command Create()
    {
        var state = CliOptions.State();
        var apimUrl = CliOptions.UrlOption("--apim-url",
            "APIM's HTTPS base URL as reached from here, e.g. https://localhost:9443.", required: true);
        var isUrl = CliOptions.UrlOption("--is-url",
            "IS's HTTPS base URL as reached from here, e.g. https://localhost:9444.", required: true);
        var isInternalUrl = CliOptions.UrlOption("--is-internal-url",
            "IS's HTTPS base URL as APIM reaches it (server to server), e.g. https://is7:9444.", required: true);
        var isDisplayUrl = CliOptions.UrlOption("--is-display-url",
            "IS's HTTPS base URL as a browser reaches it (display token/revoke and authorize endpoints); default: --is-url.");
        var name = new Option<string>("--name")
        {
            Description = "The Key Manager's name: register creates it, or updates the one with this name.",
            DefaultValueFactory = _ => RegisterRequest.DefaultKeyManagerName,
        };
        var adminUser = CliOptions.AdminUser("The super admin of both servers.");
        var dryRun = new Option<bool>("--dry-run")
        {
            Description = "Print the Key Manager JSON that would be sent (password masked) and write nothing.",
        };

        var command = new Command("register",
            $"Registers WSO2 IS 7 as APIM's Key Manager (create or update by name) and proves it works. {CliOptions.AdminPasswordNote}")
        {
            state, apimUrl, isUrl, isInternalUrl, isDisplayUrl, name, adminUser, dryRun,
        };
        command.SetAction((ParseResult r, CancellationToken ct) => CliRunner.RunAsync(async token =>
        {
            var request = new RegisterRequest(
                r.GetValue(state)!, CliOptions.Url(r, apimUrl)!, CliOptions.Url(r, isUrl)!, CliOptions.Url(r, isInternalUrl)!, CliOptions.Url(r, isDisplayUrl),
                r.GetValue(name)!, r.GetValue(adminUser)!, LabTopology.AdminPasswordFromEnvironment(), r.GetValue(dryRun));
            Print(await CliHost.RunAsync((logging, cancel) => new KeyManagerRegistrar(logging).RunAsync(request, cancel), token));
        }, ct));
        return command;
    }

    private static void Print(RegisterResult result)
    {
        if (result.DryRunJson is { } json)
        {
            Console.WriteLine(json);
            return;
        }

        Console.WriteLine($"key manager {result.Outcome}: id {result.KeyManagerId}");
        Console.WriteLine($"proven: consumer key {result.ConsumerKey}, issuer {result.Issuer}");
    }
}
