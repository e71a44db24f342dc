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
    /// <summary>Creates an invalid handle; the P/Invoke marshaller sets the descriptor.</summary>
    public FileDescriptorHandle()
        : base(ownsHandle: true)
    {
    }

    /// <summary>The descriptor number, for calls such as poll(2) that take it inside a struct.</summary>
    public int Fd => (int)handle;

    /// <inheritdoc/>
    protected override bool ReleaseHandle() => LinuxInterop.Close((int)handle) == 0;
}
