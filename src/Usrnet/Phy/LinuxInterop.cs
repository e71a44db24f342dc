using System.Runtime.InteropServices;

namespace Usrnet.Phy;

/// <summary>
/// The few libc calls the TAP device needs, bound with source-generated P/Invoke so there is no native
/// build step and nothing is marshalled by reflection (AOT-safe, no allocation per call).
/// </summary>
/// <remarks>
/// Constant values are those of Linux on x86_64 and arm64 (the asm-generic headers), the only platforms the
/// TAP device supports. Calls that can fail are declared with <c>SetLastError = true</c>, so
/// <see cref="Marshal.GetLastPInvokeError"/> returns errno right after them.
/// </remarks>
internal static unsafe partial class LinuxInterop
{
    // "libc" resolves to glibc's libc.so.6 through the runtime's probing on Linux.
    private const string Libc = "libc";

    /// <summary>Longest interface name including its terminating NUL (linux/if.h IFNAMSIZ).</summary>
    public const int InterfaceNameSize = 16;

    /// <summary>Size of struct ifreq on 64-bit Linux (linux/if.h): a 16-byte name and a 24-byte union.</summary>
    public const int InterfaceRequestSize = 40;

    /// <summary>Offset of ifr_flags in struct ifreq (linux/if.h).</summary>
    public const int InterfaceRequestFlagsOffset = 16;

    // asm-generic/fcntl.h
    public const int O_RDWR = 0x2;
    public const int O_NONBLOCK = 0x800;
    public const int O_CLOEXEC = 0x80000;

    // linux/eventfd.h: the eventfd flags are the O_ flags of the same name.
    public const int EFD_NONBLOCK = O_NONBLOCK;
    public const int EFD_CLOEXEC = O_CLOEXEC;

    // linux/if_tun.h
    public const nuint TUNSETIFF = 0x400454ca;      // _IOW('T', 202, int)
    public const nuint TUNSETOFFLOAD = 0x400454d0;  // _IOW('T', 208, unsigned int)
    public const nuint TUNSETVNETHDRSZ = 0x400454d8; // _IOW('T', 216, int)
    public const short IFF_TAP = 0x0002;
    public const short IFF_NO_PI = 0x1000;
    public const short IFF_VNET_HDR = 0x4000;
    public const uint TUN_F_CSUM = 0x01;
    public const uint TUN_F_TSO4 = 0x02;
    public const uint TUN_F_TSO6 = 0x04;

    // asm-generic/poll.h
    public const short POLLIN = 0x0001;

    // asm-generic/errno-base.h and asm-generic/errno.h
    public const int EPERM = 1;
    public const int ENOENT = 2;
    public const int EINTR = 4;
    public const int EIO = 5;
    public const int ENXIO = 6;
    public const int EBADF = 9;
    public const int EAGAIN = 11;
    public const int ENOMEM = 12;
    public const int EACCES = 13;
    public const int EFAULT = 14;
    public const int EBUSY = 16;
    public const int EEXIST = 17;
    public const int ENODEV = 19;
    public const int EINVAL = 22;
    public const int ENFILE = 23;
    public const int EMFILE = 24;
    public const int ENOTTY = 25;
    public const int ENOSPC = 28;
    public const int EBADFD = 77;
    public const int EMSGSIZE = 90;
    public const int ENOBUFS = 105;
    public const int ENETDOWN = 100;

    /// <summary>struct pollfd (poll.h).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    [LibraryImport(Libc, EntryPoint = "if_nametoindex", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial uint IfNameToIndex(string name);

    /// <summary>open(2): an invalid handle on failure, errno in <see cref="Marshal.GetLastPInvokeError"/>.</summary>
    public static FileDescriptorHandle Open(string path, int flags) => new(OpenDescriptor(path, flags));

    /// <summary>eventfd(2): an invalid handle on failure, errno in <see cref="Marshal.GetLastPInvokeError"/>.</summary>
    public static FileDescriptorHandle EventFd(uint initialValue, int flags) => new(EventFdDescriptor(initialValue, flags));

    // Calls that return a descriptor are bound as returning int and wrapped (see FileDescriptorHandle(int)).
    [LibraryImport(Libc, EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int OpenDescriptor(string path, int flags);

    [LibraryImport(Libc, EntryPoint = "eventfd", SetLastError = true)]
    private static partial int EventFdDescriptor(uint initialValue, int flags);

    // ioctl is variadic in C; on the x86_64 and arm64 Linux ABIs a variadic pointer or integer argument
    // is passed exactly like a fixed one, so a fixed three-argument binding is correct there.
    [LibraryImport(Libc, EntryPoint = "ioctl", SetLastError = true)]
    public static partial int Ioctl(FileDescriptorHandle fd, nuint request, void* argument);

    [LibraryImport(Libc, EntryPoint = "ioctl", SetLastError = true)]
    public static partial int Ioctl(FileDescriptorHandle fd, nuint request, nuint argument);

    /// <summary>struct iovec (sys/uio.h): one piece of a readv(2)/writev(2).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct IoVec
    {
        public void* Base;
        public nuint Length;
    }

    [LibraryImport(Libc, EntryPoint = "readv", SetLastError = true)]
    public static partial nint ReadV(FileDescriptorHandle fd, IoVec* vectors, int count);

    [LibraryImport(Libc, EntryPoint = "writev", SetLastError = true)]
    public static partial nint WriteV(FileDescriptorHandle fd, IoVec* vectors, int count);

    [LibraryImport(Libc, EntryPoint = "read", SetLastError = true)]
    public static partial nint Read(FileDescriptorHandle fd, void* buffer, nuint count);

    [LibraryImport(Libc, EntryPoint = "write", SetLastError = true)]
    public static partial nint Write(FileDescriptorHandle fd, void* buffer, nuint count);

    [LibraryImport(Libc, EntryPoint = "poll", SetLastError = true)]
    public static partial int Poll(PollFd* fds, nuint count, int timeoutMilliseconds);

    [LibraryImport(Libc, EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    /// <summary>The symbolic name of an errno value, for one-line error messages.</summary>
    public static string ErrnoName(int errno) => errno switch
    {
        EPERM => "EPERM",
        ENOENT => "ENOENT",
        EINTR => "EINTR",
        EIO => "EIO",
        ENXIO => "ENXIO",
        EBADF => "EBADF",
        EAGAIN => "EAGAIN",
        ENOMEM => "ENOMEM",
        EACCES => "EACCES",
        EFAULT => "EFAULT",
        EBUSY => "EBUSY",
        EEXIST => "EEXIST",
        ENODEV => "ENODEV",
        EINVAL => "EINVAL",
        ENFILE => "ENFILE",
        EMFILE => "EMFILE",
        ENOTTY => "ENOTTY",
        ENOSPC => "ENOSPC",
        EBADFD => "EBADFD",
        EMSGSIZE => "EMSGSIZE",
        ENOBUFS => "ENOBUFS",
        ENETDOWN => "ENETDOWN",
        _ => $"errno {errno}",
    };
}
