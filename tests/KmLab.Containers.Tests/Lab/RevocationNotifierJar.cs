using KmLab.Provisioner;

namespace KmLab.Containers.Tests.Lab;

/// <summary>IS tells APIM about revoked tokens only with WSO2's notification handler jar in its dropins, which the
/// IS image does not ship (wso2-extensions/apim-km-wso2is@2c3140f3:components/wso2is.notification.event.handlers/pom.xml:11); <c>prepare</c> configures the listener only when the jar is there.</summary>
public static class RevocationNotifierJar
{
    /// <summary>For <c>KMLAB_IMAGES=wso2</c>: a path to the real jar (e.g. from WSO2's apim-km-wso2is release).</summary>
    public const string Variable = "KMLAB_IS_NOTIFICATION_JAR";

    /// <summary>The real artifact's file name (wso2-extensions/apim-km-wso2is, artifactId
    /// <c>wso2is.notification.event.handlers</c>; WSO2's integration harness drops in version 2.1.3). Spelled out
    /// here rather than taken from prepare, so a wrong pattern in prepare fails the revocation tests.</summary>
    public const string StandInName = "wso2is.notification.event.handlers-2.1.3.jar";

    /// <summary>Puts the jar into the IS config volume (the entrypoint copies it over the product home). The twin
    /// plays an IS that has it, so an empty stand-in with the jar's real name is enough there.</summary>
    /// <returns>Whether the revocation path will be configured.</returns>
    public static bool Install(string identityServerVolume, LabImages images)
    {
        var dropins = LabLayout.DropinsDirectory(identityServerVolume);
        if (images.AreTwins)
        {
            Directory.CreateDirectory(dropins);
            File.WriteAllBytes(Path.Combine(dropins, StandInName), []);
            return true;
        }

        var jar = Environment.GetEnvironmentVariable(Variable);
        if (string.IsNullOrWhiteSpace(jar) || !File.Exists(jar))
            return false;
        Directory.CreateDirectory(dropins);
        File.Copy(jar, Path.Combine(dropins, Path.GetFileName(jar)), overwrite: true);
        return true;
    }
}
