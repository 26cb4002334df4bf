namespace KmLab.Containers.Tests;

/// <summary>How the tests meet a machine where a lab cannot run: in CI (CI=true) that is a failure, since the suite
/// must run there; elsewhere a skip that says what to do. WSO2's images that cannot be pulled are a skip everywhere.</summary>
public static class Labs
{
    public static bool InCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    public static async Task<T> RequireAsync<T>(Func<Task<T>> action)
    {
        try
        {
            return await action();
        }
        catch (LabUnavailableException e)
        {
            if (InCi && !e.Optional)
                Assert.Fail($"CI=true: the container suite must run here, but {e.Message}");
            Assert.Skip(e.Message);
            throw;
        }
    }

    /// <summary>For tests that expect the lab to fail: the machine's shortcomings must not pass for that failure.</summary>
    public static Task RequireDockerAsync(LabOptions options) => RequireAsync(async () =>
    {
        await DockerGate.RequireAsync(LabImages.For(options.Topology), TestContext.Current.CancellationToken);
        return true;
    });

    public static Task<ContainerLab> StartAsync(LabOptions options) =>
        RequireAsync(() => ContainerLab.StartAsync(options, TestContext.Current.CancellationToken));
}
