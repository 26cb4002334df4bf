using System.Text;
using Microsoft.AspNetCore.Http;

namespace KmLab.Twins.Hosting;

/// <summary>One request a twin received, as tests want to assert on it. The Authorization header is kept as its
/// scheme only; the body is verbatim.</summary>
public sealed record CapturedRequest(
    string Method, string Path, string Query, string? ContentType, string Body, string? AuthorizationScheme, int LocalPort);

/// <summary>Records every request before it is handled.</summary>
internal sealed class RequestCapture
{
    private readonly List<CapturedRequest> _requests = [];

    public IReadOnlyList<CapturedRequest> Requests { get { lock (_requests) return [.. _requests]; } }

    public void Clear() { lock (_requests) _requests.Clear(); }

    public async Task InvokeAsync(HttpContext context, Func<Task> next)
    {
        var request = context.Request;
        request.EnableBuffering();
        using var reader = new StreamReader(request.Body, Encoding.UTF8, leaveOpen: true);
        var body = await reader.ReadToEndAsync(context.RequestAborted);
        request.Body.Position = 0;
        var authorization = request.Headers.Authorization.ToString();
        lock (_requests)
            _requests.Add(new CapturedRequest(request.Method, request.Path.Value ?? "", request.QueryString.Value ?? "",
                request.ContentType, body, authorization.Length == 0 ? null : authorization.Split(' ')[0],
                context.Connection.LocalPort));
        await next();
    }
}
