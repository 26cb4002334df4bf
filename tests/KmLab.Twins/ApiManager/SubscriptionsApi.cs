namespace KmLab.Twins.ApiManager;

// DevPortal REST API v3 subscriptions: an application subscribes to a published API with one of its tiers.
internal sealed partial class ApiManagerTwin
{
    private static readonly string[] SubscriptionScopes = [ApimFacts.ScopeSubscribe, ApimFacts.ScopeSubManage];

    private void MapSubscriptions(WebApplication app)
    {
        app.MapGet(ApimFacts.Subscriptions, ListSubscriptionsAsync);
        app.MapPost(ApimFacts.Subscriptions, SubscribeAsync);
    }

    /// <summary><c>GET /subscriptions?apiId=&amp;applicationId=</c>: one of the two is required.</summary>
    private async Task<IResult> ListSubscriptionsAsync(HttpRequest request, string? apiId, string? applicationId)
    {
        if ((await AuthorizeAsync(request, SubscriptionScopes)).Failure is { } failure) return failure;
        if (apiId is null && applicationId is null)
            return ApimRest.Error(StatusCodes.Status400BadRequest, 900400, "Bad Request", "Either applicationId or apiId should be available");
        lock (_gate)
        {
            var rows = _published.Subscriptions
                .Where(s => (apiId is null || s.ApiId == apiId) && (applicationId is null || s.ApplicationId == applicationId)).ToList();
            return ApimRest.Json(new SubscriptionList { Count = rows.Count, List = rows });
        }
    }

    /// <summary><c>POST /subscriptions</c>: 201; the API must be published (the DevPortal sees no other) and offer the
    /// tier; one subscription per application and API (409 for a second).</summary>
    private async Task<IResult> SubscribeAsync(HttpRequest request)
    {
        if ((await AuthorizeAsync(request, SubscriptionScopes)).Failure is { } failure) return failure;
        if (await Http.ReadJsonAsync<Subscription>(request) is not { } body || string.IsNullOrEmpty(body.ApiId) || string.IsNullOrEmpty(body.ApplicationId))
            return ApimRest.Error(StatusCodes.Status400BadRequest, 900400, "Bad Request", "applicationId, apiId and throttlingPolicy are required");
        lock (_gate)
        {
            if (FindApplication(body.ApplicationId) is not { } application) return ApplicationNotFound(body.ApplicationId);
            if (FindApi(body.ApiId) is not { Value.LifeCycleStatus: ApimFacts.PublishedState } api) return ApiNotFound(body.ApiId);
            if (!(api.Value.Policies ?? []).Contains(body.ThrottlingPolicy))
                return ApimRest.Error(StatusCodes.Status400BadRequest, 900400, "Bad Request",
                    $"Tier {body.ThrottlingPolicy} is not allowed for API {api.Value.Name}-{api.Value.Version}");
            if (_published.Subscriptions.Any(s => s.ApiId == body.ApiId && s.ApplicationId == body.ApplicationId))
                return ApimRest.Error(StatusCodes.Status409Conflict, 409, "Conflict",
                    $"Subscription already exists for API {api.Value.Name}-{api.Value.Version} and application {application.Value.Name}");
            var subscription = body with { SubscriptionId = Guid.NewGuid().ToString(), Status = ApimFacts.SubscriptionUnblocked };
            _published.Subscriptions.Add(subscription);
            SavePublished();
            _context.Log.Info(KeysLogger, $"Application {application.Value.Name} subscribed to API {api.Value.Name}:{api.Value.Version} with tier {body.ThrottlingPolicy}");
            return ApimRest.Json(subscription, StatusCodes.Status201Created);
        }
    }
}
