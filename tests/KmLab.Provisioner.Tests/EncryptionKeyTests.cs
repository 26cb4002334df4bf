using System.Text.RegularExpressions;
using Tomlyn;
using Tomlyn.Model;

namespace KmLab.Provisioner.Tests;

/// <summary>APIM 4.7.0's internal encryption key: made once per lab, kept for its owner only, written into every
/// deployment.toml of that lab, never printed, replaced only on request.</summary>
public sealed partial class EncryptionKeyTests
{
    private const string Variable = "KMLAB_TEST_APIM_KEY";
    private const string UserKey = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    [Fact]
    public void A_4_7_lab_keeps_one_key_for_its_owner_and_writes_it_at_every_prepare()
    {
        using var lab = new TempLab();
        var topology = TempLab.Topology("7.3.0", "4.7.0");

        lab.Prepare(topology);
        var key = StoredKey(lab);
        var firstToml = File.ReadAllText(ApimToml(lab));
        var second = lab.Prepare(topology);

        Assert.Matches(Hex64(), key);
        Assert.Equal(key, TomlKey(lab));
        Assert.Equal(firstToml, File.ReadAllText(ApimToml(lab)));
        Assert.Equal(key, StoredKey(lab));
        Assert.Empty(second.FilesWritten);
        if (!OperatingSystem.IsWindows())
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(lab.Layout.ApimEncryptionKey));
    }

    [Fact]
    public void Two_labs_never_share_a_key()
    {
        using var one = new TempLab();
        using var other = new TempLab();

        one.Prepare(TempLab.Topology("7.3.0", "4.7.0"));
        other.Prepare(TempLab.Topology("7.3.0", "4.7.0"));

        Assert.NotEqual(StoredKey(one), StoredKey(other));
    }

    [Fact]
    public void A_4_6_lab_has_no_key()
    {
        using var lab = TempLab.Prepared(TempLab.Topology("7.3.0", "4.6.0"));

        Assert.False(File.Exists(lab.Layout.ApimEncryptionKey));
        Assert.DoesNotContain("[encryption]", File.ReadAllText(ApimToml(lab)));
    }

    [Fact]
    public void The_key_is_in_no_output_and_not_in_lab_json()
    {
        using var lab = new TempLab();

        var result = Tools.Provisioner(["prepare", "--state", lab.Root, "--apim-version", "4.7.0"]);

        Assert.Equal(0, result.ExitCode);
        var key = StoredKey(lab);
        Assert.DoesNotContain(key, result.Output + result.Error, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(key, File.ReadAllText(lab.Layout.Manifest), StringComparison.OrdinalIgnoreCase);
        Assert.Contains("apim-encryption.key", result.Output); // named as a written file, never shown
    }

    [Fact]
    public void A_supplied_key_comes_from_the_named_variable_and_is_kept()
    {
        using var lab = new TempLab();

        var result = Tools.Provisioner(["prepare", "--state", lab.Root, "--apim-version", "4.7.0", "--encryption-key-env", Variable],
            environment: new Dictionary<string, string> { [Variable] = UserKey });
        var again = Tools.Provisioner(["prepare", "--state", lab.Root, "--apim-version", "4.7.0"]);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(0, again.ExitCode);
        Assert.Equal(UserKey, StoredKey(lab));
        Assert.Equal(UserKey, TomlKey(lab));
        Assert.DoesNotContain(UserKey, result.Output + result.Error + again.Output + again.Error);
    }

    [Theory]
    [InlineData("0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF")] // upper case
    [InlineData("0123456789abcdef")] // 8 bytes
    [InlineData("not a key at all")]
    public void A_malformed_key_is_refused_with_the_format_and_nothing_is_written(string malformed)
    {
        using var lab = new TempLab();

        var result = Tools.Provisioner(["prepare", "--state", lab.Root, "--apim-version", "4.7.0", "--encryption-key-env", Variable],
            environment: new Dictionary<string, string> { [Variable] = malformed });

        AssertRefused(result, ExitCodes.InvalidEncryptionKey,
            $"the encryption key in {Variable} is not 64 lower-case hex characters (32 random bytes, e.g. from `openssl rand -hex 32`);");
        Assert.DoesNotContain(malformed, result.Error);
        Assert.False(Directory.Exists(lab.Root));
    }

    [Fact]
    public void The_key_itself_on_the_command_line_is_refused()
    {
        using var lab = new TempLab();

        var result = Tools.Provisioner(["prepare", "--state", lab.Root, "--apim-version", "4.7.0", "--encryption-key-env", UserKey]);

        AssertRefused(result, ExitCodes.Usage, "--encryption-key-env takes the name of an environment variable, not the key itself;");
        Assert.DoesNotContain(UserKey, result.Error);
        Assert.False(Directory.Exists(lab.Root));
    }

    [Fact]
    public void An_unset_variable_is_refused()
    {
        using var lab = new TempLab();

        var result = Tools.Provisioner(["prepare", "--state", lab.Root, "--apim-version", "4.7.0", "--encryption-key-env", "KMLAB_TEST_UNSET_" + Guid.NewGuid().ToString("N")]);

        AssertRefused(result, ExitCodes.InvalidEncryptionKey, "named by --encryption-key-env is not set;");
    }

    [Fact]
    public void Another_key_for_a_lab_that_has_one_is_refused_unless_renewal_is_asked_for()
    {
        using var lab = TempLab.Prepared(TempLab.Topology("7.3.0", "4.7.0"));
        var original = StoredKey(lab);
        var before = lab.Snapshot();
        var environment = new Dictionary<string, string> { [Variable] = UserKey };

        var refused = Tools.Provisioner(["prepare", "--state", lab.Root, "--apim-version", "4.7.0", "--encryption-key-env", Variable], environment: environment);

        AssertRefused(refused, ExitCodes.InvalidEncryptionKey, $"the encryption key in {Variable} is not the lab's key in {lab.Layout.ApimEncryptionKey};");
        Assert.Contains("--renew-encryption-key", refused.Error);
        Assert.Equal(before, lab.Snapshot());

        var renewed = Tools.Provisioner(["prepare", "--state", lab.Root, "--apim-version", "4.7.0", "--encryption-key-env", Variable, "--renew-encryption-key"], environment: environment);

        Assert.Equal(0, renewed.ExitCode);
        Assert.Equal(UserKey, StoredKey(lab));
        Assert.Equal(UserKey, TomlKey(lab));
        Assert.Contains("warning: APIM's internal encryption key was replaced", renewed.Error);
        Assert.Contains("the Key Manager's connector password among it) can no longer be read", renewed.Error);
        Assert.DoesNotContain(original, renewed.Output + renewed.Error);
        var aside = Assert.Single(Directory.GetFiles(lab.Root, "apim-encryption.key.retired-*"));
        Assert.Equal(original, File.ReadAllText(aside).Trim());
    }

    [Fact]
    public void Renewal_without_a_supplied_key_makes_a_new_random_one()
    {
        using var lab = TempLab.Prepared(TempLab.Topology("7.3.0", "4.7.0"));
        var original = StoredKey(lab);

        var result = LabPreparerRun(lab, renew: true);

        Assert.NotEqual(original, StoredKey(lab));
        Assert.Equal(StoredKey(lab), TomlKey(lab));
        Assert.Contains(result.Warnings, w => w.Contains("can no longer be read", StringComparison.Ordinal));
    }

    private static Prepare.PrepareResult LabPreparerRun(TempLab lab, bool renew) =>
        Prepare.LabPreparer.Prepare(new Prepare.PrepareRequest(lab.Root, TempLab.Topology("7.3.0", "4.7.0")) { RenewEncryptionKey = renew });

    private static string StoredKey(TempLab lab) => File.ReadAllText(lab.Layout.ApimEncryptionKey).Trim();

    private static string ApimToml(TempLab lab) => LabLayout.DeploymentToml(lab.Layout.ApiManagerVolume);

    private static string TomlKey(TempLab lab) =>
        (string)((TomlTable)TomlSerializer.Deserialize<TomlTable>(File.ReadAllText(ApimToml(lab)))!["encryption"])["key"];

    private static void AssertRefused(ToolResult result, int exitCode, string message)
    {
        Assert.Equal(exitCode, result.ExitCode);
        var line = Assert.Single(result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("error: ", line);
        Assert.Contains(message, line);
    }

    [GeneratedRegex("^[0-9a-f]{64}$")]
    private static partial Regex Hex64();
}
