using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace KmLab.Lab;

/// <summary>TLS to one lab server, trusting the lab CA and nothing else (no system roots, never switched off).
/// Remembers why it refused a certificate, so the failure can name the server and the certificate.</summary>
/// <param name="trust">The lab CA; its issuing CA helps build the chain when a server sends only its own
/// certificate, and is never a trust anchor.</param>
public sealed class LabTls(string serverName, Uri baseUrl, LabTrust trust)
{
    private volatile string? _refusal;
    private volatile string? _presentedSubject;

    public string ServerName => serverName;

    /// <summary>The subject of the certificate this server presented last (trusted or not); null before any handshake.</summary>
    public string? PresentedSubject => _presentedSubject;
    public Uri BaseUrl => baseUrl;

    public SocketsHttpHandler CreateHandler() => new()
    {
        SslOptions = new SslClientAuthenticationOptions { RemoteCertificateValidationCallback = Validate },
        ConnectTimeout = TimeSpan.FromSeconds(10),
        PooledConnectionLifetime = TimeSpan.FromMinutes(2),
    };

    /// <summary>The refusal as a <see cref="LabException"/>, if this server's certificate was refused.</summary>
    public LabException? Refusal() => _refusal is { } reason
        ? new LabException(ExitCodes.UntrustedCertificate,
            $"{serverName} at {baseUrl} presented {reason}; run prepare with this --state and restart {serverName} so it serves a certificate from the lab CA at {trust.CaCertificate}.")
        : null;

    private bool Validate(object sender, X509Certificate? certificate, X509Chain? sent, SslPolicyErrors errors)
    {
        if (certificate is null)
        {
            _refusal = "no certificate";
            return false;
        }

        using var leaf = new X509Certificate2(certificate);
        _presentedSubject = leaf.Subject;
        using var chain = new X509Chain { ChainPolicy = trust.ChainPolicy() };
        // What the server sent along with its certificate helps build the chain; only the lab CA is trusted.
        if (sent is not null) chain.ChainPolicy.ExtraStore.AddRange(sent.ChainPolicy.ExtraStore);

        var problems = new List<string>();
        if (!chain.Build(leaf))
        {
            problems.AddRange(chain.ChainStatus.Select(s => s.Status switch
            {
                X509ChainStatusFlags.NotTimeValid => $"it is not valid now (valid {leaf.NotBefore.ToUniversalTime():u} to {leaf.NotAfter.ToUniversalTime():u})",
                X509ChainStatusFlags.UntrustedRoot or X509ChainStatusFlags.PartialChain => "the lab CA did not issue it",
                var other => other.ToString(),
            }).Distinct());
        }

        if (errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch))
            problems.Add($"it does not cover the host name '{baseUrl.Host}'");

        if (problems.Count == 0)
        {
            _refusal = null;
            return true;
        }

        _refusal = $"certificate '{leaf.Subject}' that cannot be trusted: {string.Join(", ", problems)}";
        return false;
    }
}
