namespace KmLab.Testing;

/// <summary>An API the lab published on the gateway (<c>&lt;state&gt;/apis/&lt;name&gt;.json</c>, written by the
/// provisioner's <c>publish</c> step).</summary>
/// <param name="Name">The API's name in APIM.</param>
/// <param name="Url">Where the gateway serves it: <c>https://localhost:8243/&lt;context&gt;/&lt;version&gt;</c>.</param>
/// <param name="Context">The API's context, e.g. <c>/orders</c>.</param>
/// <param name="Version">The API's version, e.g. <c>1.0.0</c>.</param>
/// <param name="Application">The lab application subscribed to it.</param>
/// <param name="ConsumerKey">That application's consumer key (its client id in IS).</param>
public sealed record GatewayApi(string Name, Uri Url, string Context, string Version, string Application, string ConsumerKey)
{
    /// <summary>The gateway URL of one resource of the API, e.g. <c>Resource("/42")</c>.</summary>
    public Uri Resource(string path) => new(Url.AbsoluteUri.TrimEnd('/') + "/" + path.TrimStart('/'));
}

/// <summary>A lab application's OAuth2 client in IS (<c>&lt;state&gt;/applications/&lt;name&gt;.json</c>). Its
/// <see cref="ToString"/> leaves the secret out.</summary>
public sealed record LabApplication(string Name, string ConsumerKey, string ConsumerSecret)
{
    /// <inheritdoc />
    public override string ToString() => $"application {Name} (consumer key {ConsumerKey})";
}

/// <summary>An access token issued by IS. Its <see cref="ToString"/> leaves the token out.</summary>
/// <param name="AccessToken">The token to send as <c>Authorization: Bearer</c>.</param>
/// <param name="Scope">The scopes IS granted, space-separated.</param>
/// <param name="ExpiresIn">Seconds until it expires.</param>
public sealed record LabToken(string AccessToken, string Scope, long ExpiresIn)
{
    /// <summary>Whether IS granted <paramref name="scope"/>.</summary>
    public bool HasScope(string scope) => Scope.Split(' ', StringSplitOptions.RemoveEmptyEntries).Contains(scope);

    /// <inheritdoc />
    public override string ToString() => $"token with scope '{Scope}', expires in {ExpiresIn}s";
}

/// <summary>A user in IS's primary user store. Its <see cref="ToString"/> leaves the password out.</summary>
public sealed record LabUser(string Id, string UserName, string Password)
{
    /// <inheritdoc />
    public override string ToString() => $"IS user {UserName} (id {Id})";
}
