namespace KmLab.Twins.Hosting;

/// <summary>Request and response details both twins share.</summary>
internal static class Http
{
    /// <summary>The user and password of a Basic Authorization header, or null.</summary>
    public static (string User, string Password)? Basic(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        if (!header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase)) return null;
        try
        {
            var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(header["Basic ".Length..].Trim()));
            var colon = decoded.IndexOf(':');
            return colon < 0 ? null : (decoded[..colon], decoded[(colon + 1)..]);
        }
        catch (FormatException)
        {
            return null;
        }
    }

    public static string? Bearer(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        return header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header["Bearer ".Length..].Trim() : null;
    }

    /// <summary>An error body of the specs' <c>Error</c> shape, nulls left out: the gateway's and APIM's DCR endpoint's
    /// (APIM's REST APIs answer through <c>ApiManager/ApimRest</c>).</summary>
    public static IResult Error(int status, long code, string message, string? description = null) =>
        Results.Json(new Error { Code = code, Message = message, Description = description ?? message, MoreInfo = "" }, WireJson.Options, statusCode: status);

    /// <summary>An OAuth2 error (RFC 6749 §5.2).</summary>
    public static IResult OAuthError(int status, string error, string description) =>
        Results.Json(new OAuthError { Error = error, ErrorDescription = description }, statusCode: status);

    public static IResult Json<T>(T value, int status = StatusCodes.Status200OK) => Results.Json(value, WireJson.Options, statusCode: status);

    /// <summary>Reads a JSON body with the REST APIs' conventions; null when it is not valid JSON of that shape.</summary>
    public static async Task<T?> ReadJsonAsync<T>(HttpRequest request, JsonSerializerOptions? options = null) where T : class
    {
        try
        {
            return await JsonSerializer.DeserializeAsync<T>(request.Body, options ?? WireJson.Options, request.HttpContext.RequestAborted);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public static async Task<IFormCollection> ReadFormAsync(HttpRequest request) =>
        request.HasFormContentType ? await request.ReadFormAsync(request.HttpContext.RequestAborted) : FormCollection.Empty;
}
