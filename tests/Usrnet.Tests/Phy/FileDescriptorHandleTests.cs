using System.Runtime.InteropServices;
using Usrnet.Phy;

namespace Usrnet.Tests.Phy;

/// <summary>
/// The calls that return a descriptor: a failure (-1) must come back as an invalid handle with errno, never as
/// a "valid" descriptor 0xFFFFFFFF that the next call (TUNSETIFF) reports as EBADF.
/// </summary>
public sealed class FileDescriptorHandleTests
{
    /// <summary>eventfd(2) takes only EFD_SEMAPHORE (bit 0), EFD_NONBLOCK and EFD_CLOEXEC; bit 1 is none of them.</summary>
    private const int UnknownEventFdFlag = 0x2;

    [Fact]
    public void AFailedOpenIsAnInvalidHandleAndKeepsErrno()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        using FileDescriptorHandle handle = LinuxInterop.Open($"/nonexistent-usrnet-{Random.Shared.Next():x8}", LinuxInterop.O_RDWR | LinuxInterop.O_CLOEXEC);

        Assert.True(handle.IsInvalid);
        Assert.Equal(LinuxInterop.ENOENT, Marshal.GetLastPInvokeError());
        Assert.Equal(-1, handle.Fd);
    }

    [Fact]
    public void AFailedEventFdIsAnInvalidHandleAndKeepsErrno()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        using FileDescriptorHandle handle = LinuxInterop.EventFd(0, UnknownEventFdFlag);

        Assert.True(handle.IsInvalid);
        Assert.Equal(LinuxInterop.EINVAL, Marshal.GetLastPInvokeError());
    }

    [Fact]
    public void ASuccessfulOpenIsValidAndClosedOnDispose()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        FileDescriptorHandle handle = LinuxInterop.Open("/dev/null", LinuxInterop.O_RDWR | LinuxInterop.O_CLOEXEC);
        int fd = handle.Fd;
        Assert.False(handle.IsInvalid);
        Assert.True(fd >= 0);
        Assert.True(File.Exists($"/proc/self/fd/{fd}"));

        handle.Dispose();

        Assert.True(handle.IsClosed);
    }

    [Fact]
    public void MinusOneIsInvalid()
    {
        using FileDescriptorHandle handle = new(-1);

        Assert.True(handle.IsInvalid);
    }
}
