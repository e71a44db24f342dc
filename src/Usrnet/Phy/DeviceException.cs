namespace Usrnet.Phy;

/// <summary>
/// A device could not be opened or stopped working (the TAP is missing, busy, forbidden, or was removed).
/// </summary>
/// <remarks>
/// The message is one line meant for a human, ending with the errno name when a system call failed.
/// Callers catch this type; only the devices construct it.
/// </remarks>
public sealed class DeviceException : IOException
{
    internal DeviceException(string message, int errno = 0)
        : base(errno == 0 ? message : $"{message} ({LinuxInterop.ErrnoName(errno)})")
    {
        Errno = errno;
    }

    /// <summary>The errno of the failed system call, or 0 when the failure was not a system call's.</summary>
    public int Errno { get; }
}
