using System.Text.Json.Serialization;

namespace KmLab.Twins.Wire;

/// <summary>Body of APIM's <c>POST /client-registration/v0.17/register</c>.</summary>
internal sealed record ClientRegistrationRequest
{
    public required string ClientName { get; init; }
    public required string Owner { get; init; }

    /// <summary>Space-separated, e.g. <c>client_credentials password refresh_token</c>.</summary>
    public required string GrantType { get; init; }
    public string? CallbackUrl { get; init; }
    public bool SaasApp { get; init; }
}

/// <summary>APIM's answer to client registration (200; the same clientName again returns the same client).</summary>
internal sealed record ClientRegistrationResponse
{
    public required string ClientId { get; init; }
    public required string ClientSecret { get; init; }
    public string? ClientName { get; init; }
    public string? CallBackURL { get; init; }
    public bool? IsSaasApplication { get; init; }
    public string? AppOwner { get; init; }
    public string? JsonString { get; init; }
    public string? JsonAppAttribute { get; init; }
    public string? TokenType { get; init; }

    /// <summary>Keeps the secret out of any log line that prints the response.</summary>
    public override string ToString() => $"client {ClientId} ({ClientName})";
}

/// <summary>An OAuth2 token response (RFC 6749 §5.1), from APIM's or IS's token endpoint.</summary>
internal sealed record TokenResponse
{
    [JsonPropertyName("access_token")] public required string AccessToken { get; init; }
    [JsonPropertyName("refresh_token")] public string? RefreshToken { get; init; }
    [JsonPropertyName("id_token")] public string? IdToken { get; init; }
    [JsonPropertyName("scope")] public string? Scope { get; init; }
    [JsonPropertyName("token_type")] public string? TokenType { get; init; }
    [JsonPropertyName("expires_in")] public long? ExpiresIn { get; init; }

    public override string ToString() => $"{TokenType} token, scope '{Scope}', expires in {ExpiresIn}s";
}

/// <summary>An OAuth2 error response (RFC 6749 §5.2).</summary>
internal sealed record OAuthError
{
    [JsonPropertyName("error")] public string? Error { get; init; }
    [JsonPropertyName("error_description")] public string? ErrorDescription { get; init; }
}
