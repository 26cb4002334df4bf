using System.Diagnostics;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using KmLab.Hosting;
using KmLab.Provisioner;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace KmLab.AppHost.Tests;

/// <summary>KmLab.Hosting as another AppHost uses it: the lab from the package (the Provisioner tool), a service wired
/// as a resource server and behind the gateway, the demo, and bad input at AppHost start. Nothing starts.</summary>
public sealed class HostingPackageTests
{
    private static string TempState() => Path.Combine(Path.GetTempPath(), "kmlab-hosting-tests", Guid.NewGuid().ToString("N"));

    /// <summary>An empty AppHost (the repository's AppHost assembly only anchors the builder; its code does not run).</summary>
    private static IDistributedApplicationBuilder Builder(params string[] parameters) =>
        Builder(typeof(KmLab.AppHost.Lab.DevCertificate).Assembly, parameters);

    /// <summary>An empty AppHost anchored on <paramref name="appHost"/>, whose <c>UserSecretsId</c> (or none) Aspire uses.</summary>
    private static IDistributedApplicationBuilder Builder(System.Reflection.Assembly appHost, params string[] parameters) =>
        DistributedApplication.CreateBuilder(new DistributedApplicationOptions
        {
            Args = [.. parameters.Select(p => $"--Parameters:{p}")],
            AssemblyName = appHost.GetName().Name,
            DisableDashboard = true,
        });

    [Fact]
    public async Task From_the_package_the_steps_run_the_provisioner_tool_of_the_packages_own_version()
    {
        var builder = Builder($"state-dir={TempState()}");
        var lab = builder.AddKmLab("kmlab");

        Assert.Matches(@"^\d+\.\d+\.\d+", KmLabProvisioner.PackageVersion);
        foreach (var step in new[] { lab.Resource.Prepare, lab.Resource.Register })
        {
            var args = (await LabModel.ArgumentsOf(step)).Select(a => a.ToString()).ToList();
            if (step is DotnetToolResource)
            {
                // dotnet tool exec KmLab.Provisioner --version <own> --yes -- <command> --state <dir> ...
                var tool = step.Annotations.OfType<DotnetToolAnnotation>().Single();
                Assert.Equal(("KmLab.Provisioner", KmLabProvisioner.PackageVersion), (tool.PackageId, tool.Version));
            }
            else
            {
                // That version already in NuGet's global packages folder: dotnet <its tool assembly> <command> ...
                Assert.Equal("dotnet", Assert.IsType<ExecutableResource>(step).Command);
                Assert.Contains($"kmlab.provisioner{Path.DirectorySeparatorChar}{KmLabProvisioner.PackageVersion}{Path.DirectorySeparatorChar}", args[0]);
                args.RemoveAt(0);
            }
            Assert.Equal([step.Name, "--state", lab.Resource.Layout.Root], args.Take(3));
        }
    }

    [Fact]
    public void A_tool_version_in_the_global_packages_folder_runs_from_there_once_nuget_finished_extracting_it()
    {
        var packages = Directory.CreateTempSubdirectory("kmlab-packages-").FullName;
        try
        {
            Assert.Null(KmLabProvisioner.CachedToolAssembly(packages, "1.2.3-ci.1"));
            var any = Path.Combine(packages, "kmlab.provisioner", "1.2.3-ci.1", "tools", "net10.0", "any");
            Directory.CreateDirectory(any);
            File.WriteAllText(Path.Combine(any, "KmLab.Provisioner.dll"), "");
            File.WriteAllText(Path.Combine(any, "KmLab.Provisioner.runtimeconfig.json"), "{}");
            // Extracted, but NuGet has not written its completion marker: dotnet tool exec finishes the job.
            Assert.Null(KmLabProvisioner.CachedToolAssembly(packages, "1.2.3-ci.1"));

            File.WriteAllText(Path.Combine(packages, "kmlab.provisioner", "1.2.3-ci.1", ".nupkg.metadata"), "{}");
            Assert.Equal(Path.Combine(any, "KmLab.Provisioner.dll"), KmLabProvisioner.CachedToolAssembly(packages, "1.2.3-CI.1"));
            Assert.Null(KmLabProvisioner.CachedToolAssembly(packages, "1.2.4"));
        }
        finally
        {
            Directory.Delete(packages, recursive: true);
        }
    }

    [Fact]
    public async Task The_builders_choose_versions_images_persistence_and_state_and_parameters_override_them()
    {
        var state = TempState();
        var builder = Builder($"state-dir={state}", "apim-version=4.5.0");
        var lab = builder.AddKmLab("kmlab").WithVersions("7.2.0", "4.6.0").WithTwinImages().WithPersistence().WithStateDirectory("elsewhere");
        await using var services = await LabModel.BeforeStartAsync(builder);

        Assert.Equal("7.2.0", lab.Resource.IdentityServerVersion.Version);
        Assert.Equal("4.5.0", lab.Resource.ApiManagerVersion.Version); // the parameter wins over the code
        Assert.Equal(state, lab.Resource.Layout.Root);
        var apim = lab.Resource.ApiManager;
        Assert.Equal("kmlab/wso2am-twin", apim.Annotations.OfType<ContainerImageAnnotation>().Single().Image);
        Assert.Equal(ContainerLifetime.Persistent, apim.Annotations.OfType<ContainerLifetimeAnnotation>().Single().Lifetime);
        Assert.Equal(Path.Combine(state, "apim"), apim.Annotations.OfType<ContainerMountAnnotation>().Single().Source);
        var prepare = await LabModel.ArgumentsOf(lab.Resource.Prepare);
        Assert.Equal("7.2.0", LabModel.ValueOf(prepare, "--is-version"));
        Assert.Equal("4.5.0", LabModel.ValueOf(prepare, "--apim-version"));
    }

    [Fact]
    public async Task A_mount_the_apphost_gives_a_server_survives_the_labs_choice_of_state_folder()
    {
        var state = TempState();
        var builder = Builder($"state-dir={state}");
        var lab = builder.AddKmLab("kmlab");
        var extra = Path.Combine(TempState(), "extra");
        builder.CreateResourceBuilder(lab.Resource.ApiManager).WithBindMount(extra, "/home/wso2carbon/extra", isReadOnly: true);
        lab.WithStateDirectory("elsewhere");
        await using var services = await LabModel.BeforeStartAsync(builder);

        Assert.Equal(new[] { Path.Combine(state, "apim"), extra }.Order(StringComparer.Ordinal),
            lab.Resource.ApiManager.Annotations.OfType<ContainerMountAnnotation>().Select(m => m.Source).Order(StringComparer.Ordinal));
        Assert.Equal(Path.Combine(state, "is7"), Assert.Single(lab.Resource.IdentityServer.Annotations.OfType<ContainerMountAnnotation>()).Source);
    }

    [Theory]
    [InlineData(false, null, true)]
    [InlineData(false, "set", false)]
    [InlineData(true, null, false)]
    public async Task Without_user_secrets_the_apphost_warns_once_that_the_admin_password_changes_every_run(bool userSecrets, string? password,
        bool warns)
    {
        // The repository's AppHost has a UserSecretsId; this test assembly has none (nor the orchestrator's paths, which
        // only a run would use).
        var secret = password is null ? null : "Pw" + Guid.NewGuid().ToString("N");
        string[] parameters = secret is null ? [$"state-dir={TempState()}"] : [$"state-dir={TempState()}", $"admin-password={secret}"];
        var builder = Builder(userSecrets ? typeof(KmLab.AppHost.Lab.DevCertificate).Assembly : typeof(HostingPackageTests).Assembly, parameters);
        builder.Configuration["DcpPublisher:CliPath"] = "unused-dcp";
        builder.Configuration["DcpPublisher:DashboardPath"] = "unused-dashboard";
        var logs = new CapturedLogs();
        builder.Services.AddSingleton<Microsoft.Extensions.Logging.ILoggerProvider>(logs);
        builder.AddKmLab("kmlab");
        await using var services = await LabModel.BeforeStartAsync(builder);

        var warnings = logs.Lines.Where(l => l.Contains("admin password", StringComparison.Ordinal)).ToList();
        Assert.DoesNotContain(logs.Lines, l => secret is not null && l.Contains(secret, StringComparison.Ordinal));
        if (!warns)
        {
            Assert.Empty(warnings);
            return;
        }
        var warning = Assert.Single(warnings);
        Assert.StartsWith("Warning: KmLab: the AppHost has no <UserSecretsId>, so the admin password is generated anew at every run", warning);
        Assert.Contains("dotnet user-secrets init", warning);
        Assert.Contains("Parameters:admin-password", warning);
        Assert.DoesNotContain('\n', warning);
    }

    [Fact]
    public void An_unsupported_version_in_code_stops_the_apphost_naming_the_supported_ones()
    {
        var builder = Builder($"state-dir={TempState()}");
        var lab = builder.AddKmLab("kmlab");

        var error = Assert.Throws<DistributedApplicationException>(() => lab.WithVersions("7.9.0", "4.7.0"));
        Assert.Equal("IS version '7.9.0' is not supported by KmLab; pass one of 7.0.0, 7.1.0, 7.2.0, 7.3.0 to WithVersions.", error.Message);
    }

    [Theory]
    [InlineData("apim")]
    [InlineData("register")]
    [InlineData("kmlab")]
    public void A_resource_name_the_lab_needs_that_the_apphost_already_uses_stops_the_apphost_in_one_line(string taken)
    {
        var builder = Builder($"state-dir={TempState()}");
        builder.AddContainer(taken, "example/image");

        var error = Assert.Throws<DistributedApplicationException>(() => builder.AddKmLab("kmlab"));
        Assert.StartsWith($"KmLab needs the resource name '{taken}', which the AppHost already gives to ContainerResource '{taken}'; rename that resource", error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public async Task A_resource_server_gets_the_jwt_bearer_configuration_names_and_waits_for_the_lab_ca()
    {
        var builder = Builder($"state-dir={TempState()}");
        var lab = builder.AddKmLab("kmlab");
        var orders = builder.AddExecutable("orders", "dotnet", ".").WithHttpEndpoint(port: 5099).WithKmLabResourceServer(lab, "client-a", "client-b");

        var env = await EnvironmentOf(builder, orders.Resource);
        Assert.Equal("https://localhost:9444/oauth2/token", env["Authentication__Schemes__Bearer__Authority"]);
        Assert.Equal("https://localhost:9444/oauth2/token", env["Authentication__Schemes__Bearer__ValidIssuer"]);
        Assert.Equal("client-a", env["Authentication__Schemes__Bearer__ValidAudiences__0"]);
        Assert.Equal("client-b", env["Authentication__Schemes__Bearer__ValidAudiences__1"]);
        Assert.Equal(lab.Resource.Layout.CaCertificate, env["KmLab__CaCertificate"]);
        Assert.StartsWith(Path.Combine(lab.Resource.Layout.Root, "trust"), (string)env["SSL_CERT_DIR"]);
        var wait = Assert.Single(orders.Resource.Annotations.OfType<WaitAnnotation>());
        Assert.Same(lab.Resource.Prepare, wait.Resource);
        Assert.Equal(WaitType.WaitForCompletion, wait.WaitType);
    }

    [Fact]
    public async Task A_dotnet_child_process_trusts_the_lab_ca_with_the_resource_server_environment_and_not_without_it()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "SSL_CERT_DIR is how .NET on Linux (OpenSSL) learns trusted roots.");
        var ct = TestContext.Current.CancellationToken;
        var builder = Builder($"state-dir={TempState()}");
        var lab = builder.AddKmLab("kmlab");
        var service = builder.AddExecutable("orders", "dotnet", ".").WithKmLabResourceServer(lab);

        // A lab CA and a server certificate for localhost from it, as prepare makes them; a TLS server with it.
        using var ca = NewCa();
        Directory.CreateDirectory(lab.Resource.Layout.CaDirectory);
        await File.WriteAllTextAsync(lab.Resource.Layout.CaCertificate, ca.ExportCertificatePem(), ct);
        using var server = IssueLocalhost(ca);
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var url = $"https://localhost:{((IPEndPoint)listener.LocalEndpoint).Port}/";
        using var serving = new CancellationTokenSource();
        var serve = ServeAsync(listener, server, serving.Token);

        var env = await EnvironmentOf(builder, service.Resource);
        var trusted = await ProbeAsync(url, new Dictionary<string, string> { ["SSL_CERT_DIR"] = (string)env["SSL_CERT_DIR"] }, ct);
        var untrusted = await ProbeAsync(url, new Dictionary<string, string>(), ct);
        serving.Cancel();
        listener.Stop();
        await serve;

        Assert.Equal((0, "200"), trusted);
        Assert.NotEqual(0, untrusted.ExitCode);
        Assert.Contains("certificate", untrusted.Output, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_gateway_api_publishes_after_register_once_the_service_runs_and_hands_its_dependents_the_url_and_keys()
    {
        var ct = TestContext.Current.CancellationToken;
        var builder = Builder($"state-dir={TempState()}");
        var lab = builder.AddKmLab("kmlab");
        var orders = builder.AddExecutable("orders", "dotnet", ".").WithHttpEndpoint(port: 5099);
        var api = lab.AddGatewayApi("orders-api", orders, context: "/orders", version: "1.0.0", openApiPath: "/openapi/v1.json");
        var client = builder.AddExecutable("client", "dotnet", ".").WithReference(api);

        var publish = builder.Resources.Single(r => r.Name == "orders-api-publish");
        var args = await LabModel.ArgumentsOf(publish);
        Assert.Equal("publish", args[0]);
        Assert.Equal("orders-api", LabModel.ValueOf(args, "--name"));
        Assert.Equal("/orders", LabModel.ValueOf(args, "--context"));
        Assert.Equal("1.0.0", LabModel.ValueOf(args, "--version"));
        Assert.Equal("KmLabApps", LabModel.ValueOf(args, "--application"));
        var backend = Assert.IsType<EndpointReference>(LabModel.ValueOf(args, "--backend"));
        Assert.Same(orders.Resource, backend.Resource);
        Assert.Equal(KnownNetworkIdentifiers.DefaultAspireContainerNetwork, backend.ContextNetworkID); // APIM's container calls it
        Assert.IsType<ReferenceExpression>(LabModel.ValueOf(args, "--openapi"));
        Assert.Equal([("orders", WaitType.WaitUntilHealthy), ("register", WaitType.WaitForCompletion)],
            publish.Annotations.OfType<WaitAnnotation>().Select(w => (w.Resource.Name, w.WaitType)).Order());

        var wait = Assert.Single(client.Resource.Annotations.OfType<WaitAnnotation>());
        Assert.Same(publish, wait.Resource);
        Assert.Equal(WaitType.WaitForCompletion, wait.WaitType);

        // What publish writes (through Core's writer, as publish does), then the dependent's environment.
        var layout = lab.Resource.Layout;
        var secret = "s" + Guid.NewGuid().ToString("N");
        PublishOutputs.Write(layout,
            new PublishedApi("orders-api", "/orders", "1.0.0", new Uri("https://localhost:8243/orders/1.0.0"), "KmLabApps", "ck1", "api-1"),
            new LabApplicationFile("KmLabApps", "IS7", "ck1", secret, new Uri("https://localhost:9444/oauth2/token")));
        var env = await EnvironmentOf(builder, client.Resource);
        Assert.Equal("https://localhost:8243/orders/1.0.0", env["KmLab__GatewayApis__orders-api__Url"]);
        Assert.Equal("ck1", env["KmLab__GatewayApis__orders-api__ConsumerKey"]);
        Assert.Equal("https://localhost:9444/oauth2/token", env["KmLab__GatewayApis__orders-api__TokenUrl"]);
        var secretValue = Assert.IsType<ParameterResource>(env["KmLab__GatewayApis__orders-api__ConsumerSecret"]);
        Assert.True(secretValue.Secret);
        Assert.Equal(secret, await secretValue.GetValueAsync(ct));
        Assert.DoesNotContain(env.Values.OfType<string>(), v => v.Contains(secret, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(null, "localhost")]
    [InlineData("false", "0.0.0.0")]
    public void Without_the_container_tunnel_the_gateway_apis_service_listens_where_apims_container_reaches_it(string? tunnel, string listensOn)
    {
        var builder = Builder($"state-dir={TempState()}");
        builder.Configuration[KmLabGatewayApiExtensions.ContainerTunnelSetting] = tunnel;
        var lab = builder.AddKmLab("kmlab");
        var orders = builder.AddExecutable("orders", "dotnet", ".").WithHttpEndpoint(port: 5099);
        lab.AddGatewayApi("orders-api", orders, "/orders", "1.0.0");

        Assert.Equal(listensOn, orders.Resource.Annotations.OfType<EndpointAnnotation>().Single(e => e.Name == "http").TargetHost);
    }

    [Fact]
    public async Task Public_operations_reach_the_publish_step_as_one_public_option_each()
    {
        var builder = Builder($"state-dir={TempState()}");
        var lab = builder.AddKmLab("kmlab");
        var orders = builder.AddExecutable("orders", "dotnet", ".").WithHttpEndpoint(port: 5099);
        lab.AddGatewayApi("orders-api", orders, "/orders", "1.0.0")
            .WithPublicOperation("GET", "/catalogue")
            .WithPublicOperation("head", "/items/{id}");

        var args = await LabModel.ArgumentsOf(builder.Resources.Single(r => r.Name == "orders-api-publish"));

        var publicOptions = args.Select((a, i) => (a, i)).Where(x => Equals(x.a, "--public")).Select(x => (string)args[x.i + 1]).ToList();
        Assert.Equal(["GET /catalogue", "HEAD /items/{id}"], publicOptions);
    }

    [Theory]
    [InlineData("FETCH", "/catalogue", "gateway API 'orders-api' has public operation verb 'FETCH'; give one of GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS, e.g. WithPublicOperation(\"GET\", \"/catalogue\").")]
    [InlineData("GET", "catalogue", "gateway API 'orders-api' has public operation target 'catalogue'; give a path that starts with '/' and has no spaces, e.g. /catalogue.")]
    [InlineData("GET", "/catalogue", "gateway API 'orders-api' declares public operation GET /catalogue twice; call WithPublicOperation once per operation.")]
    public void A_public_operation_that_is_not_usable_stops_the_apphost_in_one_line(string verb, string target, string expected)
    {
        var builder = Builder($"state-dir={TempState()}");
        var lab = builder.AddKmLab("kmlab");
        var orders = builder.AddExecutable("orders", "dotnet", ".").WithHttpEndpoint(port: 5099);
        var api = lab.AddGatewayApi("orders-api", orders, "/orders", "1.0.0").WithPublicOperation("GET", "/catalogue");

        var error = Assert.Throws<DistributedApplicationException>(() => api.WithPublicOperation(verb, target));

        Assert.Equal(expected, error.Message);
        Assert.Equal(["GET /catalogue"], api.Resource.PublicOperations);
    }

    [Fact]
    public void Two_gateway_apis_with_one_context_stop_the_apphost_in_one_line()
    {
        var builder = Builder($"state-dir={TempState()}");
        var lab = builder.AddKmLab("kmlab");
        var orders = builder.AddExecutable("orders", "dotnet", ".").WithHttpEndpoint(port: 5099);
        lab.AddGatewayApi("orders-api", orders, "/orders", "1.0.0");

        var error = Assert.Throws<DistributedApplicationException>(() => lab.AddGatewayApi("orders-v2", orders, "/orders/", "2.0.0"));
        Assert.Equal("gateway API 'orders-v2' has context /orders/, which another gateway API of the lab already has; give each API its own context.", error.Message);
    }

    [Fact]
    public async Task The_demo_parameter_adds_the_demo_step_after_register_with_secret_user_passwords_and_the_curl_command()
    {
        await using var off = await LabModel.CreateAsync($"state-dir={TempState()}");
        Assert.DoesNotContain(off.Builder.Resources, r => r.Name == ProvisionerSteps.DemoResourceName);

        await using var lab = await LabModel.CreateAsync("demo=true", $"state-dir={TempState()}");
        var demo = lab[ProvisionerSteps.DemoResourceName];
        var demoApi = Assert.IsType<KmLabGatewayApiResource>(lab[ProvisionerSteps.DemoApiResourceName]);
        Assert.Same(demo, demoApi.PublishStep); // its links follow the demo step's end
        Assert.Equal(["demo", "--state"], LabModel.CommandOf(await LabModel.ArgumentsOf(demo)).Take(2));
        var wait = Assert.Single(demo.Annotations.OfType<WaitAnnotation>());
        Assert.Equal(("register", WaitType.WaitForCompletion), (wait.Resource.Name, wait.WaitType));
        var env = await lab.EnvironmentOf(demo);
        foreach (var (variable, parameter) in new[]
                 {
                     (LabTopology.DemoReaderPasswordVariable, LabParameters.DemoReaderPasswordName),
                     (LabTopology.DemoGuestPasswordVariable, LabParameters.DemoGuestPasswordName),
                 })
        {
            var value = Assert.IsType<ParameterResource>(env[variable]);
            Assert.True(value.Secret);
            Assert.Same(lab[parameter], value);
        }
        Assert.Contains(demo.Annotations.OfType<ResourceCommandAnnotation>(), c => c.Name == ProvisionerSteps.ShowDemoCurlCommandName);
    }

    [Fact]
    public async Task The_demo_curl_command_prints_lines_from_the_recorded_demo_in_process_and_only_once_the_step_has_ended()
    {
        var state = TempState();
        var builder = Builder("demo=true", $"state-dir={state}");
        var lab = builder.AddKmLab("kmlab");
        var command = lab.Resource.DemoStep!.Resource.Annotations.OfType<ResourceCommandAnnotation>().Single(c => c.Name == ProvisionerSteps.ShowDemoCurlCommandName);
        using var services = new ServiceCollection().BuildServiceProvider();

        // Disabled before the step has run and while it runs; enabled once it has ended.
        foreach (var (stepState, expected) in new[]
                 {
                     (KnownResourceStates.NotStarted, ResourceCommandState.Disabled), (KnownResourceStates.Waiting, ResourceCommandState.Disabled),
                     (KnownResourceStates.Running, ResourceCommandState.Disabled), (KnownResourceStates.Finished, ResourceCommandState.Enabled),
                 })
            Assert.Equal(expected, command.UpdateState(new UpdateCommandStateContext { ResourceSnapshot = Snapshot(stepState), Services = services }));

        var context = new ExecuteCommandContext { Services = services, Arguments = new([]), Logger = Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, ResourceName = ProvisionerSteps.DemoResourceName, CancellationToken = TestContext.Current.CancellationToken };
        var missing = await command.ExecuteCommand(context);
        Assert.False(missing.Success);
        Assert.Contains(ProvisionerSteps.DemoResourceName, missing.Message);

        const string secret = "recorded-consumer-secret";
        var layout = lab.Resource.Layout;
        var tokenUrl = new Uri("https://localhost:9444/oauth2/token");
        PublishOutputs.Write(layout, new PublishedApi(LabTopology.DemoApiName, "/kmlab-demo", "1.0.0", new Uri("https://localhost:8243/kmlab-demo/1.0.0"),
                LabTopology.DemoApplication, "demo-consumer-key", "api-id"),
            new LabApplicationFile(LabTopology.DemoApplication, "IS7", "demo-consumer-key", secret, tokenUrl));
        try
        {
            var result = await command.ExecuteCommand(context);
            Assert.True(result.Success, result.Message);
            var lines = (result.Data?.Value ?? "").Split('\n');
            Assert.Contains(lines, l => l.Contains("curl", StringComparison.Ordinal) && l.Contains("$" + LabTopology.DemoReaderPasswordVariable, StringComparison.Ordinal)
                                        && l.Contains("demo-consumer-key", StringComparison.Ordinal) && l.Contains(tokenUrl.ToString(), StringComparison.Ordinal));
            Assert.Contains(lines, l => l.Contains("curl", StringComparison.Ordinal) && l.Contains("$" + LabTopology.DemoGuestPasswordVariable, StringComparison.Ordinal));
            Assert.Contains(lines, l => l.Contains("'https://localhost:8243/kmlab-demo/1.0.0/oauth2/jwks'", StringComparison.Ordinal));
            Assert.Contains(lines, l => l.Contains("'https://localhost:8243/kmlab-demo/1.0.0/api/health-check/v1.0/health'", StringComparison.Ordinal));
            Assert.DoesNotContain(secret, result.Data?.Value ?? "");
        }
        finally
        {
            Directory.Delete(state, recursive: true);
        }
    }

    [Fact]
    public void Reregister_and_reprepare_stay_disabled_until_both_servers_are_healthy_and_while_their_steps_run()
    {
        var builder = Builder($"state-dir={TempState()}");
        var lab = builder.AddKmLab("kmlab").Resource;
        var reregister = lab.ApiManager.Annotations.OfType<ResourceCommandAnnotation>().Single(c => c.Name == ProvisionerSteps.ReregisterCommandName);
        var reprepare = lab.Prepare.Annotations.OfType<ResourceCommandAnnotation>().Single(c => c.Name == ProvisionerSteps.ReprepareCommandName);
        using var services = new ServiceCollection().BuildServiceProvider();
        (ResourceCommandState, ResourceCommandState) States() =>
            (reregister.UpdateState(new UpdateCommandStateContext { ResourceSnapshot = Snapshot(KnownResourceStates.Running), Services = services }),
             reprepare.UpdateState(new UpdateCommandStateContext { ResourceSnapshot = Snapshot(KnownResourceStates.Finished), Services = services }));

        Assert.Equal((ResourceCommandState.Disabled, ResourceCommandState.Disabled), States());
        lab.Snapshots.Record(lab.IdentityServer, Snapshot(KnownResourceStates.Running, HealthStatus.Healthy));
        lab.Snapshots.Record(lab.ApiManager, Snapshot(KnownResourceStates.Running, HealthStatus.Unhealthy));
        lab.Snapshots.Record(lab.Register, Snapshot(KnownResourceStates.Waiting));
        Assert.Equal((ResourceCommandState.Disabled, ResourceCommandState.Disabled), States());

        lab.Snapshots.Record(lab.ApiManager, Snapshot(KnownResourceStates.Running, HealthStatus.Healthy));
        lab.Snapshots.Record(lab.Register, Snapshot(KnownResourceStates.Running));
        Assert.Equal((ResourceCommandState.Disabled, ResourceCommandState.Disabled), States());

        lab.Snapshots.Record(lab.Register, Snapshot(KnownResourceStates.Finished));
        Assert.Equal((ResourceCommandState.Enabled, ResourceCommandState.Enabled), States());

        lab.Snapshots.Record(lab.Prepare, Snapshot(KnownResourceStates.Running));
        Assert.Equal((ResourceCommandState.Enabled, ResourceCommandState.Disabled), States());
    }

    private static CustomResourceSnapshot Snapshot(string state, HealthStatus? health = null) =>
        new CustomResourceSnapshot { ResourceType = "Test", State = state, Properties = [] }
            .WithHealthReports(health is { } h ? [new HealthReportSnapshot("check", h, null, null)] : []);

    private static async Task<Dictionary<string, object>> EnvironmentOf(IDistributedApplicationBuilder builder, IResource resource)
    {
        var environment = new Dictionary<string, object>();
        var context = new EnvironmentCallbackContext(builder.ExecutionContext, resource, environment, TestContext.Current.CancellationToken);
        foreach (var annotation in resource.Annotations.OfType<EnvironmentCallbackAnnotation>())
            await annotation.Callback(context);
        return environment;
    }

    private static X509Certificate2 NewCa()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=KmLab test CA", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
    }

    private static X509Certificate2 IssueLocalhost(X509Certificate2 ca)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, true, false));
        using var issued = request.Create(ca, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1), [1, 2, 3, 4]);
        using var withKey = issued.CopyWithPrivateKey(key);
        return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null);
    }

    /// <summary>Answers each TLS connection with one HTTP 200.</summary>
    private static async Task ServeAsync(TcpListener listener, X509Certificate2 certificate, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await listener.AcceptTcpClientAsync(ct);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            using (client)
            using (var tls = new SslStream(client.GetStream()))
            {
                try
                {
                    await tls.AuthenticateAsServerAsync(certificate);
                    var buffer = new byte[4096];
                    _ = await tls.ReadAsync(buffer, ct);
                    await tls.WriteAsync("HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"u8.ToArray(), ct);
                }
                catch (Exception e) when (e is IOException or System.Security.Authentication.AuthenticationException or OperationCanceledException)
                {
                    // the untrusting client hangs up during the handshake
                }
            }
        }
    }

    /// <summary>A separate .NET process (a file-based app) that GETs <paramref name="url"/> with HttpClient's defaults.</summary>
    private static async Task<(int ExitCode, string Output)> ProbeAsync(string url, Dictionary<string, string> environment, CancellationToken ct)
    {
        var folder = Path.Combine(Path.GetTempPath(), "kmlab-hosting-tests", "probe");
        Directory.CreateDirectory(folder);
        var probe = Path.Combine(folder, "probe.cs");
        await File.WriteAllTextAsync(probe, """
            using var client = new HttpClient();
            try { var response = await client.GetAsync(args[0]); Console.Write((int)response.StatusCode); return 0; }
            catch (HttpRequestException e) { Console.Write(e.InnerException?.Message ?? e.Message); return 3; }
            """, ct);
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = folder };
        foreach (var arg in new[] { "run", "--file", probe, "--", url })
            start.ArgumentList.Add(arg);
        start.Environment.Remove("SSL_CERT_DIR");
        foreach (var (name, value) in environment)
            start.Environment[name] = value;
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync(ct);
        var errors = process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        return (process.ExitCode, ((await output) + (await errors)).Trim());
    }
}
