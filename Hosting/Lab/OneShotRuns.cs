using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;

namespace KmLab.Hosting;

/// <summary>Dashboard commands that run a resource again and report how that run ended.</summary>
internal static class OneShotRuns
{
    /// <summary>Starts a one-shot step again and waits until that run ends: success when it exits with 0.</summary>
    public static async Task<ExecuteCommandResult> RunAsync(ExecuteCommandContext context, IResource step)
    {
        var notifications = context.Services.GetRequiredService<ResourceNotificationService>();

        // This run's end: a terminal state of a run that started after the command did (the previous run's
        // "Finished", and the states a restart passes through, belong to other runs).
        var since = DateTime.UtcNow.AddSeconds(-1);
        var ended = notifications.WaitForResourceAsync(step.Name, e =>
            e.Snapshot.State?.Text is { } state && KnownResourceStates.TerminalStates.Contains(state)
            && e.Snapshot.StartTimeStamp?.ToUniversalTime() >= since
            && e.Snapshot.StopTimeStamp?.ToUniversalTime() >= e.Snapshot.StartTimeStamp?.ToUniversalTime(),
            context.CancellationToken);

        var started = await Execute(context, step, KnownResourceCommands.StartCommand).ConfigureAwait(false);
        if (!started.Success)
            return started;

        var end = await ended.ConfigureAwait(false);
        return end.Snapshot.ExitCode == 0
            ? CommandResults.Success($"{step.Name} finished.")
            : CommandResults.Failure($"{step.Name} ended {end.Snapshot.State?.Text} (exit code {end.Snapshot.ExitCode}); its console log names the problem and the fix.");
    }

    /// <summary>Restarts a server; its own health check tells when it is back.</summary>
    public static Task<ExecuteCommandResult> RestartAsync(ExecuteCommandContext context, IResource server) =>
        Execute(context, server, KnownResourceCommands.RestartCommand);

    private static Task<ExecuteCommandResult> Execute(ExecuteCommandContext context, IResource resource, string command) =>
        context.Services.GetRequiredService<ResourceCommandService>().ExecuteCommandAsync(resource, command, context.CancellationToken);
}
