using System.Text;
using KmLab.Provisioner.Configuration;
using KmLab.Provisioner.Prepare;

namespace KmLab.Provisioner.Tests;

/// <summary>What lands in the state folder besides the stores: deployment.toml, lab.json, file access.</summary>
public sealed class StateFolderTests
{
    [Fact]
    public void Each_server_gets_its_deployment_toml()
    {
        using var lab = new TempLab();
        var topology = TempLab.Topology("7.2.0", "4.5.0");

        lab.Prepare(topology);

        Assert.Equal(DeploymentToml.ForIdentityServer(topology, revocationNotifier: false),
            File.ReadAllText(LabLayout.DeploymentToml(lab.Layout.IdentityServerVolume)));
        Assert.Equal(DeploymentToml.ForApiManager(topology),
            File.ReadAllText(LabLayout.DeploymentToml(lab.Layout.ApiManagerVolume)));
    }

    [Fact]
    public void The_revocation_notifier_is_configured_only_when_its_jar_is_in_the_dropins()
    {
        using var lab = new TempLab();
        var topology = TempLab.Topology();
        var toml = LabLayout.DeploymentToml(lab.Layout.IdentityServerVolume);
        lab.Prepare(topology);
        var without = File.ReadAllText(toml);
        var dropins = Path.Combine(lab.Layout.IdentityServerVolume, "repository", "components", "dropins");
        Directory.CreateDirectory(dropins);
        // A jar of another name (the bundle's package name) is not the artifact WSO2 ships.
        File.WriteAllBytes(Path.Combine(dropins, "org.wso2.is.notification-2.1.3.jar"), []);
        var unrelated = lab.Prepare(topology);
        // The artifact's real name (apim-km-wso2is components/wso2is.notification.event.handlers/pom.xml, version as released).
        File.WriteAllBytes(Path.Combine(dropins, "wso2is.notification.event.handlers-2.1.3.jar"), []);

        var result = lab.Prepare(topology);

        Assert.Equal(DeploymentToml.ForIdentityServer(topology, revocationNotifier: false), without);
        Assert.Null(unrelated.RevocationNotifierJar);
        Assert.Empty(unrelated.FilesWritten);
        Assert.Equal(DeploymentToml.ForIdentityServer(topology, revocationNotifier: true), File.ReadAllText(toml));
        Assert.Equal([toml], result.FilesWritten);
        Assert.Equal("wso2is.notification.event.handlers-2.1.3.jar", result.RevocationNotifierJar);
    }

    [Fact]
    public void Prepare_says_whether_token_revocation_is_wired_and_when_not_what_to_put_where()
    {
        using var lab = new TempLab();
        var dropins = Path.Combine(lab.Layout.IdentityServerVolume, "repository", "components", "dropins");

        var without = Tools.Provisioner(["prepare", "--state", lab.Root]);
        Directory.CreateDirectory(dropins);
        File.WriteAllBytes(Path.Combine(dropins, "wso2is.notification.event.handlers-2.1.3.jar"), []);
        var with = Tools.Provisioner(["prepare", "--state", lab.Root]);

        Assert.Equal(0, without.ExitCode);
        Assert.Contains($"token revocation: not wired (IS will not tell APIM about revoked tokens); to wire it, put WSO2's notification handler jar wso2is.notification.event.handlers-2.1.3.jar (wso2-extensions/apim-km-wso2is, the version WSO2 documents for APIM 4.7.0) into {dropins}, run prepare again and restart IS\n", without.Output);
        Assert.Equal(0, with.ExitCode);
        Assert.Contains("token revocation: wired (wso2is.notification.event.handlers-2.1.3.jar in IS's dropins; IS notifies APIM at https://apim:9443/internal/data/v1/notify)\n", with.Output);
    }

    [Theory]
    [InlineData("4.6.0", "wso2is.notification.event.handlers-2.1.3.jar", true)]
    [InlineData("4.7.0", "wso2is.notification.event.handlers-2.1.3.jar", false)]
    [InlineData("4.7.0", "wso2is.notification.event.handlers-2.0.8.jar", true)]
    public void A_notification_handler_jar_of_another_version_than_wso2_documents_is_named(string apimVersion, string jar, bool warned)
    {
        using var lab = new TempLab();
        var dropins = Path.Combine(lab.Layout.IdentityServerVolume, "repository", "components", "dropins");
        Directory.CreateDirectory(dropins);
        File.WriteAllBytes(Path.Combine(dropins, jar), []);

        var result = lab.Prepare(TempLab.Topology("7.3.0", apimVersion));

        Assert.Equal(warned, result.Warnings.Any(w => w.Contains($"IS's dropins hold {jar}, but WSO2 documents", StringComparison.Ordinal)));
        Assert.Equal(jar, result.RevocationNotifierJar); // still wired: the warning only says what WSO2 documents
    }

    [Fact]
    public void The_manifest_gives_the_topology_back_without_the_password()
    {
        using var lab = new TempLab();
        var topology = TempLab.Topology("7.1.0", "4.4.0", offset: 7, isHost: "identity", apimHost: "gateway", password: "pw-not-in-manifest");

        lab.Prepare(topology);

        Assert.Equal(topology, LabManifest.Read(lab.Layout).ToTopology("pw-not-in-manifest"));
        Assert.DoesNotContain("pw-not-in-manifest", File.ReadAllText(lab.Layout.Manifest));
    }

    [Fact]
    public void The_admin_password_reaches_deployment_toml_only()
    {
        using var lab = new TempLab();
        const string password = "Very-Secret-42";

        var result = Tools.Provisioner(["prepare", "--state", lab.Root], password);

        Assert.Equal(0, result.ExitCode);
        Assert.DoesNotContain(password, result.Output + result.Error);
        Assert.Contains("lab CA created", result.Output);
        var holders = Directory.EnumerateFiles(lab.Root, "*", SearchOption.AllDirectories)
            .Where(f => File.ReadAllText(f, Encoding.Latin1).Contains(password))
            .Select(f => Path.GetRelativePath(lab.Root, f)).Order();
        Assert.Equal(["apim/repository/conf/deployment.toml", "is7/repository/conf/deployment.toml"], holders);
    }

    [Fact]
    public void Private_keys_are_not_world_readable_where_that_can_be_arranged()
    {
        using var lab = new TempLab();
        var topology = TempLab.Topology();

        lab.Prepare(topology);

        Assert.Equal("600", Stat(lab.Layout.CaPrivateKey).Mode);
        Assert.Equal("644", Stat(lab.Layout.CaCertificate).Mode);
        var secrets = new[]
        {
            (lab.IsKeyStore(), topology.IdentityServerVersion.ContainerUid),
            (LabLayout.DeploymentToml(lab.Layout.IdentityServerVolume), topology.IdentityServerVersion.ContainerUid),
            (lab.ApimKeyStore, topology.ApiManagerVersion.ContainerUid),
            (LabLayout.DeploymentToml(lab.Layout.ApiManagerVolume), topology.ApiManagerVersion.ContainerUid),
        };
        foreach (var (file, uid) in secrets)
        {
            // As root the container's user owns them; otherwise that user can only read them as "other".
            var expected = Environment.IsPrivilegedProcess ? ("600", uid.ToString()) : ("644", Environment.UserName);
            var actual = Stat(file);
            Assert.Equal(expected, (actual.Mode, Environment.IsPrivilegedProcess ? actual.Uid : Environment.UserName));
        }
        Assert.Empty(Directory.EnumerateFiles(lab.Root, "*.tmp", SearchOption.AllDirectories));
    }

    [Fact]
    public void Files_the_user_put_into_a_config_volume_are_made_readable_for_the_containers_user()
    {
        // The images' entrypoint copies the whole volume as that user (cp -RL under set -e): one file it cannot read
        // stops the container. A jar copied in with umask 077 is such a file.
        using var lab = new TempLab();
        var topology = TempLab.Topology();
        lab.Prepare(topology);
        var dropins = Path.Combine(lab.Layout.IdentityServerVolume, "repository", "components", "dropins");
        Directory.CreateDirectory(dropins, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var jar = Path.Combine(dropins, "wso2is.notification.event.handlers-2.1.3.jar");
        File.WriteAllBytes(jar, []);
        File.SetUnixFileMode(jar, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var extra = Path.Combine(lab.Layout.ApiManagerVolume, "repository", "conf", "extra.xml");
        File.WriteAllText(extra, "<x/>");
        File.SetUnixFileMode(extra, UnixFileMode.UserWrite);

        lab.Prepare(topology);

        var isUid = topology.IdentityServerVersion.ContainerUid.ToString();
        var apimUid = topology.ApiManagerVersion.ContainerUid.ToString();
        if (Environment.IsPrivilegedProcess)
        {
            // Root hands them to the image's user and group (the same number), adding only what cp needs for the owner.
            Assert.Equal(("600", isUid, isUid), StatWithGroup(jar));
            Assert.Equal(("700", isUid, isUid), StatWithGroup(dropins));
            Assert.Equal(("600", apimUid, apimUid), StatWithGroup(extra));
            Assert.Equal(("600", isUid, isUid), StatWithGroup(lab.IsKeyStore()));
        }
        else
        {
            Assert.Equal("604", Stat(jar).Mode);
            Assert.Equal("705", Stat(dropins).Mode);
            Assert.Equal("204", Stat(extra).Mode);
        }
    }

    private static (string Mode, string Uid) Stat(string file)
    {
        var parts = Tools.Run("stat", "-c", "%a %u", file).Output.Trim().Split(' ');
        return (parts[0], parts[1]);
    }

    private static (string Mode, string Uid, string Gid) StatWithGroup(string file)
    {
        var parts = Tools.Run("stat", "-c", "%a %u %g", file).Output.Trim().Split(' ');
        return (parts[0], parts[1], parts[2]);
    }
}
