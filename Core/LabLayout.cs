namespace KmLab.Lab;

/// <summary>Where everything lives in the lab's state folder. Each server's folder mounts as its image's config volume.</summary>
public sealed class LabLayout(string stateDirectory)
{
    public string Root { get; } = Path.GetFullPath(stateDirectory);

    public string CaDirectory => Path.Combine(Root, "ca");

    /// <summary>The lab CA certificate, PEM: the file a user imports to trust the lab in a browser.</summary>
    public string CaCertificate => Path.Combine(CaDirectory, "kmlab-ca.pem");

    /// <summary>The lab's issuing CA (signed by the root above), which signs the server certificates.</summary>
    public string IssuingCaCertificate => Path.Combine(CaDirectory, "kmlab-issuing-ca.pem");

    /// <summary>The issuing CA's private key, PKCS#8 PEM, readable by its owner only (the root's key is not kept).</summary>
    public string CaPrivateKey => Path.Combine(CaDirectory, "kmlab-ca.key");

    /// <summary>What <c>prepare</c> decided (versions, hosts, offset), for the steps after it.</summary>
    public string Manifest => Path.Combine(Root, "lab.json");

    /// <summary>APIM 4.7.0's internal encryption key (64 hex characters), readable by its owner only. It stays outside
    /// the config volumes: APIM reads it from its deployment.toml.</summary>
    public string ApimEncryptionKey => Path.Combine(Root, "apim-encryption.key");

    /// <summary>What <c>publish</c> wrote for each API: <c>apis/&lt;name&gt;.json</c> (gateway URL, context, version,
    /// application, consumer key; no secret).</summary>
    public string ApisDirectory => Path.Combine(Root, "apis");

    /// <summary>The lab applications' client credentials: <c>applications/&lt;name&gt;.json</c>, readable by its owner only.</summary>
    public string ApplicationsDirectory => Path.Combine(Root, "applications");

    public string ApiFile(string apiName) => Path.Combine(ApisDirectory, apiName + ".json");
    public string ApplicationFile(string applicationName) => Path.Combine(ApplicationsDirectory, applicationName + ".json");

    /// <summary>Mounts at <c>/home/wso2carbon/wso2-config-volume</c> of the IS container.</summary>
    public string IdentityServerVolume => Path.Combine(Root, "is7");

    /// <summary>Mounts at <c>/home/wso2carbon/wso2-config-volume</c> of the APIM container.</summary>
    public string ApiManagerVolume => Path.Combine(Root, "apim");

    public static string DeploymentToml(string volume) => Path.Combine(volume, "repository", "conf", "deployment.toml");

    public static string SecurityDirectory(string volume) => Path.Combine(volume, "repository", "resources", "security");

    /// <summary>Where the image's entrypoint takes extra OSGi bundles from (copied over the product's own dropins).</summary>
    public static string DropinsDirectory(string volume) => Path.Combine(volume, "repository", "components", "dropins");
}
