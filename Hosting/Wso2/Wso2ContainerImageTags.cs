using KmLab.Lab.Wso2;

namespace Aspire.Hosting.Wso2;

/// <summary>Where the WSO2 images come from. The image names and versions are the Provisioner's facts
/// (<see cref="Wso2Images"/>, <see cref="Wso2Versions"/>); the tag is the product version.</summary>
internal static class Wso2ContainerImageTags
{
    /// <remarks>docker.io</remarks>
    public const string Registry = "docker.io";

    /// <remarks>wso2/wso2is</remarks>
    public const string IdentityServerImage = Wso2Images.IdentityServer;

    /// <remarks>wso2/wso2am</remarks>
    public const string ApiManagerImage = Wso2Images.ApiManager;

    /// <summary>The twins (tests/KmLab.Twins) honour the images' contract where no registry is reachable; they are
    /// built locally (tests/docker/build-twin-images.sh) and play the version given in <see cref="TwinVersionVariable"/>.</summary>
    public const string IdentityServerTwinImage = "kmlab/wso2is-twin";

    public const string ApiManagerTwinImage = "kmlab/wso2am-twin";

    public const string TwinTag = "dev";

    public const string TwinVersionVariable = "KMLAB_TWIN_VERSION";
}
