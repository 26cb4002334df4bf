using System.Net;
using System.Net.Sockets;
using KmLab.Hosting;

namespace KmLab.AppHost.Tests;

/// <summary>The preflight's checks against real sockets and the real docker command line: each failure is one
/// `error:` line that names the problem and the fix.</summary>
public sealed class PreflightTests
{
    private static readonly CancellationToken Ct = TestContext.Current.CancellationToken;
    private static readonly PreflightChecks Docker = new(new ContainerCli("docker"), persistent: false);

    [Fact]
    public async Task A_port_another_program_holds_is_one_line_naming_the_port_the_server_and_how_to_find_it()
    {
        using var holder = new TcpListener(IPAddress.Loopback, 0);
        holder.Start();
        var port = ((IPEndPoint)holder.LocalEndpoint).Port;

        var failure = Assert.Single(await Docker.PortsAsync([("apim", port)], Ct));

        Assert.Equal($"error: port {port} (apim) is in use by another program: stop it (find it with `lsof -i :{port}`, or `netstat -ano | findstr :{port}` on Windows)", failure);
    }

    [Fact]
    public async Task A_free_port_passes()
    {
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        Assert.Empty(await Docker.PortsAsync([("is7", port)], Ct));
    }

    [Fact]
    public async Task An_engine_that_does_not_answer_is_one_line_saying_to_start_it()
    {
        var unreachable = new PreflightChecks(
            new ContainerCli("docker", new Dictionary<string, string> { ["DOCKER_HOST"] = "unix:///nonexistent/kmlab-docker.sock" }), persistent: false);

        var failure = await unreachable.EngineAsync(wso2Images: false, _ => { }, Ct);

        Assert.NotNull(failure);
        Assert.DoesNotContain('\n', failure);
        // Either the CLI is missing here, or it is present and finds no engine at that socket.
        Assert.Matches("^error: (docker is not installed: install Docker|no container engine answers \\(docker info: .+\\): start Docker Desktop, or the docker service on Linux$)", failure);
    }

    [Fact]
    public async Task A_container_cli_that_is_not_installed_is_one_line_saying_what_to_install()
    {
        var missing = new PreflightChecks(new ContainerCli("kmlab-no-such-container-cli"), persistent: false);

        var failure = await missing.EngineAsync(wso2Images: true, _ => { }, Ct);

        Assert.Equal("error: kmlab-no-such-container-cli is not installed: install Docker Desktop (macOS, Windows) or Docker Engine (Linux), then run the lab again", failure);
    }

    [Theory]
    [InlineData(4L * 1024 * 1024 * 1024, "4.0 GB")]
    [InlineData(2L * 1024 * 1024 * 1024, "2.0 GB")]
    public void An_engine_with_too_little_memory_for_wso2s_jvms_is_one_line_naming_the_setting(long memory, string shown)
    {
        Assert.Equal($"error: the container engine has {shown} of memory and WSO2's images need about 5 GB: give it more " +
                     "(Docker Desktop: Settings → Resources → Memory), or run the twins: --Parameters:images=twin",
            PreflightChecks.MemoryShortfall(memory));
    }

    [Fact]
    public void An_engine_with_5_gb_or_more_is_enough()
    {
        Assert.Null(PreflightChecks.MemoryShortfall(5L * 1024 * 1024 * 1024));
        Assert.Null(PreflightChecks.MemoryShortfall(24L * 1024 * 1024 * 1024));
    }

    [Fact]
    public async Task A_missing_twin_image_is_one_line_naming_the_build_script_and_is_never_pulled()
    {
        var progress = new List<string>();

        var failure = await Docker.ImageAsync("kmlab/no-such-twin:dev", pullable: false, progress.Add, Ct);

        Assert.Equal("error: image kmlab/no-such-twin:dev is missing: build the twin images with `bash tests/docker/build-twin-images.sh`", failure);
        Assert.DoesNotContain(progress, p => p.StartsWith("pulling", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_image_that_cannot_be_pulled_is_one_line_naming_the_way_out()
    {
        // A registry nobody serves: the pull fails at once, as it does on a machine without network.
        var failure = await Docker.ImageAsync("127.0.0.1:1/kmlab/absent:1", pullable: true, _ => { }, Ct);

        Assert.NotNull(failure);
        Assert.DoesNotContain('\n', failure);
        Assert.StartsWith("error: image 127.0.0.1:1/kmlab/absent:1 is not here and cannot be pulled (", failure);
        Assert.EndsWith("): check the network and registry login, or run the twins: --Parameters:images=twin", failure);
    }
}
