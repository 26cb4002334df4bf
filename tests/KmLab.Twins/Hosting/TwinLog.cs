using System.Globalization;
using Microsoft.Extensions.Logging;

namespace KmLab.Twins.Hosting;

/// <summary>The twin's server log, in the shape of Carbon's (<c>[time] LEVEL {logger} - message</c>), kept for tests
/// and echoed to stdout in a container. Secrets never go into it.</summary>
public sealed class TwinLog(TextWriter? echo)
{
    private readonly List<string> _lines = [];

    public IReadOnlyList<string> Lines { get { lock (_lines) return [.. _lines]; } }

    public void Info(string logger, string message) => Log("INFO", logger, message);
    public void Warn(string logger, string message) => Log("WARN", logger, message);
    public void Error(string logger, string message) => Log("ERROR", logger, message);

    public void Log(string level, string logger, string message) =>
        Line($"[{DateTime.Now.ToString("yyyy-MM-dd HH:mm:ss,fff", CultureInfo.InvariantCulture)}] {level,5} {{{logger}}} - {message}");

    public void Line(string line)
    {
        lock (_lines) _lines.Add(line);
        if (echo is not null)
            lock (echo) { echo.WriteLine(line); echo.Flush(); }
    }
}

/// <summary>Routes ASP.NET Core's own warnings and errors (e.g. an unhandled exception) into the twin's log.</summary>
internal sealed class TwinLogProvider(TwinLog log) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => new Logger(log, categoryName);
    public void Dispose() { }

    private sealed class Logger(TwinLog log, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel)) return;
            log.Log(logLevel >= LogLevel.Error ? "ERROR" : "WARN", category, formatter(state, exception) + (exception is null ? "" : " " + exception.GetType().Name + ": " + exception.Message));
        }
    }
}

/// <summary>The twin refused to start, as the real server does with a configuration it cannot take.</summary>
public sealed class TwinRefusedException(string message, IReadOnlyList<string> logLines) : Exception(message)
{
    /// <summary>The server log up to the refusal (the last lines name the problem).</summary>
    public IReadOnlyList<string> LogLines { get; } = logLines;
}
