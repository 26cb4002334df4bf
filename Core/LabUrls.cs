using KmLab.Lab.Wso2;

namespace KmLab.Lab;

/// <summary>The lab's URLs, derived from its topology here and nowhere else: Carbon's ports plus IS's port offset,
/// on the host (<see cref="LabTopology.PublicHostName"/>, where the AppHost publishes them unchanged) or on the lab
/// network (the container names).</summary>
public static class LabUrls
{
    /// <summary>IS's servlet HTTPS port: Carbon's 9443 moved by IS's port offset.</summary>
    public static int IdentityServerHttpsPort(int identityServerOffset) => Wso2Ports.ServletHttps + identityServerOffset;

    /// <summary>IS's servlet HTTP port: Carbon's 9763 moved by IS's port offset.</summary>
    public static int IdentityServerHttpPort(int identityServerOffset) => Wso2Ports.ServletHttp + identityServerOffset;

    /// <summary>APIM's servlet HTTPS port (APIM runs without an offset).</summary>
    public const int ApiManagerHttpsPort = Wso2Ports.ServletHttps;

    /// <summary>APIM's gateway HTTPS port.</summary>
    public const int GatewayHttpsPort = Wso2Ports.GatewayHttps;

    /// <summary>APIM's portals and REST APIs on the host: <c>https://localhost:9443</c>.</summary>
    public static Uri ApiManager { get; } = Https(LabTopology.PublicHostName, ApiManagerHttpsPort);

    /// <summary>APIM's gateway on the host: <c>https://localhost:8243</c>.</summary>
    public static Uri Gateway { get; } = Https(LabTopology.PublicHostName, GatewayHttpsPort);

    /// <summary>IS on the host: <c>https://localhost:&lt;9443 + offset&gt;</c>.</summary>
    public static Uri IdentityServer(int identityServerOffset) =>
        Https(LabTopology.PublicHostName, IdentityServerHttpsPort(identityServerOffset));

    /// <summary>IS as containers on the lab network reach it: <c>https://&lt;IS container&gt;:&lt;9443 + offset&gt;</c>.</summary>
    public static Uri IdentityServerInternal(string identityServerHost, int identityServerOffset) =>
        Https(identityServerHost, IdentityServerHttpsPort(identityServerOffset));

    /// <summary>APIM as containers on the lab network reach it: <c>https://&lt;APIM container&gt;:9443</c>.</summary>
    public static Uri ApiManagerInternal(string apiManagerHost) => Https(apiManagerHost, ApiManagerHttpsPort);

    /// <summary>IS's token endpoint under <paramref name="identityServer"/>; also the issuer of IS's JWTs.</summary>
    public static Uri Token(Uri identityServer) => new(Origin(identityServer) + IdentityServerEndpoints.Token);

    /// <summary>A URL as users write it, without the trailing slash <see cref="Uri.ToString"/> adds:
    /// <c>https://localhost:9443</c>.</summary>
    public static string Origin(Uri url) => url.GetLeftPart(UriPartial.Authority);

    /// <summary>A page of a server on the host, as the dashboard links it: <c>https://localhost:&lt;port&gt;&lt;path&gt;</c>.</summary>
    public static string OnHost(int port, string path = "") => $"https://{LabTopology.PublicHostName}:{port}{path}";

    private static Uri Https(string host, int port) => new($"https://{host}:{port}");
}
