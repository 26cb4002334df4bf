using System.Diagnostics;

namespace KmLab.Provisioner.Register;

/// <summary>Traces of <c>register</c>: one span per step, tagged with the step's outcome.</summary>
public static class RegisterTelemetry
{
    /// <summary>The provisioner's <see cref="ActivitySource"/> name (ServiceDefaults listens to <c>KmLab.*</c>).</summary>
    public const string ActivitySourceName = "KmLab.Provisioner";

    public const string OutcomeTag = "kmlab.outcome";

    internal static ActivitySource Source { get; } = new(ActivitySourceName);

    /// <summary>Runs one step inside its span; a failure marks the span as an error with the (secret-free) message.</summary>
    internal static async Task<T> StepAsync<T>(string name, Func<Activity?, Task<T>> body)
    {
        using var activity = Source.StartActivity($"register {name}");
        try
        {
            var result = await body(activity);
            if (activity?.GetTagItem(OutcomeTag) is null) activity?.SetTag(OutcomeTag, "ok");
            activity?.SetStatus(ActivityStatusCode.Ok);
            return result;
        }
        catch (Exception e)
        {
            activity?.SetTag(OutcomeTag, "failed");
            activity?.SetStatus(ActivityStatusCode.Error, e is LabException ? e.Message : e.GetType().Name);
            throw;
        }
    }
}
