using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Wso2;
using KmLab.Hosting;
using KmLab.Lab;
using KmLab.Provisioner.Wso2;

namespace Aspire.Hosting;

/// <summary>Adds a KmLab to an AppHost and makes its choices.</summary>
public static class KmLabBuilderExtensions
{
    /// <summary>The resources every lab adds besides its own; a name of the AppHost's may not be one of them.</summary>
    public static IReadOnlyList<string> ResourceNames { get; } =
    [
        LabParameters.AdminPasswordName, LabParameters.IdentityServerVersionName, LabParameters.ApiManagerVersionName,
        LabParameters.ImagesName, LabParameters.PersistentName, LabParameters.DemoName, Preflight.ResourceName, ProvisionerSteps.PrepareCommand,
        LabTopology.DefaultIdentityServerHost, LabTopology.DefaultApiManagerHost, ProvisionerSteps.RegisterCommand,
    ];

    /// <summary>Adds the whole lab: the parameters (<see cref="LabParameters"/>), the preflight checks, <c>prepare</c>,
    /// IS 7 (<c>is7</c>), APIM (<c>apim</c>) and <c>register</c>, with the lab's dashboard links and commands:
    /// <code>preflight + prepare ──▶ is7 + apim ──(both healthy)──▶ register</code>
    /// By default IS 7.3.0 and APIM 4.7.0 from WSO2's images, session containers, state in <c>.kmlab/state</c> beside
    /// the AppHost.</summary>
    /// <param name="builder">The AppHost's builder.</param>
    /// <param name="name">The lab's own resource, the parent of the others in the dashboard.</param>
    /// <param name="provisioner">How the Provisioner runs; null: the <c>KmLab.Provisioner</c> tool of this package's
    /// version (<see cref="KmLabProvisioner.Tool"/>).</param>
    /// <exception cref="DistributedApplicationException">A choice the lab does not support, or a resource name of the
    /// lab that the AppHost already uses: the message is one line naming the fix.</exception>
    public static IResourceBuilder<KmLabResource> AddKmLab(this IDistributedApplicationBuilder builder, [ResourceName] string name,
        KmLabProvisioner? provisioner = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrEmpty(name);
        foreach (var taken in ResourceNames.Prepend(name))
            EnsureFree(builder, taken);

        var choices = new LabChoices(builder.Configuration, builder.AppHostDirectory);
        choices.Validate();

        // Letters and digits only: nothing to escape in deployment.toml, a form or a Basic header, and 22 of them
        // fit IS's default password rule (5 to 30 non-blank characters).
        var adminPassword = builder.AddParameter(LabParameters.AdminPasswordName,
                new GenerateParameterDefault { MinLength = 22, Special = false }, secret: true, persist: true)
            .WithDescription("Password of the `admin` super user of IS and APIM. Generated on first run and kept in user secrets.", enableMarkdown: true);

        var resource = new KmLabResource(name, choices, adminPassword.Resource)
        {
            Provisioner = provisioner ?? KmLabProvisioner.Tool(),
            // Only when set: the lab's own key is the default, and an unset parameter would stop the AppHost to ask.
            ApimEncryptionKey = choices.Setting(LabParameters.ApimEncryptionKeyName) is null ? null
                : builder.AddParameter(LabParameters.ApimEncryptionKeyName, secret: true)
                    .WithDescription("APIM 4.7.0+ internal encryption key (64 lower-case hex characters). Unset: the lab's own key.", enableMarkdown: false)
                    .Resource,
        };
        var lab = builder.AddResource(resource)
            .WithIconName("Beaker")
            .WithInitialState(new CustomResourceSnapshot
            {
                ResourceType = "KmLab",
                State = KnownResourceStates.NotStarted,
                Properties = [],
            })
            .ExcludeFromManifest();

        // Shown in the dashboard with the values in force (read when the run starts, after every With… call).
        Show(builder, LabParameters.IdentityServerVersionName, () => LabChoices.Text(resource.IdentityServerVersion), "WSO2 Identity Server version (image tag).");
        Show(builder, LabParameters.ApiManagerVersionName, () => LabChoices.Text(resource.ApiManagerVersion), "WSO2 API Manager version (image tag).");
        Show(builder, LabParameters.ImagesName, () => LabChoices.Text(resource.Images), "`wso2`: WSO2's images; `twin`: KmLab's twins, built locally.");
        Show(builder, LabParameters.PersistentName, () => LabChoices.Text(resource.Persistent), "`true`: the containers outlive the AppHost and the next run reuses them.");
        Show(builder, LabParameters.DemoName, () => LabChoices.Text(resource.Choices.Demo), "`true`: seeds the workshop demo after register (API, two users, curl lines).");

        // One-shot: writes both config volumes and the lab CA into the state folder, then exits.
        resource.PrepareStep = ProvisionerSteps.AddStep(builder, resource, ProvisionerSteps.PrepareCommand, ProvisionerSteps.PrepareCommand, "DocumentSettings");

        resource.IdentityServerBuilder = builder.AddWso2IdentityServer(LabTopology.DefaultIdentityServerHost, resource.IdentityServerVersion,
            portOffset: Wso2Ports.DefaultIdentityServerOffset);
        resource.ApiManagerBuilder = builder.AddWso2ApiManager(LabTopology.DefaultApiManagerHost, resource.ApiManagerVersion);
        resource.IdentityServer = resource.IdentityServerBuilder.Resource;
        resource.ApiManager = resource.ApiManagerBuilder.Resource;
        Server(resource.IdentityServerBuilder);
        Server(resource.ApiManagerBuilder);
        void Server<T>(IResourceBuilder<T> server) where T : ContainerResource, IWso2ServerResource
        {
            server.WithParentRelationship(lab)
                .WithReadinessCheck(() => resource.Layout)
                .WaitForCompletion(resource.PrepareStep.Builder)
                // The twins play the version the lab runs.
                .WithEnvironment(context =>
                {
                    if (resource.Images == Wso2ImageSource.Twin)
                        context.EnvironmentVariables[Wso2ContainerImageTags.TwinVersionVariable] = server.Resource.ProductVersion;
                });
        }
        ProvisionerSteps.AddPrepareArguments(resource);

        // Docker answers, memory, ports free, images here: each failure one line naming the fix, before a server starts.
        builder.AddPreflight(resource, resource.IdentityServerBuilder, resource.ApiManagerBuilder).WithParentRelationship(lab);

        // One-shot: makes is7 APIM's Key Manager once both are healthy, proves a token from IS works, then exits.
        resource.RegisterStep = ProvisionerSteps.AddStep(builder, resource, ProvisionerSteps.RegisterCommand, ProvisionerSteps.RegisterCommand, "KeyMultiple");
        ProvisionerSteps.AddRegisterArguments(resource);
        ProvisionerSteps.AddReregisterCommand(resource);
        ProvisionerSteps.AddReprepareCommand(resource);
        ProvisionerSteps.AddShowLabCaCommand(resource);
        LabState.Track(lab);

        Apply(resource);
        KmLabDemoExtensions.AddDemoIfChosen(lab);
        return lab;
    }

    /// <summary>Chooses the IS and APIM versions (image tags and configuration); <c>Parameters:is-version</c> and
    /// <c>Parameters:apim-version</c> override them.</summary>
    /// <param name="builder">The lab.</param>
    /// <param name="identityServerVersion">One of <see cref="Wso2Versions.IdentityServer"/>, e.g. <c>7.3.0</c>.</param>
    /// <param name="apiManagerVersion">One of <see cref="Wso2Versions.ApiManager"/>, e.g. <c>4.7.0</c>.</param>
    /// <exception cref="DistributedApplicationException">A version KmLab does not support (the message names those it does).</exception>
    public static IResourceBuilder<KmLabResource> WithVersions(this IResourceBuilder<KmLabResource> builder,
        string identityServerVersion, string apiManagerVersion)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var choices = builder.Resource.Choices;
        choices.IdentityServerVersionCode = identityServerVersion;
        choices.ApiManagerVersionCode = apiManagerVersion;
        return Apply(builder);
    }

    /// <summary>Runs KmLab's twins (<c>kmlab/wso2is-twin:dev</c>, <c>kmlab/wso2am-twin:dev</c>, built locally) instead of
    /// WSO2's images; <c>Parameters:images</c> overrides it.</summary>
    public static IResourceBuilder<KmLabResource> WithTwinImages(this IResourceBuilder<KmLabResource> builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Resource.Choices.ImagesCode = Wso2ImageSource.Twin;
        return Apply(builder);
    }

    /// <summary>Keeps both servers across AppHost runs (the next run reuses them and register finds nothing to
    /// change); <c>Parameters:persistent</c> overrides it.</summary>
    public static IResourceBuilder<KmLabResource> WithPersistence(this IResourceBuilder<KmLabResource> builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Resource.Choices.PersistentCode = true;
        return Apply(builder);
    }

    /// <summary>Puts the state folder (configuration, lab CA, records of published APIs) at <paramref name="path"/>,
    /// relative to the AppHost's folder; <c>Parameters:state-dir</c> overrides it.</summary>
    public static IResourceBuilder<KmLabResource> WithStateDirectory(this IResourceBuilder<KmLabResource> builder, string path)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        builder.Resource.Choices.StateDirectoryCode = path;
        return Apply(builder);
    }

    /// <summary>Brings the servers' annotations in line with the lab's choices; run after each choice.</summary>
    private static IResourceBuilder<KmLabResource> Apply(IResourceBuilder<KmLabResource> builder)
    {
        Apply(builder.Resource);
        return builder;
    }

    private static void Apply(KmLabResource lab)
    {
        lab.Choices.Validate();
        lab.IdentityServer.Version = lab.IdentityServerVersion;
        lab.ApiManager.Version = lab.ApiManagerVersion;
        Apply(lab, lab.IdentityServerBuilder, Wso2ContainerImageTags.IdentityServerImage, Wso2ContainerImageTags.IdentityServerTwinImage,
            lab.IdentityServerVersion.Version, lab.Layout.IdentityServerVolume);
        Apply(lab, lab.ApiManagerBuilder, Wso2ContainerImageTags.ApiManagerImage, Wso2ContainerImageTags.ApiManagerTwinImage,
            lab.ApiManagerVersion.Version, lab.Layout.ApiManagerVolume);
    }

    private static void Apply<T>(KmLabResource lab, IResourceBuilder<T> server, string image, string twinImage, string version, string volume)
        where T : ContainerResource, IWso2ServerResource
    {
        var resource = server.Resource;
        Remove<ContainerImagePullPolicyAnnotation>(resource, _ => true);
        Remove<ContainerLifetimeAnnotation>(resource, _ => true);
        Remove<ContainerMountAnnotation>(resource, m => m.Target == Wso2Images.ConfigVolume);
        Remove<ResourceUrlAnnotation>(resource, u => u.DisplayText == ProvisionerSteps.LabCaLinkText);

        if (lab.Images == Wso2ImageSource.Twin)
            // Built by tests/docker/build-twin-images.sh; no registry has it.
            server.WithImage(twinImage, Wso2ContainerImageTags.TwinTag).WithImageRegistry(null).WithImagePullPolicy(ImagePullPolicy.Never);
        else
            server.WithImage(image, version).WithImageRegistry(Wso2ContainerImageTags.Registry);
        // A persistent server outlives the AppHost; the next run reuses it and register finds nothing to change.
        if (lab.Persistent)
            server.WithLifetime(ContainerLifetime.Persistent);
        server.WithConfigVolume(volume)
            // On the servers, whose certificates it signs: the dashboard hides the links of a step that has finished.
            .WithAnnotation(ProvisionerSteps.LabCaLink(lab.Layout));
    }

    private static void Remove<TAnnotation>(IResource resource, Func<TAnnotation, bool> which) where TAnnotation : IResourceAnnotation
    {
        foreach (var annotation in resource.Annotations.OfType<TAnnotation>().Where(which).ToList())
            resource.Annotations.Remove(annotation);
    }

    private static void Show(IDistributedApplicationBuilder builder, string name, Func<string> value, string description) =>
        builder.AddParameter(name, value).WithDescription(description, enableMarkdown: true);

    /// <summary>A name the lab (or a gateway API) would add must be free: Aspire's own message names no fix.</summary>
    internal static void EnsureFree(IDistributedApplicationBuilder builder, string name)
    {
        if (builder.Resources.FirstOrDefault(r => string.Equals(r.Name, name, StringComparison.OrdinalIgnoreCase)) is { } existing)
            throw new DistributedApplicationException(
                $"KmLab needs the resource name '{name}', which the AppHost already gives to {existing.GetType().Name} '{existing.Name}'; rename that resource (KmLab adds {string.Join(", ", ResourceNames)}).");
    }
}
