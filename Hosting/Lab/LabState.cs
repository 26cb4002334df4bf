using System.Collections.Concurrent;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace KmLab.Hosting;

/// <summary>The lab resource's own state: Running once register has finished with exit code 0 (the lab is usable),
/// the end state of register otherwise; so a resource that <c>WaitFor</c>s the lab starts when the lab is usable.
/// It also keeps the lab's snapshots for the dashboard commands, which disable themselves while a step runs.</summary>
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

            IResource[] commandHolders = [resource.ApiManager, resource.Prepare];
            await foreach (var update in e.Notifications.WatchAsync(ct).ConfigureAwait(false))
            {
                // A command's UpdateState runs when its own resource publishes; when another resource of the lab changes
                // state or health, the command holders publish again (unchanged) so that their commands follow.
                if (resource.Snapshots.Record(update.Resource, update.Snapshot))
                    foreach (var holder in commandHolders.Where(h => h != update.Resource))
                        await e.Notifications.PublishUpdateAsync(holder, s => s).ConfigureAwait(false);

                // Every run of register (the first, and each Re-register) sets the lab's state again.
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

/// <summary>The last state and health the dashboard showed for each resource, and the rules the lab's commands
/// follow: a command is disabled while the step it runs is running, and before its servers are up.</summary>
internal sealed class LabSnapshots
{
    private readonly ConcurrentDictionary<IResource, (string? State, HealthStatus? Health)> _last = new();

    /// <summary>Records a snapshot; true when the resource's state or health changed.</summary>
    public bool Record(IResource resource, CustomResourceSnapshot snapshot)
    {
        var now = (snapshot.State?.Text, snapshot.HealthStatus);
        var before = _last.TryGetValue(resource, out var last) ? last : default;
        _last[resource] = now;
        return now != before;
    }

    /// <summary>Enabled when both servers run healthy and none of <paramref name="steps"/> is under way.</summary>
    public ResourceCommandState WhenServersUpAndIdle(KmLabResource lab, params IResource[] steps) =>
        Up(lab.IdentityServer) && Up(lab.ApiManager) && !steps.Any(Busy) ? ResourceCommandState.Enabled : ResourceCommandState.Disabled;

    /// <summary>Waiting, starting or running: a run of the step is under way.</summary>
    public static bool Busy(string? state) =>
        state == KnownResourceStates.Waiting || state == KnownResourceStates.Starting || state == KnownResourceStates.Running;

    private bool Busy(IResource step) => _last.TryGetValue(step, out var last) && Busy(last.State);

    private bool Up(IResource server) =>
        _last.TryGetValue(server, out var last) && last.State == KnownResourceStates.Running && last.Health == HealthStatus.Healthy;
}
