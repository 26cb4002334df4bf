namespace KmLab.Twins.Hosting;

/// <summary>One request a twin received, as tests want to assert on it, with the answer the twin gave. The
/// Authorization header is kept as its scheme only; the bodies are verbatim.</summary>
public sealed record CapturedRequest(
    string Method, string Path, string Query, string? ContentType, string Body, string? AuthorizationScheme, int LocalPort)
{
    /// <summary>The answer's status code; null while the request is still being handled.</summary>
    public int? ResponseStatus { get; internal set; }
    public string? ResponseContentType { get; internal set; }
    public string ResponseBody { get; internal set; } = "";
}

/// <summary>Records every request before it is handled, and its answer after.</summary>
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
        var captured = new CapturedRequest(request.Method, request.Path.Value ?? "", request.QueryString.Value ?? "",
            request.ContentType, body, authorization.Length == 0 ? null : authorization.Split(' ')[0],
            context.Connection.LocalPort);
        lock (_requests)
            _requests.Add(captured);

        // The answer goes out as it is written (the copy only watches), so streamed answers stay streamed.
        var original = context.Response.Body;
        var copy = new MemoryStream();
        context.Response.Body = new TeeStream(original, copy);
        try
        {
            await next();
        }
        finally
        {
            // Bytes still held by the pipe over the copying stream go out before the server's own stream returns.
            try { await context.Response.BodyWriter.FlushAsync(context.RequestAborted); }
            catch (Exception e) when (e is OperationCanceledException or IOException or InvalidOperationException) { }
            context.Response.Body = original;
            captured.ResponseStatus = context.Response.StatusCode;
            captured.ResponseContentType = context.Response.ContentType;
            captured.ResponseBody = Encoding.UTF8.GetString(copy.GetBuffer(), 0, (int)copy.Length);
        }
    }

    /// <summary>Writes to the response and, up to a limit, to a copy.</summary>
    private sealed class TeeStream(Stream inner, MemoryStream copy) : Stream
    {
        private const int Limit = 4 << 20;

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() => inner.Flush();
        public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count)
        {
            Keep(buffer.AsSpan(offset, count));
            inner.Write(buffer, offset, count);
        }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Keep(buffer.Span);
            await inner.WriteAsync(buffer, cancellationToken);
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        private void Keep(ReadOnlySpan<byte> bytes)
        {
            if (copy.Length + bytes.Length <= Limit)
                copy.Write(bytes);
        }
    }
}
