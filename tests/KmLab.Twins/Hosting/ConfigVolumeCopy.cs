namespace KmLab.Twins.Hosting;

/// <summary>What the images' entrypoint does with the config volume before the server starts: under <c>set -e</c>,
/// <c>test -d ${config_volume} &amp;&amp; [[ "$(ls -A ${config_volume})" ]] &amp;&amp; cp -RL ${config_volume}/* ${WSO2_SERVER_HOME}/</c>
/// (wso2/docker-apim@a7a0bb99 (4.7.x) dockerfiles/ubuntu/apim/docker-entrypoint.sh L18, L53; wso2/docker-is@966bbc00
/// (7.3.x) dockerfiles/ubuntu/is/docker-entrypoint.sh L18, L31). The copy runs as the image's user (uid 10001 for
/// APIM, 802 for IS); <c>cp</c> goes on past a file it cannot read, says so on stderr and ends with status 1, and
/// because it is the last command of the list, <c>set -e</c> then ends the container with that status. The twin reads
/// the volume in place, so it only checks that every file and folder could be read as <c>cp -RL</c> reads them
/// (following links) and reports the failures in cp's words.</summary>
internal static class ConfigVolumeCopy
{
    /// <summary>cp's complaints, in its order (depth first, as listed); empty when the copy would succeed.</summary>
    public static IReadOnlyList<string> Failures(string volume)
    {
        var failures = new List<string>();
        if (!Directory.Exists(volume)) return failures;
        string[] top;
        try { top = Directory.GetFileSystemEntries(volume); }
        catch (UnauthorizedAccessException) { return failures; } // `ls -A` fails too; the list stops before cp
        foreach (var entry in top.Order(StringComparer.Ordinal)) Copy(entry, failures);
        return failures;
    }

    private static void Copy(string path, List<string> failures)
    {
        if (Directory.Exists(path)) // follows a link to a folder, as -L does
        {
            string[] children;
            try { children = Directory.GetFileSystemEntries(path); }
            catch (UnauthorizedAccessException)
            {
                failures.Add($"cp: cannot open directory '{path}': Permission denied");
                return;
            }
            foreach (var child in children.Order(StringComparer.Ordinal)) Copy(child, failures);
            return;
        }
        try
        {
            using var _ = new FileStream(path, FileMode.Open, FileAccess.Read);
        }
        catch (UnauthorizedAccessException)
        {
            failures.Add($"cp: cannot open '{path}' for reading: Permission denied");
        }
        catch (FileNotFoundException)
        {
            failures.Add($"cp: cannot stat '{path}': No such file or directory"); // a dangling link
        }
    }
}
