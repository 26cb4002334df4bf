namespace KmLab.Provisioner.Configuration;

/// <summary>The <c>repository/conf/deployment.toml</c> of each server: the image's shipped file for that version, with
/// the lab's host name, port offset, keystores, admin account and Key Manager additions.</summary>
public static class DeploymentToml
{
    /// <summary>IS's deployment.toml. <paramref name="revocationNotifier"/>: include the token-revocation
    /// <c>[[event_listener]]</c> that notifies APIM (only when the notification handler jar is present, which the IS
    /// image does not ship; <c>prepare</c> decides).</summary>
    public static string ForIdentityServer(LabTopology lab, bool revocationNotifier = false) =>
        IdentityServerToml.Build(lab, revocationNotifier).ToString();

    /// <summary>APIM's deployment.toml. <paramref name="encryptionKey"/>: the lab's internal encryption key, written as
    /// <c>[encryption] key</c> for APIM 4.7.0 and later (<c>prepare</c> keeps it in the state folder).</summary>
    public static string ForApiManager(LabTopology lab, string? encryptionKey = null) =>
        ApiManagerToml.Build(lab, encryptionKey).ToString();
}
