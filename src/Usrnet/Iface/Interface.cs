using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Usrnet.Phy;
using Usrnet.Sockets;
using Usrnet.Wire;

namespace Usrnet.Iface;

/// <summary>
/// An Ethernet interface with one IPv4 address: it owns the device, the ARP cache, reassembly and the
/// sockets, and moves packets between them when polled (smoltcp's model).
/// </summary>
/// <remarks>
/// The interface is synchronous and has a single owner: call <see cref="Poll"/> with the current time
/// whenever the device may have frames or a socket has data to send, and again by
/// <see cref="PollAt"/>. It never blocks and never reads a clock. Malformed input is counted in
/// <see cref="Counters"/> and dropped, never thrown.
/// Ownership: the interface owns the device and disposes it in <see cref="Dispose"/>.
/// </remarks>
public sealed partial class Interface : IArpCacheHost, INeighborCacheHost, IDisposable
{
    /// <summary>Frames taken from the device per <see cref="Poll"/>, so sending gets its turn under a flood.</summary>
    private const int MaxFramesPerPoll = 256;

    private readonly IDevice _device;
    private readonly ArpCache _arp;
    private readonly Ipv4Reassembler _reassembler;
    private readonly IcmpErrorPolicy _icmpErrors;
    private readonly NeighborCacheOptions _neighborOptions;
    private readonly ILogger _logger;
    private readonly ReassemblyTimeoutHandler _onReassemblyTimeout;
    private ushort _nextIdentification;
    private int _announcementsLeft;
    private Instant? _nextAnnouncement;
    private Instant _now;

    /// <summary>Creates an interface over <paramref name="device"/>.</summary>
    public Interface(IDevice device, InterfaceOptions? options = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(device);
        options ??= new InterfaceOptions();
        if (!options.HardwareAddress.IsUnicast)
        {
            throw new ArgumentException($"{options.HardwareAddress} is not a unicast MAC address", nameof(options));
        }
        _device = device;
        _logger = logger ?? NullLogger.Instance;
        HardwareAddress = options.HardwareAddress;
        Gateway = options.Gateway;
        AnswerEchoRequests = options.AnswerEchoRequests;
        Random random = options.Seed is int seed ? new Random(seed) : new Random();
        _nextIdentification = (ushort)random.Next(ushort.MaxValue + 1);
        // Unseeded, the sockets key their ISN, cookie and port hashes from the system's generator (RFC 6528 §3).
        Sockets = new SocketSet(options.Seed is null ? null : new Random(random.Next()));
        // RFC 9293 §3.7.1: the MSS our route allows is the MTU less the IPv4 and TCP headers.
        Sockets.Tcp.RouteMss = Mtu - Ipv4Header.Length - TcpSegment.MinHeaderLength;
        _arp = new ArpCache(options.Arp);
        _reassembler = new Ipv4Reassembler(options.Reassembly);
        _icmpErrors = new IcmpErrorPolicy(options.IcmpErrorsPerSecond, options.IcmpErrorBurst);
        _onReassemblyTimeout = OnReassemblyTimeout;
        _neighborOptions = options.NeighborCache;
        _ndp = new NeighborCache(options.NeighborCache);
        _reassembler6 = new Ipv6Reassembler(options.Reassembly);
        SetAddress(options.Address);
        Ipv6Enabled = options.Ipv6Enabled;
        if (Ipv6Enabled)
        {
            LinkLocalAddress = Ipv6Address.LinkLocalFromMac(HardwareAddress);
            AddIpv6Address(new Ipv6Cidr(LinkLocalAddress.Value, Ipv6Address.InterfaceIdentifierLength));
            foreach (Ipv6Cidr cidr in options.Ipv6Addresses)
            {
                AddIpv6Address(cidr);
            }
        }
    }

    /// <summary>The interface's MAC address.</summary>
    public EthernetAddress HardwareAddress { get; }

    /// <summary>The IPv4 address and prefix, or null when none is assigned.</summary>
    public Ipv4Cidr? Address { get; private set; }

    /// <summary>The default gateway, or null.</summary>
    public Ipv4Address? Gateway { get; set; }

    /// <summary>Whether echo requests are answered.</summary>
    public bool AnswerEchoRequests { get; set; }

    /// <summary>The IP MTU of the device.</summary>
    public int Mtu => _device.Capabilities.Mtu;

    /// <summary>The sockets this interface serves.</summary>
    public SocketSet Sockets { get; }

    /// <summary>The neighbour table.</summary>
    public ArpCache ArpCache => _arp;

    /// <summary>What was received, sent and dropped.</summary>
    public InterfaceCounters Counters { get; } = new();

    /// <summary>The device under the interface.</summary>
    public IDevice Device => _device;

    /// <summary>
    /// Assigns (or with null removes) the IPv4 address. A new address is announced with two gratuitous
    /// ARP requests, 2 s apart, from the next <see cref="Poll"/> on (RFC 5227 §2.3: ANNOUNCE_NUM,
    /// ANNOUNCE_INTERVAL), so neighbours replace stale entries.
    /// </summary>
    public void SetAddress(Ipv4Cidr? address)
    {
        if (address is { } a && (!a.Address.IsUnicast || a.PrefixLength is < 1 or > 32))
        {
            throw new ArgumentException($"{a} cannot be an interface address", nameof(address));
        }
        if (address == Address)
        {
            return;
        }
        Address = address;
        Sockets.Tcp.LocalAddress = address?.Address;
        _arp.Clear();
        _announcementsLeft = address is null ? 0 : AnnounceCount;
        _nextAnnouncement = null; // "as soon as polled"
        if (address is { } assigned)
        {
            Log.AddressAssigned(_logger, assigned.ToString());
        }
    }

    /// <summary>
    /// Does all pending work: takes frames from the device and processes them, sends due ARP requests
    /// and announcements, expires reassembly, and sends what sockets queued. Returns true when anything
    /// was received or sent.
    /// </summary>
    public bool Poll(Instant now)
    {
        _now = now;
        _cookieSynsLeft = MaxCookieSynsPerPoll;
        bool progress = false;
        for (int i = 0; i < MaxFramesPerPoll; i++)
        {
            PacketBuffer? frame = _device.Receive(now);
            if (frame is null)
            {
                break;
            }
            progress = true;
            Counters.FramesReceived++;
            Counters.BytesReceived += frame.Length;
            try
            {
                ProcessFrame(now, frame.Span, TransportChecksumVerified(frame.Offload));
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // A frame must never kill the stack; a throw here is our bug, so make it loud in the log.
                Counters.DroppedMalformed++;
                Log.FrameProcessingFailed(_logger, e);
            }
            finally
            {
                frame.Dispose();
            }
        }
        SendAnnouncements(now);
        _arp.Poll(now, this);
        RunDuplicateAddressDetection(now);
        _ndp.Poll(now, this);
        Counters.DroppedFragments += _reassembler.Expire(now, _onReassemblyTimeout);
        Counters.DroppedFragments += _reassembler6.Expire(now, onTimeout: null);
        AbortLingering(now);
        progress |= DispatchSockets(now);
        return progress;
    }

    /// <summary>
    /// The next instant <see cref="Poll"/> must be called even if no frame arrives and no socket is
    /// used: <paramref name="now"/> when sockets have data waiting to be sent, null when there is no timer.
    /// </summary>
    public Instant? PollAt(Instant now)
    {
        if (HasPendingSocketOutput())
        {
            return now;
        }
        Instant? next = _device.PollAt(now);
        next = Instant.Min(next, TcpPollAt(now));
        next = Instant.Min(next, LingerPollAt());
        next = Instant.Min(next, _arp.PollAt());
        next = Instant.Min(next, _ndp.PollAt());
        next = Instant.Min(next, DadPollAt(now));
        next = Instant.Min(next, _reassembler.PollAt());
        next = Instant.Min(next, _reassembler6.PollAt());
        if (_announcementsLeft > 0)
        {
            next = Instant.Min(next, _nextAnnouncement ?? now);
        }
        return next;
    }

    /// <summary>How long the owner may wait for a frame before calling <see cref="Poll"/> again; null means "until a frame arrives".</summary>
    public TimeSpan? PollDelay(Instant now) => PollAt(now) is { } at ? (at <= now ? TimeSpan.Zero : at - now) : null;

    /// <summary>Disposes the device and drops parked frames.</summary>
    public void Dispose()
    {
        _arp.Clear();
        _ndp.Clear();
        _device.Dispose();
    }

    /// <summary>
    /// True when the device vouches for a received frame's transport checksum: it verified it, or the frame
    /// came from a local sender with the checksum left to fill (it never crossed a wire), so the stack
    /// does not sum it again. The IPv4 header checksum is always verified.
    /// </summary>
    private bool TransportChecksumVerified(in PacketOffload offload) =>
        _device.Capabilities.ChecksumVerifiedOnReceive || offload.Checksum != ChecksumState.None;

    private void ProcessFrame(Instant now, Span<byte> buffer, bool checksumVerified)
    {
        if (!EthernetFrame.TryCreate(buffer, out EthernetFrame frame))
        {
            Counters.DroppedMalformed++;
            return;
        }
        EthernetAddress destination = frame.Destination;
        if (destination != HardwareAddress && !destination.IsBroadcast && !IsJoinedMulticastMac(destination))
        {
            Counters.DroppedNotForUs++;
            return;
        }
        EtherType type = frame.EtherType;
        bool raw = DeliverToRawEthernet(type, buffer);
        switch (type)
        {
            case EtherType.Arp:
                ProcessArp(now, frame.Payload);
                break;
            case EtherType.Ipv4:
                ProcessIpv4(now, frame.Payload, linkBroadcast: destination.IsBroadcast, fromLink: true, checksumVerified);
                break;
            case EtherType.Ipv6 when Ipv6Enabled:
                ProcessIpv6(now, frame.Payload, linkMulticast: destination.IsMulticast);
                break;
            default:
                if (!raw)
                {
                    Counters.DroppedUnknownEtherType++;
                }
                break;
        }
    }

    private void Transmit(Instant now, PacketBuffer frame)
    {
        int length = frame.Length;
        if (_device.Transmit(now, frame))
        {
            Counters.FramesSent++;
            Counters.BytesSent += length;
        }
        else
        {
            Counters.DroppedTransmitFailed++;
        }
    }

    private ushort NextIdentification() => _nextIdentification++;

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "IPv4 address {Address} assigned")]
        public static partial void AddressAssigned(ILogger logger, string address);

        [LoggerMessage(EventId = 2, Level = LogLevel.Error, Message = "Processing a received frame failed; the frame was dropped")]
        public static partial void FrameProcessingFailed(ILogger logger, Exception exception);

        [LoggerMessage(EventId = 3, Level = LogLevel.Debug, Message = "Neighbour {Address} did not answer ARP; dropping a parked packet")]
        public static partial void NeighborUnreachable(ILogger logger, string address);

        [LoggerMessage(EventId = 4, Level = LogLevel.Information, Message = "IPv6 address {Address} assigned after duplicate address detection")]
        public static partial void Ipv6AddressAssigned(ILogger logger, string address);

        [LoggerMessage(EventId = 5, Level = LogLevel.Warning, Message = "IPv6 address {Address} is a duplicate on the link; it is not used")]
        public static partial void DuplicateIpv6Address(ILogger logger, string address);

        [LoggerMessage(EventId = 6, Level = LogLevel.Warning, Message = "Another node advertises our IPv6 address {Address}")]
        public static partial void Ipv6AddressClaimed(ILogger logger, string address);
    }
}
