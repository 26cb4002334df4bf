using System.CommandLine;
using KmLab.Provisioner.Register;

namespace KmLab.Provisioner.Cli;

/// <summary><c>register</c>: makes IS 7 APIM's Key Manager, idempotently, and proves it works.</summary>
internal static class RegisterCommand
{
    public static Command Create()
    {
        var state = CliOptions.State();
        var apimUrl = CliOptions.ApimUrl(required: true);
        var isUrl = CliOptions.IdentityServerUrl(required: true);
        var isInternalUrl = CliOptions.UrlOption("--is-internal-url",
            "IS's HTTPS base URL as APIM reaches it (server to server), e.g. https://is7:9444.", required: true);
        var isDisplayUrl = CliOptions.UrlOption("--is-display-url",
            "IS's HTTPS base URL as a browser reaches it (display token/revoke and authorize endpoints); default: --is-url.");
        var name = CliOptions.KeyManagerName("--name", "The Key Manager's name: register creates it, or updates the one with this name.");
        var adminUser = CliOptions.AdminUser("The super admin of both servers.");
        var readinessTimeout = new Option<int>("--readiness-timeout")
        {
            Description = "Seconds both servers get to become ready (and APIM's client registration to stop failing after that).",
            DefaultValueFactory = _ => (int)RegisterRequest.DefaultReadinessTimeout.TotalSeconds,
        };
        var usableTimeout = new Option<int>("--usable-timeout")
        {
            Description = "Seconds the Key Manager gets to reach APIM's runtime and issue a working key.",
            DefaultValueFactory = _ => (int)RegisterRequest.DefaultUsableTimeout.TotalSeconds,
        };
        var dryRun = new Option<bool>("--dry-run")
        {
            Description = "Print the Key Manager JSON that would be sent (password masked) and write nothing.",
        };

        var command = new Command("register",
            $"Registers WSO2 IS 7 as APIM's Key Manager (create or update by name) and proves it works. {CliOptions.AdminPasswordNote}")
        {
            state, apimUrl, isUrl, isInternalUrl, isDisplayUrl, name, adminUser, readinessTimeout, usableTimeout, dryRun,
        };
        command.SetAction((ParseResult r, CancellationToken ct) => CliRunner.RunAsync(async token =>
        {
            var request = new RegisterRequest(
                r.GetValue(state)!, CliOptions.Url(r, apimUrl)!, CliOptions.Url(r, isUrl)!, CliOptions.Url(r, isInternalUrl)!, CliOptions.Url(r, isDisplayUrl),
                r.GetValue(name)!, r.GetValue(adminUser)!, LabTopology.AdminPasswordFromEnvironment(), r.GetValue(dryRun))
            {
                ReadinessTimeout = Seconds("--readiness-timeout", r.GetValue(readinessTimeout)),
                UsableTimeout = Seconds("--usable-timeout", r.GetValue(usableTimeout)),
            };
            Print(await CliHost.RunAsync((logging, cancel) => new KeyManagerRegistrar(logging).RunAsync(request, cancel), token,
                quiet: request.DryRun));
        }, ct));
        return command;
    }

    private static TimeSpan Seconds(string option, int seconds) => seconds > 0
        ? TimeSpan.FromSeconds(seconds)
        : throw new LabException(ExitCodes.Usage, $"{option} {seconds} is not a number of seconds; give a positive whole number, e.g. {option} 120.");

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
