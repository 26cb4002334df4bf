using System.CommandLine;
using KmLab.Provisioner.Register;

namespace KmLab.Provisioner.Cli;

/// <summary><c>register</c>: makes IS 7 APIM's Key Manager, idempotently, and proves it works.</summary>
internal static class RegisterCommand
{
    public static Command Create()
    {
        var state = CliOptions.State();
        var apimUrl = new Option<string?>("--apim-url")
        {
            Description = "APIM's HTTPS base URL as reached from here, e.g. https://localhost:9443.",
            Required = true,
        };
        var isUrl = new Option<string?>("--is-url")
        {
            Description = "IS's HTTPS base URL as reached from here, e.g. https://localhost:9444.",
            Required = true,
        };
        var isInternalUrl = new Option<string?>("--is-internal-url")
        {
            Description = "IS's HTTPS base URL as APIM reaches it (server to server), e.g. https://is7:9444.",
            Required = true,
        };
        var isDisplayUrl = new Option<string?>("--is-display-url")
        {
            Description = "IS's HTTPS base URL as a browser reaches it (display token/revoke and authorize endpoints); default: --is-url.",
        };
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
                r.GetValue(state)!, Url(r, apimUrl)!, Url(r, isUrl)!, Url(r, isInternalUrl)!, Url(r, isDisplayUrl),
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

    /// <summary>The option's URL; register itself checks that it is https.</summary>
    private static Uri? Url(ParseResult r, Option<string?> option) =>
        r.GetValue(option) is not { } text ? null
        : Uri.TryCreate(text, UriKind.Absolute, out var url) ? url
        : throw new LabException(ExitCodes.Usage, $"{option.Name} '{text}' is not a URL; give one like https://localhost:9443.");
}
