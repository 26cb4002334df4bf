using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace KmLab.Twins.IdentityServer;

// SCIM2 Users (/scim2/Users): POST (the password checked against IS's default password rules, the user name against
// the primary user store's pattern; a taken name is 409), GET with the filter "userName eq X", GET one. The users log in with the password grant.
internal sealed partial class IdentityServerTwin
{
    private sealed record IsUser(string Id, string UserName, string Password);

    private readonly ConcurrentDictionary<string, IsUser> _users = new();

    private void MapUsers(WebApplication app)
    {
        app.MapPost(IsRbacFacts.ScimUsers, CreateUserAsync);
        app.MapGet(IsRbacFacts.ScimUsers, ListUsersAsync);
        app.MapGet(IsRbacFacts.ScimUsers + "/{id}", GetUserAsync);
    }

    /// <summary>The password grant's user check for users other than the super admin.</summary>
    private bool AuthenticateUser(string userName, string password) =>
        _users.Values.FirstOrDefault(u => u.UserName == userName) is { } user
        && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(password), Encoding.UTF8.GetBytes(user.Password));

    private async Task<IResult> CreateUserAsync(HttpRequest request)
    {
        if (await CallerAsync(request) is null) return Results.Unauthorized();
        if (await Http.ReadJsonAsync<JsonObject>(request) is not { } body || (string?)body["userName"] is not { } userName)
            return ScimError(StatusCodes.Status400BadRequest, "userName is required.");
        var password = (string?)body["password"] ?? "";
        // The pre-add listeners run first: InputValidationListener checks IS's default password rules (a
        // PolicyViolationException: SCIM 400 invalidValue, the rule's description as detail) and then tells the user
        // store to skip its own PasswordJavaRegEx. The user name pattern follows (31301, "<code> - <message>").
        if (IsPasswordFacts.Refusal(password, _context.Options.Version) is { } refusal)
            return ScimError(StatusCodes.Status400BadRequest, refusal, IsRbacFacts.ScimInvalidValue);
        if (!Regex.IsMatch(userName, IsRbacFacts.UsernamePattern))
            return ScimError(StatusCodes.Status400BadRequest, $"{IsRbacFacts.InvalidUserNameCode} - Username {userName} is not valid. User name must be a non null string with following format, {IsRbacFacts.UsernamePattern}", IsRbacFacts.ScimInvalidValue);
        var user = new IsUser(Guid.NewGuid().ToString(), userName, password);
        lock (_users)
        {
            if (_users.Values.Any(u => u.UserName == userName) || userName == _context.Config.AdminUser)
                return ScimError(StatusCodes.Status409Conflict, $"User with the name: {userName} already exists in the system.");
            _users[user.Id] = user;
        }
        _context.Log.Info(IsRbacFacts.ScimUserLogger, $"User {userName} created (id {user.Id})");
        return Results.Json(Describe(user), contentType: IsRbacFacts.ScimContentType, statusCode: StatusCodes.Status201Created);
    }

    private async Task<IResult> ListUsersAsync(HttpRequest request, string? filter)
    {
        if (await CallerAsync(request) is null) return Results.Unauthorized();
        var wanted = EqFilterValue(filter, "userName");
        return ScimList([.. _users.Values.Where(u => wanted is null || u.UserName == wanted).Select(u => (JsonNode)Describe(u))]);
    }

    private async Task<IResult> GetUserAsync(HttpRequest request, string id)
    {
        if (await CallerAsync(request) is null) return Results.Unauthorized();
        return _users.TryGetValue(id, out var user)
            ? Results.Json(Describe(user), contentType: IsRbacFacts.ScimContentType)
            : ScimError(StatusCodes.Status404NotFound, $"Specified resource (e.g., User) or endpoint does not exist.");
    }

    private JsonObject Describe(IsUser user) => new()
    {
        ["schemas"] = new JsonArray(IsRbacFacts.ScimUserSchema),
        ["id"] = user.Id,
        ["userName"] = user.UserName,
        ["meta"] = new JsonObject { ["resourceType"] = "User", ["location"] = _context.AdvertisedBase + IsRbacFacts.ScimUsers + "/" + user.Id },
    };
}
