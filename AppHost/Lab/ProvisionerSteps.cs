using System.Globalization;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using KmLab.Provisioner;

namespace KmLab.AppHost.Lab;

/// <summary>The Provisioner's steps as one-shot project resources (Waiting → Running → Finished in the dashboard,
/// traces and structured logs through ServiceDefaults), and how the servers and steps depend on each other.</summary>
public static class ProvisionerSteps
{
    public const string PrepareCommand = "prepare";
    public const string RegisterCommand = "register";

    public const string ReregisterCommandName = "kmlab-reregister";
    public const string ReprepareCommandName = "kmlab-reprepare";
    public const string ShowLabCaCommandName = "kmlab-show-ca";

    public const string LabCaLinkText = "Lab CA certificate";

    /// <summary>Adds one run of a Provisioner command (<see cref="PrepareCommand"/> or <see cref="RegisterCommand"/>)
    /// as a resource named after it, on the lab's state folder, with the admin password as a secret environment
    /// variable (never an argument, which the dashboard and process lists show).</summary>
    public static IResourceBuilder<ProjectResource> AddProvisionerStep(this IDistributedApplicationBuilder builder,
        [ResourceName] string command, LabParameters lab)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(lab);

        var step = builder.AddProject<Projects.KmLab_Provisioner>(command)
            .WithArgs(command, "--state", lab.Layout.Root)
            .WithEnvironment(LabTopology.AdminPasswordVariable, lab.AdminPassword)
            .WithIconName(command == PrepareCommand ? "DocumentSettings" : "KeyMultiple");
        // A supplied APIM encryption key travels as a secret variable too; the command line names only the variable.
        if (command == PrepareCommand && lab.ApimEncryptionKey is { } key)
            step.WithEnvironment(LabTopology.ApimEncryptionKeyVariable, key)
                .WithArgs("--encryption-key-env", LabTopology.ApimEncryptionKeyVariable);
        return step;
    }

    /// <summary>IS takes its configuration from <paramref name="prepare"/>: the step writes its config volume for this
    /// version, offset and host name, and IS starts once the step has finished.</summary>
    public static IResourceBuilder<Wso2IdentityServerResource> WithPreparedConfiguration(
        this IResourceBuilder<Wso2IdentityServerResource> identityServer, IResourceBuilder<ProjectResource> prepare, LabParameters lab)
    {
        ArgumentNullException.ThrowIfNull(identityServer);
        var server = identityServer.Resource;
        prepare.WithArgs("--is-version", server.Version.Version,
            "--is-offset", server.PortOffset.ToString(CultureInfo.InvariantCulture),
            "--is-host", server.Name);
        return identityServer.UsePrepared(prepare, lab.Layout.IdentityServerVolume, lab);
    }

    /// <summary>APIM takes its configuration from <paramref name="prepare"/>: the step writes its config volume for this
    /// version and host name, and APIM starts once the step has finished.</summary>
    public static IResourceBuilder<Wso2ApiManagerResource> WithPreparedConfiguration(
        this IResourceBuilder<Wso2ApiManagerResource> apiManager, IResourceBuilder<ProjectResource> prepare, LabParameters lab)
    {
        ArgumentNullException.ThrowIfNull(apiManager);
        var server = apiManager.Resource;
        prepare.WithArgs("--apim-version", server.Version.Version, "--apim-host", server.Name);
        return apiManager.UsePrepared(prepare, lab.Layout.ApiManagerVolume, lab);
    }

    /// <summary>The images switch and the persistent-lifetime switch.</summary>
    public static IResourceBuilder<T> WithLabChoices<T>(this IResourceBuilder<T> server, LabParameters lab)
        where T : ContainerResource, IWso2ServerResource
    {
        ArgumentNullException.ThrowIfNull(server);
        ArgumentNullException.ThrowIfNull(lab);

        if (lab.Images == Wso2ImageSource.Twin)
            server.WithTwinImage();
        // A persistent server outlives the AppHost; the next run reuses it and register finds nothing to change.
        if (lab.Persistent)
            server.WithLifetime(ContainerLifetime.Persistent);
        return server;
    }

    /// <summary>Makes <paramref name="identityServer"/> APIM's Key Manager: <paramref name="register"/> runs once both
    /// servers are healthy, with the URLs it reaches them by from the host and the URL APIM reaches IS by on the
    /// lab network. Adds the "Re-register Key Manager" command to APIM.</summary>
    public static IResourceBuilder<Wso2ApiManagerResource> WithKeyManager(this IResourceBuilder<Wso2ApiManagerResource> apiManager,
        IResourceBuilder<Wso2IdentityServerResource> identityServer, IResourceBuilder<ProjectResource> register)
    {
        ArgumentNullException.ThrowIfNull(apiManager);
        ArgumentNullException.ThrowIfNull(identityServer);
        ArgumentNullException.ThrowIfNull(register);

        register
            .WithArgs(
                "--apim-url", apiManager.Resource.HttpsEndpoint,
                "--is-url", identityServer.Resource.HttpsEndpoint,
                "--is-internal-url", identityServer.Resource.InternalUrl)
            .WaitFor(identityServer)
            .WaitFor(apiManager);

        return apiManager.WithCommand(ReregisterCommandName, "Re-register Key Manager",
            context => OneShotRuns.RunAsync(context, register.Resource),
            new CommandOptions
            {
                Description = "Runs register again: creates or updates the IS 7 Key Manager and proves a token from IS works.",
                IconName = "KeyReset",
                IsHighlighted = true,
            });
    }

    /// <summary>Adds to <paramref name="prepare"/> the command that applies a fresh configuration: prepare runs again
    /// (the lab CA stays), the servers restart (their entrypoints copy the config volume at start; the JVMs read
    /// keystores once), and then <paramref name="register"/> runs again, since a restarted server starts empty.</summary>
    public static IResourceBuilder<ProjectResource> WithReprepareCommand(this IResourceBuilder<ProjectResource> prepare,
        IResourceBuilder<IWso2ServerResource>[] servers, IResourceBuilder<ProjectResource> register)
    {
        ArgumentNullException.ThrowIfNull(prepare);
        ArgumentNullException.ThrowIfNull(servers);
        ArgumentNullException.ThrowIfNull(register);

        return prepare.WithCommand(ReprepareCommandName, "Re-prepare and restart the lab",
            async context =>
            {
                var prepared = await OneShotRuns.RunAsync(context, prepare.Resource).ConfigureAwait(false);
                if (!prepared.Success)
                    return prepared;
                foreach (var server in servers)
                {
                    var restarted = await OneShotRuns.RestartAsync(context, server.Resource).ConfigureAwait(false);
                    if (!restarted.Success)
                        return restarted;
                }

                return await OneShotRuns.RunAsync(context, register.Resource).ConfigureAwait(false);
            },
            new CommandOptions
            {
                Description = "Writes the servers' configuration again, restarts them and registers the Key Manager again.",
                ConfirmationMessage = "Restart both servers? Anything created in them since they started is lost, unless they are persistent.",
                IconName = "ArrowSync",
            });
    }

    /// <summary>Adds to <paramref name="prepare"/> the command that shows the lab CA certificate (the file to import
    /// into a browser): its path and PEM text.</summary>
    public static IResourceBuilder<ProjectResource> WithLabCaCertificate(this IResourceBuilder<ProjectResource> prepare, LabParameters lab)
    {
        ArgumentNullException.ThrowIfNull(prepare);
        ArgumentNullException.ThrowIfNull(lab);

        var path = lab.Layout.CaCertificate;
        return prepare.WithCommand(ShowLabCaCommandName, "Show lab CA certificate",
            _ => Task.FromResult(File.Exists(path)
                ? CommandResults.Success($"The lab CA is {path}; import it into your browser as a trusted authority.", File.ReadAllText(path))
                : CommandResults.Failure($"{path} does not exist yet; it appears when prepare has finished.")),
            new CommandOptions { Description = "Shows where the lab CA certificate is and its PEM text.", IconName = "Certificate" });
    }

    /// <summary>First among a server's links (the grid folds the rest under "+n").</summary>
    private static ResourceUrlAnnotation LabCaLink(LabParameters lab)
    {
        var link = new ResourceUrlAnnotation { Url = new Uri(lab.Layout.CaCertificate).AbsoluteUri, DisplayText = LabCaLinkText };
#pragma warning disable CS0618 // Obsolete only because it is a field; Aspire 13.6's dashboard orders links by it.
        link.DisplayOrder = 100;
#pragma warning restore CS0618
        return link;
    }

    private static IResourceBuilder<T> UsePrepared<T>(this IResourceBuilder<T> server, IResourceBuilder<ProjectResource> prepare,
        string volume, LabParameters lab)
        where T : ContainerResource, IWso2ServerResource =>
        server
            .WithConfigVolume(volume)
            // On the servers, whose certificates it signs: the dashboard hides the links of a step that has finished.
            .WithAnnotation(LabCaLink(lab))
            .WithReadinessCheck(lab.Layout)
            .WaitForCompletion(prepare);
}
