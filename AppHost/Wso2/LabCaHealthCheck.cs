using System.Net;
using System.Security.Cryptography.X509Certificates;
using Aspire.Hosting.ApplicationModel;
using KmLab.Provisioner.Register;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Aspire.Hosting.Wso2;

/// <summary>GET on a WSO2 server's health path over TLS that trusts the lab CA and nothing else, the way
/// <c>register</c> connects (<see cref="LabTls"/>): the servers present certificates from the lab CA, which no
/// system store knows, and switching validation off would hide the very failure a lab user needs to see.
/// The CA is read when first needed (after <c>prepare</c> wrote it) and again whenever its file changes; one
/// instance serves every probe of its server, so the connection is reused.</summary>
internal sealed class LabCaHealthCheck(IWso2ServerResource server, string caCertificatePath) : IHealthCheck
{
    private readonly Lock _lock = new();
    private (DateTime Written, LabTls Tls, HttpClient Client)? _current;

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!File.Exists(caCertificatePath))
            return HealthCheckResult.Unhealthy($"the lab CA {caCertificatePath} does not exist yet; prepare writes it.");

        var url = new Uri(new Uri(server.HttpsEndpoint.Url), server.HealthCheckPath);
        var (tls, client) = Connection(url);
        try
        {
            using var response = await client.GetAsync(url, cancellationToken).ConfigureAwait(false);
            return response.StatusCode == HttpStatusCode.OK
                ? HealthCheckResult.Healthy()
                : HealthCheckResult.Unhealthy($"GET {url} answered {(int)response.StatusCode}.");
        }
        catch (HttpRequestException e)
        {
            return HealthCheckResult.Unhealthy(tls.Refusal()?.Message ?? $"GET {url} failed: {e.Message}");
        }
    }

    private (LabTls, HttpClient) Connection(Uri url)
    {
        var written = File.GetLastWriteTimeUtc(caCertificatePath);
        lock (_lock)
        {
            if (_current is not { } current || current.Written != written)
            {
                _current?.Client.Dispose();
                var ca = X509Certificate2.CreateFromPem(File.ReadAllText(caCertificatePath));
                var tls = new LabTls(server.Name, new Uri(url.GetLeftPart(UriPartial.Authority)), ca, caCertificatePath);
                current = (written, tls, new HttpClient(tls.CreateHandler()) { Timeout = TimeSpan.FromSeconds(10) });
                _current = current;
            }

            return (current.Tls, current.Client);
        }
    }
}
