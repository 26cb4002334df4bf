using Aspire.Hosting.ApplicationModel;
using KmLab.Hosting;
using KmLab.Lab;

namespace Aspire.Hosting;

/// <summary>Publishes services on the lab's gateway and hands their keys to the resources that call them.</summary>
public static class KmLabGatewayApiExtensions
{
    /// <summary>The configuration section of a gateway API in a dependent, as environment variable prefix:
    /// <c>KmLab__GatewayApis__&lt;name&gt;__</c> followed by <c>Url</c>, <c>Context</c>, <c>Version</c>,
    /// <c>TokenUrl</c>, <c>ConsumerKey</c>, <c>ConsumerSecret</c>; <c>KmLab__CaCertificate</c> names the lab CA.</summary>
    public static string SectionOf(string apiName) => $"KmLab__GatewayApis__{apiName}__";

    /// <summary>Aspire's setting that turns its container tunnel (containers calling host services) on or off.</summary>
    public const string ContainerTunnelSetting = "ASPIRE_ENABLE_CONTAINER_TUNNEL";

    /// <summary>Publishes <paramref name="service"/> as an API on the lab's gateway: a one-shot <c>publish</c> step
    /// (named <c>&lt;name&gt;-publish</c>) runs after <c>register</c> and once the service runs, creates or updates the
    /// API, deploys and publishes it and subscribes the lab application, and waits until the gateway serves it.</summary>
    /// <param name="lab">The lab.</param>
    /// <param name="name">The API's name, in APIM and in the AppHost.</param>
    /// <param name="service">The service; APIM's gateway reaches it on the container network.</param>
    /// <param name="context">The API's context, e.g. <c>/orders</c>; one API per context.</param>
    /// <param name="version">The API's version, e.g. <c>1.0.0</c>.</param>
    /// <param name="openApiPath">The path of the service's OpenAPI document (JSON), e.g. <c>/openapi/v1.json</c>:
    /// APIM imports its operations. Null: every verb on <c>/*</c>.</param>
    /// <param name="endpointName">The service's endpoint the gateway calls.</param>
    /// <param name="application">The DevPortal application that subscribes.</param>
    /// <exception cref="DistributedApplicationException">The name is taken, or another gateway API of the lab has
    /// this context: one line naming the fix.</exception>
    public static IResourceBuilder<KmLabGatewayApiResource> AddGatewayApi<TService>(this IResourceBuilder<KmLabResource> lab,
        [ResourceName] string name, IResourceBuilder<TService> service, string context, string version, string? openApiPath = null,
        string endpointName = "http", string application = LabTopology.DefaultLabApplication)
        where TService : class, IResourceWithEndpoints, IResourceWithWaitSupport
    {
        ArgumentNullException.ThrowIfNull(lab);
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(service);
        ArgumentException.ThrowIfNullOrEmpty(version);
        var builder = lab.ApplicationBuilder;
        var publishName = $"{name}-{ProvisionerSteps.PublishCommand}";
        KmLabBuilderExtensions.EnsureFree(builder, name);
        KmLabBuilderExtensions.EnsureFree(builder, publishName);
        if (string.IsNullOrWhiteSpace(context) || !context.StartsWith('/'))
            throw new DistributedApplicationException($"gateway API '{name}' has context '{context}'; give it a context that starts with '/', e.g. /orders.");
        if (!lab.Resource.GatewayContexts.Add(context.TrimEnd('/')))
            throw new DistributedApplicationException($"gateway API '{name}' has context {context}, which another gateway API of the lab already has; give each API its own context.");

        var api = new KmLabGatewayApiResource(name, lab.Resource, service.Resource, context, version, application);
        var apiBuilder = builder.AddResource(api)
            .WithIconName("GlobeArrowForward")
            .WithParentRelationship(lab)
            .WithInitialState(new CustomResourceSnapshot { ResourceType = "GatewayApi", State = KnownResourceStates.NotStarted, Properties = [] })
            .ExcludeFromManifest();

        // Without Aspire's container tunnel (ASPIRE_ENABLE_CONTAINER_TUNNEL=false, e.g. a Docker engine that cannot
        // build the tunnel's image), APIM's container reaches the service at the host's address (AppHost:ContainerHostname),
        // which a listener on localhost does not answer: the service's endpoint then listens on all interfaces.
        if (string.Equals(builder.Configuration[ContainerTunnelSetting], "false", StringComparison.OrdinalIgnoreCase))
            service.WithEndpoint(endpointName, endpoint => endpoint.TargetHost = "0.0.0.0", createIfNotExists: false);

        // The backend as APIM's container reaches the service; the document as the publish step on the host reads it.
        var backend = service.Resource.GetEndpoint(endpointName, KnownNetworkIdentifiers.DefaultAspireContainerNetwork);
        var local = service.Resource.GetEndpoint(endpointName);
        var publish = ProvisionerSteps.AddStep(builder, lab.Resource, publishName, ProvisionerSteps.PublishCommand, "CloudArrowUp")
            .WithArgs(args =>
            {
                args.Add("--name"); args.Add(name);
                args.Add("--context"); args.Add(context);
                args.Add("--version"); args.Add(version);
                args.Add("--backend"); args.Add(backend);
                if (openApiPath is not null)
                {
                    args.Add("--openapi");
                    args.Add(ReferenceExpression.Create($"{local}{openApiPath}"));
                }
                foreach (var operation in api.PublicOperations)
                {
                    args.Add("--public"); args.Add(operation);
                }
                args.Add("--application"); args.Add(application);
                args.Add("--apim-url"); args.Add(lab.Resource.ApiManager.HttpsEndpoint);
                args.Add("--is-url"); args.Add(lab.Resource.IdentityServer.HttpsEndpoint);
            })
            .WaitForCompletion(builder.CreateResourceBuilder(lab.Resource.Register))
            .WaitFor(service);
        api.PublishStep = publish.Resource;
        GatewayApiState.Track(apiBuilder);
        return apiBuilder;
    }

    /// <summary>The verbs an API operation can have in APIM.</summary>
    private static readonly string[] OperationVerbs = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];

    /// <summary>Declares an operation the gateway serves without a token (APIM's per-operation auth type None), e.g.
    /// <c>.WithPublicOperation("GET", "/catalogue")</c>; call it once per operation. The other operations keep needing
    /// a token: without an OpenAPI document the API gets this operation beside its <c>/*</c> ones, and the gateway picks
    /// the most specific; with one, it must be one of the document's operations (publish fails otherwise).</summary>
    /// <param name="api">The gateway API.</param>
    /// <param name="verb">GET, POST, PUT, PATCH, DELETE, HEAD or OPTIONS.</param>
    /// <param name="target">The path below the API's context and version, e.g. <c>/catalogue</c> or <c>/items/{id}</c>.</param>
    /// <exception cref="DistributedApplicationException">An unknown verb, a target without a leading '/', or an
    /// operation declared twice: one line naming the fix.</exception>
    public static IResourceBuilder<KmLabGatewayApiResource> WithPublicOperation(this IResourceBuilder<KmLabGatewayApiResource> api, string verb, string target)
    {
        ArgumentNullException.ThrowIfNull(api);
        var name = api.Resource.Name;
        var upper = verb?.Trim().ToUpperInvariant() ?? "";
        if (!OperationVerbs.Contains(upper))
            throw new DistributedApplicationException($"gateway API '{name}' has public operation verb '{verb}'; give one of {string.Join(", ", OperationVerbs)}, e.g. WithPublicOperation(\"GET\", \"/catalogue\").");
        if (string.IsNullOrWhiteSpace(target) || !target.StartsWith('/') || target.Any(char.IsWhiteSpace))
            throw new DistributedApplicationException($"gateway API '{name}' has public operation target '{target}'; give a path that starts with '/' and has no spaces, e.g. /catalogue.");
        var operation = $"{upper} {target}";
        if (!api.Resource.AddPublicOperation(operation))
            throw new DistributedApplicationException($"gateway API '{name}' declares public operation {operation} twice; call WithPublicOperation once per operation.");
        return api;
    }

    /// <summary>Gives <paramref name="builder"/> the gateway API's URL and the lab application's keys
    /// (<see cref="SectionOf"/>; the consumer secret as a secret value), and makes it wait until publish has finished.</summary>
    public static IResourceBuilder<T> WithReference<T>(this IResourceBuilder<T> builder, IResourceBuilder<KmLabGatewayApiResource> api)
        where T : IResourceWithEnvironment, IResourceWithWaitSupport
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(api);

        var resource = api.Resource;
        var section = SectionOf(resource.Name);
        return builder
            .WaitForCompletion(api.ApplicationBuilder.CreateResourceBuilder(resource.PublishStep))
            .WithEnvironment(context =>
            {
                var env = context.EnvironmentVariables;
                env[section + "Context"] = resource.Context;
                env[section + "Version"] = resource.Version;
                env[section + "TokenUrl"] = resource.Lab.TokenUrl;
                env[KmLabResourceServerExtensions.CaCertificateVariable] = resource.Lab.Layout.CaCertificate;
                env[section + "ConsumerSecret"] = resource.ConsumerSecret;
                if (context.ExecutionContext.IsRunMode)
                {
                    // Written by publish, which this resource waited for.
                    env[section + "Url"] = resource.ReadGatewayUrl();
                    env[section + "ConsumerKey"] = resource.ReadConsumerKey();
                }
            });
    }
}
