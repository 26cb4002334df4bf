using System.Text;
using KmLab.Provisioner.Apim;
using Microsoft.Extensions.Http.Resilience;
using Polly;
using Refit;

namespace KmLab.Provisioner.Wso2Rest;

/// <summary>HTTP to one WSO2 server: TLS pinned to the lab CA, transient failures (5xx, 408, 429, dropped
/// connections) retried with backoff by a resilience pipeline; <see cref="Wso2Failures"/> reports what still fails.</summary>
internal sealed class Wso2Connection : IDisposable
{
    private readonly SocketsHttpHandler _transport;
    private readonly ILogger _logger;

    public Wso2Connection(LabTls tls, ILogger logger)
    {
        Tls = tls;
        _logger = logger;
        _transport = tls.CreateHandler();

        var retry = new ResiliencePipelineBuilder<HttpResponseMessage>()
            .AddRetry(new HttpRetryStrategyOptions
            {
                MaxRetryAttempts = 6,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromMilliseconds(200),
                MaxDelay = TimeSpan.FromSeconds(4),
                ShouldHandle = args => ValueTask.FromResult(IsTransient(args.Outcome)),
                OnRetry = args =>
                {
                    _logger.LogWarning("{Server} answered {Outcome}; retry {Attempt} in {Delay} ms",
                        tls.ServerName, Describe(args.Outcome), args.AttemptNumber + 1, (int)args.RetryDelay.TotalMilliseconds);
                    return ValueTask.CompletedTask;
                },
            })
            .Build();

        Http = new HttpClient(new ResilienceHandler(retry) { InnerHandler = _transport }, disposeHandler: true)
        {
            BaseAddress = tls.BaseUrl,
            Timeout = TimeSpan.FromSeconds(60),
        };
        Probe = new HttpClient(_transport, disposeHandler: false) { BaseAddress = tls.BaseUrl, Timeout = TimeSpan.FromSeconds(10) };
    }

    public LabTls Tls { get; }
    public string ServerName => Tls.ServerName;

    /// <summary>Retries transient failures; for the REST APIs.</summary>
    public HttpClient Http { get; }

    /// <summary>Single attempts; the readiness pipeline decides about retries.</summary>
    public HttpClient Probe { get; }

    public T Refit<T>(Func<Task<string>>? bearerToken = null) => RestService.For<T>(Http, new RefitSettings
    {
        ContentSerializer = new SystemTextJsonContentSerializer(ApimJson.Options),
        AuthorizationHeaderValueGetter = bearerToken is null ? null : (_, _) => new ValueTask<string>(bearerToken()),
        // Buffered bodies can be sent again by the retry pipeline.
        Buffered = true,
    });

    private static bool IsTransient(Outcome<HttpResponseMessage> outcome) => outcome.Exception switch
    {
        { } e when Wso2Failures.IsTlsRefusal(e) => false,
        HttpRequestException { HttpRequestError: HttpRequestError.NameResolutionError } => false,
        _ => HttpClientResiliencePredicates.IsTransient(outcome),
    };

    private static string Describe(Outcome<HttpResponseMessage> outcome) =>
        outcome.Result is { } response ? $"{(int)response.StatusCode} to {response.RequestMessage?.Method} {response.RequestMessage?.RequestUri?.AbsolutePath}"
        : outcome.Exception?.Message ?? "nothing";

    public void Dispose()
    {
        Http.Dispose();
        Probe.Dispose();
        _transport.Dispose();
    }

    /// <summary>An HTTP Basic authorization header value.</summary>
    public static string Basic(string user, string password) =>
        "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}"));
}
