using System.Text.Json.Serialization;

namespace KmLab.Twins.IdentityServer;

// IS 7's DCR (/api/identity/oauth2/dcr/v1.1/register) bodies. Only the twins speak this contract (APIM's IS 7
// connector → IS), so it lives here; register never calls IS's DCR itself.

internal sealed record DcrRequest
{
    [JsonPropertyName("client_name")] public string? ClientName { get; init; }
    [JsonPropertyName("grant_types")] public IReadOnlyList<string>? GrantTypes { get; init; }
    [JsonPropertyName("redirect_uris")] public IReadOnlyList<string>? RedirectUris { get; init; }

    /// <summary>APIM passes these when it maps an existing client instead of creating one.</summary>
    [JsonPropertyName("ext_param_client_id")] public string? ClientId { get; init; }
    [JsonPropertyName("ext_param_client_secret")] public string? ClientSecret { get; init; }
    [JsonPropertyName("ext_param_owner")] public string? Owner { get; init; }
}

internal sealed record DcrResponse
{
    [JsonPropertyName("client_id")] public required string ClientId { get; init; }
    [JsonPropertyName("client_secret")] public required string ClientSecret { get; init; }
    [JsonPropertyName("client_name")] public required string ClientName { get; init; }
    [JsonPropertyName("grant_types")] public IReadOnlyList<string> GrantTypes { get; init; } = [];
    [JsonPropertyName("redirect_uris")] public IReadOnlyList<string> RedirectUris { get; init; } = [];

    /// <summary>Keeps the secret out of any log line that prints the response.</summary>
    public override string ToString() => $"DCR client {ClientId} ({ClientName})";
}
