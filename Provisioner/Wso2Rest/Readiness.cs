using System.Net;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace KmLab.Provisioner.Wso2Rest;

/// <summary>Waits until a server's health endpoint answers 200: retries with capped exponential backoff inside an
/// overall timeout (a resilience pipeline). A refused certificate stops the wait at once.</summary>
internal static class Readiness
{
    private sealed record Probe(bool Ready, string Detail, bool Answered);

    public static async Task WaitAsync(Wso2Connection server, string healthPath, TimeSpan timeout, ILogger logger, CancellationToken ct)
    {
        var last = new Probe(false, "no answer yet", false);
        var pipeline = new ResiliencePipelineBuilder<Probe>()
            .AddTimeout(timeout)
            .AddRetry(new RetryStrategyOptions<Probe>
            {
                MaxRetryAttempts = int.MaxValue,
                BackoffType = DelayBackoffType.Exponential,
                Delay = TimeSpan.FromMilliseconds(100),
                MaxDelay = TimeSpan.FromSeconds(3),
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Result is { Ready: false }),
                OnRetry = args =>
                {
                    if (args.AttemptNumber % 10 == 0)
                        logger.LogInformation("Waiting for {Server} at {Url}: {Detail}", server.ServerName, server.Tls.BaseUrl, last.Detail);
                    return ValueTask.CompletedTask;
                },
            })
            .Build();

        try
        {
            await pipeline.ExecuteAsync(async token =>
            {
                last = await ProbeAsync(server, healthPath, token);
                return last;
            }, ct);
        }
        catch (TimeoutRejectedException)
        {
            throw last.Answered
                ? new LabException(ExitCodes.NotReady,
                    $"{server.ServerName} at {server.Tls.BaseUrl} did not become ready within {timeout.TotalSeconds:0} s (last: {last.Detail}); check {server.ServerName}'s log for startup errors, then re-run register.")
                : new LabException(ExitCodes.Unreachable,
                    $"cannot reach {server.ServerName} at {server.Tls.BaseUrl} within {timeout.TotalSeconds:0} s (last: {last.Detail}); check the URL and that {server.ServerName} is running and reachable from here.");
        }

        logger.LogInformation("{Server} is ready at {Url}", server.ServerName, server.Tls.BaseUrl);
    }

    private static async Task<Probe> ProbeAsync(Wso2Connection server, string healthPath, CancellationToken ct)
    {
        try
        {
            using var response = await server.Probe.GetAsync(healthPath, ct);
            return new Probe(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode} from {healthPath}", true);
        }
        catch (HttpRequestException e) when (Wso2Failures.IsTlsRefusal(e))
        {
            throw server.Tls.Refusal() ?? new LabException(ExitCodes.UntrustedCertificate,
                $"TLS to {server.ServerName} at {server.Tls.BaseUrl} failed ({e.InnerException?.Message}); run prepare with this --state and restart {server.ServerName}.");
        }
        catch (HttpRequestException e) when (e.HttpRequestError == HttpRequestError.NameResolutionError)
        {
            throw new LabException(ExitCodes.Unreachable,
                $"cannot reach {server.ServerName} at {server.Tls.BaseUrl} (host name not found); check the URL.");
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            return new Probe(false, Wso2Failures.Reason(e), false);
        }
    }
}
