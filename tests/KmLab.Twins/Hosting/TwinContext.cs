using System.Security.Cryptography.X509Certificates;

namespace KmLab.Twins.Hosting;

/// <summary>Everything one booted twin knows: its options, its configuration, its keys and trust, its ports.</summary>
internal sealed class TwinContext
{
    public required TwinProduct Product { get; init; }
    public required TwinOptions Options { get; init; }
    public required ServerConfig Config { get; init; }
    public required TwinLog Log { get; init; }

    /// <summary>The <c>[keystore.tls]</c> entry Kestrel serves.</summary>
    public required X509Certificate2 TlsCertificate { get; init; }

    /// <summary>The rest of the TLS entry's chain (the lab's issuing CA), sent with the certificate as Tomcat does.</summary>
    public required X509Certificate2Collection TlsChain { get; init; }

    /// <summary>The <c>[keystore.primary]</c> entry IS signs tokens with.</summary>
    public required X509Certificate2 PrimaryCertificate { get; init; }

    /// <summary>The <c>[truststore]</c> entries: all that outbound calls trust.</summary>
    public required X509Certificate2Collection Trusted { get; init; }

    /// <summary>The truststore as loaded, for lookups by alias (KeyStore.getCertificate).</summary>
    public required KeyStore TrustStore { get; init; }

    public required int HttpsPort { get; init; }
    public int? GatewayHttpsPort { get; init; }

    /// <summary>Where the server says it is: <c>https://[server] hostname:port</c>.</summary>
    public string AdvertisedBase => $"https://{Config.Hostname}:{HttpsPort}";

    /// <summary>Reads the config volume the way the image does; a refusal is logged and thrown.</summary>
    public static TwinContext Boot(TwinProduct product, TwinOptions options, TwinLog log)
    {
        var config = ServerConfig.Read(options.ConfigVolume, product, options.Version, log);
        try
        {
            var tlsStore = KeyStore.Load(config.SecurityFile(options.ConfigVolume, config.TlsKeyStore), config.TlsKeyStore.Password);
            var tls = tlsStore.KeyEntry(config.TlsKeyStore.Alias);
            var tlsChain = tlsStore.Issuers(config.TlsKeyStore.Alias);
            var primary = KeyStore.Load(config.SecurityFile(options.ConfigVolume, config.PrimaryKeyStore), config.PrimaryKeyStore.Password)
                .KeyEntry(config.PrimaryKeyStore.Alias);
            var trustStore = KeyStore.Load(config.SecurityFile(options.ConfigVolume, config.TrustStore), config.TrustStore.Password);
            var offsetHttps = CarbonFacts.ServletHttps + config.Offset;
            return new TwinContext
            {
                Product = product, Options = options, Config = config, Log = log,
                TlsCertificate = tls, TlsChain = tlsChain, PrimaryCertificate = primary, Trusted = trustStore.Trusted(), TrustStore = trustStore,
                HttpsPort = ResolvePort(options.HttpsPort ?? offsetHttps),
                GatewayHttpsPort = product == TwinProduct.ApiManager
                    ? ResolvePort(options.GatewayHttpsPort ?? CarbonFacts.GatewayHttps + config.Offset)
                    : null,
            };
        }
        catch (Exception e) when (e is KeyStoreUnreadableException or FileNotFoundException or DirectoryNotFoundException)
        {
            // What Carbon prints when it cannot load a keystore named in deployment.toml.
            log.Error("org.wso2.carbon.core.util.KeyStoreManager", "Error while loading keystore: " + e.Message);
            throw new TwinRefusedException("keystore refused: " + e.Message, log.Lines);
        }
    }

    /// <summary>Port 0 means "any free one": pick it now, so every advertised URL carries the real port.</summary>
    private static int ResolvePort(int port)
    {
        if (port != 0) return port;
        using var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        probe.Start();
        return ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
    }
}
