using System.Diagnostics;

namespace KmLab.Provisioner.Wso2Rest;

/// <summary>Traces of <c>register</c> and <c>smoke</c>: a span per run and per step, tagged with its outcome.</summary>
public static class StepTelemetry
{
    /// <summary>The provisioner's <see cref="ActivitySource"/> name (ServiceDefaults listens to <c>KmLab.*</c>).</summary>
    public const string ActivitySourceName = "KmLab.Provisioner";

    public const string OutcomeTag = "kmlab.outcome";

    internal static ActivitySource Source { get; } = new(ActivitySourceName);

    /// <summary>Runs a command's run (<paramref name="step"/> null: span "<c>register</c>") or one of its steps
    /// (span "<c>register readiness</c>") inside its span. The body may set its own outcome tag, else "ok"; a failure
    /// passes through <paramref name="failure"/> (when given) and marks the span failed with the (secret-free) message.</summary>
    internal static async Task<T> StepAsync<T>(string command, string? step, Func<Activity?, Task<T>> body,
        Func<Exception, Exception>? failure = null)
    {
        using var activity = Source.StartActivity(step is null ? command : $"{command} {step}");
        try
        {
            var result = await body(activity);
            if (activity?.GetTagItem(OutcomeTag) is null) activity?.SetTag(OutcomeTag, "ok");
            activity?.SetStatus(ActivityStatusCode.Ok);
            return result;
        }
        catch (Exception e)
        {
            var thrown = failure?.Invoke(e) ?? e;
            activity?.SetTag(OutcomeTag, "failed");
            activity?.SetStatus(ActivityStatusCode.Error, thrown is LabException ? thrown.Message : thrown.GetType().Name);
            if (ReferenceEquals(thrown, e)) throw;
            throw thrown;
        }
    }
}
