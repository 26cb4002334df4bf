using System.Net;
using System.Text.Json.Nodes;
using Refit;

namespace KmLab.Provisioner.Wso2Rest;

/// <summary>How the steps after <c>register</c> (smoke, roles, publish, demo) call APIM and IS: a failed call becomes
/// one line naming the server, the operation, what it answered and the fix, with the command's own exit code; the
/// run's secrets are scrubbed from anything a server sent back.</summary>
internal sealed class Wso2Calls(int exitCode, Secrets secrets)
{
    public Secrets Secrets => secrets;
    public int ExitCode => exitCode;

    public async Task<T> CallAsync<T>(Wso2Connection server, string operation, string fix, Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (Exception e) when (e is not LabException && Wso2Connection.IsCallFailure(e))
        {
            throw Failure(server, e, operation, fix);
        }
    }

    public Task CallAsync(Wso2Connection server, string operation, string fix, Func<Task> call) =>
        CallAsync(server, operation, fix, async () =>
        {
            await call();
            return true;
        });

    public LabException Failure(Wso2Connection server, Exception e, string operation, string fix)
    {
        if (server.Tls.Refusal() is { } refusal && Wso2Connection.IsTlsRefusal(e))
            return new LabException(exitCode, refusal.Message, e);
        var what = e switch
        {
            ApiException { StatusCode: HttpStatusCode.Unauthorized } =>
                $"{server.ServerName} refused the credentials at {operation} (401); set {LabTopology.AdminPasswordVariable} to the admin password the servers were started with",
            ApiException api when ScimDetail(api) is { } scim => $"{server.ServerName} answered {(int)api.StatusCode} to {operation}: {secrets.Scrub(scim)}; {fix}",
            ApiException api when Wso2Connection.ReadError(api) is { } error =>
                $"{server.ServerName} answered {(int)api.StatusCode} to {operation}: {error.Code} {secrets.Scrub(error.Description ?? error.Message ?? "")}; {fix}",
            ApiException api => $"{server.ServerName} answered {(int)api.StatusCode} to {operation}; {fix}",
            HttpRequestException or TaskCanceledException or Polly.Timeout.TimeoutRejectedException =>
                $"cannot reach {server.ServerName} at {server.Tls.BaseUrl} ({Wso2Connection.Reason(e)}); check the URL and that {server.ServerName} is running",
            _ => $"{operation} at {server.ServerName} failed: {secrets.Scrub(e.Message)}; {fix}",
        };
        return Failed(what, e);
    }

    public LabException Failed(string message, Exception? inner = null) => Failed(exitCode, message, inner);

    public LabException Failed(int code, string message, Exception? inner = null) =>
        new(code, secrets.Scrub(message.EndsWith('.') ? message : message + "."), inner);

    /// <summary>A SCIM error's <c>detail</c> (IS's SCIM2 endpoints answer SCIM error documents, not APIM's).</summary>
    public static string? ScimDetail(ApiException e)
    {
        try
        {
            return e.Content is { Length: > 0 } text && JsonNode.Parse(text) is JsonObject o && (string?)o["detail"] is { } detail ? detail : null;
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }

    /// <summary>The <c>code</c> of an APIM error body (the gateway's too), or null.</summary>
    public static long? ErrorCode(string body)
    {
        try
        {
            return System.Text.Json.JsonSerializer.Deserialize<Apim.Error>(body, Apim.ApimJson.Options)?.Code;
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }
}
