namespace KmLab.Tests;

/// <summary>How long the tests wait for WSO2's own images (<c>KMLAB_IMAGES=wso2</c>) to boot: the one place these
/// figures live (linked into KmLab.AppHost.Tests too). WSO2 publishes no boot time for IS 7.3 or APIM 4.7 in its docs
/// or release notes; the only figures it states are those of its own Testcontainers harness, which boots the pair the
/// lab runs (APIM 4.7 with IS 7.3 as Key Manager), and these allowances are that harness's, so a timeout here means
/// the server took longer than WSO2 itself allows (docs/performance.md, "Real images: boot time").</summary>
public static class RealImageBootTimes
{
    /// <summary>IS 7.3 "boots natively … typically well under a minute", and the harness waits 4 minutes for it
    /// (wso2/product-apim@140e5b90:all-in-one-apim/modules/integration-v2/tests-common/testcontainers/src/main/java/org/wso2/am/testcontainers/IdentityServerContainer.java:54-55,123-124).</summary>
    public static readonly TimeSpan IdentityServer = TimeSpan.FromMinutes(4);

    /// <summary>APIM: no boot figure is published; the harness waits up to 20 minutes for its ports
    /// (…/testcontainers/DynamicApimContainer.java:122 at the same commit).</summary>
    public static readonly TimeSpan ApiManager = TimeSpan.FromMinutes(20);

    /// <summary>The two servers boot side by side, so the lab is up within the longer allowance.</summary>
    public static TimeSpan Lab => IdentityServer > ApiManager ? IdentityServer : ApiManager;

    /// <summary>What a whole AppHost step may take on WSO2's images: the lab's boot, then <c>register</c> waiting for
    /// the new Key Manager to reach APIM's runtime and proving it, which the margin covers (a few seconds with the
    /// twins; WSO2 states no figure for the propagation).</summary>
    public static TimeSpan LabStep => Lab + TimeSpan.FromMinutes(5);
}
