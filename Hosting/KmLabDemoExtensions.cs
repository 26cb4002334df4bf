using System.Diagnostics;
using Aspire.Hosting.ApplicationModel;
using KmLab.Hosting;
using KmLab.Lab;
using Microsoft.Extensions.DependencyInjection;

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
        builder.Resource.Choices.DemoCode = true;
        AddDemoIfChosen(builder);
        return builder;
    }

    /// <summary>Adds the demo once, when the lab's choice (code or <c>Parameters:demo</c>) says so.</summary>
    internal static void AddDemoIfChosen(IResourceBuilder<KmLabResource> lab)
    {
        var resource = lab.Resource;
        if (!resource.Choices.Demo || resource.DemoStep is not null)
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
        var api = new KmLabGatewayApiResource(ProvisionerSteps.DemoApiResourceName, resource, resource.IdentityServer, "/kmlab-demo", "1.0.0",
            LabTopology.DemoApplication) { ApiName = LabTopology.DemoApiName, PublishStep = demo.Resource };
        GatewayApiState.Track(builder.AddResource(api)
            .WithIconName("GlobeArrowForward")
            .WithParentRelationship(lab)
            .WithInitialState(new CustomResourceSnapshot { ResourceType = "GatewayApi", State = KnownResourceStates.NotStarted, Properties = [] })
            .ExcludeFromManifest());

        demo.Builder.WithCommand(ProvisionerSteps.ShowDemoCurlCommandName, "Show demo curl lines",
            context => ShowCurlAsync(context, resource, reader.Resource, guest.Resource),
            new CommandOptions
            {
                Description = "Prints curl lines for both demo users: a token from IS, then the public and the protected operation through the gateway.",
                IconName = "Code",
                IsHighlighted = true,
            });
    }

    /// <summary>Runs <c>demo --curl</c> beside the lab (the passwords only in its environment) and shows what it printed.</summary>
    private static async Task<ExecuteCommandResult> ShowCurlAsync(ExecuteCommandContext context, KmLabResource lab,
        ParameterResource reader, ParameterResource guest)
    {
        var ct = context.CancellationToken;
        var start = lab.Provisioner.StartInfo([ProvisionerSteps.DemoCommand, "--state", lab.Layout.Root, "--curl"],
            context.Services.GetRequiredService<Microsoft.Extensions.Hosting.IHostEnvironment>().ContentRootPath);
        start.Environment[LabTopology.AdminPasswordVariable] = await lab.AdminPassword.GetValueAsync(ct).ConfigureAwait(false);
        start.Environment[LabTopology.DemoReaderPasswordVariable] = await reader.GetValueAsync(ct).ConfigureAwait(false);
        start.Environment[LabTopology.DemoGuestPasswordVariable] = await guest.GetValueAsync(ct).ConfigureAwait(false);

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync(ct);
        var errors = process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct).ConfigureAwait(false);
        var text = (await output.ConfigureAwait(false)).Trim();
        return process.ExitCode == 0
            ? CommandResults.Success("Paste these lines into a shell; set the two password variables first (dashboard: the demo parameters).", text)
            : CommandResults.Failure($"demo --curl ended with exit code {process.ExitCode}: {LastLine(await errors.ConfigureAwait(false) + "\n" + text)}");
    }

    private static string LastLine(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? "no output";
}
