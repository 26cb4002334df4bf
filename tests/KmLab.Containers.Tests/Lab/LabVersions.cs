using KmLab.Lab.Wso2;

namespace KmLab.Containers.Tests.Lab;

/// <summary>The version pair the suite's shared lab runs: KmLab's default pair, or the one named by
/// <c>KMLAB_IS_VERSION</c> / <c>KMLAB_APIM_VERSION</c> (.ci/real-images sets them per pair of the matrix). Tests that
/// pin a pair of their own keep it.</summary>
public static class LabVersions
{
    public const string IdentityServerVariable = "KMLAB_IS_VERSION";
    public const string ApiManagerVariable = "KMLAB_APIM_VERSION";

    /// <summary>An unsupported value fails the lab's start with the Provisioner's message (the versions it knows).</summary>
    public static IdentityServerVersion IdentityServer =>
        Environment.GetEnvironmentVariable(IdentityServerVariable) is { Length: > 0 } v ? Wso2Versions.ParseIdentityServer(v) : Wso2Versions.DefaultIdentityServer;

    public static ApiManagerVersion ApiManager =>
        Environment.GetEnvironmentVariable(ApiManagerVariable) is { Length: > 0 } v ? Wso2Versions.ParseApiManager(v) : Wso2Versions.DefaultApiManager;
}
