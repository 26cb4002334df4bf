using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;

namespace KmLab.Hosting;

/// <summary>The lab needs no developer certificate: its servers present certificates of the lab CA, and the default
/// profile serves the dashboard over http. Aspire 13.6 still raises a red "No trusted development certificate"
/// notification on the dashboard when any resource has an https endpoint and no developer certificate is trusted
/// (microsoft/aspire@59d405ff5a:src/Aspire.Hosting/Dcp/DcpHost.cs:133-179, ResourceUsesTls at 669). This drops that
/// one notification while the lab's servers are the only resources with https endpoints; with any other such
/// resource (a project that may use the certificate) Aspire's notification shows as before.</summary>
internal static class DevCertificateNotice
{
    /// <summary>Aspire's titles of the two notifications (microsoft/aspire@59d405ff5a:src/Aspire.Hosting/Resources/InteractionStrings.resx:193,199).</summary>
    internal static readonly IReadOnlySet<string> Titles = new HashSet<string>(StringComparer.Ordinal)
    {
        "No trusted development certificate",
        "Development certificate not fully trusted",
    };

    internal static void DropWhenOnlyLabServersUseTls(IDistributedApplicationBuilder builder)
    {
        // Aspire registers its interaction service once; the last registration of the interface is the one resolved.
        if (builder.Services.LastOrDefault(d => d.ServiceType == typeof(IInteractionService)) is not { } aspire)
            return;
        builder.Services.AddSingleton<IInteractionService>(services =>
        {
            var inner = Resolve(aspire, services);
            try
            {
                return Wrap(inner, () => OnlyLabServersUseTls(builder.Resources));
            }
            catch (TypeLoadException)
            {
                return inner; // an Aspire whose interface has members this build does not know: its own service, unchanged
            }
        });
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static IInteractionService Wrap(IInteractionService inner, Func<bool> labOnly) => new LabInteractionService(inner, labOnly);

    /// <summary>True when no resource but a lab server has an https endpoint or an HTTPS certificate callback.</summary>
#pragma warning disable ASPIRECERTIFICATES001 // the annotation Aspire's own check reads
    internal static bool OnlyLabServersUseTls(IEnumerable<IResource> resources) =>
        !resources.Where(r => r is not IWso2ServerResource).Any(r =>
            r.Annotations.OfType<EndpointAnnotation>().Any(e => e.UriScheme == "https")
            || r.Annotations.OfType<HttpsCertificateConfigurationCallbackAnnotation>().Any());
#pragma warning restore ASPIRECERTIFICATES001

    private static IInteractionService Resolve(ServiceDescriptor descriptor, IServiceProvider services) =>
        (IInteractionService)(descriptor.ImplementationInstance
            ?? descriptor.ImplementationFactory?.Invoke(services)
            ?? ActivatorUtilities.CreateInstance(services, descriptor.ImplementationType!));

    private sealed class LabInteractionService(IInteractionService aspire, Func<bool> labOnly) : IInteractionService
    {
        public bool IsAvailable => aspire.IsAvailable;

        public Task<InteractionResult<bool>> PromptNotificationAsync(string title, string message, NotificationInteractionOptions? options = null,
            CancellationToken cancellationToken = default) =>
            Titles.Contains(title) && labOnly()
                ? Task.FromResult(InteractionResult.Ok(false))
                : aspire.PromptNotificationAsync(title, message, options, cancellationToken);

        public Task<InteractionResult<bool>> PromptConfirmationAsync(string title, string message, MessageBoxInteractionOptions? options = null,
            CancellationToken cancellationToken = default) => aspire.PromptConfirmationAsync(title, message, options, cancellationToken);

        public Task<InteractionResult<bool>> PromptMessageBoxAsync(string title, string message, MessageBoxInteractionOptions? options = null,
            CancellationToken cancellationToken = default) => aspire.PromptMessageBoxAsync(title, message, options, cancellationToken);

        public Task<InteractionResult<InteractionInput>> PromptInputAsync(string title, string? message, string inputLabel, string placeHolder,
            InputsDialogInteractionOptions? options = null, CancellationToken cancellationToken = default) =>
            aspire.PromptInputAsync(title, message, inputLabel, placeHolder, options, cancellationToken);

        public Task<InteractionResult<InteractionInput>> PromptInputAsync(string title, string? message, InteractionInput input,
            InputsDialogInteractionOptions? options = null, CancellationToken cancellationToken = default) =>
            aspire.PromptInputAsync(title, message, input, options, cancellationToken);

        public Task<InteractionResult<InteractionInputCollection>> PromptInputsAsync(string title, string? message, IReadOnlyList<InteractionInput> inputs,
            InputsDialogInteractionOptions? options = null, CancellationToken cancellationToken = default) =>
            aspire.PromptInputsAsync(title, message, inputs, options, cancellationToken);

#pragma warning disable ASPIREINTERACTION001, ASPIRETERMINAL001 // Aspire's own experimental members, passed through unchanged.
        public Task<InteractionResult<bool>> PromptProgressAsync(string message, ProgressInteractionOptions? options = null,
            CancellationToken cancellationToken = default) => aspire.PromptProgressAsync(message, options, cancellationToken);

        public Task<InteractionResult<bool>> PromptTerminalAsync(string title, AspireTerminal terminal, TerminalInteractionOptions? options = null,
            CancellationToken cancellationToken = default) => aspire.PromptTerminalAsync(title, terminal, options, cancellationToken);
#pragma warning restore ASPIREINTERACTION001, ASPIRETERMINAL001
    }
}
