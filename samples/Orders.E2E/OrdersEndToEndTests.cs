using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using KmLab.Testing;

namespace Orders.E2E;

/// <summary>The orders service with tokens from IS: called directly (it validates the token itself) and through APIM's
/// gateway (which validates it first and passes it on).</summary>
public sealed class OrdersEndToEndTests(OrdersLab lab) : IClassFixture<OrdersLab>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_public_catalogue_needs_no_token_directly()
    {
        using var direct = new HttpClient { BaseAddress = lab.Direct };

        using var response = await direct.GetAsync("/catalogue", Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("grinder", await response.Content.ReadFromJsonAsync<string[]>(Ct) ?? []);
    }

    [Fact]
    public async Task The_public_catalogue_needs_no_token_through_the_gateway_while_an_order_still_does()
    {
        using var gateway = lab.Lab.CreateGatewayClient();

        using var catalogue = await gateway.GetAsync(lab.Api.Resource("/catalogue"), Ct);
        using var order = await gateway.GetAsync(lab.Api.Resource("/42"), Ct);

        // The AppHost declares GET /catalogue public (WithPublicOperation): APIM serves it without a token.
        Assert.Equal(HttpStatusCode.OK, catalogue.StatusCode);
        Assert.Equal(["espresso beans", "filter papers", "grinder"], await catalogue.Content.ReadFromJsonAsync<string[]>(Ct) ?? []);
        Assert.Equal(HttpStatusCode.Unauthorized, order.StatusCode);
    }

    [Fact]
    public async Task Without_a_token_an_order_is_401_directly_and_through_the_gateway()
    {
        using var direct = new HttpClient { BaseAddress = lab.Direct };
        using var gateway = lab.Lab.CreateGatewayClient();

        using var fromService = await direct.GetAsync("/42", Ct);
        using var fromGateway = await gateway.GetAsync(lab.Api.Resource("/42"), Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, fromService.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, fromGateway.StatusCode);
    }

    // <readme:e2e-test>
    [Fact]
    public async Task A_client_credentials_token_from_IS_gets_the_order_directly_and_through_the_gateway()
    {
        var token = await lab.Lab.GetClientCredentialsTokenAsync(lab.Api.Application, cancellationToken: Ct);
        using var direct = new HttpClient { BaseAddress = lab.Direct };
        using var gateway = lab.Lab.CreateGatewayClient();

        var fromService = await GetOrderAsync(direct, new Uri(lab.Direct, "/42"), token);
        var fromGateway = await GetOrderAsync(gateway, lab.Api.Resource("/42"), token);

        // The service saw the token's azp, the lab application's consumer key, both ways.
        Assert.Equal(new Order(42, "grinder", 1, lab.Api.ConsumerKey), fromService);
        Assert.Equal(fromService, fromGateway);
    }
    // </readme:e2e-test>

    [Fact]
    public async Task A_new_IS_users_password_grant_token_gets_the_order_through_the_gateway()
    {
        var user = await lab.Lab.CreateUserAsync(cancellationToken: Ct);
        var token = await lab.Lab.GetPasswordTokenAsync(user, lab.Api.Application, cancellationToken: Ct);
        using var gateway = lab.Lab.CreateGatewayClient();

        var order = await GetOrderAsync(gateway, lab.Api.Resource("/1"), token);

        Assert.Equal(new Order(1, "espresso beans", 2, lab.Api.ConsumerKey), order);
        Assert.Contains("openid", token.Scope.Split(' '));
    }

    [Fact]
    public async Task A_token_with_a_forged_signature_is_401_at_the_service()
    {
        var token = await lab.Lab.GetClientCredentialsTokenAsync(lab.Api.Application, cancellationToken: Ct);
        var parts = token.AccessToken.Split('.');
        var forged = $"{parts[0]}.{parts[1]}.{new string('A', parts[2].Length)}";
        using var direct = new HttpClient { BaseAddress = lab.Direct };
        using var request = new HttpRequestMessage(HttpMethod.Get, "/42");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", forged);

        using var response = await direct.SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    private static async Task<Order?> GetOrderAsync(HttpClient client, Uri url, LabToken token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token.AccessToken);
        using var response = await client.SendAsync(request, Ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {url}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(Ct)}");
        return await response.Content.ReadFromJsonAsync<Order>(Ct);
    }

    private sealed record Order(int Id, string Item, int Quantity, string? Caller);
}
