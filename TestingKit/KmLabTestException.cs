namespace KmLab.Testing;

/// <summary>A lab that is not in the state a test needs (not prepared, an API not published, a token refused); the
/// message names what is missing and how to get it.</summary>
public sealed class KmLabTestException(string message, Exception? inner = null) : Exception(message, inner);
