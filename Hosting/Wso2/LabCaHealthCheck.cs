using System.Net;
using Aspire.Hosting.ApplicationModel;
using KmLab.Lab;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Aspire.Hosting.Wso2;

/// <summary>GET on a WSO2 server's health path over TLS that trusts the lab CA and nothing else, the way
/// <c>register</c> connects (<see cref="LabTrust"/>, <see cref="LabTls"/>): the servers present certificates from the
/// lab CA, which no system store knows, and switching validation off would hide the very failure a lab user needs to
/// see. The CA is read when first needed (after <c>prepare</c> wrote it) and again whenever its file changes; one
/// instance serves every probe of its server, so the connection is reused.</summary>
internal sealed class LabCaHealthCheck(IWso2ServerResource server, Func<LabLayout> labLayout) : IHealthCheck
{
    private readonly Lock _lock = new();
    private (string Path, DateTime Written, LabTls Tls, HttpClient Client)? _current;

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var layout = labLayout();
        if (!File.Exists(layout.CaCertificate))
            return HealthCheckResult.Unhealthy($"the lab CA {layout.CaCertificate} does not exist yet; prepare writes it.");

        var url = new Uri(new Uri(server.HttpsEndpoint.Url), server.HealthCheckPath);
        LabTls tls;
        HttpClient client;
        try
        {
            (tls, client) = Connection(layout, url);
        }
        catch (LabException e)
        {
            return HealthCheckResult.Unhealthy(e.Message);
        }

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

    private (LabTls, HttpClient) Connection(LabLayout layout, Uri url)
    {
        var written = File.GetLastWriteTimeUtc(layout.CaCertificate);
        lock (_lock)
        {
            if (_current is not { } current || current.Written != written || current.Path != layout.CaCertificate)
            {
                _current?.Client.Dispose();
                // The certificates stay referenced by the LabTls; the trust itself is not disposed here.
                var tls = LabTrust.Read(layout).For(server.Name, new Uri(url.GetLeftPart(UriPartial.Authority)));
                current = (layout.CaCertificate, written, tls, new HttpClient(tls.CreateHandler()) { Timeout = TimeSpan.FromSeconds(10) });
                _current = current;
            }

            return (current.Tls, current.Client);
        }
    }
}
