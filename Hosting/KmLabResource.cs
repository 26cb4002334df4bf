using KmLab.Hosting;
using KmLab.Lab;
using KmLab.Lab.Wso2;

namespace Aspire.Hosting.ApplicationModel;

/// <summary>A KmLab: WSO2 Identity Server 7 as the Key Manager of WSO2 API Manager, with the Provisioner steps that
/// prepare their configuration and register the Key Manager. It is the parent of the lab's resources in the
/// dashboard; its choices (versions, images, persistence, state folder) are made with the <c>With…</c> builders of
/// <see cref="KmLabBuilderExtensions"/> and may be overridden by the parameters named in <see cref="LabParameters"/>.</summary>
public sealed class KmLabResource : Resource
{
    internal KmLabResource(string name, Func<LabCode, LabOptions> resolve, ParameterResource adminPassword, ParameterResource? apimEncryptionKey,
        KmLabProvisioner provisioner, Wso2IdentityServerResource identityServer, Wso2ApiManagerResource apiManager,
        ProvisionerStep prepare, ProvisionerStep register) : base(name)
    {
        (_resolve, AdminPassword, ApimEncryptionKey, Provisioner) = (resolve, adminPassword, apimEncryptionKey, provisioner);
        (IdentityServer, ApiManager, PrepareStep, RegisterStep) = (identityServer, apiManager, prepare, register);
    }

    private readonly Func<LabCode, LabOptions> _resolve;
    private LabCode _code = new();
    private LabOptions? _options;

    /// <summary>What the AppHost's code chose; a <c>With…</c> call replaces it and resolves nothing.</summary>
    internal LabCode Code
    {
        get => _code;
        set => (_code, _options) = (value, null);
    }

    /// <summary>The choices in force (code, then configuration): the one model the servers and steps follow, resolved
    /// when first read after the code's last choice. The servers get it once, before the run starts (<see cref="LabChoices"/>).</summary>
    internal LabOptions Options => _options ??= _resolve(_code);

    /// <summary>The super admin password of both servers (user <c>admin</c>): a secret parameter.</summary>
    public ParameterResource AdminPassword { get; }

    /// <summary>APIM 4.7.0+'s internal encryption key when the user supplies one, else null (the lab's own key).</summary>
    public ParameterResource? ApimEncryptionKey { get; }

    /// <summary>The IS version the lab runs.</summary>
    public IdentityServerVersion IdentityServerVersion => Options.IdentityServerVersion;

    /// <summary>The APIM version the lab runs.</summary>
    public ApiManagerVersion ApiManagerVersion => Options.ApiManagerVersion;

    /// <summary>WSO2's images or KmLab's twins.</summary>
    public Wso2ImageSource Images => Options.Images;

    /// <summary>Whether the servers outlive the AppHost (Aspire's persistent container lifetime).</summary>
    public bool Persistent => Options.Persistent;

    /// <summary>The state folder: generated configuration, the lab CA, the records of published APIs.</summary>
    public LabLayout Layout => Options.Layout;

    /// <summary>The IS 7 container.</summary>
    public Wso2IdentityServerResource IdentityServer { get; }

    /// <summary>The APIM container (control plane and gateway).</summary>
    public Wso2ApiManagerResource ApiManager { get; }

    /// <summary>The one-shot <c>prepare</c> step.</summary>
    public IResource Prepare => PrepareStep.Resource;

    /// <summary>The one-shot <c>register</c> step.</summary>
    public IResource Register => RegisterStep.Resource;

    internal KmLabProvisioner Provisioner { get; }
    internal ProvisionerStep PrepareStep { get; }
    internal ProvisionerStep RegisterStep { get; }
    internal ProvisionerStep? DemoStep { get; set; }
    internal HashSet<string> GatewayContexts { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The lab's resources as the dashboard last showed them, for the commands' <c>UpdateState</c>.</summary>
    internal LabSnapshots Snapshots { get; } = new();

    /// <summary>The URL of IS's token endpoint as a host process reaches it; it is also the issuer of IS's tokens
    /// (<c>[server] hostname</c> is <see cref="LabTopology.PublicHostName"/>).</summary>
    public string TokenUrl => LabUrls.Token(LabUrls.IdentityServer(IdentityServer.PortOffset)).ToString();
}
