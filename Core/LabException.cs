namespace KmLab.Lab;

/// <summary>A failure the user can fix: its message is one line naming the problem and the fix.</summary>
public sealed class LabException(int exitCode, string message, Exception? inner = null) : Exception(message, inner)
{
    public int ExitCode { get; } = exitCode;
}

/// <summary>Process exit codes: one per kind of failure, so scripts can tell them apart.</summary>
public static class ExitCodes
{
    public const int Ok = 0;
    public const int Unexpected = 1;
    public const int Usage = 2;

    // prepare
    public const int UnsupportedVersion = 10;
    public const int InvalidOffset = 11;
    public const int InvalidHostName = 12;
    public const int StateNotWritable = 13;
    public const int CorruptState = 14;
    public const int PortInUse = 15;
    public const int InvalidEncryptionKey = 16;

    // register
    public const int AuthenticationFailed = 20;
    public const int ConnectorMissing = 21;
    public const int ConnectorPropertyMissing = 22;
    public const int UntrustedCertificate = 23;
    public const int IssuerMismatch = 24;
    public const int NotReady = 25;
    public const int Unreachable = 26;
    public const int KeyManagerNotUsable = 27;
    public const int ApiError = 28;
    public const int KeyManagerNotRegistered = 29;

    // smoke
    public const int SmokeFailed = 30;

    // publish and demo (and roles for the names and users)
    public const int ContextTaken = 31;
    public const int OpenApiUnreadable = 32;
    public const int NameRefused = 33;
    public const int UserPasswordMismatch = 34;
    public const int PublishFailed = 35;
}
