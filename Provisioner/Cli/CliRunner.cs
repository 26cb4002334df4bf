namespace KmLab.Provisioner.Cli;

/// <summary>Runs one command body and turns its failures into one error line and an exit code.</summary>
internal static class CliRunner
{
    public static async Task<int> RunAsync(Func<CancellationToken, Task> body, CancellationToken cancellationToken)
    {
        try
        {
            await body(cancellationToken);
            return ExitCodes.Ok;
        }
        catch (LabException e)
        {
            await Console.Error.WriteLineAsync($"error: {e.Message}");
            return e.ExitCode;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await Console.Error.WriteLineAsync("error: cancelled.");
            return ExitCodes.Unexpected;
        }
    }
}
