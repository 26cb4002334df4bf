using System.Globalization;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using KmLab.Lab;

namespace KmLab.Hosting;

/// <summary>The Provisioner's steps as one-shot resources (Waiting → Running → Finished in the dashboard, traces and
/// structured logs through ServiceDefaults), their arguments, and the dashboard commands that run them again.</summary>
public static class ProvisionerSteps
{
    public const string PrepareCommand = "prepare";
    public const string RegisterCommand = "register";
    public const string PublishCommand = "publish";
    public const string DemoCommand = "demo";

    /// <summary>The demo step's resource name (<c>demo</c> is the parameter that turns it on).</summary>
    public const string DemoResourceName = "demo-seed";

    /// <summary>The demo's API on the dashboard (links to the gateway, the Publisher and the DevPortal).</summary>
    public const string DemoApiResourceName = "demo-api";

    public const string ReregisterCommandName = "kmlab-reregister";
    public const string ReprepareCommandName = "kmlab-reprepare";
    public const string ShowLabCaCommandName = "kmlab-show-ca";
    public const string ShowDemoCurlCommandName = "kmlab-demo-curl";

    public const string LabCaLinkText = "Lab CA certificate";

    /// <summary>Adds one run of a Provisioner command on the lab's state folder (<see cref="Configure"/>).</summary>
    internal static ProvisionerStep AddStep(IDistributedApplicationBuilder builder, KmLabResource lab, string name, string command,
        string icon) =>
        Configure(lab.Provisioner.AddStep(builder, name), lab, command, icon);

    /// <summary>Makes a step run <paramref name="command"/> on the lab's state folder, with the admin password as a
    /// secret environment variable (never an argument, which the dashboard and process lists show).</summary>
    internal static ProvisionerStep Configure(ProvisionerStep step, KmLabResource lab, string command, string icon)
    {
        step.WithArgs(args =>
            {
                args.Add(command);
                args.Add("--state");
                args.Add(lab.Layout.Root);
            })
            .WithEnvironment(env => env[LabTopology.AdminPasswordVariable] = lab.AdminPassword);
        step.Builder.WithIconName(icon).WithParentRelationship(lab);
        return step;
    }

    /// <summary>prepare writes both config volumes for this topology; a supplied APIM encryption key travels as a
    /// secret variable too, the command line names only the variable.</summary>
    internal static void AddPrepareArguments(KmLabResource lab)
    {
        lab.PrepareStep
            .WithArgs(args =>
            {
                var identityServer = lab.IdentityServer;
                args.Add("--is-version"); args.Add(lab.IdentityServerVersion.Version);
                args.Add("--is-offset"); args.Add(identityServer.PortOffset.ToString(CultureInfo.InvariantCulture));
                args.Add("--is-host"); args.Add(identityServer.Name);
                args.Add("--apim-version"); args.Add(lab.ApiManagerVersion.Version);
                args.Add("--apim-host"); args.Add(lab.ApiManager.Name);
                if (lab.ApimEncryptionKey is not null)
                {
                    args.Add("--encryption-key-env"); args.Add(LabTopology.ApimEncryptionKeyVariable);
                }
            })
            .WithEnvironment(env =>
            {
                if (lab.ApimEncryptionKey is { } key)
                    env[LabTopology.ApimEncryptionKeyVariable] = key;
            });
    }

    /// <summary>register runs once both servers are healthy, with the URLs it reaches them by from the host and the URL
    /// APIM reaches IS by on the lab network.</summary>
    internal static void AddRegisterArguments(KmLabResource lab)
    {
        lab.RegisterStep
            .WithArgs(args =>
            {
                args.Add("--apim-url"); args.Add(lab.ApiManager.HttpsEndpoint);
                args.Add("--is-url"); args.Add(lab.IdentityServer.HttpsEndpoint);
                args.Add("--is-internal-url"); args.Add(lab.IdentityServer.InternalUrl);
            })
            .WaitFor(Builder(lab, lab.IdentityServer))
            .WaitFor(Builder(lab, lab.ApiManager));
    }

    /// <summary>The "Re-register Key Manager" command on APIM; disabled while register runs and until both servers are
    /// healthy.</summary>
    internal static void AddReregisterCommand(KmLabResource lab) =>
        Builder(lab, lab.ApiManager).WithCommand(ReregisterCommandName, "Re-register Key Manager",
            context => OneShotRuns.RunAsync(context, lab.Register),
            new CommandOptions
            {
                Description = "Runs register again: creates or updates the IS 7 Key Manager and proves a token from IS works.",
                IconName = "KeyReset",
                IsHighlighted = true,
                UpdateState = _ => lab.Snapshots.WhenServersUpAndIdle(lab, lab.Register),
            });

    /// <summary>The command on prepare that applies a fresh configuration: prepare runs again (the lab CA stays), the
    /// servers restart (their entrypoints copy the config volume at start; the JVMs read keystores once), and then
    /// register runs again, since a restarted server starts empty. Disabled while prepare or register runs and until
    /// both servers are healthy.</summary>
    internal static void AddReprepareCommand(KmLabResource lab) =>
        lab.PrepareStep.Builder.WithCommand(ReprepareCommandName, "Re-prepare and restart the lab",
            async context =>
            {
                var prepared = await OneShotRuns.RunAsync(context, lab.Prepare).ConfigureAwait(false);
                if (!prepared.Success)
                    return prepared;
                foreach (var server in new IResource[] { lab.IdentityServer, lab.ApiManager })
                {
                    var restarted = await OneShotRuns.RestartAsync(context, server).ConfigureAwait(false);
                    if (!restarted.Success)
                        return restarted;
                }

                return await OneShotRuns.RunAsync(context, lab.Register).ConfigureAwait(false);
            },
            new CommandOptions
            {
                Description = "Writes the servers' configuration again, restarts them and registers the Key Manager again.",
                ConfirmationMessage = "Restart both servers? Anything created in them since they started is lost, unless they are persistent.",
                IconName = "ArrowSync",
                UpdateState = _ => lab.Snapshots.WhenServersUpAndIdle(lab, lab.Prepare, lab.Register),
            });

    /// <summary>The command on prepare that shows the lab CA certificate (the file to import into a browser).</summary>
    internal static void AddShowLabCaCommand(KmLabResource lab) =>
        lab.PrepareStep.Builder.WithCommand(ShowLabCaCommandName, "Show lab CA certificate",
            _ =>
            {
                var path = lab.Layout.CaCertificate;
                return Task.FromResult(File.Exists(path)
                    ? CommandResults.Success($"The lab CA is {path}; import it into your browser as a trusted authority.", File.ReadAllText(path))
                    : CommandResults.Failure($"{path} does not exist yet; it appears when prepare has finished."));
            },
            new CommandOptions { Description = "Shows where the lab CA certificate is and its PEM text.", IconName = "Certificate" });

    private static IResourceBuilder<T> Builder<T>(KmLabResource lab, T resource) where T : IResource =>
        lab.PrepareStep.Builder.ApplicationBuilder.CreateResourceBuilder(resource);
}
