using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;

namespace KmLab.Hosting;

/// <summary>The lab resource's own state: Running once register has finished with exit code 0 (the lab is usable),
/// the end state of register otherwise; so a resource that <c>WaitFor</c>s the lab starts when the lab is usable.</summary>
internal static class LabState
{
    public static void Track(IResourceBuilder<KmLabResource> lab) =>
        lab.OnInitializeResource(async (resource, e, ct) =>
        {
            await e.Notifications.PublishUpdateAsync(resource, s => s with
            {
                State = KnownResourceStates.Waiting,
                StartTimeStamp = DateTime.UtcNow,
            }).ConfigureAwait(false);

            // Every run of register (the first, and each Re-register) sets the lab's state again.
            await foreach (var update in e.Notifications.WatchAsync(ct).ConfigureAwait(false))
            {
                if (update.Resource != resource.Register || update.Snapshot.State?.Text is not { } state
                    || !KnownResourceStates.TerminalStates.Contains(state))
                    continue;
                var usable = update.Snapshot.ExitCode == 0;
                await e.Notifications.PublishUpdateAsync(resource, s => s with
                {
                    State = usable
                        ? new ResourceStateSnapshot(KnownResourceStates.Running, KnownResourceStateStyles.Success)
                        : new ResourceStateSnapshot("Register failed", KnownResourceStateStyles.Error),
                }).ConfigureAwait(false);
            }
        });
}
