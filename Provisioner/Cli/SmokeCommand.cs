using System.CommandLine;
using KmLab.Provisioner.Publishing;
using KmLab.Provisioner.Proofs;
using KmLab.Provisioner.Smoke;
using KmLab.Provisioner.Wso2Rest;

namespace KmLab.Provisioner.Cli;

/// <summary><c>smoke</c>: publishes the sample API with the lab's Key Manager and calls it through the gateway.</summary>
internal static class SmokeCommand
{
    public static Command Create()
    {
        var lab = new SmokeRequestOptions(apimUse: "Publisher and DevPortal APIs", isUse: "token endpoint",
            isInternalUrl: "IS's HTTPS base URL as APIM's gateway reaches it, for the API's backend (IS's health endpoint); default: from the state folder's lab.json, e.g. https://is7:9444.",
            keyManager: "The Key Manager register created; the sample API accepts its tokens.",
            adminUser: "APIM's admin user.");

        var command = new Command("smoke",
            $"Creates or reuses the sample API {SampleApi.Name} {SampleApi.Version} (backend: IS's health endpoint) with the lab's Key Manager, deploys and publishes it, subscribes register's application, and calls it through the gateway with a token from IS; prints the curl to repeat it. {CliOptions.AdminPasswordNote}")
        {
            lab.State, lab.ApimUrl, lab.GatewayUrl, lab.IsUrl, lab.IsInternalUrl, lab.KeyManagerName, lab.AdminUser,
        };
        command.SetAction((ParseResult r, CancellationToken ct) => CliRunner.RunAsync(async token =>
        {
            var request = lab.Read(r);
            Print(await CliHost.RunAsync((logging, cancel) => LabSmoke.RunAsync(request, cancel, logging), token));
        }, ct));
        return command;
    }

    private static void Print(SmokeResult result)
    {
        Console.WriteLine($"api {SampleApi.Name} {SampleApi.Version} {result.ApiOutcome}: id {result.ApiId}");
        Console.WriteLine($"GET {result.CalledUrl} -> {result.StatusCode} (token of consumer key {result.ConsumerKey}, issuer {result.Issuer})");
        Console.WriteLine("Repeat it (CONSUMER_SECRET: the consumer secret of application " +
                          $"'{ProofApplication.Name}', DevPortal > Applications > {ProofApplication.Name} > Production Keys):");
        Console.WriteLine($"  {result.TokenCommand}");
        Console.WriteLine($"  {result.Curl}");
    }
}
