namespace KmLab.Twins.ApiManager;

// The gateway serving what the Publisher deployed: the revision deployed to Default answers at {context}/{version},
// for a JWT the gateway accepts (as for the sample API), from a Key Manager the API allows, whose application
// (azp = consumer key) is subscribed; then GET is proxied to the backend, trusting only APIM's truststore.
internal sealed partial class ApiManagerTwin
{
    private const string GatewayDispatchLogger = "org.apache.synapse.rest.RESTRequestHandler";
    private const long ApiResourceNotFound = 900906;
    private const long BackendConnectionFailed = 101503;

    /// <summary>Lowest route priority: the routes mapped for fixed paths (e.g. the sample API) win.</summary>
    private void MapPublishedApis(WebApplication app) =>
        app.MapMethods("/{**path}", ["GET", "POST", "PUT", "DELETE", "PATCH"], PublishedApiAsync).DisableAntiforgery();

    private async Task<IResult> PublishedApiAsync(HttpRequest request)
    {
        if (request.HttpContext.Connection.LocalPort != _context.GatewayHttpsPort) return Results.NotFound();
        var path = request.Path.Value ?? "";
        if (DeployedFor(path) is not var (api, resource))
        {
            _context.Log.Warn(GatewayDispatchLogger, $"No matching API found to dispatch the request: {path}");
            return Http.Error(StatusCodes.Status404NotFound, 404, "Not Found", "The requested resource is not available.");
        }
        var method = request.Method;
        var operation = SelectOperation(api.Operations ?? [], method, resource);
        if (operation is null)
            return Http.Error(StatusCodes.Status404NotFound, ApiResourceNotFound, "No matching resource found for given API Request",
                $"No matching resource found in the API for the given request: {method} {resource}");
        // APIAuthenticationHandler (CAM-4.6 L501-507): a resource whose auth type is None is served without a token.
        // No authenticator runs for it, so none removes an Authorization header either.
        if (operation.AuthType == ApimFacts.AuthTypeNone)
            return await ProxyAsync(api, resource + request.QueryString.Value, request, request.Headers.Authorization.ToString(), request.HttpContext.RequestAborted);

        if (request.Headers[ApimFacts.InternalKeyHeader].ToString() is { Length: > 0 } internalKey)
        {
            if (ValidateInternalKey(internalKey, api) is { } rejected)
            {
                _context.Log.Error("org.wso2.carbon.apimgt.gateway.handlers.security.authenticator.InternalAPIKeyAuthenticator", rejected.Log);
                return GatewayDenied(ApimFacts.GatewayInvalidCredentials, ApimFacts.InvalidCredentialsMessage, rejected.Description);
            }
            return await ProxyAsync(api, resource + request.QueryString.Value, request, null, request.HttpContext.RequestAborted);
        }
        if (Http.Bearer(request) is not { } token)
            return GatewayDenied(900902, "Missing Credentials", "Make sure your API invocation call has a header: 'Authorization : Bearer ACCESS_TOKEN'");
        var (caller, reason) = await ValidateGatewayTokenAsync(token, request.HttpContext.RequestAborted);
        if (caller is not null && !KeyManagerAllowed(api, caller.Issuer))
        {
            reason = $"the Key Manager of issuer {caller.Issuer} is not allowed for API {api.Name}:{api.Version}";
            caller = null;
        }
        if (caller is null)
        {
            _context.Log.Error(GatewayLogger, $"API authentication failure for {path}: {reason}");
            return GatewayDenied(ApimFacts.GatewayInvalidCredentials, "Invalid Credentials", "Make sure you have provided the correct security credentials");
        }

        if (!Subscribed(api.Id!, caller.ConsumerKey))
        {
            _context.Log.Error(GatewayLogger, $"API subscription validation failed for {path}: consumer key {caller.ConsumerKey} has no subscription to {api.Name}:{api.Version}");
            return Http.Error(StatusCodes.Status403Forbidden, ApimFacts.GatewaySubscriptionMissing, "Resource forbidden ",
                ApimFacts.SubscriptionMissingDescription);
        }

        // DefaultKeyValidationHandler.validateScopes: any one of the operation's scopes is enough; a miss is 900910, 403.
        if (operation.Scopes is { Count: > 0 } needed && !needed.Any(caller.Scopes.Contains))
        {
            _context.Log.Error(GatewayLogger, $"Scope validation failed for {path}: the token has {string.Join(" ", caller.Scopes)}, the resource needs one of {string.Join(", ", needed)}");
            return Http.Error(StatusCodes.Status403Forbidden, ApimFacts.GatewayScopeMismatch, ApimRbacFacts.ScopeMismatchMessage,
                $"User is NOT authorized to access the Resource: {resource}. Scope validation failed.");
        }

        // OAuthAuthenticator (CAM-4.6 L201): the Authorization header is removed before the backend unless
        // [apim.oauth_config] enable_outbound_auth_header = true.
        var authorization = _context.Config.OutboundAuthHeader ? request.Headers.Authorization.ToString() : null;
        return await ProxyAsync(api, resource + request.QueryString.Value, request, authorization, request.HttpContext.RequestAborted);
    }

    /// <summary>InternalAPIKeyAuthenticator (CAM-4.6 L136-225): three parts, <c>token_type</c> InternalKey, the
    /// certificate under the header's kid (else <c>gateway_certificate_alias</c>) in the truststore verifies the
    /// signature (GatewayUtils.verifyTokenSignature L947-970), not expired, and the key is for this API. Null when
    /// accepted; otherwise 900901 with what the gateway logs.</summary>
    private (string Log, string Description)? ValidateInternalKey(string internalKey, Api api)
    {
        var invalid = (Log: "Invalid Internal Key.", Description: ApimFacts.InvalidCredentialsMessage);
        if (internalKey.Split('.').Length != 3) return ("Internal Key does not have the format {header}.{payload}.{signature} ", ApimFacts.InvalidCredentialsMessage);
        Microsoft.IdentityModel.JsonWebTokens.JsonWebToken jwt;
        try { jwt = new Microsoft.IdentityModel.JsonWebTokens.JsonWebToken(internalKey); }
        catch (ArgumentException) { return invalid; }
        if (!jwt.TryGetPayloadValue<string>("token_type", out var type) || type != ApimFacts.InternalKeyTokenType)
            return ("Invalid Internal Key token type.", ApimFacts.InvalidCredentialsMessage);
        var alias = string.IsNullOrEmpty(jwt.Kid) ? ApimFacts.GatewayCertificateAlias : jwt.Kid;
        if (_context.TrustStore.Certificate(alias) is not { } certificate)
            return ($"Couldn't find a public certificate to verify signature with alias {alias}", ApimFacts.SignatureVerificationFailed);
        var result = _jwtHandler.ValidateTokenAsync(internalKey, new Microsoft.IdentityModel.Tokens.TokenValidationParameters
        {
            ValidateIssuer = false, ValidateAudience = false, IssuerSigningKey = new Microsoft.IdentityModel.Tokens.X509SecurityKey(certificate),
            TryAllIssuerSigningKeys = true, ClockSkew = TimeSpan.FromSeconds(30),
        }).GetAwaiter().GetResult();
        if (!result.IsValid) return ($"Invalid Internal Key. {result.Exception?.GetType().Name}", ApimFacts.InvalidCredentialsMessage);
        if (!jwt.Audiences.Contains(api.Id)) return ("Internal Key is not for this API.", ApimFacts.InvalidCredentialsMessage);
        return null;
    }

    /// <summary>The deployed revision whose <c>{context}/{version}</c> starts <paramref name="path"/>, and the rest of the path.</summary>
    private (Api Api, string Resource)? DeployedFor(string path)
    {
        lock (_gate)
        {
            foreach (var stored in _published.Apis)
            {
                var deployment = stored.Deployments.FirstOrDefault(d => d.Name == ApimFacts.DefaultGatewayEnvironment);
                if (stored.Revisions.FirstOrDefault(r => r.Info.Id == deployment?.RevisionUuid)?.Snapshot is not { } api) continue;
                var basePath = $"{api.Context.TrimEnd('/')}/{api.Version}";
                if (path == basePath || path.StartsWith(basePath + "/", StringComparison.Ordinal))
                    return (api, path[basePath.Length..] is { Length: > 0 } rest ? rest : "/");
            }
        }
        return null;
    }

    /// <summary>The operation whose auth type and scopes apply (wso2/carbon-apimgt
    /// components/apimgt/org.wso2.carbon.apimgt.gateway/…/handlers/security/APIKeyValidator.java <c>findMatchingVerb</c>;
    /// wso2/wso2-synapse@11dca3a2:modules/core/src/main/java/org/apache/synapse/api/ApiUtils.java:56-62 for the order):
    /// among the operations of the verb, Synapse's dispatchers in their order, URL mappings then URI templates; a
    /// mapping's answer stands unless it is a wildcard (<c>…/*</c>), which a matching template then overrides. So
    /// <c>GET /catalogue</c> beside <c>GET /*</c> is chosen wherever it is listed, and <c>/{id}</c> beats <c>/*</c>.
    /// Null: no resource of the API matches (900906).</summary>
    private static ApiOperation? SelectOperation(IEnumerable<ApiOperation> operations, string method, string resource)
    {
        var path = resource.Split('?')[0];
        var acceptable = operations.Where(o => o.Verb is { } verb && verb.Equals(method, StringComparison.OrdinalIgnoreCase) && o.Target is not null).ToList();
        var mappings = acceptable.Where(o => !IsUriTemplate(o.Target!)).ToList();
        ApiOperation? selected = mappings.FirstOrDefault(o => UrlMappingExact(o.Target!, path));
        if (selected is null)
        {
            // wso2/wso2-synapse@283370c0:modules/core/src/main/java/org/apache/synapse/api/dispatch/URLMappingBasedDispatcher.java
            // findResource: the longest prefix; of equal lengths the first.
            var longest = 0;
            foreach (var mapping in mappings)
                if (UrlMappingPrefixLength(mapping.Target!, path) is var length && length > longest)
                    (selected, longest) = (mapping, length);
        }
        if (selected is not null && !selected.Target!.Contains("/*", StringComparison.Ordinal)) return selected;
        return acceptable.Where(o => IsUriTemplate(o.Target!)).FirstOrDefault(o => UriTemplateMatches(o.Target!, path)) ?? selected;
    }

    /// <summary>A target with a <c>{variable}</c> is a Synapse <c>uri-template</c> resource, any other a <c>url-mapping</c>.</summary>
    private static bool IsUriTemplate(string target) => target.Contains('{');

    /// <summary>wso2/wso2-synapse@134154be:modules/core/src/main/java/org/apache/synapse/api/dispatch/URLMappingHelper.java
    /// <c>isExactMatch</c>: a mapping without a trailing <c>/*</c>; trailing slashes do not count.</summary>
    private static bool UrlMappingExact(string target, string path)
    {
        if (target.EndsWith("/*", StringComparison.Ordinal)) return false;
        static string Trimmed(string p) => p.TrimEnd('/') is { Length: > 0 } t ? t : "/";
        return Trimmed(target) == Trimmed(path);
    }

    /// <summary>URLMappingHelper <c>getPrefixMatchingLength</c> (same file): for <c>/a/b/*</c> the number of its segments when the path
    /// starts with all of them, else 0; <c>/*</c> is 1 for every path.</summary>
    private static int UrlMappingPrefixLength(string target, string path)
    {
        if (!target.EndsWith("/*", StringComparison.Ordinal)) return 0;
        if (target == "/*") return 1;
        var wanted = target[1..^2].Split('/');
        var segments = path.Trim('/').Split('/');
        return segments.Length >= wanted.Length && wanted.Select((s, i) => s == segments[i]).All(same => same) ? wanted.Length : 0;
    }

    /// <summary>Synapse's URI templates: <c>{name}</c> matches one path segment.</summary>
    private static bool UriTemplateMatches(string target, string path)
    {
        var pattern = "^" + System.Text.RegularExpressions.Regex.Replace(System.Text.RegularExpressions.Regex.Escape(target), @"\\\{[^/]*?\}", "[^/]+") + "$";
        return System.Text.RegularExpressions.Regex.IsMatch(path, pattern);
    }

    private bool KeyManagerAllowed(Api api, string issuer)
    {
        var allowed = api.KeyManagers ?? ["all"];
        if (allowed.Contains("all")) return true;
        lock (_gate)
            return _state.KeyManagers.Any(k => k.Value.Issuer == issuer && allowed.Contains(k.Value.Name));
    }

    /// <summary>The token's application (its consumer key is one of the application's keys) has an active subscription.</summary>
    private bool Subscribed(string apiId, string consumerKey)
    {
        lock (_gate)
        {
            var application = _state.Applications.FirstOrDefault(a => a.Keys.Any(k => k.ConsumerKey == consumerKey));
            return application is not null && _published.Subscriptions.Any(s => s.ApiId == apiId
                && s.ApplicationId == application.Value.ApplicationId && s.Status == ApimFacts.SubscriptionUnblocked);
        }
    }

    /// <summary>The request to <c>{production endpoint}{resource}</c> over TLS checked against APIM's truststore, with
    /// the caller's <paramref name="authorization"/> header when the gateway keeps it; the backend's status, content
    /// type and body go back as they are.</summary>
    private async Task<IResult> ProxyAsync(Api api, string resource, HttpRequest request, string? authorization, CancellationToken ct)
    {
        var answer = request.HttpContext.Response;
        var backend = (string?)api.EndpointConfig?["production_endpoints"]?["url"];
        if (backend is null)
            return Http.Error(StatusCodes.Status503ServiceUnavailable, BackendConnectionFailed, "Error connecting to the back end", $"API {api.Name} has no production endpoint");
        var url = backend.TrimEnd('/') + resource;
        try
        {
            using var message = new HttpRequestMessage(new HttpMethod(request.Method), url);
            if (request.Method is not ("GET" or "DELETE") && request.ContentLength is not 0)
            {
                message.Content = new StreamContent(request.Body);
                if (request.ContentType is { } type) message.Content.Headers.TryAddWithoutValidation("Content-Type", type);
            }
            if (authorization is { Length: > 0 }) message.Headers.TryAddWithoutValidation("Authorization", authorization);
            using var response = await _backends.SendAsync(message, ct);
            var body = await response.Content.ReadAsByteArrayAsync(ct);
            answer.StatusCode = (int)response.StatusCode;
            answer.ContentType = response.Content.Headers.ContentType?.ToString();
            await answer.Body.WriteAsync(body, ct);
            return Results.Empty;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            _context.Log.Warn("org.apache.synapse.transport.passthru.TargetHandler", $"Connection to the backend {url} failed: {e.GetBaseException().Message}");
            return Http.Error(StatusCodes.Status503ServiceUnavailable, BackendConnectionFailed, "Error connecting to the back end", "Error connecting to the back end");
        }
    }
}
