using System.Security.Claims;

var builder = WebApplication.CreateBuilder(args);

// JWT bearer authentication reads its settings from Authentication:Schemes:Bearer (Authority, ValidIssuer,
// ValidAudiences, ...), which the AppHost's WithKmLabResourceServer sets; the lab CA is trusted through
// SSL_CERT_DIR (and the CA file named by KmLab__CaCertificate), which it sets too. Nothing here knows IS's address or turns validation off.
// IS puts the calling application's client id into `aud`, not this API's name: an API that any lab application may
// call checks issuer and signature and leaves the audience unchecked unless the AppHost names applications
// (WithKmLabResourceServer(lab, clientIds)).
builder.Services.AddAuthentication().AddJwtBearer(options =>
    options.TokenValidationParameters.ValidateAudience = options.TokenValidationParameters.ValidAudiences?.Any() == true);
builder.Services.AddAuthorization();

var app = builder.Build();
app.UseAuthentication();
app.UseAuthorization();

// Public: anyone may read the catalogue.
app.MapGet("/catalogue", () => Orders.Catalogue);

// Protected: only a caller with a token IS issued (checked here, whether or not the gateway checked it first).
app.MapGet("/{id:int}", (int id, ClaimsPrincipal caller) =>
        Orders.Find(id) is { } order
            ? Results.Ok(order with { Caller = caller.FindFirstValue("azp") ?? caller.FindFirstValue(ClaimTypes.NameIdentifier) })
            : Results.NotFound())
    .RequireAuthorization();

app.MapGet("/health", () => "Healthy");

app.Run();

internal sealed record Order(int Id, string Item, int Quantity, string? Caller = null);

internal static class Orders
{
    public static readonly string[] Catalogue = ["espresso beans", "filter papers", "grinder"];

    private static readonly Order[] All = [new(1, "espresso beans", 2), new(2, "filter papers", 10), new(42, "grinder", 1)];

    public static Order? Find(int id) => All.FirstOrDefault(o => o.Id == id);
}
