using Microsoft.Extensions.Logging;

namespace Usrnet.Fuzz;

/// <summary>
/// Keeps the first exception the stack logs. <see cref="Iface.Interface.Poll"/> catches what a frame's
/// processing throws so that the process lives on, and logs it as an error: for the fuzzer that is a
/// crash all the same, so the harness takes it from here and rethrows it.
/// </summary>
internal sealed class CapturingLogger : ILogger
{
    /// <summary>The first exception logged, or null.</summary>
    public Exception? Exception { get; private set; }

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Error;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (exception is not null && logLevel >= LogLevel.Error)
        {
            Exception ??= exception;
        }
    }

    /// <summary>Rethrows a logged exception, keeping its stack trace inside.</summary>
    public void ThrowIfCaught()
    {
        if (Exception is { } e)
        {
            throw new InvalidOperationException($"the interface caught and logged: {e.GetType().Name}: {e.Message}", e);
        }
    }
}
