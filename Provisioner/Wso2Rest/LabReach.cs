namespace KmLab.Provisioner.Wso2Rest;

/// <summary>What one <c>smoke</c> run needs.</summary>
/// <param name="StateDirectory">The state folder <c>prepare</c> wrote; its lab CA is the only trust anchor.</param>
/// <param name="ApimUrl">APIM's servlet base URL as this process reaches it, e.g. <c>https://localhost:9443</c>.</param>
/// <param name="GatewayUrl">APIM's gateway base URL as this process reaches it, e.g. <c>https://localhost:8243</c>.</param>
/// <param name="IsUrl">IS's base URL as this process reaches it (the token endpoint), e.g. <c>https://localhost:9444</c>.</param>
/// <param name="KeyManagerName">The Key Manager <c>register</c> created: the API accepts its tokens only.</param>
/// <param name="AdminUser">APIM's admin (Publisher and DevPortal REST APIs).</param>
/// <param name="AdminPassword">Never logged, never printed.</param>
public sealed record SmokeRequest(
    string StateDirectory,
    Uri ApimUrl,
    Uri GatewayUrl,
    Uri IsUrl,
    string KeyManagerName,
    string AdminUser,
    string AdminPassword)
{
    /// <summary>IS's base URL as APIM's gateway reaches it, for the API's backend (IS's health endpoint). Null: from the
    /// state folder's lab.json, <c>https://&lt;IS container name&gt;:&lt;9443 + offset&gt;</c>.</summary>
    public Uri? IsInternalUrl { get; init; }

    /// <summary>How long a new revision or subscription gets to reach the gateway (it arrives asynchronously).</summary>
    public TimeSpan GatewayTimeout { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>Keeps the password out of any log line that prints the request.</summary>
    public override string ToString() =>
        $"smoke with Key Manager '{KeyManagerName}' (APIM {ApimUrl}, gateway {GatewayUrl}, IS {IsUrl}, admin {AdminUser})";
}

/// <summary>What a smoke run did and saw.</summary>
/// <param name="ApiId">The sample API's id in APIM.</param>
/// <param name="ApiOutcome">created, updated or reused (one of <see cref="SmokeOutcomes"/>).</param>
/// <param name="CalledUrl">The gateway URL called.</param>
/// <param name="StatusCode">The gateway's answer (200 on success).</param>
/// <param name="Issuer">The <c>iss</c> of the token IS issued for the lab application.</param>
/// <param name="ConsumerKey">The lab application's consumer key (never its secret).</param>
/// <param name="ResponseBody">What the backend answered through the gateway.</param>
/// <param name="TokenCommand">A shell line that gets a token into <c>$TOKEN</c>; it reads the secret from <c>$CONSUMER_SECRET</c>.</param>
/// <param name="Curl">The <c>curl</c> that repeats the call with <c>$TOKEN</c>.</param>
public sealed record SmokeResult(
    string ApiId,
    string ApiOutcome,
    Uri CalledUrl,
    int StatusCode,
    string Issuer,
    string ConsumerKey,
    string ResponseBody,
    string TokenCommand,
    string Curl)
{
    /// <summary>The token the smoke called with and the client credentials it came from, for callers that go on
    /// (e.g. a test that revokes the token). Held in memory only; nothing prints or logs it.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public LabApplicationCredentials? Credentials { get; init; }
}

/// <summary>The lab application's client credentials and one access token from IS. Its <see cref="ToString"/> withholds
/// the secret and the token, so a record or log line that prints it leaks neither.</summary>
public sealed class LabApplicationCredentials(string consumerKey, string consumerSecret, string accessToken)
{
    public string ConsumerKey => consumerKey;
    public string ConsumerSecret => consumerSecret;
    public string AccessToken => accessToken;

    public override string ToString() => $"lab application {consumerKey} (secret and token withheld)";
}

public static class SmokeOutcomes
{
    public const string Created = "created";
    public const string Updated = "updated";
    public const string Reused = "reused";
}
