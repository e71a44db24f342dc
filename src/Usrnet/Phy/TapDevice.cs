using System.Runtime.InteropServices;
using System.Text;

namespace Usrnet.Phy;

/// <summary>
/// A Linux TAP device: raw Ethernet frames to and from the kernel through <c>/dev/net/tun</c>.
/// </summary>
/// <remarks>
/// <para>
/// The device attaches to a TAP that already exists in the calling thread's network namespace and never
/// creates one (that is <c>usrnet lab up</c>'s or <c>ip tuntap add</c>'s job). Only one process can attach
/// to a TAP at a time (the kernel answers a second attach with EBUSY).
/// </para>
/// <para>
/// One frame per read(2)/write(2); the descriptor is non-blocking, and <see cref="Wait"/> blocks in poll(2)
/// on it together with an eventfd that <see cref="Wake"/> signals. Ownership: the device owns both
/// descriptors and one spare receive buffer; a frame returned by <see cref="Receive"/> belongs to the caller.
/// </para>
/// <para>
/// With offloads (<see cref="Offloads"/>) every frame crosses with a virtio-net header before it
/// (<c>IFF_VNET_HDR</c>, readv(2)/writev(2)), and the kernel fills TCP checksums and cuts segments of up
/// to 64 KiB into wire-sized ones on the way in, and hands over coalesced segments of up to 64 KiB whose
/// checksum is not yet filled on the way out (<see cref="PacketBuffer.Offload"/> says so per frame).
/// </para>
/// </remarks>
public sealed unsafe class TapDevice : IDevice
{
    /// <summary>The clone device every TUN/TAP attach goes through (Documentation/networking/tuntap.rst).</summary>
    private const string CloneDevicePath = "/dev/net/tun";

    /// <summary>Smallest MTU an IPv4 link may have (RFC 791: every host must take 68-byte datagrams).</summary>
    private const int MinMtu = 68;

    /// <summary>Largest MTU: an IPv4 datagram cannot be longer (RFC 791 Total Length is 16 bits).</summary>
    private const int MaxMtu = 65535;

    /// <summary>
    /// Smallest receive buffer. The kernel may hand us frames larger than the MTU we were told (a VLAN tag,
    /// or a tap whose MTU is larger); a buffer with room to spare keeps those whole. A read that fills the
    /// buffer is taken as truncated, so the buffer must be longer than the largest frame we accept.
    /// </summary>
    private const int MinReceiveBufferLength = 2048;

    /// <summary>Slack above the largest frame: room for a VLAN tag and more (IEEE 802.1Q adds 4 bytes).</summary>
    private const int ReceiveBufferSlack = 64;

    /// <summary>
    /// What the TAP is asked to take from us with offloads: TCP checksums left to fill (TUN_F_CSUM) and
    /// IPv4 TCP segments to cut (TUN_F_TSO4). Not TSO6 (the stack has no IPv6 yet), nor TSO_ECN (it sends
    /// no CWR), nor UDP fragmentation or segmentation, which it never asks a device for.
    /// </summary>
    private const uint OffloadFlags = LinuxInterop.TUN_F_CSUM | LinuxInterop.TUN_F_TSO4;

    private readonly FileDescriptorHandle _tap;
    private readonly FileDescriptorHandle _wakeEvent;
    private readonly int _receiveBufferLength;
    private PacketBuffer? _spare;
    private int _disposed;

    private long _framesReceived;
    private long _bytesReceived;
    private long _framesTransmitted;
    private long _bytesTransmitted;
    private long _transmitDropped;
    private long _transmitErrors;
    private long _receiveErrors;
    private long _receiveTruncated;

    private TapDevice(string name, FileDescriptorHandle tap, FileDescriptorHandle wakeEvent, int mtu, bool offloads, string? offloadUnavailableReason)
    {
        Name = name;
        _tap = tap;
        _wakeEvent = wakeEvent;
        Offloads = offloads;
        OffloadUnavailableReason = offloadUnavailableReason;
        // The vnet header says per frame whether the kernel verified its checksum; nothing is vouched for as a whole.
        Capabilities = offloads
            ? DeviceCapabilities.WithOffloads(mtu) with { ChecksumVerifiedOnReceive = false }
            : new DeviceCapabilities { Mtu = mtu, MaxSegmentLength = mtu };
        _receiveBufferLength = Math.Max(MinReceiveBufferLength, Capabilities.MaxReceivePacketLength + DeviceCapabilities.EthernetHeaderLength + ReceiveBufferSlack);
    }

    /// <summary>The interface name of the TAP.</summary>
    public string Name { get; }

    /// <summary>
    /// True when frames cross with a virtio-net header and the kernel fills checksums and cuts and
    /// coalesces TCP segments (see <see cref="Capabilities"/>); false for plain frames.
    /// </summary>
    public bool Offloads { get; }

    /// <summary>
    /// Why offloads were asked for but the TAP runs with plain frames (the ioctl the kernel refused and
    /// its errno, e.g. <c>TUNSETOFFLOAD: EINVAL</c>); null when offloads are on or were not asked for.
    /// </summary>
    public string? OffloadUnavailableReason { get; }

    /// <inheritdoc/>
    public DeviceCapabilities Capabilities { get; }

    /// <summary>What the device has carried and lost so far.</summary>
    public DeviceCounters Counters => new()
    {
        FramesReceived = _framesReceived,
        BytesReceived = _bytesReceived,
        FramesTransmitted = _framesTransmitted,
        BytesTransmitted = _bytesTransmitted,
        TransmitDropped = _transmitDropped,
        TransmitErrors = _transmitErrors,
        ReceiveErrors = _receiveErrors,
        ReceiveTruncated = _receiveTruncated,
    };

    /// <summary>
    /// Attaches to the existing TAP <paramref name="name"/> in the current network namespace.
    /// </summary>
    /// <param name="name">Interface name, at most 15 bytes (IFNAMSIZ - 1).</param>
    /// <param name="mtu">The IP MTU the stack should assume; it should match the TAP's own MTU.</param>
    /// <param name="offload">
    /// Ask for checksum and segmentation offload (<see cref="Offloads"/>). When the kernel refuses, the
    /// device runs with plain frames and <see cref="OffloadUnavailableReason"/> says why.
    /// </param>
    /// <exception cref="ArgumentException">The name is empty, too long, or not a valid interface name.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The MTU is outside 68..65535.</exception>
    /// <exception cref="DeviceException">The TAP does not exist, is busy, or may not be opened.</exception>
    public static TapDevice Open(string name, int mtu = 1500, bool offload = false)
    {
        ValidateName(name);
        ArgumentOutOfRangeException.ThrowIfLessThan(mtu, MinMtu);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(mtu, MaxMtu);
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("TAP devices are only supported on Linux.");
        }

        // TUNSETIFF creates the interface when the name is free, so check first: a stack that silently
        // made its own tap would look up but be cut off from the lab it was meant to join.
        uint index = LinuxInterop.IfNameToIndex(name);
        if (index == 0)
        {
            throw NotFound(name);
        }

        FileDescriptorHandle tap = OpenCloneDevice(name);
        FileDescriptorHandle? wakeEvent = null;
        try
        {
            string? offloadUnavailableReason = null;
            if (offload)
            {
                Attach(tap, name, index, LinuxInterop.IFF_VNET_HDR);
                offloadUnavailableReason = TryEnableOffloads(tap);
                if (offloadUnavailableReason is not null)
                {
                    // IFF_VNET_HDR is fixed at TUNSETIFF, which a descriptor takes once: plain frames need a new one.
                    // The tap outlives our descriptor (it exists without us: persistent).
                    tap.Dispose();
                    tap = OpenCloneDevice(name);
                }
            }
            bool offloads = offload && offloadUnavailableReason is null;
            if (!offloads)
            {
                Attach(tap, name, index, 0);
                TurnOffloadsOff(tap, name);
            }
            wakeEvent = LinuxInterop.EventFd(0, LinuxInterop.EFD_NONBLOCK | LinuxInterop.EFD_CLOEXEC);
            if (wakeEvent.IsInvalid)
            {
                int errno = Marshal.GetLastPInvokeError();
                throw new DeviceException($"cannot create the wake-up eventfd for tap '{name}': {Marshal.GetPInvokeErrorMessage(errno)}", errno);
            }
            return new TapDevice(name, tap, wakeEvent, mtu, offloads, offloadUnavailableReason);
        }
        catch
        {
            wakeEvent?.Dispose();
            tap.Dispose();
            throw;
        }
    }

    /// <inheritdoc/>
    public PacketBuffer? Receive(Instant now)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        Span<byte> header = stackalloc byte[VirtioNetHeader.Length];
        while (true)
        {
            // Keep the buffer of a read that found nothing for the next call: polling an idle tap then
            // costs a syscall, not a rent and return.
            PacketBuffer buffer = _spare ??= PacketBuffer.Rent(_receiveBufferLength);
            buffer.SetLength(buffer.Capacity);
            nint read = ReadFrame(buffer, header);
            if (read < 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                switch (errno)
                {
                    case LinuxInterop.EAGAIN:
                        return null;
                    case LinuxInterop.EINTR:
                        continue;
                    case LinuxInterop.EBADFD:
                        throw Removed(errno);
                    default:
                        // Transient (e.g. ENOMEM); counting is all we can do, and the next poll retries.
                        _receiveErrors++;
                        return null;
                }
            }
            int length = Offloads ? (int)read - VirtioNetHeader.Length : (int)read;
            if (length >= buffer.Length)
            {
                // The kernel copies what fits and returns at most the length asked for
                // (drivers/net/tun.c, tun_chr_read_iter), so a full buffer means the frame may have been
                // cut. The buffer is larger than any frame we accept, and half a frame would only mislead
                // the layers above: drop it.
                _receiveTruncated++;
                continue;
            }
            PacketOffload offload = default;
            if (length < 0 || (Offloads && !VirtioNetHeader.Read(header).TryToOffload(length, out offload)))
            {
                // A header shorter than its size or one that does not fit its frame: the frame cannot be trusted.
                _receiveErrors++;
                continue;
            }
            _framesReceived++;
            _bytesReceived += length;
            return HandOver(buffer, length, offload);
        }
    }

    /// <inheritdoc/>
    public bool Transmit(Instant now, PacketBuffer frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        using (frame)
        {
            ObjectDisposedException.ThrowIf(_disposed != 0, this);
            Span<byte> header = stackalloc byte[VirtioNetHeader.Length];
            if (!PrepareTransmit(frame, header))
            {
                _transmitErrors++;
                return false;
            }
            while (true)
            {
                if (WriteFrame(frame, header) >= 0)
                {
                    _framesTransmitted++;
                    _bytesTransmitted += frame.Length;
                    return true;
                }
                int errno = Marshal.GetLastPInvokeError();
                switch (errno)
                {
                    case LinuxInterop.EINTR:
                        continue;
                    case LinuxInterop.EAGAIN or LinuxInterop.ENOBUFS:
                        _transmitDropped++;
                        return false;
                    case LinuxInterop.EBADFD:
                        throw Removed(errno);
                    default:
                        // EINVAL for a frame shorter than an Ethernet header (or a vnet header the kernel
                        // refuses), EIO while the link is down: the frame is lost like on a real wire, and
                        // the stack's own timers recover.
                        _transmitErrors++;
                        return false;
                }
            }
        }
    }

    /// <inheritdoc/>
    /// <remarks>The device has no timers of its own: always null.</remarks>
    public Instant? PollAt(Instant now) => null;

    /// <inheritdoc/>
    public void Wait(TimeSpan? timeout)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        bool tapAdded = false;
        bool wakeAdded = false;
        try
        {
            // Hold references so a Dispose on another thread cannot close (and the process reuse) the
            // descriptor numbers while poll(2) is using them.
            _tap.DangerousAddRef(ref tapAdded);
            _wakeEvent.DangerousAddRef(ref wakeAdded);
            LinuxInterop.PollFd* fds = stackalloc LinuxInterop.PollFd[2];
            fds[0] = new LinuxInterop.PollFd { Fd = _tap.Fd, Events = LinuxInterop.POLLIN };
            fds[1] = new LinuxInterop.PollFd { Fd = _wakeEvent.Fd, Events = LinuxInterop.POLLIN };
            // EINTR or an error simply returns: a Wait that returns early is allowed, and Receive reports
            // a tap that has gone away.
            int ready = LinuxInterop.Poll(fds, 2, DeviceTimeout.ToMilliseconds(timeout));
            if (ready > 0 && fds[1].Revents != 0)
            {
                DrainWakeEvent();
            }
        }
        finally
        {
            if (wakeAdded)
            {
                _wakeEvent.DangerousRelease();
            }
            if (tapAdded)
            {
                _tap.DangerousRelease();
            }
        }
    }

    /// <inheritdoc/>
    public void Wake()
    {
        if (_wakeEvent.IsClosed)
        {
            return;
        }
        ulong one = 1;
        try
        {
            // EAGAIN means the counter is near overflow, i.e. a wake-up is already pending: nothing to do.
            LinuxInterop.Write(_wakeEvent, &one, sizeof(ulong));
        }
        catch (ObjectDisposedException)
        {
            // Disposed between the check and the call: waking a closed device is a no-op.
        }
    }

    /// <summary>Closes the TAP and the wake-up eventfd. Safe to call more than once.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        _spare?.Dispose();
        _spare = null;
        _tap.Dispose();
        _wakeEvent.Dispose();
    }

    private void DrainWakeEvent()
    {
        // An eventfd read returns and clears the whole counter, however many Wake calls added to it.
        ulong value;
        LinuxInterop.Read(_wakeEvent, &value, sizeof(ulong));
    }

    /// <summary>
    /// Reads one frame into <paramref name="buffer"/> (with offloads, its vnet header into
    /// <paramref name="header"/> first, in the same readv(2)). Returns what read(2) returns.
    /// </summary>
    private nint ReadFrame(PacketBuffer buffer, Span<byte> header) => Transfer(buffer, header, write: false);

    /// <summary>Writes <paramref name="frame"/> (with offloads, after <paramref name="header"/>, in one writev(2)). Returns what write(2) returns.</summary>
    private nint WriteFrame(PacketBuffer frame, Span<byte> header) => Transfer(frame, header, write: true);

    /// <summary>
    /// One read(2) or write(2) of a frame; with offloads, readv(2) or writev(2) of the vnet header and
    /// the frame together, so both cross in one system call.
    /// </summary>
    private nint Transfer(PacketBuffer frame, Span<byte> header, bool write)
    {
        fixed (byte* data = frame.Span)
        fixed (byte* vnet = header)
        {
            if (!Offloads)
            {
                return write ? LinuxInterop.Write(_tap, data, (nuint)frame.Length) : LinuxInterop.Read(_tap, data, (nuint)frame.Length);
            }
            LinuxInterop.IoVec* vectors = stackalloc LinuxInterop.IoVec[2];
            vectors[0] = new LinuxInterop.IoVec { Base = vnet, Length = VirtioNetHeader.Length };
            vectors[1] = new LinuxInterop.IoVec { Base = data, Length = (nuint)frame.Length };
            return write ? LinuxInterop.WriteV(_tap, vectors, 2) : LinuxInterop.ReadV(_tap, vectors, 2);
        }
    }

    /// <summary>
    /// Gives the caller the frame just read into <paramref name="buffer"/>. A small frame (an ACK) in a
    /// large receive buffer is copied into a standard one, so it does not hold 128 KiB while the stack
    /// works on it and the large buffer stays the spare; a large frame takes the buffer with it.
    /// </summary>
    private PacketBuffer HandOver(PacketBuffer buffer, int length, PacketOffload offload)
    {
        PacketBuffer frame;
        if (buffer.Capacity > PacketBuffer.StandardCapacity && length <= PacketBuffer.StandardCapacity)
        {
            frame = PacketBuffer.Copy(buffer.Span[..length]);
        }
        else
        {
            buffer.SetLength(length);
            _spare = null;
            frame = buffer;
        }
        frame.Offload = offload;
        return frame;
    }

    /// <summary>
    /// Makes <paramref name="frame"/> ready for the kernel: with offloads, the vnet header that says what
    /// to do with it; without, the kernel takes every frame as final, so a checksum left to fill is
    /// filled here. False for a frame the TAP cannot carry (offsets past its end, or a segment to cut
    /// without offloads).
    /// </summary>
    private bool PrepareTransmit(PacketBuffer frame, Span<byte> header)
    {
        if (Offloads)
        {
            if (!VirtioNetHeader.TryFromOffload(frame.Offload, frame.Span, out VirtioNetHeader vnet))
            {
                return false;
            }
            vnet.WriteTo(header);
            return true;
        }
        if (frame.Offload.IsSegmented || !frame.Offload.TryCompleteChecksum(frame.Span, out PacketOffload completed))
        {
            return false;
        }
        frame.Offload = completed;
        return true;
    }

    private static FileDescriptorHandle OpenCloneDevice(string name)
    {
        FileDescriptorHandle tap = LinuxInterop.Open(CloneDevicePath, LinuxInterop.O_RDWR | LinuxInterop.O_NONBLOCK | LinuxInterop.O_CLOEXEC);
        if (tap.IsInvalid)
        {
            int errno = Marshal.GetLastPInvokeError();
            tap.Dispose();
            throw errno switch
            {
                LinuxInterop.ENOENT or LinuxInterop.ENODEV or LinuxInterop.ENXIO =>
                    new DeviceException($"{CloneDevicePath} is missing (load the tun module or create the node: mknod {CloneDevicePath} c 10 200)", errno),
                LinuxInterop.EPERM or LinuxInterop.EACCES => PermissionDenied(name, errno),
                _ => new DeviceException($"cannot open {CloneDevicePath}: {Marshal.GetPInvokeErrorMessage(errno)}", errno),
            };
        }
        return tap;
    }

    /// <summary>
    /// Turns on the vnet header's size and the offloads on a tap attached with IFF_VNET_HDR; null when
    /// done, else which ioctl the kernel refused and its errno.
    /// </summary>
    private static string? TryEnableOffloads(FileDescriptorHandle tap)
    {
        int headerLength = VirtioNetHeader.Length;
        if (LinuxInterop.Ioctl(tap, LinuxInterop.TUNSETVNETHDRSZ, &headerLength) < 0)
        {
            return $"TUNSETVNETHDRSZ: {LinuxInterop.ErrnoName(Marshal.GetLastPInvokeError())}";
        }
        if (LinuxInterop.Ioctl(tap, LinuxInterop.TUNSETOFFLOAD, OffloadFlags) < 0)
        {
            return $"TUNSETOFFLOAD: {LinuxInterop.ErrnoName(Marshal.GetLastPInvokeError())}";
        }
        return null;
    }

    private static void TurnOffloadsOff(FileDescriptorHandle tap, string name)
    {
        // A previous IFF_VNET_HDR user may have left checksum/TSO offload on; without a vnet header we
        // could not tell which frames carry unfinished checksums, so turn every offload off.
        if (LinuxInterop.Ioctl(tap, LinuxInterop.TUNSETOFFLOAD, 0) < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            throw new DeviceException($"cannot turn offloads off on tap '{name}': {Marshal.GetPInvokeErrorMessage(errno)}", errno);
        }
    }

    private static void Attach(FileDescriptorHandle tap, string name, uint index, short extraFlags)
    {
        byte* request = stackalloc byte[LinuxInterop.InterfaceRequestSize];
        new Span<byte>(request, LinuxInterop.InterfaceRequestSize).Clear();
        Encoding.ASCII.GetBytes(name, new Span<byte>(request, LinuxInterop.InterfaceNameSize - 1));
        *(short*)(request + LinuxInterop.InterfaceRequestFlagsOffset) = (short)(LinuxInterop.IFF_TAP | LinuxInterop.IFF_NO_PI | extraFlags);
        if (LinuxInterop.Ioctl(tap, LinuxInterop.TUNSETIFF, request) < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            throw errno switch
            {
                LinuxInterop.EBUSY => new DeviceException($"tap '{name}' is already in use by another process (only one process can attach to a tap)", errno),
                LinuxInterop.EPERM or LinuxInterop.EACCES => PermissionDenied(name, errno),
                // drivers/net/tun.c, tun_set_iff: the name belongs to another kind of interface, a tun,
                // or a multi-queue tap.
                LinuxInterop.EINVAL => new DeviceException($"'{name}' is not a single-queue tap device (it is a tun, a multi-queue tap or another kind of interface)", errno),
                _ => new DeviceException($"cannot attach to tap '{name}': {Marshal.GetPInvokeErrorMessage(errno)}", errno),
            };
        }

        // Between if_nametoindex and TUNSETIFF the tap could have been deleted, and TUNSETIFF would then
        // have created a new one. A new interface has a new index; closing our fd deletes it again
        // (it is not persistent).
        if (LinuxInterop.IfNameToIndex(name) != index)
        {
            throw NotFound(name);
        }
    }

    private static void ValidateName(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (name.Length >= LinuxInterop.InterfaceNameSize)
        {
            throw new ArgumentException($"interface name '{name}' is longer than {LinuxInterop.InterfaceNameSize - 1} characters", nameof(name));
        }
        // net/core/dev.c, dev_valid_name: no '/', ':' or whitespace, not "." or "..". Keep to printable
        // ASCII so the name is the same bytes in the kernel as here.
        foreach (char c in name)
        {
            if (c is <= ' ' or > '~' or '/' or ':')
            {
                throw new ArgumentException($"interface name '{name}' contains a character Linux does not allow", nameof(name));
            }
        }
        if (name is "." or "..")
        {
            throw new ArgumentException($"'{name}' is not a valid interface name", nameof(name));
        }
    }

    private static DeviceException NotFound(string name) =>
        new($"tap device '{name}' does not exist in this network namespace (create it with `usrnet lab up` or `ip tuntap add dev {name} mode tap`)");

    private static DeviceException PermissionDenied(string name, int errno) =>
        new($"permission denied opening tap '{name}' (run as root or give CAP_NET_ADMIN)", errno);

    private DeviceException Removed(int errno) =>
        new($"tap '{Name}' was removed while in use", errno);
}
