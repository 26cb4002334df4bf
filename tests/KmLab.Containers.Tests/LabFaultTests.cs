using System.Net.Sockets;
using Docker.DotNet.Models;
using KmLab.Provisioner.Certificates;
using KmLab.Provisioner.Prepare;
using Org.BouncyCastle.Security;

namespace KmLab.Containers.Tests;

/// <summary>Faults that need a lab of their own. These labs publish random host ports, so they run beside the
/// shared lab; the host-port test is about the fixed ports the AppHost's lab publishes.</summary>
[Collection(LabCollection.Name)]
public sealed class LabFaultTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_duplicate_oauth_table_stops_IS_at_start_and_the_suite_reports_it_with_the_server_log()
    {
        var options = new LabOptions
        {
            PublishContainerPorts = false,
            StartApiManager = false,
            AfterPrepare = layout => File.AppendAllText(LabLayout.DeploymentToml(layout.IdentityServerVolume),
                "\n[oauth]\nauthorize_all_scopes = true\n"),
        };

        await Labs.RequireDockerAsync(options);
        var failure = await Assert.ThrowsAsync<LabStartException>(() => Labs.StartAsync(options));

        Assert.StartsWith(LabTopology.DefaultIdentityServerHost + " ", failure.Message);
        // The TOML parser's complaint, as IS (tomlj) words it: the table and where it was first defined.
        Assert.Contains("oauth previously defined at line", failure.ServerLog);
    }

    [Fact]
    public async Task A_file_IS_cannot_read_in_its_config_volume_stops_it_at_start_with_cps_complaint()
    {
        // The entrypoint copies the volume with cp -RL under set -e, as the image's user (uid 802 for IS): a jar put
        // into dropins after prepare with mode 0600 by another user (here the test's) cannot be copied, and the
        // container exits. (Not the notifier jar's name: the lab installs that one before prepare, which hands it to 802.)
        const string jar = "org.example.extension-1.0.0.jar";
        var options = new LabOptions
        {
            PublishContainerPorts = false,
            StartApiManager = false,
            AfterPrepare = layout =>
            {
                var dropins = LabLayout.DropinsDirectory(layout.IdentityServerVolume);
                Directory.CreateDirectory(dropins);
                File.WriteAllBytes(Path.Combine(dropins, jar), [0x50, 0x4b]);
                if (!OperatingSystem.IsWindows()) // the containers run on Linux hosts only
                    File.SetUnixFileMode(Path.Combine(dropins, jar), UnixFileMode.UserRead | UnixFileMode.UserWrite);
            },
        };

        await Labs.RequireDockerAsync(options);
        var failure = await Assert.ThrowsAsync<LabStartException>(() => Labs.StartAsync(options));

        Assert.Contains("exited with code 1", failure.Message);
        Assert.Contains($"cp: cannot open '{Wso2Images.ConfigVolume}/repository/components/dropins/{jar}' for reading: Permission denied", failure.ServerLog);
    }

    [Fact]
    public async Task Discover_fails_when_APIM_does_not_trust_IS_and_APIM_names_the_untrusted_server_and_certificate()
    {
        var options = new LabOptions { PublishContainerPorts = false, AfterPrepare = RemoveLabCaFromApimTrustStore };
        await using var lab = await Labs.StartAsync(options);

        var failure = await Assert.ThrowsAsync<LabException>(() => new KeyManagerRegistrar().RunAsync(lab.RegisterRequest(), Ct));

        Assert.Contains(ApimEndpoints.KeyManagersDiscover, failure.Message);
        using var isCertificate = KeyStoreFiles.ReadKeyEntry(
            Path.Combine(LabLayout.SecurityDirectory(lab.Layout.IdentityServerVolume),
                Wso2KeyStores.KeyStoreFileName(lab.Topology.IdentityServerVersion.KeyStoreFormat)), Wso2KeyStores.Password);
        var apimLog = await lab.LogsAsync(lab.ApiManager!, Ct);
        Assert.Contains(isCertificate.Subject, apimLog);
        Assert.Contains(lab.IsInternalUrl.Host, apimLog);
        // register's own line names the server APIM could not trust, its certificate and the fix.
        Assert.Equal(ExitCodes.UntrustedCertificate, failure.ExitCode);
        Assert.Contains($"APIM does not trust IS at {lab.IsInternalUrl.GetLeftPart(UriPartial.Authority)}, certificate '{isCertificate.Subject}'", failure.Message);
        Assert.Contains("run prepare with this --state and restart APIM so its truststore holds the lab CA", failure.Message);
        Assert.DoesNotContain('\n', failure.Message);
    }

    [Fact]
    public async Task A_host_port_already_taken_fails_before_any_container_is_created()
    {
        // A port nobody else wants, held here; IS's offset puts its HTTPS port exactly there.
        using var holder = new TcpListener(IPAddress.Loopback, 0);
        holder.Start();
        var taken = ((IPEndPoint)holder.LocalEndpoint).Port;
        var topology = ContainerLab.DefaultTopology() with { IdentityServerOffset = taken - Wso2Ports.ServletHttps };
        using var docker = await Labs.RequireAsync(() => DockerGate.ConnectAsync(Ct));
        var options = new LabOptions { Topology = topology };
        await Labs.RequireDockerAsync(options);
        var containersBefore = await LabContainerCountAsync(docker);

        var failure = await Assert.ThrowsAsync<LabException>(() => Labs.StartAsync(options));

        Assert.Equal(ExitCodes.PortInUse, failure.ExitCode);
        Assert.Contains($"127.0.0.1:{taken} ({LabTopology.DefaultIdentityServerHost})", failure.Message);
        Assert.Equal(containersBefore, await LabContainerCountAsync(docker));
    }

    private static async Task<int> LabContainerCountAsync(Docker.DotNet.IDockerClient docker) =>
        (await docker.Containers.ListContainersAsync(new ContainersListParameters
        {
            All = true,
            Filters = new Dictionary<string, IDictionary<string, bool>> { ["label"] = new Dictionary<string, bool> { ["kmlab.lab"] = true } },
        }, Ct)).Count;

    /// <summary>APIM's truststore without the lab CA: it then trusts neither IS nor itself.</summary>
    private static void RemoveLabCaFromApimTrustStore(LabLayout layout)
    {
        var path = Path.Combine(LabLayout.SecurityDirectory(layout.ApiManagerVolume),
            Wso2KeyStores.TrustStoreFileName(KeyStoreFormat.Jks));
        var store = new JksStore();
        using (var input = File.OpenRead(path))
            store.Load(input, Wso2KeyStores.Password.ToCharArray());
        Assert.True(store.ContainsAlias(LabPreparer.CaTrustAlias), "prepare wrote no lab CA entry to remove");
        store.DeleteEntry(LabPreparer.CaTrustAlias);
        using var output = new MemoryStream();
        store.Save(output, Wso2KeyStores.Password.ToCharArray());
        File.WriteAllBytes(path, output.ToArray());
    }
}
