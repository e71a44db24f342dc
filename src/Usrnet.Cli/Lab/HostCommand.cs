using System.ComponentModel;
using System.Diagnostics;

namespace Usrnet.Cli.Lab;

/// <summary>Runs a host tool (<c>ip</c>, <c>sysctl</c>) directly, without a shell, and captures its output.</summary>
public static class HostCommand
{
    /// <summary>Runs <paramref name="argv"/> (program first) and waits at most <paramref name="timeout"/>.</summary>
    /// <exception cref="CliError">The program is not installed.</exception>
    public static HostCommandResult Run(IReadOnlyList<string> argv, TimeSpan timeout)
    {
        ArgumentOutOfRangeException.ThrowIfZero(argv.Count);
        ProcessStartInfo start = new(argv[0])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (string arg in argv.Skip(1))
        {
            start.ArgumentList.Add(arg);
        }
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new CliError($"could not start '{argv[0]}'");
        }
        catch (Win32Exception e)
        {
            throw new CliError($"could not run '{argv[0]}': {e.Message} (is iproute2 installed?)");
        }
        using (process)
        {
            process.StandardInput.Close();
            // Read both pipes concurrently: a child blocked on a full stderr pipe would never exit.
            Task<string> stdout = process.StandardOutput.ReadToEndAsync();
            Task<string> stderr = process.StandardError.ReadToEndAsync();
            bool exited = process.WaitForExit(timeout);
            if (!exited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit();
            }
            return new HostCommandResult(argv, exited ? process.ExitCode : -1, stdout.GetAwaiter().GetResult(), stderr.GetAwaiter().GetResult(), !exited);
        }
    }
}
