using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace Usrnet.Cli;

/// <summary>
/// The stack's log for <c>--verbose</c>: one line per event on stderr (address assigned, DHCP states and
/// leases, neighbours that do not answer ARP, loop failures), so stdout keeps only the command's output.
/// One factory for the process, created on first use and flushed by <see cref="Flush"/> on exit.
/// </summary>
public static class CliLogging
{
    private static ILoggerFactory? s_factory;

    /// <summary>The factory for a command run with <paramref name="verbose"/>; null without it (nothing is logged).</summary>
    public static ILoggerFactory? For(bool verbose)
    {
        if (!verbose)
        {
            return null;
        }
        return LazyInitializer.EnsureInitialized(ref s_factory, static () => LoggerFactory.Create(builder => builder
            .SetMinimumLevel(LogLevel.Debug)
            .AddSimpleConsole(console =>
            {
                console.SingleLine = true;
                console.TimestampFormat = "HH:mm:ss.fff ";
            })
            .Services.Configure<ConsoleLoggerOptions>(console => console.LogToStandardErrorThreshold = LogLevel.Trace)));
    }

    /// <summary>Writes out what the console logger still queues (it logs from a thread of its own). Called once, on exit.</summary>
    public static void Flush() => Interlocked.Exchange(ref s_factory, null)?.Dispose();
}
