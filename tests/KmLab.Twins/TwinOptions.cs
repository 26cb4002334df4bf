namespace KmLab.Twins;

/// <summary>How one twin boots. The config volume is what the real image reads; the rest are test knobs.</summary>
/// <param name="ConfigVolume">The folder that mounts as <c>/home/wso2carbon/wso2-config-volume</c>.</param>
/// <param name="Version">The product version the twin plays (e.g. 7.3.0 or 4.6.0).</param>
public sealed record TwinOptions(string ConfigVolume, string Version)
{
    /// <summary>Overrides 9443+offset; every URL the twin advertises (issuer, well-known) uses it. 0 picks a free port.</summary>
    public int? HttpsPort { get; init; }

    /// <summary>APIM only: overrides 8243+offset. 0 picks a free port.</summary>
    public int? GatewayHttpsPort { get; init; }

    public string ListenAddress { get; init; } = "127.0.0.1";

    /// <summary>APIM: a new or updated Key Manager reaches the runtime only after this. A generate-keys inside the window
    /// answers 500 900967 ("Key Manager … not configured" in the log) and leaves its key-mapping row behind, as real
    /// APIM does (docs/twins.md, "Key generation").</summary>
    public TimeSpan KeyManagerPropagationDelay { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>APIM: client registration answers 500 this many times right after start.</summary>
    public int TransientRegistrationErrors { get; init; } = 1;

    /// <summary>APIM: client registration also answers 500 for this long after start, while the health check already
    /// answers 200 (WSO2's harness retries it until its start-up timeout: product-apim integration-v2 BaseSteps.java
    /// L126-160). How long the real window lasts is not in any source.</summary>
    public TimeSpan RegistrationUnavailableFor { get; init; } = TimeSpan.Zero;

    /// <summary>APIM: the Key Manager connector types this server has installed (null: <c>WSO2-IS-7</c> and the
    /// built-in ones). Leave out <c>WSO2-IS-7</c> to play an APIM without the IS 7 connector.</summary>
    public IReadOnlyList<string>? InstalledConnectors { get; init; }

    /// <summary>APIM: <c>WSO2-IS-7</c> connector properties this server requires besides its version's own: <c>/settings</c>
    /// lists them as required, and a Key Manager saved without one answers 400 901401, naming the key only in the log.</summary>
    public IReadOnlyList<string> ExtraRequiredConnectorProperties { get; init; } = [];

    /// <summary>APIM: leave <see cref="ExtraRequiredConnectorProperties"/> out of <c>/settings</c>, as a server whose
    /// validation asks for more than its settings list: only the save tells (901401).</summary>
    public bool SettingsOmitExtraRequired { get; init; }

    /// <summary>APIM: <c>GET /key-managers</c> answers 500 every time (a broken database), while the rest works.</summary>
    public bool FailKeyManagerList { get; init; }

    /// <summary>IS: put this into the tokens' <c>iss</c> instead of the issuer the well-known document advertises.</summary>
    public string? IssuerOverride { get; init; }

    /// <summary>Where APIM keeps what the real server keeps in its database (Key Managers, applications, REST
    /// clients), so a restart keeps them. Null: in memory only.</summary>
    public string? DataDirectory { get; init; }

    /// <summary>Also write each log line here (the container entry passes stdout).</summary>
    public TextWriter? LogEcho { get; init; }
}
