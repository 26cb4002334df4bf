using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;

namespace KmLab.Provisioner.Tests.TestSupport;

/// <summary>Real TLS handshakes over loopback.</summary>
internal static class Tls
{
    /// <summary>A client that trusts only <paramref name="trusted"/> and checks <paramref name="targetHost"/>;
    /// returns the thumbprint of the server certificate it accepted, or the reason it refused.</summary>
    public static async Task<(string? Accepted, AuthenticationException? Refused)> HandshakeAsync(
        X509Certificate2 serverCertificate, X509Certificate2Collection trusted, string targetHost) =>
        await HandshakeAsync(SslStreamCertificateContext.Create(serverCertificate, null, offline: true), trusted, targetHost);

    /// <summary>A server that sends its issuers along, as WSO2's servers send the keystore entry's chain.</summary>
    public static async Task<(string? Accepted, AuthenticationException? Refused)> HandshakeAsync(
        string keyStore, X509Certificate2Collection trusted, string targetHost)
    {
        using var certificate = KeyStoreFiles.ReadKeyEntry(keyStore, Wso2KeyStores.Password);
        var context = SslStreamCertificateContext.Create(certificate,
            KeyStoreFiles.ReadIssuers(keyStore, Wso2KeyStores.Password), offline: true);
        return await HandshakeAsync(context, trusted, targetHost);
    }

    private static async Task<(string? Accepted, AuthenticationException? Refused)> HandshakeAsync(
        SslStreamCertificateContext server, X509Certificate2Collection trusted, string targetHost)
    {
        var cancellation = TestContext.Current.CancellationToken;
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var serving = ServeOnceAsync(listener, server, cancellation);

        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, ((IPEndPoint)listener.LocalEndpoint).Port, cancellation);
        await using var tls = new SslStream(client.GetStream());
        try
        {
            await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = targetHost,
                CertificateChainPolicy = TrustOnly(trusted),
            }, cancellation);
            return (tls.RemoteCertificate!.GetCertHashString(), null);
        }
        catch (AuthenticationException e)
        {
            return (null, e);
        }
        finally
        {
            client.Close();
            await serving;
        }
    }

    /// <summary>Chain trust anchored in the given certificates only, not in the machine's store.</summary>
    public static X509ChainPolicy TrustOnly(X509Certificate2Collection trusted) => LabTrust.TrustOnly(trusted);

    private static async Task ServeOnceAsync(TcpListener listener, SslStreamCertificateContext certificate, CancellationToken cancellation)
    {
        using var connection = await listener.AcceptTcpClientAsync(cancellation);
        await using var tls = new SslStream(connection.GetStream());
        try
        {
            await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificateContext = certificate }, cancellation);
        }
        catch (Exception e) when (e is AuthenticationException or IOException)
        {
            // The client refused the certificate: that is what some tests expect.
        }
    }
}
