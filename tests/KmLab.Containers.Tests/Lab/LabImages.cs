using KmLab.Provisioner;

namespace KmLab.Containers.Tests.Lab;

/// <summary>Which images the suite runs: the twins (default; they build offline) or WSO2's own images, chosen with
/// <c>KMLAB_IMAGES=wso2</c> on a machine that can pull them. The suite itself is the same for both.</summary>
public sealed record LabImages(string Kind, string IdentityServer, string ApiManager, TimeSpan BootTimeout)
{
    public const string Variable = "KMLAB_IMAGES";
    public const string TwinKind = "twin";
    public const string Wso2Kind = "wso2";

    /// <summary>The tags tests/docker/build-twin-images.sh builds.</summary>
    public const string IdentityServerTwin = "kmlab/wso2is-twin:dev";
    public const string ApiManagerTwin = "kmlab/wso2am-twin:dev";

    /// <summary>The twin entry reads the product version it plays from here (the product itself is baked into the image).</summary>
    public const string TwinVersionVariable = "KMLAB_TWIN_VERSION";

    public bool AreTwins => Kind == TwinKind;

    public static LabImages For(LabTopology topology)
    {
        var kind = (Environment.GetEnvironmentVariable(Variable) ?? TwinKind).Trim().ToLowerInvariant();
        return kind switch
        {
            // A twin boots in a second or two; the allowance covers a busy 2-core machine.
            TwinKind => new(kind, IdentityServerTwin, ApiManagerTwin, TimeSpan.FromSeconds(90)),
            // WSO2's own allowances for its images (RealImageBootTimes).
            Wso2Kind => new(kind, topology.IdentityServerVersion.Image, topology.ApiManagerVersion.Image, KmLab.Tests.RealImageBootTimes.Lab),
            _ => throw new InvalidOperationException($"{Variable}='{kind}' is not known; use '{TwinKind}' (default) or '{Wso2Kind}'."),
        };
    }
}
