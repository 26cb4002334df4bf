using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Wso2;
using KmLab.Lab;
using KmLab.Lab.Wso2;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Aspire.Hosting;

/// <summary>Adds WSO2 Identity Server 7 and API Manager 4 containers to the application model.</summary>
public static class Wso2ResourceBuilderExtensions
{
    /// <summary>Heap for IS 7. Its start script's default is <c>-Xms256m -Xmx1024m</c>
    /// (wso2/carbon-kernel@d1c85f77:distribution/kernel/carbon-home/bin/wso2server.sh:283, kernel 4.12.34 as IS 7.3.0
    /// ships it); WSO2 publishes no heap figure for IS 7, so the larger maximum is the lab's own margin, not a WSO2 figure
    /// (a maximum is only a ceiling: the JVM grows towards it as it needs). With APIM's, the lab's JVMs stay under about 5 GB resident, which leaves a 16 GB laptop room for the
    /// IDE, a browser and Docker itself. The lab sets only <c>JVM_MEM_OPTS</c>, never <c>JAVA_OPTS</c>: the IS image
    /// sets <c>JAVA_OPTS</c> itself (wso2/docker-is@966bbc00:dockerfiles/ubuntu/is/Dockerfile:129), which a value here
    /// would replace, and APIM's diagnostics.sh passes <c>JAVA_OPTS</c> to its own JVM as well
    /// (wso2/product-apim@53b83f28:all-in-one-apim/modules/distribution/product/src/main/startup-scripts/diagnostics.sh:125).</summary>
    public const string DefaultIdentityServerJvmMemOpts = "-Xms256m -Xmx1536m";

    /// <summary>Heap for APIM (control plane, gateway and traffic manager in one JVM): the 2 GB WSO2 documents for
    /// the API-M JVM (wso2/docs-apim@09152e98:en/docs/install-and-setup/install/installation-prerequisites.md, "4 GB
    /// RAM (2 GB for JVM …)"), above api-manager.sh's default <c>-Xms256m -Xmx1024m</c>
    /// (wso2/product-apim@53b83f28:all-in-one-apim/modules/distribution/product/src/main/startup-scripts/api-manager.sh:290).</summary>
    public const string DefaultApiManagerJvmMemOpts = "-Xms512m -Xmx2048m";

    /// <summary>Adds a WSO2 Identity Server 7 container.</summary>
    /// <param name="builder">The application builder.</param>
    /// <param name="name">The resource name; other containers on the lab network reach the server by it.</param>
    /// <param name="version">The image version; null: <see cref="Wso2Versions.DefaultIdentityServer"/>.</param>
    /// <param name="portOffset">Carbon's port offset. The servlet HTTPS port 9443 + offset is published on the same
    /// host port, so a URL differs between host and lab network only by its host name. The config volume must set
    /// the same <c>[server] offset</c>.</param>
    /// <remarks>Without a config volume (<see cref="WithConfigVolume{T}"/>) the image runs with its shipped,
    /// self-signed certificates, which KmLab's health checks and <c>register</c> rightly refuse.</remarks>
    public static IResourceBuilder<Wso2IdentityServerResource> AddWso2IdentityServer(
        this IDistributedApplicationBuilder builder,
        [ResourceName] string name,
        IdentityServerVersion? version = null,
        int portOffset = Wso2Ports.DefaultIdentityServerOffset)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentOutOfRangeException.ThrowIfNegative(portOffset);

        var resource = new Wso2IdentityServerResource(name, version ?? Wso2Versions.DefaultIdentityServer, portOffset);
        return builder.AddWso2Server(resource, Wso2ContainerImageTags.IdentityServerImage, "PersonLock")
            .WithEnvironment(Wso2Images.JvmMemOptsVariable, DefaultIdentityServerJvmMemOpts)
            .WithConsoleUrls(resource, ("/console", "IS Console"), ("/myaccount", "IS My Account"));
    }

    /// <summary>Adds a WSO2 API Manager container with its servlet port (9443) and gateway ports (8243, 8280)
    /// published on the same host ports.</summary>
    /// <param name="builder">The application builder.</param>
    /// <param name="name">The resource name; other containers on the lab network reach the server by it.</param>
    /// <param name="version">The image version; null: <see cref="Wso2Versions.DefaultApiManager"/>.</param>
    public static IResourceBuilder<Wso2ApiManagerResource> AddWso2ApiManager(
        this IDistributedApplicationBuilder builder,
        [ResourceName] string name,
        ApiManagerVersion? version = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrEmpty(name);

        var resource = new Wso2ApiManagerResource(name, version ?? Wso2Versions.DefaultApiManager);
        return builder.AddWso2Server(resource, Wso2ContainerImageTags.ApiManagerImage, "ServerLink")
            .WithHttpsEndpoint(port: Wso2Ports.GatewayHttps, targetPort: Wso2Ports.GatewayHttps,
                name: Wso2ApiManagerResource.GatewayHttpsEndpointName, isProxied: false)
            .WithHttpEndpoint(port: Wso2Ports.GatewayHttp, targetPort: Wso2Ports.GatewayHttp,
                name: Wso2ApiManagerResource.GatewayHttpEndpointName, isProxied: false)
            .WithUrlForEndpoint(Wso2ApiManagerResource.GatewayHttpsEndpointName, u => u.DisplayText = "Gateway (HTTPS)")
            .WithUrlForEndpoint(Wso2ApiManagerResource.GatewayHttpEndpointName, u =>
            {
                u.DisplayText = "Gateway (HTTP)";
                u.DisplayLocation = UrlDisplayLocation.DetailsOnly;
            })
            .WithEnvironment(Wso2Images.JvmMemOptsVariable, DefaultApiManagerJvmMemOpts)
            .WithConsoleUrls(resource, ("/admin", "APIM Admin Portal"), ("/publisher", "APIM Publisher"), ("/devportal", "APIM DevPortal"));
    }

    /// <summary>Mounts a prepared config volume (a <c>repository/...</c> tree) read-only where the image's entrypoint
    /// copies it over the product home at every start.</summary>
    /// <param name="builder">The server.</param>
    /// <param name="source">The host folder, e.g. the state folder's <c>is7/</c> written by <c>prepare</c>.</param>
    public static IResourceBuilder<T> WithConfigVolume<T>(this IResourceBuilder<T> builder, string source)
        where T : ContainerResource, IWso2ServerResource
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrEmpty(source);

        return builder.WithBindMount(Path.GetFullPath(source, builder.ApplicationBuilder.AppHostDirectory), Wso2Images.ConfigVolume, isReadOnly: true);
    }

    /// <summary>Checks the server's readiness path (<see cref="IWso2ServerResource.HealthCheckPath"/>) over HTTPS, trusting only the lab CA
    /// of the state folder <paramref name="layout"/> describes: the CA that signed the certificates in the config
    /// volume. Resources that <c>WaitFor</c> the server start once it answers 200.</summary>
    public static IResourceBuilder<T> WithReadinessCheck<T>(this IResourceBuilder<T> builder, LabLayout layout)
        where T : IWso2ServerResource
    {
        ArgumentNullException.ThrowIfNull(layout);
        return builder.WithReadinessCheck(() => layout);
    }

    /// <summary>As <see cref="WithReadinessCheck{T}(IResourceBuilder{T}, LabLayout)"/>, with the state folder read at
    /// each probe (the lab's choice may change after the check is added).</summary>
    internal static IResourceBuilder<T> WithReadinessCheck<T>(this IResourceBuilder<T> builder, Func<LabLayout> layout)
        where T : IWso2ServerResource
    {
        ArgumentNullException.ThrowIfNull(builder);

        var key = $"{builder.Resource.Name}_lab_ca_https_check";
        var check = new LabCaHealthCheck(builder.Resource, layout);
        builder.ApplicationBuilder.Services.AddHealthChecks()
            .Add(new HealthCheckRegistration(key, check, failureStatus: null, tags: null));
        return builder.WithHealthCheck(key);
    }

    /// <summary>Sets the JVM's memory options (<c>JVM_MEM_OPTS</c>, read by the images' start scripts).</summary>
    public static IResourceBuilder<T> WithJvmMemOpts<T>(this IResourceBuilder<T> builder, string jvmMemOpts)
        where T : IWso2ServerResource
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(jvmMemOpts);

        return builder.WithEnvironment(Wso2Images.JvmMemOptsVariable, jvmMemOpts);
    }

    /// <summary>Runs the KmLab twin of the product instead of the WSO2 image (tests/KmLab.Twins): the same config
    /// volume, ports and endpoints, for machines that cannot pull WSO2's images. The twin image must exist locally.</summary>
    public static IResourceBuilder<T> WithTwinImage<T>(this IResourceBuilder<T> builder)
        where T : ContainerResource, IWso2ServerResource
    {
        ArgumentNullException.ThrowIfNull(builder);

        var image = builder.Resource switch
        {
            Wso2IdentityServerResource => Wso2ContainerImageTags.IdentityServerTwinImage,
            Wso2ApiManagerResource => Wso2ContainerImageTags.ApiManagerTwinImage,
            var other => throw new ArgumentException($"'{other.Name}' has no twin image.", nameof(builder)),
        };
        return builder
            .WithImage(image, Wso2ContainerImageTags.TwinTag)
            .WithImageRegistry(null)
            // Built by tests/docker/build-twin-images.sh; no registry has it.
            .WithImagePullPolicy(ImagePullPolicy.Never)
            .WithEnvironment(Wso2ContainerImageTags.TwinVersionVariable, builder.Resource.ProductVersion);
    }

    /// <summary>Either server's container: WSO2's image of the resource's product version, and the servlet HTTPS port
    /// published on the same host port.</summary>
    private static IResourceBuilder<T> AddWso2Server<T>(this IDistributedApplicationBuilder builder, T resource, string image, string iconName)
        where T : ContainerResource, IWso2ServerResource =>
        builder.AddResource(resource)
            .WithImage(image, resource.ProductVersion)
            .WithImageRegistry(Wso2ContainerImageTags.Registry)
            .WithIconName(iconName)
            .WithHttpsEndpoint(port: resource.HttpsPort, targetPort: resource.HttpsPort,
                name: resource.HttpsEndpoint.EndpointName, isProxied: false);

    /// <summary>Links to a server's web consoles, on the host name every browser-facing URL uses.</summary>
    private static IResourceBuilder<T> WithConsoleUrls<T>(this IResourceBuilder<T> builder, IWso2ServerResource server,
        params (string Path, string DisplayText)[] consoles)
        where T : IWso2ServerResource
    {
        // The host port equals the container port (isProxied: false), so the URL is known before the run starts.
        foreach (var (path, displayText) in consoles)
        {
            // A plain string: an interpolated one would bind to WithUrl's reference-expression overload.
            var url = LabUrls.OnHost(server.HttpsPort, path);
            builder.WithUrl(url, displayText);
        }
        return builder;
    }
}
