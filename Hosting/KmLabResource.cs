using KmLab.Hosting;
using KmLab.Lab;
using KmLab.Provisioner.Wso2;

namespace Aspire.Hosting.ApplicationModel;

/// <summary>A KmLab: WSO2 Identity Server 7 as the Key Manager of WSO2 API Manager, with the Provisioner steps that
/// prepare their configuration and register the Key Manager. It is the parent of the lab's resources in the
/// dashboard; its choices (versions, images, persistence, state folder) are made with the <c>With…</c> builders of
/// <see cref="KmLabBuilderExtensions"/> and may be overridden by the parameters named in <see cref="LabParameters"/>.</summary>
public sealed class KmLabResource : Resource
{
    internal KmLabResource(string name, LabChoices choices, ParameterResource adminPassword) : base(name) =>
        (Choices, AdminPassword) = (choices, adminPassword);

    internal LabChoices Choices { get; }

    /// <summary>The super admin password of both servers (user <c>admin</c>): a secret parameter.</summary>
    public ParameterResource AdminPassword { get; }

    /// <summary>APIM 4.7.0+'s internal encryption key when the user supplies one, else null (the lab's own key).</summary>
    public ParameterResource? ApimEncryptionKey { get; internal set; }

    /// <summary>The IS version the lab runs.</summary>
    public IdentityServerVersion IdentityServerVersion => Choices.IdentityServerVersion;

    /// <summary>The APIM version the lab runs.</summary>
    public ApiManagerVersion ApiManagerVersion => Choices.ApiManagerVersion;

    /// <summary>WSO2's images or KmLab's twins.</summary>
    public Wso2ImageSource Images => Choices.Images;

    /// <summary>Whether the servers outlive the AppHost (Aspire's persistent container lifetime).</summary>
    public bool Persistent => Choices.Persistent;

    /// <summary>The state folder: generated configuration, the lab CA, the records of published APIs.</summary>
    public LabLayout Layout => Choices.Layout;

    /// <summary>The IS 7 container.</summary>
    public Wso2IdentityServerResource IdentityServer { get; internal set; } = null!;

    /// <summary>The APIM container (control plane and gateway).</summary>
    public Wso2ApiManagerResource ApiManager { get; internal set; } = null!;

    /// <summary>The one-shot <c>prepare</c> step.</summary>
    public IResource Prepare => PrepareStep.Resource;

    /// <summary>The one-shot <c>register</c> step.</summary>
    public IResource Register => RegisterStep.Resource;

    internal KmLabProvisioner Provisioner { get; set; } = null!;
    internal ProvisionerStep PrepareStep { get; set; } = null!;
    internal ProvisionerStep RegisterStep { get; set; } = null!;
    internal IResourceBuilder<Wso2IdentityServerResource> IdentityServerBuilder { get; set; } = null!;
    internal IResourceBuilder<Wso2ApiManagerResource> ApiManagerBuilder { get; set; } = null!;
    internal ProvisionerStep? DemoStep { get; set; }
    internal HashSet<string> GatewayContexts { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The URL of IS's token endpoint as a host process reaches it; it is also the issuer of IS's tokens
    /// (<c>[server] hostname</c> is <see cref="LabTopology.PublicHostName"/>).</summary>
    public string TokenUrl => LabUrls.Token(LabUrls.IdentityServer(IdentityServer.PortOffset)).ToString();
}
