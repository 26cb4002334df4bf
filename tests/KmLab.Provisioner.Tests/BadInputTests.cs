namespace KmLab.Provisioner.Tests;

/// <summary>Each bad input: the CLI's exit code, one error line naming the problem and the fix, and the state
/// folder exactly as it was (here, a state folder a previous run prepared).</summary>
public sealed class BadInputTests
{
    private const string Secret = "s3cret-Admin-Pw";

    public static TheoryData<string[], int, string> BadArguments => new()
    {
        { ["--is-version", "7.9.0"], ExitCodes.UnsupportedVersion, "IS version '7.9.0' is not supported; use --is-version with one of 7.0.0, 7.1.0, 7.2.0, 7.3.0." },
        { ["--apim-version", "4.2.0"], ExitCodes.UnsupportedVersion, "APIM version '4.2.0' is not supported; use --apim-version with one of 4.3.0, 4.4.0, 4.5.0, 4.6.0, 4.7.0." },
        { ["--is-offset", "0"], ExitCodes.InvalidOffset, "IS port offset 0 puts IS on ports 9443 and 9763, which APIM uses; use --is-offset with a value from 1 to 55772" },
        { ["--is-offset", "320"], ExitCodes.InvalidOffset, "IS port offset 320 puts IS on port 9763, which APIM uses;" },
        { ["--is-offset", "55773"], ExitCodes.InvalidOffset, "IS port offset 55773 is out of range: IS would listen on ports 65216 and 65536;" },
        { ["--is-offset", "-1"], ExitCodes.InvalidOffset, "IS port offset -1 is out of range:" },
        { ["--is-host", "IS7"], ExitCodes.InvalidHostName, "host name 'IS7' is not a valid container host name; use --is-host with 1-63 lower-case letters, digits or inner hyphens (not 'localhost')." },
        { ["--is-host", "is_7"], ExitCodes.InvalidHostName, "host name 'is_7' is not a valid container host name; use --is-host" },
        { ["--apim-host", "apim.lab"], ExitCodes.InvalidHostName, "host name 'apim.lab' is not a valid container host name; use --apim-host" },
        { ["--apim-host", "-apim"], ExitCodes.InvalidHostName, "host name '-apim' is not a valid container host name; use --apim-host" },
        { ["--apim-host", "localhost"], ExitCodes.InvalidHostName, "host name 'localhost' is not a valid container host name; use --apim-host" },
        { ["--apim-host", "is7"], ExitCodes.InvalidHostName, "IS and APIM cannot share the host name 'is7'; give them different names with --is-host and --apim-host." },
        { ["--is-host", new string('a', 64)], ExitCodes.InvalidHostName, "is not a valid container host name" },
    };

    [Theory]
    [MemberData(nameof(BadArguments))]
    public void Bad_arguments_are_refused_and_the_state_is_untouched(string[] arguments, int exitCode, string message)
    {
        using var lab = TempLab.Prepared();

        AssertPrepareRefuses(lab, arguments, exitCode, message);
    }

    [Fact]
    public void Bad_arguments_on_a_new_folder_create_nothing()
    {
        using var lab = new TempLab();

        var result = Tools.Provisioner(["prepare", "--state", lab.Root, "--is-offset", "0"]);

        AssertRefused(result, ExitCodes.InvalidOffset, "IS port offset 0");
        Assert.False(Directory.Exists(lab.Root));
    }

    [Fact]
    public void A_corrupt_CA_certificate_is_refused_and_named()
    {
        using var lab = TempLab.Prepared();
        File.WriteAllText(lab.Layout.CaCertificate, "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n");

        AssertPrepareRefuses(lab, [], ExitCodes.CorruptState,
            $"lab CA file {lab.Layout.CaCertificate} is unusable (it cannot be read); run prepare with --renew-ca to move the old CA aside and make a new one.");
    }

    [Fact]
    public void A_CA_key_that_does_not_match_is_refused_and_named()
    {
        using var lab = TempLab.Prepared();
        using var other = TempLab.Prepared();
        File.Copy(other.Layout.CaPrivateKey, lab.Layout.CaPrivateKey, overwrite: true);

        AssertPrepareRefuses(lab, [], ExitCodes.CorruptState,
            $"lab CA file {lab.Layout.CaPrivateKey} is unusable (it is not the key of {lab.Layout.IssuingCaCertificate}); run prepare with --renew-ca");
    }

    [Fact]
    public void A_missing_CA_key_is_refused_and_named()
    {
        using var lab = TempLab.Prepared();
        File.Delete(lab.Layout.CaPrivateKey);

        AssertPrepareRefuses(lab, [], ExitCodes.CorruptState,
            $"lab CA file {lab.Layout.CaPrivateKey} is missing; run prepare with --renew-ca to move the old CA aside and make a new one.");
    }

    [Theory]
    [InlineData("7.0.0")]
    [InlineData("7.3.0")]
    public void A_corrupt_keystore_is_refused_and_named(string isVersion)
    {
        using var lab = TempLab.Prepared(TempLab.Topology(isVersion));
        var keyStore = lab.IsKeyStore(isVersion);
        var bytes = File.ReadAllBytes(keyStore);
        bytes[^30] ^= 0xFF; // damaged in the middle of its integrity check
        File.WriteAllBytes(keyStore, bytes);

        AssertPrepareRefuses(lab, ["--is-version", isVersion], ExitCodes.CorruptState,
            $"keystore {keyStore} cannot be read: it is damaged or its password is not the expected one; delete it and run prepare again to regenerate it.");
    }

    [Fact]
    public void A_truststore_that_is_no_keystore_is_refused_and_named()
    {
        using var lab = TempLab.Prepared();
        File.WriteAllText(lab.ApimTrustStore, "hello");

        AssertPrepareRefuses(lab, [], ExitCodes.CorruptState,
            $"keystore {lab.ApimTrustStore} cannot be read: it is neither a JKS nor a PKCS12 keystore; delete it and run prepare again to regenerate it.");
    }

    [Fact]
    public void A_state_folder_that_is_not_writable_is_refused()
    {
        using var lab = TempLab.Prepared(TempLab.Topology("7.2.0"));
        if (!lab.TryLock())
            Assert.Skip("cannot make a folder unwritable for root on this machine (chattr is missing or not permitted)");

        // Another version writes new keystore files, so prepare has to write.
        AssertPrepareRefuses(lab, ["--is-version", "7.0.0"], ExitCodes.StateNotWritable,
            "is not writable; make it writable for this user or choose another folder with --state.");
    }

    [Fact]
    public void A_file_in_place_of_the_state_folder_is_refused()
    {
        using var lab = new TempLab();
        Directory.CreateDirectory(lab.Root);
        var file = Path.Combine(lab.Root, "state");
        File.WriteAllText(file, "not a folder");

        AssertPrepareRefuses(lab, [], ExitCodes.StateNotWritable,
            $"{file} is a file where the state folder needs a folder;", state: file);
    }

    /// <summary><c>prepare</c> on <paramref name="lab"/>'s folder (or <paramref name="state"/>) with
    /// <paramref name="arguments"/> is refused as <see cref="AssertRefused"/> says, and the folder stays exactly as it was.</summary>
    private static void AssertPrepareRefuses(TempLab lab, string[] arguments, int exitCode, string message, string? state = null)
    {
        var before = lab.Snapshot();

        var result = Tools.Provisioner(["prepare", "--state", state ?? lab.Root, .. arguments], Secret);

        AssertRefused(result, exitCode, message);
        Assert.Equal(before, lab.Snapshot());
    }

    private static void AssertRefused(ToolResult result, int exitCode, string message)
    {
        Assert.Equal(exitCode, result.ExitCode);
        var line = Assert.Single(result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("error: ", line);
        Assert.Contains(message, line);
        Assert.DoesNotContain(Secret, result.Output + result.Error);
    }
}
