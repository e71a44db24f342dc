using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Usrnet.Wire;

namespace Usrnet.Sockets.Dhcp;

/// <summary>
/// A DHCPv4 client (RFC 2131) on a UDP socket of port 68, in the sockets' sans-IO style (smoltcp's
/// <c>dhcpv4::Socket</c>): the owner polls it with the time and takes the configuration changes it
/// reports. It never touches the interface; the owner applies what it reports:
/// <code>
/// using DhcpClient dhcp = new(iface.Sockets, iface.HardwareAddress);
/// while (running)
/// {
///     iface.Poll(now);
///     dhcp.Poll(now);
///     while (dhcp.TakeEvent() is { } e)
///     {
///         switch (e)
///         {
///             case DhcpConfigured { Configuration: var c }: iface.SetAddress(c.Address); iface.Gateway = c.Router; break;
///             case DhcpRenewed { Configuration: var c }: iface.Gateway = c.Router; break;
///             case DhcpDeconfigured: iface.SetAddress(null); iface.Gateway = null; break;
///         }
///     }
///     wait until Instant.Min(iface.PollAt(now), dhcp.PollAt(now)) or a frame;
/// }
/// </code>
/// </summary>
/// <remarks>
/// <para>States and transitions follow RFC 2131 §4.4 (Figure 5): INIT → SELECTING → REQUESTING → BOUND →
/// RENEWING (T1, unicast) → REBINDING (T2, broadcast) → expiry, and INIT-REBOOT → REBOOTING for a
/// remembered address. Between DHCPACK and BOUND the address is probed with ARP (RFC 5227 §2.1.1,
/// <see cref="DhcpState.Probing"/>); a conflict is answered with DHCPDECLINE.</para>
/// <para>Until it has a lease the client sends from 0.0.0.0 to 255.255.255.255 (RFC 2131 §4.1) with an
/// explicit source address, whatever the interface's address is, and asks servers to broadcast their
/// replies (<see cref="DhcpClientOptions.RequestBroadcast"/>). It receives them on its socket bound to
/// 0.0.0.0:68, which the interface serves also while it has no address.</para>
/// <para>Ownership: the client owns its UDP socket and, while probing, a raw ARP socket; both leave the
/// socket set on <see cref="Dispose"/>. Not thread-safe: use it on the thread that polls the interface.
/// Never reads a clock.</para>
/// </remarks>
public sealed partial class DhcpClient : IDisposable
{
    /// <summary>RFC 2131 §4.1: retransmission delays are "randomized by the value of a uniform random number chosen from the range -1 to +1" seconds.</summary>
    private static readonly TimeSpan s_retransmissionJitter = TimeSpan.FromSeconds(1);

    /// <summary>Events kept for an owner that does not take them; older ones are dropped first.</summary>
    private const int MaxQueuedEvents = 16;

    /// <summary>State changes one <see cref="Poll"/> runs through at most (e.g. BOUND → RENEWING → REBINDING → INIT after a long sleep).</summary>
    private const int MaxTransitionsPerPoll = 8;

    private readonly EthernetAddress _hardwareAddress;
    private readonly DhcpClientOptions _options;
    private readonly Random _random;
    private readonly ILogger _logger;
    private readonly SocketSet _sockets;
    private readonly UdpSocket _udp;
    private readonly Queue<DhcpEvent> _events = new();
    private RawEthernetSocket? _arp;
    private bool _disposed;

    // The exchange in progress: its xid, when it began (for 'secs'), and the retransmission timer.
    private uint _xid;
    private Instant _exchangeStartedAt;
    private ushort _discoverSeconds;
    private Instant? _nextTransmitAt;
    private int _transmissions;

    // INIT: when the next DHCPDISCOVER goes out (null until the first poll draws the start delay).
    private Instant? _startAt;
    private int _consecutiveNaks;

    // REQUESTING: the offer asked for; REQUESTING and REBOOTING: when the first DHCPREQUEST went out.
    private Ipv4Address _offeredAddress;
    private Ipv4Address _offeringServer;
    private Instant _requestSentAt;

    // PROBING: the lease being checked. BOUND, RENEWING, REBINDING: the lease the owner was given.
    private DhcpConfiguration? _candidate;
    private DhcpConfiguration? _lease;

    /// <summary>
    /// Creates a client for the interface whose sockets are <paramref name="sockets"/> and whose MAC is
    /// <paramref name="hardwareAddress"/>, and binds its UDP socket to 0.0.0.0:68. It starts on the first
    /// <see cref="Poll"/>. <paramref name="random"/> chooses transaction IDs and jitter; tests pass a seeded one.
    /// </summary>
    /// <exception cref="System.Net.Sockets.SocketException">Port 68 is taken by another socket.</exception>
    /// <exception cref="ArgumentException">An option is out of range, or the MAC is not unicast.</exception>
    public DhcpClient(SocketSet sockets, EthernetAddress hardwareAddress, DhcpClientOptions? options = null, Random? random = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(sockets);
        if (!hardwareAddress.IsUnicast)
        {
            throw new ArgumentException($"{hardwareAddress} is not a unicast MAC address", nameof(hardwareAddress));
        }
        options ??= DhcpClientOptions.Default;
        options.Validate();
        _sockets = sockets;
        _hardwareAddress = hardwareAddress;
        _options = options;
        _random = random ?? new Random();
        _logger = logger ?? NullLogger.Instance;
        _clientIdentifier = options.ClientIdentifier ?? DefaultClientIdentifier(hardwareAddress);
        _receiveBuffer = new byte[options.MaxMessageSize - Ipv4Header.Length - UdpHeader.Length];
        _udp = sockets.CreateUdpSocket(s_socketBuffers);
        try
        {
            _udp.Bind(new Ipv4Endpoint(Ipv4Address.Any, DhcpMessage.ClientPort));
        }
        catch
        {
            _udp.Dispose();
            throw;
        }
        State = options.RememberedAddress is null ? DhcpState.Init : DhcpState.InitReboot;
    }

    /// <summary>The state (RFC 2131 Figure 5).</summary>
    public DhcpState State { get; private set; }

    /// <summary>The lease the owner was last told to apply (BOUND, RENEWING, REBINDING); null otherwise.</summary>
    public DhcpConfiguration? Lease => _lease;

    /// <summary>What was sent, received and dropped.</summary>
    public DhcpClientCounters Counters { get; } = new();

    /// <summary>The options the client was created with.</summary>
    public DhcpClientOptions Options => _options;

    /// <summary>
    /// Does what is due at <paramref name="now"/>: reads the replies and ARP frames the interface delivered,
    /// then sends, retransmits, probes or changes state as the timers say. Queues events for
    /// <see cref="TakeEvent"/>. Poll the interface afterwards so that what was queued is sent.
    /// </summary>
    public void Poll(Instant now)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ReceiveReplies(now);
        if (_arp is not null)
        {
            ReceiveArp(now);
        }
        for (int i = 0; i < MaxTransitionsPerPoll && RunTimers(now); i++)
        {
        }
    }

    /// <summary>
    /// The next instant <see cref="Poll"/> has work: <paramref name="now"/> when replies are waiting to be
    /// read, else the next retransmission, probe or lease timer; null when nothing is scheduled (stopped, or
    /// an infinite lease).
    /// </summary>
    public Instant? PollAt(Instant now)
    {
        if (_disposed)
        {
            return null;
        }
        if (_udp.CanReceive || _arp?.CanReceive == true)
        {
            return now;
        }
        return State switch
        {
            DhcpState.Init => _startAt ?? now,
            DhcpState.InitReboot => now,
            DhcpState.Selecting or DhcpState.Requesting or DhcpState.Rebooting => _nextTransmitAt,
            DhcpState.Probing => _nextProbeAt,
            DhcpState.Bound => _lease?.RenewAt,
            DhcpState.Renewing => Instant.Min(_nextTransmitAt, _lease?.RebindAt),
            DhcpState.Rebinding => Instant.Min(_nextTransmitAt, _lease?.ExpiresAt),
            _ => null,
        };
    }

    /// <summary>Takes the oldest event not yet taken, or null. Take them all after each <see cref="Poll"/>.</summary>
    public DhcpEvent? TakeEvent() => _events.TryDequeue(out DhcpEvent? e) ? e : null;

    /// <summary>
    /// Gives the lease back (RFC 2131 §4.4.6) and stops the client. When it holds a lease (BOUND, RENEWING,
    /// REBINDING) it queues a DHCPRELEASE, unicast from the leased address to the server, and returns true:
    /// the owner polls the interface until it is sent (the server's MAC may have to be resolved first), then
    /// removes the address itself; no event follows. In other states it only stops and returns false.
    /// </summary>
    public bool Release(Instant now)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        bool held = false;
        if (_lease is { } lease && State is DhcpState.Bound or DhcpState.Renewing or DhcpState.Rebinding)
        {
            held = true;
            NewExchange(now);
            SendRelease(lease);
            Log.Released(_logger, lease.Address.Address.ToString(), lease.ServerIdentifier.ToString());
        }
        _lease = null;
        _candidate = null;
        CloseArpSocket();
        Enter(DhcpState.Stopped);
        return held;
    }

    /// <summary>Leaves the socket set; nothing more is sent (call <see cref="Release"/> first for a clean goodbye).</summary>
    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            _udp.Dispose();
            CloseArpSocket();
        }
    }

    /// <summary>Runs the timer of the current state if it is due. True when the state changed, so the next state's timers are looked at too.</summary>
    private bool RunTimers(Instant now)
    {
        DhcpState before = State;
        switch (State)
        {
            case DhcpState.Init:
                _startAt ??= now + Uniform(TimeSpan.Zero, _options.MaxStartDelay);
                if (now >= _startAt)
                {
                    StartDiscovery(now);
                }
                break;
            case DhcpState.InitReboot:
                StartReboot(now);
                break;
            case DhcpState.Selecting when IsTransmitDue(now):
                SendDiscover(now);
                ScheduleRetransmission(now);
                break;
            case DhcpState.Requesting when IsTransmitDue(now):
                if (_transmissions >= _options.MaxRequestAttempts)
                {
                    Log.GaveUp(_logger, "DHCPREQUEST", _offeredAddress.ToString());
                    Restart(now);
                }
                else
                {
                    SendSelectingRequest();
                    ScheduleRetransmission(now);
                }
                break;
            case DhcpState.Rebooting when IsTransmitDue(now):
                if (_transmissions >= _options.MaxRebootAttempts)
                {
                    Log.GaveUp(_logger, "DHCPREQUEST (INIT-REBOOT)", _options.RememberedAddress?.ToString() ?? "");
                    Restart(now);
                }
                else
                {
                    SendRebootRequest(now);
                    ScheduleRetransmission(now);
                }
                break;
            case DhcpState.Probing:
                RunProbeTimer(now);
                break;
            // Entering RENEWING or REBINDING sends nothing when the next deadline has passed too (T1 = T2, or
            // a poll after a long sleep): the next round of this loop moves on at once.
            case DhcpState.Bound when _lease!.RenewAt is { } renewAt && now >= renewAt:
                Enter(DhcpState.Renewing);
                if (now < _lease.RebindAt)
                {
                    NewExchange(now);
                    _requestSentAt = now;
                    SendRenewingRequest(now, _lease);
                    ScheduleRenewalRetransmission(now, _lease.RebindAt!.Value);
                }
                break;
            case DhcpState.Renewing when now >= _lease!.RebindAt:
                Enter(DhcpState.Rebinding);
                if (now < _lease.ExpiresAt)
                {
                    NewExchange(now);
                    _requestSentAt = now;
                    SendRebindingRequest(now, _lease);
                    ScheduleRenewalRetransmission(now, _lease.ExpiresAt!.Value);
                }
                break;
            case DhcpState.Renewing when IsTransmitDue(now):
                SendRenewingRequest(now, _lease!);
                ScheduleRenewalRetransmission(now, _lease!.RebindAt!.Value);
                break;
            case DhcpState.Rebinding when now >= _lease!.ExpiresAt:
                Deconfigure(now, DhcpDeconfigureReason.LeaseExpired);
                break;
            case DhcpState.Rebinding when IsTransmitDue(now):
                SendRebindingRequest(now, _lease!);
                ScheduleRenewalRetransmission(now, _lease!.ExpiresAt!.Value);
                break;
            default:
                break;
        }
        return State != before;
    }

    private bool IsTransmitDue(Instant now) => _nextTransmitAt is { } at && now >= at;

    /// <summary>INIT → SELECTING: a new transaction and the first DHCPDISCOVER (RFC 2131 §4.4.1).</summary>
    private void StartDiscovery(Instant now)
    {
        NewExchange(now);
        _startAt = null;
        Enter(DhcpState.Selecting);
        SendDiscover(now);
        ScheduleRetransmission(now);
    }

    /// <summary>INIT-REBOOT → REBOOTING: ask to keep the remembered address (RFC 2131 §3.2, §4.4.2).</summary>
    private void StartReboot(Instant now)
    {
        NewExchange(now);
        Enter(DhcpState.Rebooting);
        _requestSentAt = now;
        SendRebootRequest(now);
        ScheduleRetransmission(now);
    }

    /// <summary>Back to INIT, sending the next DHCPDISCOVER at <paramref name="startAt"/>.</summary>
    private void Restart(Instant startAt)
    {
        _candidate = null;
        _nextTransmitAt = null;
        _startAt = startAt;
        CloseArpSocket();
        Enter(DhcpState.Init);
    }

    /// <summary>
    /// A DHCPNAK (RFC 2131 §3.1 step 4, §3.2, §4.4.5): restart at once, but when servers keep refusing, wait
    /// the retransmission back-off between attempts rather than loop at network speed.
    /// </summary>
    private void OnNak(Instant now, in DhcpMessage nak)
    {
        Counters.NaksReceived++;
        _consecutiveNaks++;
        Log.NakReceived(_logger, State.ToString(), nak.ServerIdentifier?.ToString() ?? "?", nak.Message ?? "");
        TimeSpan wait = _consecutiveNaks <= 1 ? TimeSpan.Zero : BackoffBase(_consecutiveNaks - 2);
        if (_lease is not null)
        {
            Deconfigure(now, DhcpDeconfigureReason.Nak);
            _startAt = now + wait;
        }
        else
        {
            Restart(now + wait);
        }
    }

    /// <summary>The lease is lost: tell the owner to remove the address, and start over (RFC 2131 §4.4.5).</summary>
    private void Deconfigure(Instant now, DhcpDeconfigureReason reason)
    {
        DhcpConfiguration lease = _lease!;
        _lease = null;
        Log.Deconfigured(_logger, lease.Address.ToString(), reason.ToString());
        Raise(new DhcpDeconfigured(now, lease.Address, reason));
        Restart(now);
    }

    /// <summary>Enters BOUND with <paramref name="lease"/> and tells the owner (RFC 2131 §4.4.1, §4.4.5).</summary>
    private void Bind(Instant now, DhcpConfiguration lease)
    {
        DhcpConfiguration? previous = _lease;
        _lease = lease;
        _candidate = null;
        _nextTransmitAt = null;
        _consecutiveNaks = 0;
        CloseArpSocket();
        Enter(DhcpState.Bound);
        if (previous is not null && previous.Address == lease.Address)
        {
            Log.Renewed(_logger, lease.Address.ToString(), lease.LeaseTime?.TotalSeconds ?? -1);
            Raise(new DhcpRenewed(now, lease));
        }
        else
        {
            Log.Bound(_logger, lease.Address.ToString(), lease.ServerIdentifier.ToString(), lease.LeaseTime?.TotalSeconds ?? -1);
            Raise(new DhcpConfigured(now, lease));
        }
    }

    private void Enter(DhcpState state)
    {
        if (state != State)
        {
            Log.StateChanged(_logger, State.ToString(), state.ToString());
            State = state;
        }
    }

    private void Raise(DhcpEvent e)
    {
        if (_events.Count >= MaxQueuedEvents)
        {
            // Every configuration event carries the whole configuration, so the newest ones still tell
            // the owner where things stand.
            _events.Dequeue();
            Counters.DroppedEvents++;
        }
        _events.Enqueue(e);
    }

    /// <summary>A new transaction: a fresh random xid (RFC 2131 §4.1) and 'secs' counted from now.</summary>
    private void NewExchange(Instant now)
    {
        _xid = (uint)_random.NextInt64(0, 1L << 32);
        _exchangeStartedAt = now;
        _transmissions = 0;
        _nextTransmitAt = null;
    }

    /// <summary>
    /// RFC 2131 §4.1: wait 4 s before the first retransmission, 8 s before the second, doubling up to 64 s,
    /// each randomised by ±1 s.
    /// </summary>
    private void ScheduleRetransmission(Instant now)
    {
        TimeSpan jitter = Uniform(-s_retransmissionJitter, s_retransmissionJitter);
        _nextTransmitAt = now + BackoffBase(_transmissions - 1) + jitter;
    }

    /// <summary>The back-off before retransmission <paramref name="retransmission"/> + 1: the initial interval doubled that many times, capped.</summary>
    private TimeSpan BackoffBase(int retransmission)
    {
        TimeSpan interval = _options.InitialRetransmissionInterval;
        for (int i = 0; i < retransmission && interval < _options.MaxRetransmissionInterval; i++)
        {
            interval *= 2;
        }
        return interval < _options.MaxRetransmissionInterval ? interval : _options.MaxRetransmissionInterval;
    }

    /// <summary>
    /// RFC 2131 §4.4.5: in RENEWING and REBINDING wait half the time left until <paramref name="until"/>
    /// (T2, or the lease's end), but at least the minimum, and never past <paramref name="until"/>.
    /// </summary>
    private void ScheduleRenewalRetransmission(Instant now, Instant until)
    {
        TimeSpan half = (until - now) / 2;
        TimeSpan wait = half > _options.MinRenewalRetransmissionInterval ? half : _options.MinRenewalRetransmissionInterval;
        _nextTransmitAt = Instant.Min(now + wait, until);
    }

    /// <summary>A uniformly random duration in [<paramref name="min"/>, <paramref name="max"/>], to the microsecond.</summary>
    private TimeSpan Uniform(TimeSpan min, TimeSpan max) =>
        max <= min ? min : min + TimeSpan.FromMicroseconds(_random.NextInt64((long)(max - min).TotalMicroseconds + 1));

    private static partial class Log
    {
        [LoggerMessage(EventId = 100, Level = LogLevel.Debug, Message = "DHCP {From} -> {To}")]
        public static partial void StateChanged(ILogger logger, string from, string to);

        [LoggerMessage(EventId = 101, Level = LogLevel.Information, Message = "DHCP bound to {Address} from {Server}, lease {LeaseSeconds} s")]
        public static partial void Bound(ILogger logger, string address, string server, double leaseSeconds);

        [LoggerMessage(EventId = 102, Level = LogLevel.Information, Message = "DHCP lease on {Address} renewed for {LeaseSeconds} s")]
        public static partial void Renewed(ILogger logger, string address, double leaseSeconds);

        [LoggerMessage(EventId = 103, Level = LogLevel.Warning, Message = "DHCP lease on {Address} lost: {Reason}")]
        public static partial void Deconfigured(ILogger logger, string address, string reason);

        [LoggerMessage(EventId = 104, Level = LogLevel.Information, Message = "DHCPNAK in {State} from {Server}: {Text}")]
        public static partial void NakReceived(ILogger logger, string state, string server, string text);

        [LoggerMessage(EventId = 105, Level = LogLevel.Warning, Message = "DHCP: {Address} is in use by {HardwareAddress}; declined")]
        public static partial void Declined(ILogger logger, string address, string hardwareAddress);

        [LoggerMessage(EventId = 106, Level = LogLevel.Information, Message = "DHCP: no answer to {Message} for {Address}; back to INIT")]
        public static partial void GaveUp(ILogger logger, string message, string address);

        [LoggerMessage(EventId = 107, Level = LogLevel.Information, Message = "DHCP: released {Address} to {Server}")]
        public static partial void Released(ILogger logger, string address, string server);
    }
}
