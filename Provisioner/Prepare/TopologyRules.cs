using System.Text.RegularExpressions;

namespace KmLab.Provisioner.Prepare;

/// <summary>What a topology must satisfy before prepare writes anything for it.</summary>
internal static partial class TopologyRules
{
    /// <summary>The host ports APIM keeps (it runs without an offset), which IS's shifted ports must avoid.</summary>
    private static readonly int[] ApiManagerPorts = [Wso2Ports.ServletHttps, Wso2Ports.ServletHttp, Wso2Ports.GatewayHttps, Wso2Ports.GatewayHttp];

    private const int HighestPort = 65535;

    public static void Validate(LabTopology topology)
    {
        ValidateOffset(topology);
        ValidateHostName(topology.IdentityServerHost, "--is-host");
        ValidateHostName(topology.ApiManagerHost, "--apim-host");
        if (topology.IdentityServerHost == topology.ApiManagerHost)
            throw new LabException(ExitCodes.InvalidHostName,
                $"IS and APIM cannot share the host name '{topology.IdentityServerHost}'; give them different names with --is-host and --apim-host.");
    }

    private static void ValidateOffset(LabTopology topology)
    {
        var offset = topology.IdentityServerOffset;
        int[] isPorts = [topology.IdentityServerHttpsPort, topology.IdentityServerHttpPort];
        var highestOffset = HighestPort - Wso2Ports.ServletHttp;
        var collisions = isPorts.Intersect(ApiManagerPorts).ToList();
        var fix = $"use --is-offset with a value from 1 to {highestOffset} (ports 9443+N and 9763+N must not be APIM's 9443, 9763, 8243 or 8280)";
        if (offset < 0 || isPorts.Max() > HighestPort)
            throw new LabException(ExitCodes.InvalidOffset,
                $"IS port offset {offset} is out of range: IS would listen on ports {isPorts[0]} and {isPorts[1]}; {fix}.");
        if (collisions.Count > 0)
            throw new LabException(ExitCodes.InvalidOffset,
                $"IS port offset {offset} puts IS on {(collisions.Count == 1 ? "port" : "ports")} {string.Join(" and ", collisions)}, which APIM uses; {fix}.");
    }

    private static void ValidateHostName(string name, string option)
    {
        // The container name: an RFC 1123 label, lower case as Docker's DNS answers it; "localhost" is in every SAN already.
        if (!DnsLabel().IsMatch(name ?? "") || name == LabTopology.PublicHostName)
            throw new LabException(ExitCodes.InvalidHostName,
                $"host name '{name}' is not a valid container host name; use {option} with 1-63 lower-case letters, digits or inner hyphens (not 'localhost').");
    }

    [GeneratedRegex(@"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\z")]
    private static partial Regex DnsLabel();
}
