using System.CommandLine;
using KmLab.Provisioner.Configuration;
using KmLab.Provisioner.Prepare;

namespace KmLab.Provisioner.Cli;

/// <summary><c>prepare</c>: writes both servers' config volumes and the lab CA into a state folder.</summary>
internal static class PrepareCommand
{
    public static Command Create()
    {
        var state = new Option<string>("--state")
        {
            Description = "The lab's state folder (kept between runs: it holds the lab CA).",
            Required = true,
        };
        var isVersion = new Option<string>("--is-version")
        {
            Description = $"WSO2 Identity Server image version: {string.Join(", ", Wso2Versions.IdentityServer)}.",
            DefaultValueFactory = _ => Wso2Versions.DefaultIdentityServer.Version,
        };
        var apimVersion = new Option<string>("--apim-version")
        {
            Description = $"WSO2 API Manager image version: {string.Join(", ", Wso2Versions.ApiManager)}.",
            DefaultValueFactory = _ => Wso2Versions.DefaultApiManager.Version,
        };
        var isOffset = new Option<int>("--is-offset")
        {
            Description = "IS port offset: IS listens on 9443+N (HTTPS) and 9763+N; APIM keeps 9443.",
            DefaultValueFactory = _ => Wso2Ports.DefaultIdentityServerOffset,
        };
        var isHost = new Option<string>("--is-host")
        {
            Description = "IS container host name on the lab network.",
            DefaultValueFactory = _ => LabTopology.DefaultIdentityServerHost,
        };
        var apimHost = new Option<string>("--apim-host")
        {
            Description = "APIM container host name on the lab network.",
            DefaultValueFactory = _ => LabTopology.DefaultApiManagerHost,
        };
        var renewCa = new Option<bool>("--renew-ca")
        {
            Description = "Move the existing lab CA aside and make a new one (browsers must trust the new one).",
        };

        var encryptionKeyEnv = new Option<string?>("--encryption-key-env")
        {
            Description = $"APIM 4.7.0+: take APIM's internal encryption key ({ApimEncryptionKey.Format}) from this environment variable (its name, never the key) instead of the lab's own.",
        };
        var renewEncryptionKey = new Option<bool>("--renew-encryption-key")
        {
            Description = $"APIM 4.7.0+: replace the lab's APIM encryption key (the old one is kept beside it); {ApimEncryptionKey.WhatReplacingBreaks}.",
        };

        var mavenRepository = new Option<string?>("--maven-repository")
        {
            Description = $"Maven repository to fetch WSO2's notification handler jar from (token revocation); default ${HandlerJarDownload.RepositoryVariable}, else {HandlerJarDownload.DefaultRepository}.",
        };

        var command = new Command("prepare",
            "Writes both servers' configuration volumes and the lab CA into a state folder. " + CliOptions.AdminPasswordNote)
        {
            state, isVersion, apimVersion, isOffset, isHost, apimHost, renewCa, encryptionKeyEnv, renewEncryptionKey, mavenRepository,
        };
        command.SetAction((ParseResult r, CancellationToken ct) => CliRunner.RunAsync(async _ =>
        {
            var topology = new LabTopology(
                Wso2Versions.ParseIdentityServer(r.GetValue(isVersion)!),
                Wso2Versions.ParseApiManager(r.GetValue(apimVersion)!),
                r.GetValue(isOffset),
                r.GetValue(isHost)!,
                r.GetValue(apimHost)!,
                LabTopology.DefaultAdminUser,
                LabTopology.AdminPasswordFromEnvironment());
            var download = await HandlerJarDownload.FetchAsync(new LabLayout(r.GetValue(state)!),
                topology.ApiManagerVersion.NotificationHandlerVersion, HandlerJarDownload.Repository(r.GetValue(mavenRepository)),
                HandlerJarDownload.Timeout, ct);
            var result = LabPreparer.Prepare(new PrepareRequest(r.GetValue(state)!, topology, r.GetValue(renewCa))
            {
                HandlerJar = download.Jar,
                UnreachableRepository = download.Unreachable,
                EncryptionKey = SuppliedEncryptionKey(r.GetValue(encryptionKeyEnv)),
                RenewEncryptionKey = r.GetValue(renewEncryptionKey),
            });
            // Said only once prepare succeeded: bad input stays one error line.
            if (download.Warning is { } warning)
                Console.Error.WriteLine($"warning: {warning}");
            PrintSummary(topology, result);
        }, ct));
        return command;
    }

    /// <summary>The key in the named environment variable. The command line carries only the variable's name: a
    /// command line shows in process lists and shell histories.</summary>
    private static (string Variable, string Key)? SuppliedEncryptionKey(string? variable)
    {
        if (variable is null)
            return null;
        if (ApimEncryptionKey.IsWellFormed(variable.Trim().ToLowerInvariant()))
            throw new LabException(ExitCodes.Usage,
                "--encryption-key-env takes the name of an environment variable, not the key itself; put the key into a variable (e.g. KMLAB_APIM_ENCRYPTION_KEY) and pass its name.");
        if (Environment.GetEnvironmentVariable(variable) is not { Length: > 0 } key)
            throw new LabException(ExitCodes.InvalidEncryptionKey,
                $"environment variable {variable} named by --encryption-key-env is not set; set it to {ApimEncryptionKey.Format}, or leave the option out to keep the lab's key.");
        return (variable, key);
    }

    /// <summary>Whether IS will tell APIM about revoked tokens, and when not, what to put where.</summary>
    internal static string RevocationLine(LabTopology topology, PrepareResult result) =>
        result.RevocationNotifierJar is { } jar
            ? $"token revocation: wired ({jar} in IS's dropins; IS notifies APIM at {TokenRevocationListener.NotificationEndpoint(topology.ApiManagerHost, Wso2Ports.ServletHttps)})"
            : $"token revocation: not wired (IS will not tell APIM about revoked tokens); to wire it, put WSO2's notification handler jar {LabPreparer.RevocationNotifierJarPattern.Replace("*", topology.ApiManagerVersion.NotificationHandlerVersion)} (wso2-extensions/apim-km-wso2is, the version WSO2 documents for APIM {topology.ApiManagerVersion}) into {LabLayout.DropinsDirectory(result.Layout.IdentityServerVolume)}, run prepare again and restart IS";

    private static void PrintSummary(LabTopology topology, PrepareResult result)
    {
        var layout = result.Layout;
        foreach (var warning in result.Warnings)
            Console.Error.WriteLine($"warning: {warning}");
        Console.WriteLine($"prepared {layout.Root}: {topology}");
        Console.WriteLine($"lab CA {(result.CaCreated ? "created" : "reused")}: {layout.CaCertificate} (SHA-256 {result.CaFingerprint})");
        foreach (var host in new[] { topology.IdentityServerHost, topology.ApiManagerHost })
            Console.WriteLine($"{host}: server certificate {(result.CertificatesIssued.Contains(host) ? "issued" : "reused")}");
        Console.WriteLine(RevocationLine(topology, result));
        Console.WriteLine(result.FilesWritten.Count == 0
            ? "no file changed"
            : $"written: {string.Join(", ", result.FilesWritten.Select(f => Path.GetRelativePath(layout.Root, f)))}");
    }
}
