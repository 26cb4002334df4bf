using System.CommandLine;
using KmLab.Provisioner.Demo;

namespace KmLab.Provisioner.Cli;

/// <summary><c>demo</c>: seeds and proves the workshop demo.</summary>
internal static class DemoCommand
{
    public static Command Create()
    {
        var state = CliOptions.State();
        var curl = new Option<bool>("--curl") { Description = "Also print ready-to-paste curl lines for both users (passwords and the consumer secret as shell variables)." };
        var keyManager = CliOptions.KeyManagerName("--key-manager", "The Key Manager register created.");
        var apimUrl = CliOptions.ApimUrl(required: false);
        var gatewayUrl = CliOptions.GatewayUrl(required: false);
        var isUrl = CliOptions.IdentityServerUrl(required: false);
        var isInternalUrl = CliOptions.UrlOption("--is-internal-url", "IS's HTTPS base URL as APIM's gateway reaches it (the demo API's backend); default: from lab.json.");
        var adminUser = CliOptions.AdminUser("The admin user of APIM and IS.");

        var command = new Command("demo",
            $"Seeds the workshop demo (IS 7.1.0+ with APIM 4.5.0+): API {LabDemo.ApiName} with a public operation (GET {LabDemo.PublicResource}) and one that needs scope {LabDemo.Scope} (GET {LabDemo.ProtectedResource}), the shared scope bound to role {LabDemo.Role}, IS users {LabDemo.Reader} (holds the role) and {LabDemo.Guest}, application {LabDemo.Application}; proves 200, 403 900910 and the public call. Idempotent: a re-run changes nothing and completes a half-done one. The users' passwords come from {LabTopology.DemoReaderPasswordVariable} and {LabTopology.DemoGuestPasswordVariable}. {CliOptions.AdminPasswordNote}")
        {
            state, curl, keyManager, apimUrl, gatewayUrl, isUrl, isInternalUrl, adminUser,
        };
        command.SetAction((ParseResult r, CancellationToken ct) => CliRunner.RunAsync(async token =>
        {
            var request = new DemoRequest(r.GetValue(state)!, r.GetValue(adminUser)!, LabTopology.AdminPasswordFromEnvironment(),
                Environment.GetEnvironmentVariable(LabTopology.DemoReaderPasswordVariable), Environment.GetEnvironmentVariable(LabTopology.DemoGuestPasswordVariable))
            {
                KeyManagerName = r.GetValue(keyManager)!,
                ApimUrl = CliOptions.Url(r, apimUrl) ?? LabUrls.ApiManager,
                GatewayUrl = CliOptions.Url(r, gatewayUrl) ?? LabUrls.Gateway,
                IsUrl = CliOptions.Url(r, isUrl),
                IsInternalUrl = CliOptions.Url(r, isInternalUrl),
            };
            var result = await CliHost.RunAsync((logging, cancel) => LabDemo.RunAsync(request, cancel, logging), token);
            Console.WriteLine(result.Line);
            if (!r.GetValue(curl) || result.Curl.Count == 0) return;
            Console.WriteLine($"Try it ({LabTopology.DemoReaderPasswordVariable} and {LabTopology.DemoGuestPasswordVariable} hold the users' passwords):");
            foreach (var line in result.Curl) Console.WriteLine(line);
        }, ct));
        return command;
    }
}
