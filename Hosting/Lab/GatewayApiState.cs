using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;

namespace KmLab.Hosting;

/// <summary>A gateway API's state follows its publish step: Running with the gateway URL as its link once publish
/// has finished with exit code 0, the step's end otherwise.</summary>
internal static class GatewayApiState
{
    public static void Track(IResourceBuilder<KmLabGatewayApiResource> api) =>
        api.OnInitializeResource(async (resource, e, ct) =>
        {
            await e.Notifications.PublishUpdateAsync(resource, s => s with { State = KnownResourceStates.Waiting }).ConfigureAwait(false);
            await foreach (var update in e.Notifications.WatchAsync(ct).ConfigureAwait(false))
            {
                if (update.Resource != resource.PublishStep || update.Snapshot.State?.Text is not { } state
                    || !KnownResourceStates.TerminalStates.Contains(state))
                    continue;
                if (update.Snapshot.ExitCode == 0)
                {
                    var url = resource.ReadGatewayUrl();
                    var apiId = resource.ReadApiId();
                    var apim = resource.Lab.ApiManager.HttpsEndpoint.Url;
                    await e.Notifications.PublishUpdateAsync(resource, s => s with
                    {
                        State = new ResourceStateSnapshot(KnownResourceStates.Running, KnownResourceStateStyles.Success),
                        Urls =
                        [
                            new UrlSnapshot("Gateway", url, IsInternal: false),
                            new UrlSnapshot("In the Publisher", $"{apim}/publisher/apis/{apiId}/overview", IsInternal: false),
                            new UrlSnapshot("In the DevPortal", $"{apim}/devportal/apis/{apiId}/overview", IsInternal: false),
                        ],
                    }).ConfigureAwait(false);
                }
                else
                {
                    await e.Notifications.PublishUpdateAsync(resource, s => s with
                    {
                        State = new ResourceStateSnapshot("Publish failed", KnownResourceStateStyles.Error),
                    }).ConfigureAwait(false);
                }
            }
        });
}
