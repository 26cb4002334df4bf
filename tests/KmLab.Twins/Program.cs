using KmLab.Twins;

// Container entry: the twin plays wso2/wso2is or wso2/wso2am from the config volume, listening on every interface.
//   KMLAB_TWIN_PRODUCT        is | apim
//   KMLAB_TWIN_VERSION        the product version (7.3.0, 4.6.0, ...)
//   KMLAB_TWIN_CONFIG_VOLUME  default /home/wso2carbon/wso2-config-volume
//   KMLAB_TWIN_DATA           APIM's state across restarts; default /home/wso2carbon/twin-data
// Exits 1 when it refuses its configuration (the log says why), as the real server fails its start, and when the
// entrypoint's copy of the config volume would fail (ConfigVolumeCopy).
var product = Environment.GetEnvironmentVariable("KMLAB_TWIN_PRODUCT");
var version = Environment.GetEnvironmentVariable("KMLAB_TWIN_VERSION");
if (product is not ("is" or "apim") || string.IsNullOrWhiteSpace(version))
{
    Console.Error.WriteLine("error: set KMLAB_TWIN_PRODUCT to is or apim and KMLAB_TWIN_VERSION to the product version; the twin cannot start without them.");
    return 2;
}

var volume = Environment.GetEnvironmentVariable("KMLAB_TWIN_CONFIG_VOLUME") ?? CarbonFacts.ConfigVolume;
// The real entrypoint copies the volume over the product home first and stops when any file cannot be read.
if (ConfigVolumeCopy.Failures(volume) is { Count: > 0 } unreadable)
{
    foreach (var line in unreadable) Console.Error.WriteLine(line);
    return 1;
}

var options = new TwinOptions(volume, version)
{
    ListenAddress = "0.0.0.0",
    DataDirectory = Environment.GetEnvironmentVariable("KMLAB_TWIN_DATA") ?? Path.Combine(CarbonFacts.UserHome, "twin-data"),
    LogEcho = Console.Out,
};
try
{
    await using var twin = product == "is"
        ? await Twins.StartIdentityServerAsync(options)
        : await Twins.StartApiManagerAsync(options);
    await twin.WaitForShutdownAsync();
    return 0;
}
catch (TwinRefusedException)
{
    return 1; // the log lines are already on stdout
}
