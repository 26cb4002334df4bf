using System.Net;
using System.Security.Authentication;
using System.Text.Json;
using System.Text.Json.Nodes;
using KmLab.Provisioner.Apim;
using Refit;

namespace KmLab.Provisioner.Wso2Rest;

/// <summary>The one place a failed call to a WSO2 server becomes the one-line <see cref="LabException"/> the user sees:
/// what the server answered (APIM's <c>Error</c>, IS's SCIM error, a refused certificate, no answer) and which exit
/// code that is. <c>register</c> tells known answers apart by exit code (<see cref="ForRegister"/>); the later steps
/// report every failure with their own code and a fix (<see cref="ForStep"/>). Secrets are scrubbed from anything a
/// server sent back.</summary>
internal static class Wso2Failures
{
    public const string ConnectorMissingMessage =
        "this APIM version has no WSO2-IS-7 connector; use 4.3.0 or later.";

    /// <summary>A failed call to report; not the caller's own cancellation (an HTTP timeout, which also surfaces as a
    /// cancellation, is a failure).</summary>
    public static bool IsCallFailure(Exception e) =>
        e is not OperationCanceledException || e is TaskCanceledException { CancellationToken.IsCancellationRequested: false };

    /// <summary>A call failure not yet turned into a <see cref="LabException"/>.</summary>
    public static bool IsReportable(Exception e) => e is not LabException && IsCallFailure(e);

    /// <summary>True for a refused certificate: retrying cannot help.</summary>
    public static bool IsTlsRefusal(Exception e) =>
        e is HttpRequestException { InnerException: AuthenticationException } || e.InnerException is AuthenticationException;

    /// <summary><c>register</c>'s mapping. Known codes (401, 901400, 901401) get their own exit codes; the rest name the
    /// operation, the status and APIM's message.</summary>
    public static LabException ForRegister(Wso2Connection server, Exception e, string operation, Func<string, string> scrub)
    {
        if (e is LabException lab) return lab;
        if (server.Tls.Refusal() is { } refusal && IsTlsRefusal(e)) return refusal;

        if (e is ApiException api)
        {
            var error = ReadError(api);
            if (error?.Code == ApimErrorCodes.KeyManagerTypeUnknown)
                return new LabException(ExitCodes.ConnectorMissing, ConnectorMissingMessage);
            if (error?.Code == ApimErrorCodes.ConnectorConfigurationMissing)
                return new LabException(ExitCodes.ConnectorPropertyMissing,
                    $"{server.ServerName} refused the Key Manager because a required {Is7Connector.Type} connector property is missing ({scrub(error.Description ?? error.Message ?? "")}); the property is named in APIM's server log (wso2carbon.log): add it to the connector facts in Core/Wso2/ApimEndpoints.cs.");
            if (api.StatusCode == HttpStatusCode.Unauthorized)
                return new LabException(ExitCodes.AuthenticationFailed, CredentialsRefused(server, operation) + ".");

            var detail = error is null ? api.ReasonPhrase : $"{error.Code} {error.Message}{(string.IsNullOrEmpty(error.Description) ? "" : $" – {error.Description}")}";
            return new LabException(ExitCodes.ApiError,
                $"{server.ServerName} answered {(int)api.StatusCode} to {operation}: {scrub(detail ?? "")}; check {server.ServerName}'s log, fix the cause and re-run register.");
        }

        if (IsNoAnswer(e))
            return new LabException(ExitCodes.Unreachable, Unreachable(server, e) + " and reachable from here.");

        return new LabException(ExitCodes.Unexpected, $"{operation} at {server.ServerName} failed: {scrub(e.Message)}; re-run register, and report it if it persists.", e);
    }

    /// <summary>The later steps' mapping (smoke, roles, publish, demo): every failure is <paramref name="exitCode"/>,
    /// naming the server, the operation, what it answered and <paramref name="fix"/>.</summary>
    public static LabException ForStep(Wso2Connection server, Exception e, string operation, string fix, int exitCode, Secrets secrets)
    {
        if (server.Tls.Refusal() is { } refusal && IsTlsRefusal(e))
            return new LabException(exitCode, refusal.Message, e);
        var what = e switch
        {
            ApiException { StatusCode: HttpStatusCode.Unauthorized } => CredentialsRefused(server, operation),
            ApiException api when ScimDetail(api) is { } scim => $"{server.ServerName} answered {(int)api.StatusCode} to {operation}: {secrets.Scrub(scim)}; {fix}",
            ApiException api when ReadError(api) is { } error =>
                $"{server.ServerName} answered {(int)api.StatusCode} to {operation}: {error.Code} {secrets.Scrub(error.Description ?? error.Message ?? "")}; {fix}",
            ApiException api => $"{server.ServerName} answered {(int)api.StatusCode} to {operation}; {fix}",
            _ when IsNoAnswer(e) => Unreachable(server, e),
            _ => $"{operation} at {server.ServerName} failed: {secrets.Scrub(e.Message)}; {fix}",
        };
        return Line(exitCode, what, secrets, e);
    }

    /// <summary>A failure the caller found itself, as one line (scrubbed, ending with a period).</summary>
    public static LabException Line(int exitCode, string message, Secrets secrets, Exception? inner = null) =>
        new(exitCode, secrets.Scrub(message.EndsWith('.') ? message : message + "."), inner);

    private static string CredentialsRefused(Wso2Connection server, string operation) =>
        $"{server.ServerName} refused the credentials at {operation} (401); set {LabTopology.AdminPasswordVariable} to the admin password the servers were started with";

    private static bool IsNoAnswer(Exception e) => e is HttpRequestException or TaskCanceledException or Polly.Timeout.TimeoutRejectedException;

    private static string Unreachable(Wso2Connection server, Exception e) =>
        $"cannot reach {server.ServerName} at {server.Tls.BaseUrl} ({Reason(e)}); check the URL and that {server.ServerName} is running";

    /// <summary>Why no answer came, in a few words.</summary>
    public static string Reason(Exception e) => e switch
    {
        HttpRequestException { HttpRequestError: HttpRequestError.NameResolutionError } => "host name not found",
        HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError } => "connection refused or dropped",
        HttpRequestException h => h.HttpRequestError.ToString(),
        TaskCanceledException or Polly.Timeout.TimeoutRejectedException => "timed out",
        _ => e.GetType().Name,
    };

    /// <summary>APIM's <c>Error</c> body of a failed call, or null.</summary>
    public static Error? ReadError(ApiException e) =>
        string.IsNullOrWhiteSpace(e.Content) ? null : ReadJson(() => JsonSerializer.Deserialize<Error>(e.Content, ApimJson.Options));

    /// <summary>The <c>code</c> of an APIM error body (the gateway's too), or null.</summary>
    public static long? ErrorCode(string body) => ReadJson(() => JsonSerializer.Deserialize<Error>(body, ApimJson.Options))?.Code;

    /// <summary>A SCIM error's <c>detail</c> (IS's SCIM2 endpoints answer SCIM error documents, not APIM's).</summary>
    public static string? ScimDetail(ApiException e) =>
        e.Content is { Length: > 0 } text ? ReadJson(() => JsonNode.Parse(text) is JsonObject o ? (string?)o["detail"] : null) : null;

    private static T? ReadJson<T>(Func<T?> read) where T : class
    {
        try
        {
            return read();
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
