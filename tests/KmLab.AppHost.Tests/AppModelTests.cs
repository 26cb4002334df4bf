using KmLab.Hosting;
using KmLab.Provisioner;
using KmLab.Lab.Wso2;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace KmLab.AppHost.Tests;

/// <summary>The lab's application model as the AppHost builds it: resources, images, ports, mounts, waits, health
/// checks, parameters. Nothing starts, so these run without Docker or Aspire's orchestrator.</summary>
public sealed class AppModelTests
{
    private const string ConfigVolume = "/home/wso2carbon/wso2-config-volume";

    private static string TempState() => Path.Combine(Path.GetTempPath(), "kmlab-apphost-tests", Guid.NewGuid().ToString("N"));

    public static TheoryData<string, string> VersionPairs()
    {
        var pairs = new TheoryData<string, string>();
        foreach (var (identityServer, apiManager) in Wso2Versions.IdentityServer.Zip(Wso2Versions.ApiManager))
            pairs.Add(identityServer.Version, apiManager.Version);
        return pairs;
    }

    [Theory]
    [MemberData(nameof(VersionPairs))]
    public async Task Servers_run_wso2_images_tagged_with_the_chosen_versions(string isVersion, string apimVersion)
    {
        await using var lab = await LabModel.CreateAsync($"is-version={isVersion}", $"apim-version={apimVersion}", $"state-dir={TempState()}");

        AssertImage(lab["is7"], "docker.io", "wso2/wso2is", isVersion);
        AssertImage(lab["apim"], "docker.io", "wso2/wso2am", apimVersion);
        Assert.Equal(isVersion, lab.Get<Wso2IdentityServerResource>("is7").Version.Version);

        // prepare writes the configuration for exactly those versions.
        var prepareArgs = await LabModel.ArgumentsOf(lab["prepare"]);
        Assert.Equal(isVersion, LabModel.ValueOf(prepareArgs, "--is-version"));
        Assert.Equal(apimVersion, LabModel.ValueOf(prepareArgs, "--apim-version"));
    }

    [Fact]
    public async Task The_steps_run_the_provisioner_assembly_the_apphost_build_wrote_not_dotnet_run()
    {
        await using var lab = await LabModel.CreateAsync($"state-dir={TempState()}");

        // `dotnet run` evaluates the project before the program starts, a second and more per step.
        foreach (var step in new[] { "prepare", "register" })
        {
            var executable = lab.Get<ExecutableResource>(step);
            Assert.Equal("dotnet", executable.Command);
            var args = await LabModel.ArgumentsOf(executable);
            var assembly = Assert.IsType<string>(args[0]);
            Assert.Equal("KmLab.Provisioner.dll", Path.GetFileName(assembly));
            Assert.True(File.Exists(assembly), assembly);
            Assert.Equal(step, args[1]);
        }
    }

    [Fact]
    public async Task Without_parameters_the_lab_runs_the_newest_pair_from_wso2()
    {
        await using var lab = await LabModel.CreateAsync();

        AssertImage(lab["is7"], "docker.io", "wso2/wso2is", "7.3.0");
        AssertImage(lab["apim"], "docker.io", "wso2/wso2am", "4.7.0");
        Assert.False(lab["is7"].HasAnnotationOfType<ContainerImagePullPolicyAnnotation>());
        Assert.DoesNotContain(lab["apim"].Annotations.OfType<ContainerLifetimeAnnotation>(), a => a.Lifetime == ContainerLifetime.Persistent);
    }

    [Fact]
    public async Task The_twin_switch_runs_the_local_twin_images_playing_the_chosen_versions()
    {
        await using var lab = await LabModel.CreateAsync("images=twin", "is-version=7.1.0", "apim-version=4.4.0", $"state-dir={TempState()}");

        AssertImage(lab["is7"], null, "kmlab/wso2is-twin", "dev");
        AssertImage(lab["apim"], null, "kmlab/wso2am-twin", "dev");
        foreach (var (name, version) in new[] { ("is7", "7.1.0"), ("apim", "4.4.0") })
        {
            // Built locally, so never pulled; told which version to play.
            Assert.Equal(ImagePullPolicy.Never, lab[name].Annotations.OfType<ContainerImagePullPolicyAnnotation>().Single().ImagePullPolicy);
            Assert.Equal(version, (await lab.EnvironmentOf(lab[name]))["KMLAB_TWIN_VERSION"]);
        }
    }

    [Fact]
    public async Task Endpoints_publish_each_container_port_on_the_same_host_port()
    {
        await using var lab = await LabModel.CreateAsync($"state-dir={TempState()}");

        AssertEndpoint(lab["is7"], "https", "https", 9444);
        AssertEndpoint(lab["apim"], "https", "https", 9443);
        AssertEndpoint(lab["apim"], "gateway-https", "https", 8243);
        AssertEndpoint(lab["apim"], "gateway-http", "http", 8280);
        Assert.Equal("https://is7:9444", lab.Get<Wso2IdentityServerResource>("is7").InternalUrl);
    }

    [Fact]
    public async Task Each_server_mounts_its_prepared_config_volume_read_only()
    {
        var state = TempState();
        await using var lab = await LabModel.CreateAsync($"state-dir={state}");

        foreach (var (name, folder) in new[] { ("is7", "is7"), ("apim", "apim") })
        {
            var mount = Assert.Single(lab[name].Annotations.OfType<ContainerMountAnnotation>());
            Assert.Equal(ContainerMountType.BindMount, mount.Type);
            Assert.Equal(Path.Combine(state, folder), mount.Source);
            Assert.Equal(ConfigVolume, mount.Target);
            Assert.True(mount.IsReadOnly);
        }
    }

    [Fact]
    public async Task The_default_state_folder_is_the_git_ignored_kmlab_folder_of_the_repository()
    {
        await using var lab = await LabModel.CreateAsync();

        var repository = Path.GetFullPath(Path.Combine(Projects.KmLab_AppHost.ProjectPath, ".."));
        var state = Path.Combine(repository, ".kmlab", "state");
        Assert.Equal(Path.Combine(state, "is7"), lab["is7"].Annotations.OfType<ContainerMountAnnotation>().Single().Source);
        Assert.Equal(state, LabModel.ValueOf(await LabModel.ArgumentsOf(lab["prepare"]), "--state"));
        Assert.Contains(".kmlab/", File.ReadAllLines(Path.Combine(repository, ".gitignore")));
    }

    [Fact]
    public async Task Prepare_gets_the_topology_and_register_the_urls_of_both_servers()
    {
        var state = TempState();
        await using var lab = await LabModel.CreateAsync($"state-dir={state}");

        var prepare = await LabModel.ArgumentsOf(lab["prepare"]);
        Assert.Equal("prepare", LabModel.CommandOf(prepare).First());
        Assert.Equal(state, LabModel.ValueOf(prepare, "--state"));
        Assert.Equal("1", LabModel.ValueOf(prepare, "--is-offset"));
        Assert.Equal("is7", LabModel.ValueOf(prepare, "--is-host"));
        Assert.Equal("apim", LabModel.ValueOf(prepare, "--apim-host"));

        var register = await LabModel.ArgumentsOf(lab["register"]);
        Assert.Equal("register", LabModel.CommandOf(register).First());
        Assert.Equal(state, LabModel.ValueOf(register, "--state"));
        AssertEndpointReference(LabModel.ValueOf(register, "--apim-url"), lab["apim"], "https");
        AssertEndpointReference(LabModel.ValueOf(register, "--is-url"), lab["is7"], "https");
        Assert.Equal("https://is7:9444", LabModel.ValueOf(register, "--is-internal-url"));
    }

    [Fact]
    public async Task Servers_wait_for_preflight_and_prepare_to_finish_and_register_waits_for_both_to_be_healthy()
    {
        await using var lab = await LabModel.CreateAsync($"state-dir={TempState()}");

        foreach (var server in new[] { "is7", "apim" })
        {
            var waits = lab[server].Annotations.OfType<WaitAnnotation>().ToList();
            Assert.Equal(["preflight", "prepare"], waits.Select(w => w.Resource.Name).Order());
            Assert.All(waits, w => Assert.Equal(WaitType.WaitForCompletion, w.WaitType));
            Assert.All(waits, w => Assert.Equal(0, w.ExitCode));
        }

        var registerWaits = lab["register"].Annotations.OfType<WaitAnnotation>().ToList();
        Assert.Equal(["apim", "is7"], registerWaits.Select(w => w.Resource.Name).Order());
        Assert.All(registerWaits, w => Assert.Equal(WaitType.WaitUntilHealthy, w.WaitType));
        Assert.Empty(lab["prepare"].Annotations.OfType<WaitAnnotation>());
    }

    [Fact]
    public async Task Each_server_has_a_registered_health_check()
    {
        await using var lab = await LabModel.CreateAsync($"state-dir={TempState()}");

        var registrations = lab.Builder.Services.BuildServiceProvider()
            .GetRequiredService<IOptions<HealthCheckServiceOptions>>().Value.Registrations
            .Select(r => r.Name).ToHashSet();
        foreach (var server in new[] { "is7", "apim" })
        {
            var check = Assert.Single(lab[server].Annotations.OfType<HealthCheckAnnotation>());
            Assert.Contains(check.Key, registrations);
        }

        Assert.Equal("/oauth2/token/.well-known/openid-configuration", lab.Get<Wso2IdentityServerResource>("is7").HealthCheckPath);
        Assert.Equal("/api/am/gateway/v2/server-startup-healthcheck", lab.Get<Wso2ApiManagerResource>("apim").HealthCheckPath);
    }

    [Fact]
    public async Task The_admin_password_is_a_secret_parameter_and_never_a_plain_value()
    {
        var password = "Pw" + Guid.NewGuid().ToString("N");
        await using var lab = await LabModel.CreateAsync($"admin-password={password}", $"state-dir={TempState()}");

        var parameter = lab.Get<ParameterResource>(LabParameters.AdminPasswordName);
        Assert.True(parameter.Secret);
        foreach (var step in new[] { "prepare", "register" })
            Assert.Same(parameter, (await lab.EnvironmentOf(lab[step]))[LabTopology.AdminPasswordVariable]);

        foreach (var resource in lab.Builder.Resources.Where(r => r is not ParameterResource))
        {
            var plain = new List<string>();
            if (resource is IResourceWithEnvironment)
                plain.AddRange((await lab.EnvironmentOf(resource)).Values.OfType<string>());
            if (resource is IResourceWithArgs)
                plain.AddRange((await LabModel.ArgumentsOf(resource)).OfType<string>());
            Assert.DoesNotContain(plain, value => value.Contains(password, StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task The_version_and_switch_choices_show_as_parameters()
    {
        await using var lab = await LabModel.CreateAsync("is-version=7.2.0", "images=twin", "persistent=true", $"state-dir={TempState()}");

        Assert.Equal("7.2.0", await lab.Get<ParameterResource>("is-version").GetValueAsync(TestContext.Current.CancellationToken));
        Assert.Equal("4.7.0", await lab.Get<ParameterResource>("apim-version").GetValueAsync(TestContext.Current.CancellationToken));
        Assert.Equal("twin", await lab.Get<ParameterResource>("images").GetValueAsync(TestContext.Current.CancellationToken));
        Assert.Equal("true", await lab.Get<ParameterResource>("persistent").GetValueAsync(TestContext.Current.CancellationToken));
    }

    /// <summary>The container name Aspire gave a resource (its internal DcpInstancesAnnotation, read by reflection: Aspire
    /// 13.6 has no public reader of it).</summary>
    private static string DcpName(IResource resource)
    {
        var annotation = resource.Annotations.Single(a => a.GetType().Name == "DcpInstancesAnnotation");
        var instances = (System.Collections.IEnumerable)annotation.GetType().GetProperty("Instances")!.GetValue(annotation)!;
        var instance = instances.Cast<object>().Single();
        return (string)instance.GetType().GetProperty("Name")!.GetValue(instance)!;
    }

    [Fact]
    public async Task The_persistent_switch_keeps_both_servers_across_apphost_runs()
    {
        var state = TempState();
        await using var lab = await LabModel.CreateAsync("persistent=true", $"state-dir={state}");
        await using var nextRun = await LabModel.CreateAsync("persistent=true", $"state-dir={state}");
        await using var session = await LabModel.CreateAsync($"state-dir={state}");
        await using var nextSession = await LabModel.CreateAsync($"state-dir={state}");

        foreach (var server in new[] { "is7", "apim" })
        {
            Assert.Equal(ContainerLifetime.Persistent, lab[server].Annotations.OfType<ContainerLifetimeAnnotation>().Last().Lifetime);
            // The next run finds the containers by name: Aspire names them in its own BeforeStartEvent handler, from
            // the lifetime they have by then (a session container's name is random).
            Assert.Equal(DcpName(lab[server]), DcpName(nextRun[server]));
            Assert.NotEqual(DcpName(session[server]), DcpName(nextSession[server]));
        }
    }

    [Theory]
    [InlineData("is-version", "6.1.0", "7.0.0, 7.1.0, 7.2.0, 7.3.0")]
    [InlineData("apim-version", "4.2.0", "4.3.0, 4.4.0, 4.5.0, 4.6.0, 4.7.0")]
    [InlineData("images", "docker", "wso2, twin")]
    [InlineData("persistent", "yes", "false, true")]
    public async Task An_unsupported_choice_stops_the_apphost_naming_the_allowed_values(string name, string value, string allowed)
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            await using var lab = await LabModel.CreateAsync($"{name}={value}");
        });

        var message = (error as AggregateException)?.InnerException?.Message ?? error.InnerException?.Message ?? error.Message;
        Assert.Contains($"Parameters:{name} is '{value}'", message);
        Assert.Contains(allowed, message);
    }

    [Fact]
    public async Task The_jvms_get_heaps_that_fit_a_16_gb_laptop()
    {
        await using var lab = await LabModel.CreateAsync($"state-dir={TempState()}");

        Assert.Equal("-Xms256m -Xmx1536m", (await lab.EnvironmentOf(lab["is7"]))["JVM_MEM_OPTS"]);
        Assert.Equal("-Xms512m -Xmx2048m", (await lab.EnvironmentOf(lab["apim"]))["JVM_MEM_OPTS"]);
    }

    [Fact]
    public async Task The_dashboard_links_the_consoles_and_the_lab_ca()
    {
        var state = TempState();
        await using var lab = await LabModel.CreateAsync($"state-dir={state}");

        var labCa = new Uri(Path.Combine(state, "ca", "kmlab-ca.pem")).AbsoluteUri;
        Assert.Equal(
            [labCa, "https://localhost:9443/admin", "https://localhost:9443/devportal", "https://localhost:9443/publisher"],
            StaticUrls(lab["apim"]).Order(StringComparer.Ordinal));
        Assert.Equal([labCa, "https://localhost:9444/console", "https://localhost:9444/myaccount"], StaticUrls(lab["is7"]).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task The_dashboard_offers_the_lab_commands()
    {
        await using var lab = await LabModel.CreateAsync($"state-dir={TempState()}");

        Assert.Contains(ProvisionerSteps.ReregisterCommandName, CommandsOf(lab["apim"]));
        Assert.Contains(ProvisionerSteps.ReprepareCommandName, CommandsOf(lab["prepare"]));
        Assert.Contains(ProvisionerSteps.ShowLabCaCommandName, CommandsOf(lab["prepare"]));
    }

    private static void AssertImage(IResource resource, string? registry, string image, string tag)
    {
        var annotation = resource.Annotations.OfType<ContainerImageAnnotation>().Single();
        Assert.Equal(registry, annotation.Registry);
        Assert.Equal(image, annotation.Image);
        Assert.Equal(tag, annotation.Tag);
    }

    private static void AssertEndpoint(IResource resource, string name, string scheme, int port)
    {
        var endpoint = resource.Annotations.OfType<EndpointAnnotation>().Single(e => e.Name == name);
        Assert.Equal(scheme, endpoint.UriScheme);
        Assert.Equal(port, endpoint.TargetPort);
        Assert.Equal(port, endpoint.Port);
        Assert.False(endpoint.IsProxied);
    }

    private static void AssertEndpointReference(object value, IResource resource, string endpointName)
    {
        var endpoint = Assert.IsType<EndpointReference>(value);
        Assert.Same(resource, endpoint.Resource);
        Assert.Equal(endpointName, endpoint.EndpointName);
    }

    private static IEnumerable<string> StaticUrls(IResource resource) =>
        resource.Annotations.OfType<ResourceUrlAnnotation>().Select(u => u.Url);

    private static IEnumerable<string> CommandsOf(IResource resource) =>
        resource.Annotations.OfType<ResourceCommandAnnotation>().Select(c => c.Name);
}
