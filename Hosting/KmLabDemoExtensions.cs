using Aspire.Hosting.ApplicationModel;
using KmLab.Hosting;
using KmLab.Lab;
using KmLab.Lab.Wso2;

namespace Aspire.Hosting;

/// <summary>The workshop demo: the Provisioner's <c>demo</c> seeds, after register, a sample API with a public and a
/// role-protected operation, two IS users (one holding the role) and the lab application, and proves 200 and 403.</summary>
public static class KmLabDemoExtensions
{
    /// <summary>Turns the demo on (<c>Parameters:demo</c> overrides it): a one-shot <c>demo</c> step after register,
    /// the demo users' passwords as secret parameters (<see cref="LabParameters.DemoReaderPasswordName"/>,
    /// <see cref="LabParameters.DemoGuestPasswordName"/>; generated on first run), and the dashboard command
    /// "Show demo curl lines" on the step, which prints ready-to-paste curl lines for both users (passwords as
    /// shell variables, never their values).</summary>
    public static IResourceBuilder<KmLabResource> WithDemo(this IResourceBuilder<KmLabResource> builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        KmLabBuilderExtensions.Choose(builder, code => code with { Demo = true });
        AddDemoIfChosen(builder);
        return builder;
    }

    /// <summary>Adds the demo once, when the lab's choice (code or <c>Parameters:demo</c>) says so.</summary>
    internal static void AddDemoIfChosen(IResourceBuilder<KmLabResource> lab)
    {
        var resource = lab.Resource;
        if (!resource.Options.Demo || resource.DemoStep is not null)
            return;
        var builder = lab.ApplicationBuilder;
        foreach (var name in new[] { ProvisionerSteps.DemoResourceName, ProvisionerSteps.DemoApiResourceName, LabParameters.DemoReaderPasswordName, LabParameters.DemoGuestPasswordName })
            KmLabBuilderExtensions.EnsureFree(builder, name);

        // Each character class at least once: IdentityServerPasswordRule, the strictest password any supported IS takes.
        var reader = builder.AddParameter(LabParameters.DemoReaderPasswordName, DemoPasswords.Default(), secret: true, persist: true)
            .WithDescription("Password of the demo user who holds the demo role.", enableMarkdown: false)
            .WithParentRelationship(lab);
        var guest = builder.AddParameter(LabParameters.DemoGuestPasswordName, DemoPasswords.Default(), secret: true, persist: true)
            .WithDescription("Password of the demo user without the demo role.", enableMarkdown: false)
            .WithParentRelationship(lab);

        var demo = ProvisionerSteps.AddStep(builder, resource, ProvisionerSteps.DemoResourceName, ProvisionerSteps.DemoCommand, "PeopleTeam")
            .WithEnvironment(env =>
            {
                env[LabTopology.DemoReaderPasswordVariable] = reader.Resource;
                env[LabTopology.DemoGuestPasswordVariable] = guest.Resource;
            })
            .WaitForCompletion(builder.CreateResourceBuilder(resource.Register));
        resource.DemoStep = demo;

        // The demo's entry points on the dashboard: its API on the gateway, in the Publisher and in the DevPortal.
        var api = new KmLabGatewayApiResource(ProvisionerSteps.DemoApiResourceName, resource, resource.IdentityServer, LabTopology.DemoContext, "1.0.0",
            LabTopology.DemoApplication, LabTopology.DemoApiName) { PublishStep = demo.Resource };
        GatewayApiState.Track(builder.AddResource(api)
            .WithIconName("GlobeArrowForward")
            .WithParentRelationship(lab)
            .WithInitialState(new CustomResourceSnapshot { ResourceType = "GatewayApi", State = KnownResourceStates.NotStarted, Properties = [] })
            .ExcludeFromManifest());

        demo.Builder.WithCommand(ProvisionerSteps.ShowDemoCurlCommandName, "Show demo curl lines",
            _ => Task.FromResult(ShowCurl(resource.Layout)),
            new CommandOptions
            {
                Description = "Prints curl lines for both demo users: a token from IS, then the public and the protected operation through the gateway.",
                IconName = "Code",
                IsHighlighted = true,
                // The lines name what the step recorded: nothing to show before it has finished, nor while it runs again.
                UpdateState = context => context.ResourceSnapshot.State?.Text is { } state && KnownResourceStates.TerminalStates.Contains(state)
                    ? ResourceCommandState.Enabled : ResourceCommandState.Disabled,
            });
    }

    /// <summary>Curl lines built from what the demo step recorded (<c>apis/</c> and <c>applications/</c>): the consumer
    /// secret is read from the application file by the shell, the passwords are the shell variables
    /// <see cref="LabTopology.DemoReaderPasswordVariable"/> and <see cref="LabTopology.DemoGuestPasswordVariable"/>.</summary>
    private static ExecuteCommandResult ShowCurl(LabLayout layout)
    {
        var api = PublishOutputs.ReadApi(layout, LabTopology.DemoApiName);
        var application = PublishOutputs.ReadApplication(layout, LabTopology.DemoApplication);
        if (api is null || application is null)
            return CommandResults.Failure($"{layout.ApiFile(LabTopology.DemoApiName)} or {layout.ApplicationFile(LabTopology.DemoApplication)} does not exist yet; run the {ProvisionerSteps.DemoResourceName} step (start it in the dashboard), then show the lines again.");

        var ca = layout.CaCertificate;
        var apiUrl = api.GatewayUrl.ToString().TrimEnd('/');
        var call = $"curl -i --cacert '{ca}' -H \"Authorization: Bearer $TOKEN\" '{apiUrl}{IdentityServerEndpoints.HealthCheck}'";
        string Token(string user, string variable) =>
            $"TOKEN=$(curl -s --cacert '{ca}' -u \"{application.ConsumerKey}:$CONSUMER_SECRET\" -d grant_type=password -d 'username={user}' --data-urlencode \"password=${variable}\" -d 'scope=openid {LabTopology.DemoScope}' '{application.TokenUrl}' | jq -r .access_token)";
        string[] lines =
        [
            "# the public operation, no token: expect 200",
            $"curl -i --cacert '{ca}' '{apiUrl}{IdentityServerEndpoints.Jwks}'",
            $"CONSUMER_SECRET=$(jq -r .consumerSecret '{layout.ApplicationFile(LabTopology.DemoApplication)}')",
            $"# {LabTopology.DemoReader} holds role {LabTopology.DemoRole}, so the token has {LabTopology.DemoScope}: expect 200",
            Token(LabTopology.DemoReader, LabTopology.DemoReaderPasswordVariable),
            call,
            $"# {LabTopology.DemoGuest} does not: expect 403",
            Token(LabTopology.DemoGuest, LabTopology.DemoGuestPasswordVariable),
            call,
        ];
        return CommandResults.Success($"Paste these lines into a shell; set {LabTopology.DemoReaderPasswordVariable} and {LabTopology.DemoGuestPasswordVariable} first (dashboard: the demo parameters).",
            string.Join('\n', lines));
    }
}
