using Aspire.Hosting.ApplicationModel;
using KmLab.Hosting;
using KmLab.Lab;
using KmLab.Lab.Wso2;

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

        provisioner ??= KmLabProvisioner.Tool();
        var resource = new KmLabResource(name, code => LabOptions.Resolve(code, builder.Configuration, builder.AppHostDirectory),
            AddAdminPassword(builder), AddApimEncryptionKey(builder), provisioner,
            builder.AddWso2IdentityServer(LabTopology.DefaultIdentityServerHost, portOffset: Wso2Ports.DefaultIdentityServerOffset).Resource,
            builder.AddWso2ApiManager(LabTopology.DefaultApiManagerHost).Resource,
            // One-shot: writes both config volumes and the lab CA into the state folder, then exits.
            provisioner.AddStep(builder, ProvisionerSteps.PrepareCommand),
            // One-shot: makes is7 APIM's Key Manager once both are healthy, proves a token from IS works, then exits.
            provisioner.AddStep(builder, ProvisionerSteps.RegisterCommand));
        // A setting the lab does not support stops the AppHost here, in one line.
        _ = resource.Options;
        ApplyLifetime(builder, resource);
        var lab = builder.AddResource(resource)
            .WithIconName("Beaker")
            .WithInitialState(new CustomResourceSnapshot { ResourceType = "KmLab", State = KnownResourceStates.NotStarted, Properties = [] })
            .ExcludeFromManifest();
        ShowChoices(builder, resource);

        ProvisionerSteps.Configure(resource.PrepareStep, resource, ProvisionerSteps.PrepareCommand, "DocumentSettings");
        ProvisionerSteps.Configure(resource.RegisterStep, resource, ProvisionerSteps.RegisterCommand, "KeyMultiple");
        Server(builder.CreateResourceBuilder(resource.IdentityServer), resource);
        Server(builder.CreateResourceBuilder(resource.ApiManager), resource);
        ProvisionerSteps.AddPrepareArguments(resource);
        ProvisionerSteps.AddRegisterArguments(resource);

        // Docker answers, memory, ports free, images here: each failure one line naming the fix, before a server starts.
        builder.AddPreflight(resource, builder.CreateResourceBuilder(resource.IdentityServer), builder.CreateResourceBuilder(resource.ApiManager))
            .WithParentRelationship(lab);
        ProvisionerSteps.AddReregisterCommand(resource);
        ProvisionerSteps.AddReprepareCommand(resource);
        ProvisionerSteps.AddShowLabCaCommand(resource);
        LabState.Track(lab);

        LabChoices.ApplyBeforeStart(builder, resource);
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
        ArgumentException.ThrowIfNullOrWhiteSpace(identityServerVersion);
        ArgumentException.ThrowIfNullOrWhiteSpace(apiManagerVersion);
        var identityServer = LabCode.Version(identityServerVersion, Wso2Versions.IdentityServer, "IS");
        var apiManager = LabCode.Version(apiManagerVersion, Wso2Versions.ApiManager, "APIM");
        return Choose(builder, code => code with { IdentityServerVersion = identityServer, ApiManagerVersion = apiManager });
    }

    /// <summary>Runs KmLab's twins (<c>kmlab/wso2is-twin:dev</c>, <c>kmlab/wso2am-twin:dev</c>, built locally) instead of
    /// WSO2's images; <c>Parameters:images</c> overrides it.</summary>
    public static IResourceBuilder<KmLabResource> WithTwinImages(this IResourceBuilder<KmLabResource> builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return Choose(builder, code => code with { Images = Wso2ImageSource.Twin });
    }

    /// <summary>Keeps both servers across AppHost runs (the next run reuses them and register finds nothing to
    /// change); <c>Parameters:persistent</c> overrides it.</summary>
    public static IResourceBuilder<KmLabResource> WithPersistence(this IResourceBuilder<KmLabResource> builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        Choose(builder, code => code with { Persistent = true });
        ApplyLifetime(builder.ApplicationBuilder, builder.Resource);
        return builder;
    }

    /// <summary>The one choice that cannot wait for the run's start: Aspire gives a persistent container a name derived
    /// from the AppHost (so that the next run finds it) and a session container a random one, and fixes those names in
    /// a <see cref="BeforeStartEvent"/> handler of its own that runs before any the lab can add
    /// (microsoft/aspire@59d405ff5a:src/Aspire.Hosting/DistributedApplicationBuilder.cs subscribes
    /// <c>InitializeDcpAnnotations</c> in its constructor). So the servers' lifetime is set as soon as it is chosen.</summary>
    private static void ApplyLifetime(IDistributedApplicationBuilder builder, KmLabResource lab)
    {
        var lifetime = lab.Options.Persistent ? ContainerLifetime.Persistent : ContainerLifetime.Session;
        builder.CreateResourceBuilder(lab.IdentityServer).WithLifetime(lifetime);
        builder.CreateResourceBuilder(lab.ApiManager).WithLifetime(lifetime);
    }

    /// <summary>Puts the state folder (configuration, lab CA, records of published APIs) at <paramref name="path"/>,
    /// relative to the AppHost's folder; <c>Parameters:state-dir</c> overrides it.</summary>
    public static IResourceBuilder<KmLabResource> WithStateDirectory(this IResourceBuilder<KmLabResource> builder, string path)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        return Choose(builder, code => code with { StateDirectory = path });
    }

    /// <summary>Records a choice of the code; the options are resolved from it (configuration still overrides it) when
    /// read, and reach the servers once, before the run starts (<see cref="LabChoices"/>).</summary>
    internal static IResourceBuilder<KmLabResource> Choose(IResourceBuilder<KmLabResource> builder, Func<LabCode, LabCode> choice)
    {
        builder.Resource.Code = choice(builder.Resource.Code);
        return builder;
    }

    /// <summary>The servers' lab wiring: in the lab's group, ready when the lab CA's TLS answers, after prepare.</summary>
    private static void Server<T>(IResourceBuilder<T> server, KmLabResource lab) where T : ContainerResource, IWso2ServerResource =>
        server.WithParentRelationship(lab)
            .WithReadinessCheck(() => lab.Layout)
            .WaitForCompletion(lab.PrepareStep.Builder);

    private static ParameterResource AddAdminPassword(IDistributedApplicationBuilder builder) =>
        // Letters and digits only: nothing to escape in deployment.toml, a form or a Basic header, and 22 of them
        // fit IS's default password rule (5 to 30 non-blank characters).
        builder.AddParameter(LabParameters.AdminPasswordName,
                new GenerateParameterDefault { MinLength = 22, Special = false }, secret: true, persist: true)
            .WithDescription("Password of the `admin` super user of IS and APIM. Generated on first run and kept in user secrets.", enableMarkdown: true)
            .Resource;

    /// <summary>Only when set: the lab's own key is the default, and an unset parameter would stop the AppHost to ask.</summary>
    private static ParameterResource? AddApimEncryptionKey(IDistributedApplicationBuilder builder) =>
        new LabSettings(builder.Configuration)[LabParameters.ApimEncryptionKeyName] is null ? null
            : builder.AddParameter(LabParameters.ApimEncryptionKeyName, secret: true)
                .WithDescription("APIM 4.7.0+ internal encryption key (64 lower-case hex characters). Unset: the lab's own key.", enableMarkdown: false)
                .Resource;

    /// <summary>The choices in force on the dashboard, read from the options when the run starts (after every With… call).</summary>
    private static void ShowChoices(IDistributedApplicationBuilder builder, KmLabResource lab)
    {
        Show(LabParameters.IdentityServerVersionName, () => LabOptions.Text(lab.IdentityServerVersion), "WSO2 Identity Server version (image tag).");
        Show(LabParameters.ApiManagerVersionName, () => LabOptions.Text(lab.ApiManagerVersion), "WSO2 API Manager version (image tag).");
        Show(LabParameters.ImagesName, () => LabOptions.Text(lab.Images), "`wso2`: WSO2's images; `twin`: KmLab's twins, built locally.");
        Show(LabParameters.PersistentName, () => LabOptions.Text(lab.Persistent), "`true`: the containers outlive the AppHost and the next run reuses them.");
        Show(LabParameters.DemoName, () => LabOptions.Text(lab.Options.Demo), "`true`: seeds the workshop demo after register (API, two users, curl lines).");
        void Show(string name, Func<string> value, string description) =>
            builder.AddParameter(name, value).WithDescription(description, enableMarkdown: true);
    }

    /// <summary>A name the lab (or a gateway API) would add must be free: Aspire's own message names no fix.</summary>
    internal static void EnsureFree(IDistributedApplicationBuilder builder, string name)
    {
        if (builder.Resources.FirstOrDefault(r => string.Equals(r.Name, name, StringComparison.OrdinalIgnoreCase)) is { } existing)
            throw new DistributedApplicationException(
                $"KmLab needs the resource name '{name}', which the AppHost already gives to {existing.GetType().Name} '{existing.Name}'; rename that resource (KmLab adds {string.Join(", ", ResourceNames)}).");
    }
}
