using System.Text;
using System.Net;
using System.Security.Authentication;
using System.Text.Json;
using KmLab.Provisioner.Apim;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Logging;
using Polly;
using Refit;

namespace KmLab.Provisioner.Wso2Rest;

/// <summary>HTTP to one WSO2 server: TLS pinned to the lab CA, transient failures (5xx, 408, 429, dropped
/// connections) retried with backoff by a resilience pipeline, and failures turned into one-line <see cref="LabException"/>s.</summary>
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

    /// <summary>A failed call to report; not the caller's own cancellation (an HTTP timeout, which also surfaces as a
    /// cancellation, is a failure).</summary>
    public static bool IsCallFailure(Exception e) =>
        e is not OperationCanceledException || e is TaskCanceledException { CancellationToken.IsCancellationRequested: false };

    /// <summary>True for a refused certificate: retrying cannot help.</summary>
    public static bool IsTlsRefusal(Exception e) =>
        e is HttpRequestException { InnerException: AuthenticationException } || e.InnerException is AuthenticationException;

    private static bool IsTransient(Outcome<HttpResponseMessage> outcome) => outcome.Exception switch
    {
        { } e when IsTlsRefusal(e) => false,
        HttpRequestException { HttpRequestError: HttpRequestError.NameResolutionError } => false,
        _ => HttpClientResiliencePredicates.IsTransient(outcome),
    };

    private static string Describe(Outcome<HttpResponseMessage> outcome) =>
        outcome.Result is { } response ? $"{(int)response.StatusCode} to {response.RequestMessage?.Method} {response.RequestMessage?.RequestUri?.AbsolutePath}"
        : outcome.Exception?.Message ?? "nothing";

    /// <summary>Turns a failed call into the one-line error the user sees. Known codes (401, 901400, 901401) get their own
    /// exit codes; the rest name the operation, the status and APIM's message.</summary>
    public LabException Failure(Exception e, string operation, Func<string, string> scrub)
    {
        if (e is LabException lab) return lab;
        if (Tls.Refusal() is { } refusal && IsTlsRefusal(e)) return refusal;

        if (e is ApiException api)
        {
            var error = ReadError(api);
            if (error?.Code == Wso2.ApimErrorCodes.KeyManagerTypeUnknown)
                return new LabException(ExitCodes.ConnectorMissing, ConnectorMissingMessage);
            if (error?.Code == Wso2.ApimErrorCodes.ConnectorConfigurationMissing)
                return new LabException(ExitCodes.ConnectorPropertyMissing,
                    $"{ServerName} refused the Key Manager because a required {Wso2.Is7Connector.Type} connector property is missing ({scrub(error.Description ?? error.Message ?? "")}); the property is named in APIM's server log (wso2carbon.log): add it to the connector facts in Core/Wso2/ApimEndpoints.cs.");
            if (api.StatusCode == HttpStatusCode.Unauthorized)
                return new LabException(ExitCodes.AuthenticationFailed,
                    $"{ServerName} refused the credentials at {operation} (401); set {LabTopology.AdminPasswordVariable} to the admin password the servers were started with.");

            var detail = error is null ? api.ReasonPhrase : $"{error.Code} {error.Message}{(string.IsNullOrEmpty(error.Description) ? "" : $" – {error.Description}")}";
            return new LabException(ExitCodes.ApiError,
                $"{ServerName} answered {(int)api.StatusCode} to {operation}: {scrub(detail ?? "")}; check {ServerName}'s log, fix the cause and re-run register.");
        }

        if (e is HttpRequestException or TaskCanceledException or Polly.Timeout.TimeoutRejectedException)
            return new LabException(ExitCodes.Unreachable,
                $"cannot reach {ServerName} at {Tls.BaseUrl} ({Reason(e)}); check the URL and that {ServerName} is running and reachable from here.");

        return new LabException(ExitCodes.Unexpected, $"{operation} at {ServerName} failed: {scrub(e.Message)}; re-run register, and report it if it persists.", e);
    }

    public const string ConnectorMissingMessage =
        "this APIM version has no WSO2-IS-7 connector; use 4.3.0 or later.";

    public static Error? ReadError(ApiException e)
    {
        try
        {
            return string.IsNullOrWhiteSpace(e.Content) ? null : JsonSerializer.Deserialize<Error>(e.Content, ApimJson.Options);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public static string Reason(Exception e) => e switch
    {
        HttpRequestException { HttpRequestError: HttpRequestError.NameResolutionError } => "host name not found",
        HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError } => "connection refused or dropped",
        HttpRequestException h => h.HttpRequestError.ToString(),
        TaskCanceledException or Polly.Timeout.TimeoutRejectedException => "timed out",
        _ => e.GetType().Name,
    };

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
