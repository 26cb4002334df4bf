using System.Diagnostics;
using KmLab.Lab.Wso2;

namespace KmLab.Provisioner.Tests.TestSupport;

internal sealed record ToolResult(int ExitCode, string Output, string Error);

/// <summary>Runs the real tools the tests check against: the JDK's keytool and java, and the provisioner CLI.</summary>
internal static class Tools
{
    public static ToolResult Run(string fileName, params string[] arguments) => Run(fileName, arguments, environment: null);

    public static ToolResult Run(string fileName, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment)
    {
        var start = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
            start.Environment[name] = value;
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{fileName} did not finish in 2 minutes");
        }
        return new ToolResult(process.ExitCode, output.Result, error.Result);
    }

    /// <summary><c>keytool -list -v</c> in English and UTC, so dates can be parsed.</summary>
    public static string KeytoolList(string keyStore, string password = Wso2KeyStores.Password)
    {
        var result = Run("keytool", "-J-Duser.language=en", "-J-Duser.country=US", "-J-Duser.timezone=UTC",
            "-list", "-v", "-keystore", keyStore, "-storepass", password);
        Assert.True(result.ExitCode == 0, $"keytool could not read {keyStore}: {result.Output}{result.Error}");
        return result.Output;
    }

    /// <summary>Validates a certificate file against a truststore with the JDK's PKIX validator (Java/Check.java).</summary>
    public static ToolResult JavaCheck(string trustStore, string certificateFile) =>
        Run("java", Path.Combine(AppContext.BaseDirectory, "Java", "Check.java"), trustStore, Wso2KeyStores.Password, certificateFile);

    /// <summary>The provisioner CLI, as a user runs it.</summary>
    public static ToolResult Provisioner(IEnumerable<string> arguments, string adminPassword = "admin",
        IReadOnlyDictionary<string, string>? environment = null) =>
        Run("dotnet", arguments.Prepend(Path.Combine(AppContext.BaseDirectory, "KmLab.Provisioner.dll")),
            new Dictionary<string, string>(environment ?? new Dictionary<string, string>())
            {
                [LabTopology.AdminPasswordVariable] = adminPassword,
                // Hermetic: prepare fetches WSO2's handler jar only from a repository a test names.
                [Prepare.HandlerJarDownload.RepositoryVariable] = environment?.GetValueOrDefault(Prepare.HandlerJarDownload.RepositoryVariable)
                    ?? LocalMaven.ClosedPortUrl(),
            });
}
