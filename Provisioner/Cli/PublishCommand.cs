using System.CommandLine;
using KmLab.Provisioner.Publish;

namespace KmLab.Provisioner.Cli;

/// <summary><c>publish</c>: one API behind APIM's gateway, subscribed by the lab application.</summary>
internal static class PublishCommand
{
    public static Command Create()
    {
        var state = CliOptions.State();
        var name = new Option<string>("--name") { Description = "The API's name (also the file apis/<name>.json).", Required = true };
        var context = new Option<string>("--context") { Description = "The API's context, e.g. /orders; the gateway serves it at <context>/<version>.", Required = true };
        var version = new Option<string>("--version") { Description = "The API's version, e.g. 1.0.0.", Required = true };
        var backend = CliOptions.UrlOption("--backend", "The service's base URL as APIM's gateway reaches it, e.g. http://orders:8080 (with --openapi, default: the document's first server).");
        var operation = new Option<string[]>("--operation")
        {
            Description = "An operation \"VERB /path\" (templates such as /orders/{id}); repeat it; none: every verb on /*.",
            AllowMultipleArgumentsPerToken = false,
        };
        var publicOperation = new Option<string[]>("--public")
        {
            Description = "An operation \"VERB /path\" the gateway serves without a token (APIM's auth type None), e.g. \"GET /catalogue\"; repeat it. Without --openapi it joins the other operations (the rest keep needing a token); with --openapi it must be one of the document's.",
            AllowMultipleArgumentsPerToken = false,
        };
        var openApi = new Option<string?>("--openapi") { Description = "The service's OpenAPI document (JSON), a file or a URL reached from here; APIM imports it." };
        var application = new Option<string>("--application") { Description = "The DevPortal application that subscribes (password and client-credentials grants).", DefaultValueFactory = _ => LabTopology.DefaultLabApplication };
        var keyManager = CliOptions.KeyManagerName("--key-manager", "The Key Manager register created; its tokens are the API's only ones.");
        var apimUrl = CliOptions.ApimUrl(required: false);
        var gatewayUrl = CliOptions.GatewayUrl(required: false);
        var isUrl = CliOptions.IdentityServerUrl(required: false, "token endpoint");
        var adminUser = CliOptions.AdminUser("APIM's admin user.");

        var command = new Command("publish",
            $"Creates or updates an API (declared with --backend and --operation, or imported from --openapi; --public operations need no token), deploys a revision to the gateway, publishes it, subscribes the lab application (keys from the IS Key Manager) and waits until the gateway serves it. Writes <state>/apis/<name>.json and <state>/applications/<application>.json (0600; the secret is never printed). {CliOptions.AdminPasswordNote}")
        {
            state, name, context, version, backend, operation, publicOperation, openApi, application, keyManager, apimUrl, gatewayUrl, isUrl, adminUser,
        };
        command.SetAction((ParseResult r, CancellationToken ct) => CliRunner.RunAsync(async token =>
        {
            var request = new PublishRequest(r.GetValue(state)!, r.GetValue(name)!, r.GetValue(context)!, r.GetValue(version)!, r.GetValue(adminUser)!,
                LabTopology.AdminPasswordFromEnvironment())
            {
                Backend = CliOptions.Url(r, backend),
                Operations = r.GetValue(operation) ?? [],
                PublicOperations = r.GetValue(publicOperation) ?? [],
                OpenApi = r.GetValue(openApi),
                Application = r.GetValue(application)!,
                KeyManagerName = r.GetValue(keyManager)!,
                ApimUrl = CliOptions.Url(r, apimUrl) ?? LabUrls.ApiManager,
                GatewayUrl = CliOptions.Url(r, gatewayUrl) ?? LabUrls.Gateway,
                IsUrl = CliOptions.Url(r, isUrl),
            };
            var result = await CliHost.RunAsync((logging, cancel) => ApiPublish.RunAsync(request, cancel, logging), token);
            Console.WriteLine($"api {request.Name} {request.Version} {result.Outcome}: id {result.ApiId}");
            Console.WriteLine($"gateway {result.GatewayUrl} (answered {result.Probe}); application {result.Application}, consumer key {result.ConsumerKey}");
            Console.WriteLine($"wrote {result.ApiFile} and {result.ApplicationFile} (the consumer secret is there, mode 0600)");
        }, ct));
        return command;
    }
}
