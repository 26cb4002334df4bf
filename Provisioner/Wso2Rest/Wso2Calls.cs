namespace KmLab.Provisioner.Wso2Rest;

/// <summary>How the steps after <c>register</c> (smoke, roles, publish, demo) call APIM and IS: a failed call becomes
/// one line through <see cref="Wso2Failures.ForStep"/>, with the command's own exit code; the run's secrets are
/// scrubbed from anything a server sent back.</summary>
internal sealed class Wso2Calls(int exitCode, Secrets secrets)
{
    public Secrets Secrets => secrets;
    public int ExitCode => exitCode;

    public async Task<T> CallAsync<T>(Wso2Connection server, string operation, string fix, Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (Exception e) when (Wso2Failures.IsReportable(e))
        {
            throw Failure(server, e, operation, fix);
        }
    }

    public Task CallAsync(Wso2Connection server, string operation, string fix, Func<Task> call) =>
        CallAsync(server, operation, fix, async () =>
        {
            await call();
            return true;
        });

    public LabException Failure(Wso2Connection server, Exception e, string operation, string fix) =>
        Wso2Failures.ForStep(server, e, operation, fix, exitCode, secrets);

    public LabException Failed(string message, Exception? inner = null) => Failed(exitCode, message, inner);

    public LabException Failed(int code, string message, Exception? inner = null) => Wso2Failures.Line(code, message, secrets, inner);
}
