using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;

namespace KmLab.Testing;

public sealed partial class KmLabEndToEnd
{
    /// <summary>The lab <paramref name="labName"/> of a started <see cref="DistributedApplication"/> (e.g. from
    /// Aspire.Hosting.Testing), once its <c>register</c> step has finished: its state folder and admin password come
    /// from the lab resource, so the test sets neither.</summary>
    /// <param name="app">The started application.</param>
    /// <param name="labName">The name given to <c>AddKmLab</c>.</param>
    /// <param name="cancellationToken">Cancels the wait for <c>register</c>.</param>
    /// <exception cref="KmLabTestException">No such lab, or <c>register</c> (or a step before it) failed.</exception>
    public static async Task<KmLabEndToEnd> FromAsync(DistributedApplication app, string labName = "kmlab", CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(app);
        var model = app.Services.GetRequiredService<DistributedApplicationModel>();
        var lab = model.Resources.OfType<KmLabResource>().FirstOrDefault(r => r.Name == labName)
            ?? throw new KmLabTestException($"the application has no KmLab named '{labName}' (AddKmLab(\"{labName}\")); pass the name the AppHost uses.");

        await WaitForSuccessAsync(app, lab.Register, "its console log names the problem (and prepare's, is7's and apim's, if it never ran)",
            cancellationToken).ConfigureAwait(false);

        var password = await lab.AdminPassword.GetValueAsync(cancellationToken).ConfigureAwait(false) ?? "";
        var endToEnd = Open(lab.Layout.Root, password);
        endToEnd._app = app;
        return endToEnd;
    }

    private DistributedApplication? _app;

    /// <summary>With the application at hand, waits until the API's publish step has ended (its files in the state
    /// folder may be an earlier run's until then) and refuses a failed one.</summary>
    private async Task WaitForPublishAsync(string name, CancellationToken cancellationToken)
    {
        if (_app is null) return;
        var model = _app.Services.GetRequiredService<DistributedApplicationModel>();
        var api = model.Resources.OfType<KmLabGatewayApiResource>().FirstOrDefault(r => r.Name == name)
            ?? throw new KmLabTestException($"the application has no gateway API named '{name}' (AddGatewayApi(\"{name}\", ...)); pass the name the AppHost uses.");
        await WaitForSuccessAsync(_app, api.PublishStep, "its console log names the problem", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Waits until a one-shot step has ended and refuses any end but exit code 0.</summary>
    private static async Task WaitForSuccessAsync(DistributedApplication app, IResource step, string whereToLook, CancellationToken cancellationToken)
    {
        // A one-shot step ends Finished (Aspire 13.6 labels a failure Finished too, with its exit code) or FailedToStart.
        var ended = await app.ResourceNotifications.WaitForResourceAsync(step.Name,
            e => e.Snapshot.State?.Text is { } state && KnownResourceStates.TerminalStates.Contains(state), cancellationToken).ConfigureAwait(false);
        if (ended.Snapshot.ExitCode is not 0)
            throw new KmLabTestException($"the lab's {step.Name} step ended {ended.Snapshot.State?.Text} with exit code {ended.Snapshot.ExitCode?.ToString() ?? "none"}; {whereToLook}.");
    }
}
