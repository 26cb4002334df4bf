using KmLab.Lab;
using KmLab.Lab.Wso2;

namespace Aspire.Hosting.ApplicationModel;

/// <summary>What the lab needs of either WSO2 server: its version, its servlet HTTPS endpoint and the path that
/// answers 200 once it is ready (<see cref="ApimEndpoints.StartupHealthCheck"/>, <see cref="IdentityServerEndpoints.WellKnown"/>).</summary>
public interface IWso2ServerResource : IResourceWithEndpoints, IResourceWithEnvironment, IResourceWithWaitSupport
{
    /// <summary>The product version the image runs, e.g. <c>7.3.0</c> or <c>4.6.0</c>.</summary>
    string ProductVersion { get; }

    /// <summary>The servlet HTTPS endpoint (9443 + offset): consoles, portals, REST APIs.</summary>
    EndpointReference HttpsEndpoint { get; }

    /// <summary>Its port, the same on the host and in the container.</summary>
    int HttpsPort { get; }

    /// <summary>Answers 200 on <see cref="HttpsEndpoint"/> once the server is ready.</summary>
    string HealthCheckPath { get; }
}

/// <summary>WSO2 Identity Server 7 (<c>wso2/wso2is</c>) in a container.</summary>
/// <param name="name">The resource name, which is also the host name other containers reach it by.</param>
/// <param name="version">The image version.</param>
/// <param name="portOffset">Carbon's port offset (<c>[server] offset</c>), which the config volume must set too.</param>
public sealed class Wso2IdentityServerResource(string name, IdentityServerVersion version, int portOffset)
    : ContainerResource(name), IWso2ServerResource
{
    internal const string HttpsEndpointName = "https";

    private EndpointReference? _httpsEndpoint;

    public IdentityServerVersion Version { get; internal set; } = version;

    public int PortOffset { get; } = portOffset;

    public string ProductVersion => Version.Version;

    public int HttpsPort => LabUrls.IdentityServerHttpsPort(PortOffset);

    public EndpointReference HttpsEndpoint => _httpsEndpoint ??= new(this, HttpsEndpointName);

    /// <summary>The discovery document: it answers only once OAuth is up, which is what <c>register</c> needs.</summary>
    public string HealthCheckPath => IdentityServerEndpoints.WellKnown;

    /// <summary>The base URL containers on the lab network use (APIM → IS), e.g. <c>https://is7:9444</c>.</summary>
    public string InternalUrl => LabUrls.Origin(LabUrls.IdentityServerInternal(Name, PortOffset));
}

/// <summary>WSO2 API Manager 4 (<c>wso2/wso2am</c>) in a container: control plane and gateway in one.</summary>
/// <param name="name">The resource name, which is also the host name other containers reach it by.</param>
/// <param name="version">The image version.</param>
public sealed class Wso2ApiManagerResource(string name, ApiManagerVersion version)
    : ContainerResource(name), IWso2ServerResource
{
    internal const string HttpsEndpointName = "https";
    internal const string GatewayHttpsEndpointName = "gateway-https";
    internal const string GatewayHttpEndpointName = "gateway-http";

    private EndpointReference? _httpsEndpoint;
    private EndpointReference? _gatewayHttpsEndpoint;

    public ApiManagerVersion Version { get; internal set; } = version;

    public string ProductVersion => Version.Version;

    public int HttpsPort => LabUrls.ApiManagerHttpsPort;

    public EndpointReference HttpsEndpoint => _httpsEndpoint ??= new(this, HttpsEndpointName);

    /// <summary>The API gateway (8243): where published APIs are called.</summary>
    public EndpointReference GatewayHttpsEndpoint => _gatewayHttpsEndpoint ??= new(this, GatewayHttpsEndpointName);

    public string HealthCheckPath => ApimEndpoints.StartupHealthCheck;
}
