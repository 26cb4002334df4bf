using System.Text.RegularExpressions;
using KmLab.Provisioner;

namespace KmLab.Twins.Tests;

/// <summary>APIM 4.7.0 encrypts the Key Manager connector's Password in its database with <c>[encryption] key</c>
/// (docs/twins.md, "APIM 4.7.0: internal encryption"): a restart with the same key still serves the Key Manager, a
/// restart with another key (or none, so the start script makes one) cannot read it back.</summary>
public sealed partial class EncryptionTests
{
    [Fact]
    public async Task The_password_is_stored_encrypted_and_a_restart_with_the_same_key_still_generates_keys()
    {
        var data = NewDataDirectory();
        await using var lab = await StartAsync("4.7.0", data);
        await AddIs7Async(lab);

        var stored = StoredState(data);
        await lab.RestartApiManagerAsync();
        var app = await lab.CreateApplicationAsync("same-key");
        var (generated, body) = await lab.GenerateKeysAsync(app, "IS7");

        Assert.DoesNotContain(lab.AdminPassword, stored);
        Assert.Contains("encryptedValue", stored);
        Assert.Equal(200, generated);
        Assert.Equal("COMPLETED", (string?)body!["keyState"]);
    }

    [Fact]
    public async Task A_restart_with_another_key_cannot_read_the_key_manager_back()
    {
        await using var lab = await StartAsync("4.7.0", NewDataDirectory());
        var id = await AddIs7Async(lab);
        ReplaceKey(lab, new string('7', 64));

        await lab.RestartApiManagerAsync();
        var (listed, _) = await lab.SendAsync(HttpMethod.Get, "/api/am/admin/v4/key-managers");
        var (fetched, _) = await lab.SendAsync(HttpMethod.Get, $"/api/am/admin/v4/key-managers/{id}");
        var app = await lab.CreateApplicationAsync("other-key");
        var (generated, body) = await lab.GenerateKeysAsync(app, "IS7");

        Assert.Equal(500, listed);
        Assert.Equal(500, fetched);
        Assert.Contains(lab.ApiManager.LogLines, l => l.Contains("Error while Decrypting value"));
        Assert.Contains(lab.ApiManager.LogLines, l => l.Contains("An error occurred while decrypting using the algorithm : 'AES/GCM/NoPadding'"));
        // Never in the runtime: generate-keys leaks its row as for a Key Manager that has not propagated.
        TwinLab.AssertError(500, 900967, (generated, body));
        Assert.Contains(lab.ApiManager.LogLines, l => l.Contains("Key Manager IS7 not configured"));
    }

    [Fact]
    public async Task Without_a_key_in_the_file_every_start_makes_a_new_one_and_a_restart_loses_the_password()
    {
        await using var lab = await StartAsync("4.7.0", NewDataDirectory(),
            prepared: layout => RemoveKey(LabLayout.DeploymentToml(layout.ApiManagerVolume)));
        await AddIs7Async(lab);

        await lab.RestartApiManagerAsync();
        var (listed, _) = await lab.SendAsync(HttpMethod.Get, "/api/am/admin/v4/key-managers");

        Assert.Equal(500, listed);
        Assert.Contains(lab.ApiManager.LogLines, l => l.Contains("EncryptionKeyGenerator"));
    }

    [Fact]
    public async Task A_4_6_twin_keeps_no_encrypted_values()
    {
        var data = NewDataDirectory();
        await using var lab = await StartAsync("4.6.0", data);
        await AddIs7Async(lab);

        Assert.DoesNotContain("encryptedValue", StoredState(data));
    }

    private static string NewDataDirectory() => Directory.CreateTempSubdirectory("kmlab-twin-data-").FullName;

    /// <summary>A lab whose APIM keeps its database in <paramref name="data"/>, so that a restart keeps it.</summary>
    private static Task<TwinLab> StartAsync(string apimVersion, string data, Action<LabLayout>? prepared = null) =>
        TwinLab.StartAsync(apimVersion, apim: o => o with { DataDirectory = data }, prepared: prepared);

    /// <summary>Adds the IS7 Key Manager (201): its id.</summary>
    private static async Task<string> AddIs7Async(TwinLab lab)
    {
        var (created, body) = await lab.AddKeyManagerAsync(lab.Is7KeyManager("IS7"));
        Assert.Equal(201, created);
        return (string)body!["id"]!;
    }

    private static string StoredState(string data) =>
        string.Concat(Directory.GetFiles(data, "*", SearchOption.AllDirectories).Select(File.ReadAllText));

    private static void ReplaceKey(TwinLab lab, string key)
    {
        var toml = LabLayout.DeploymentToml(lab.Layout.ApiManagerVolume);
        File.WriteAllText(toml, KeyLine().Replace(File.ReadAllText(toml), $"key = \"{key}\""));
    }

    private static void RemoveKey(string toml) =>
        File.WriteAllText(toml, File.ReadAllText(toml).Replace("[encryption]", "[kmlab_removed]"));

    [GeneratedRegex("key = \"[0-9a-f]{64}\"")]
    private static partial Regex KeyLine();
}
