using Microsoft.Win32.SafeHandles;

namespace Usrnet.Phy;

/// <summary>
/// Owns a Linux file descriptor and closes it exactly once.
/// </summary>
/// <remarks>
/// A SafeHandle rather than a bare int because <see cref="IDevice.Wake"/> may run on any thread while the
/// owner disposes the device: the handle's reference count keeps the descriptor open until an in-flight
/// call returns, so a wake-up can never write into a descriptor number the process has since reused.
/// </remarks>
internal sealed class FileDescriptorHandle : SafeHandleMinusOneIsInvalid
{
    /// <summary>
    /// Takes ownership of what a call such as open(2) returned: a descriptor, or -1 on failure (then the
    /// handle is invalid and errno is still <see cref="System.Runtime.InteropServices.Marshal.GetLastPInvokeError"/>).
    /// </summary>
    /// <remarks>
    /// The calls return a C <c>int</c>; it is widened here with its sign. A SafeHandle returned straight
    /// from the P/Invoke would take the whole 64-bit return register, in which -1 arrives as 0xFFFFFFFF
    /// (the upper half zeroed), which is not -1: a failed open would look like a valid descriptor.
    /// </remarks>
    public FileDescriptorHandle(int fd)
        : base(ownsHandle: true)
    {
        SetHandle(fd);
    }

    /// <summary>The descriptor number, for calls such as poll(2) that take it inside a struct.</summary>
    public int Fd => (int)handle;

    /// <inheritdoc/>
    protected override bool ReleaseHandle() => LinuxInterop.Close((int)handle) == 0;
}
