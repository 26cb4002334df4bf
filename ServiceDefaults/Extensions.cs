namespace Microsoft.Extensions.Hosting;

// Placeholder until ServiceDefaults lands.
public static class Extensions { }
