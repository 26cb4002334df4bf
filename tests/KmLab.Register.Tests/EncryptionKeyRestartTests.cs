namespace KmLab.Register.Tests;

/// <summary>APIM 4.7.0 with a persistent database: the lab's fixed encryption key keeps the Key Manager readable over
/// a restart; a replaced key does not, and register says so instead of pretending.</summary>
public sealed class EncryptionKeyRestartTests
{
    [Fact]
    public async Task A_restarted_4_7_lab_with_its_key_still_proves_its_key_manager()
    {
        var data = Directory.CreateTempSubdirectory("kmlab-apim-data-").FullName;
        await using var lab = await Lab.StartAsync("4.7.0", apim: o => o with { DataDirectory = data });
        var first = await lab.RegisterAsync();
        // prepare again, as the AppHost does before every start: the same key goes into deployment.toml.
        LabPreparer.Prepare(new PrepareRequest(lab.State.FullName, lab.Topology));

        await lab.RestartApiManagerAsync();
        var second = await lab.RegisterAsync();

        Assert.Equal(RegisterOutcomes.Created, first.Outcome);
        Assert.Equal(RegisterOutcomes.Unchanged, second.Outcome);
        Assert.Equal(first.KeyManagerId, second.KeyManagerId);
        Assert.False(string.IsNullOrEmpty(second.ConsumerKey));
    }

    [Fact]
    public async Task After_the_key_is_renewed_the_restarted_apim_cannot_read_its_key_manager_and_register_says_so()
    {
        var data = Directory.CreateTempSubdirectory("kmlab-apim-data-").FullName;
        await using var lab = await Lab.StartAsync("4.7.0", apim: o => o with { DataDirectory = data });
        await lab.RegisterAsync();
        var renewed = LabPreparer.Prepare(new PrepareRequest(lab.State.FullName, lab.Topology) { RenewEncryptionKey = true });

        await lab.RestartApiManagerAsync();
        var failure = await lab.FailAsync(lab.Request());

        Assert.Contains(renewed.Warnings, w => w.Contains("can no longer be read", StringComparison.Ordinal));
        Assert.Equal(ExitCodes.ApiError, failure.ExitCode);
        Assert.Contains("answered 500", failure.Message);
        Assert.Contains(lab.ApiManager.LogLines, l => l.Contains("Error while Decrypting value", StringComparison.Ordinal));
    }
}
