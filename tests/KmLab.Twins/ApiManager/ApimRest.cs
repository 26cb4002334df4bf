namespace KmLab.Twins.ApiManager;

/// <summary>Answers of APIM's REST APIs (Admin, Publisher, DevPortal), written as their Jackson provider writes them
/// (<see cref="WireJson.Rest"/>); the gateway and APIM's own OAuth2/DCR endpoints answer through <see cref="Http"/>.</summary>
internal static class ApimRest
{
    public static IResult Json<T>(T value, int status = StatusCodes.Status200OK) => Results.Json(value, WireJson.Rest, statusCode: status);

    /// <summary>The REST layer's <c>ErrorDTO</c> (RestApiUtil.getErrorDTO): <c>moreInfo</c> empty, <c>error</c> the
    /// DTO's empty list.</summary>
    public static IResult Error(int status, long code, string message, string? description = null) =>
        Json(new Error { Code = code, Message = message, Description = description ?? message, MoreInfo = "", Errors = [] }, status);

    /// <summary>An ExceptionCodes entry as the REST layer answers it (GlobalThrowableMapper → RestApiUtil.getErrorDTO).</summary>
    public static IResult Error(WireError error) => Error(error.Status, error.Code, error.Message, error.Description);
}
