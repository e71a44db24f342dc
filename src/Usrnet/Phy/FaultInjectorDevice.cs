namespace Usrnet.Phy;

/// <summary>
/// A decorator that makes any device a lossy network: it drops (at random or in bursts), corrupts, duplicates, reorders, delays and
/// rate-limits frames, at random but deterministically for a given <see cref="FaultOptions.Seed"/>: the
/// faults of each direction follow from the seed and the sequence of frames in that direction alone. The kernel here has no netem; this is how the stack meets a bad network in tests.
/// </summary>
/// <remarks>
/// <para>
/// Drop, burst loss, corrupt, duplicate and the rate limit apply in both directions (smoltcp's FaultInjector does the
/// same); delay and reorder hold received frames in a bounded queue and release them on a later
/// <see cref="Receive"/>. Time comes only from the <c>now</c> arguments, so virtual time drives the faults.
/// </para>
/// <para>
/// A dropped or rate-limited transmit still returns true: loss on a real path is invisible to the sender,
/// and a stack told "not sent" would simply send again (see docs/articles/design.md §3).
/// </para>
/// <para>
/// Ownership: the injector owns the inner device and every frame it holds, and disposes them.
/// Driven by one thread like any device; only <see cref="Wake"/> may come from another.
/// </para>
/// </remarks>
public sealed class FaultInjectorDevice : IDevice
{
    private readonly IDevice _inner;
    // One random sequence per direction: what happens to the n-th frame received depends only on the frames
    // received before it, not on how transmits interleaved with them, which the scheduler decides.
    private readonly Random _receiveRandom;
    private readonly Random _transmitRandom;

    // Held received frames by release time; the sequence number keeps frames due at the same instant in
    // the order they were scheduled.
    private readonly PriorityQueue<PacketBuffer, (long DueMicroseconds, long Sequence)> _held;
    private long _sequence;

    // The one frame held for reordering: delivered right after the next frame that passes, or at the deadline.
    private PacketBuffer? _reorderHeld;
    private Instant _reorderDue;
    private Instant _reorderDeadline;

    // Mixed into the seed of the transmit direction, so the two directions do not draw the same sequence.
    private const int TransmitSeedMask = 0x5DEECE6;

    private TokenBucket _receiveBucket;
    private TokenBucket _transmitBucket;

    // The Gilbert–Elliott state of each direction: true while the path is bad (in a burst).
    private bool _receiveInBurst;
    private bool _transmitInBurst;

    // The latest time a caller passed in: Wait has no `now` of its own, and must not read a clock.
    private Instant _lastNow;
    private bool _disposed;

    private long _dropped;
    private long _corrupted;
    private long _duplicated;
    private long _reordered;
    private long _delayed;
    private long _rateLimited;

    /// <summary>Wraps <paramref name="inner"/>, taking ownership of it.</summary>
    /// <param name="inner">The device whose frames suffer the faults.</param>
    /// <param name="options">The faults and the seed.</param>
    public FaultInjectorDevice(IDevice inner, FaultOptions options)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentNullException.ThrowIfNull(options);
        _inner = inner;
        Options = options;
        _receiveRandom = new Random(options.Seed);
        _transmitRandom = new Random(options.Seed ^ TransmitSeedMask);
        _held = new PriorityQueue<PacketBuffer, (long, long)>(Math.Min(options.MaxHeldFrames, FaultOptions.DefaultMaxHeldFrames));
        _receiveBucket = new TokenBucket(options.RateLimitBytesPerSecond, options.RateLimitBurstBytes);
        _transmitBucket = new TokenBucket(options.RateLimitBytesPerSecond, options.RateLimitBurstBytes);
        // Faults act on wire frames: a segment the device would cut into many (TSO) must be lost, kept
        // or corrupted as the pieces, and a corrupted frame's checksum must be the stack's own to
        // catch, never one a device fills in after the damage. So the stack sends plain frames through
        // an injector that acts on frames.
        Capabilities = options.ActsOnFrames ? inner.Capabilities.WithoutOffloads() : inner.Capabilities;
    }

    /// <summary>The faults this injector applies.</summary>
    public FaultOptions Options { get; }

    /// <inheritdoc/>
    /// <remarks>Without offloads when <see cref="FaultOptions.ActsOnFrames"/>; the inner device's otherwise.</remarks>
    public DeviceCapabilities Capabilities { get; }

    /// <summary>What the injector has done so far.</summary>
    public FaultCounters Counters => new()
    {
        Dropped = _dropped,
        Corrupted = _corrupted,
        Duplicated = _duplicated,
        Reordered = _reordered,
        Delayed = _delayed,
        RateLimited = _rateLimited,
    };

    /// <inheritdoc/>
    public PacketBuffer? Receive(Instant now)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _lastNow = now;
        while (true)
        {
            if (_reorderHeld is { } overdue && now >= _reorderDeadline)
            {
                // No frame came to overtake it: deliver it late rather than never.
                _reorderHeld = null;
                Schedule(overdue, _reorderDue);
            }
            if (_held.TryPeek(out PacketBuffer? due, out (long DueMicroseconds, long) key) && key.DueMicroseconds <= now.TotalMicroseconds)
            {
                _held.Dequeue();
                return due;
            }

            PacketBuffer? frame = _inner.Receive(now);
            if (frame is null)
            {
                return null;
            }
            if (!PassesLinkFaults(frame, _receiveRandom, ref _receiveBucket, ref _receiveInBurst, now))
            {
                continue;
            }

            Instant release = now + Options.Delay;
            if (Options.Delay > TimeSpan.Zero)
            {
                _delayed++;
            }
            if (Chance(_receiveRandom, Options.DuplicateChance))
            {
                _duplicated++;
                Schedule(frame.Clone(), release);
            }
            if (_reorderHeld is { } overtaken)
            {
                _reorderHeld = null;
                _reordered++;
                // Same release time, scheduled second: the held frame comes out right after the one that
                // overtook it (the delay is constant, so its own release time is no later).
                Schedule(frame, release);
                Schedule(overtaken, release);
                continue;
            }
            if (Chance(_receiveRandom, Options.ReorderChance))
            {
                _reorderHeld = frame;
                _reorderDue = release;
                _reorderDeadline = release + Options.ReorderTimeout;
                continue;
            }
            if (_held.Count == 0 && release <= now)
            {
                // Nothing is held ahead of it: skip the queue (the common case with no delay).
                return frame;
            }
            Schedule(frame, release);
        }
    }

    /// <inheritdoc/>
    /// <remarks>Returns true for a frame the injector dropped: the sender of a lost frame never knows.</remarks>
    public bool Transmit(Instant now, PacketBuffer frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        if (_disposed)
        {
            frame.Dispose();
            ObjectDisposedException.ThrowIf(true, this);
        }
        _lastNow = now;
        if (!PassesLinkFaults(frame, _transmitRandom, ref _transmitBucket, ref _transmitInBurst, now))
        {
            return true;
        }
        if (Chance(_transmitRandom, Options.DuplicateChance))
        {
            _duplicated++;
            _inner.Transmit(now, frame.Clone());
        }
        return _inner.Transmit(now, frame);
    }

    /// <inheritdoc/>
    /// <remarks>The earliest of the inner device's deadline and the release time of a held frame.</remarks>
    public Instant? PollAt(Instant now)
    {
        _lastNow = now;
        return Instant.Min(_inner.PollAt(now), NextRelease());
    }

    /// <inheritdoc/>
    /// <remarks>
    /// The wait ends no later than the next held frame's release, measured from the last <c>now</c> a caller
    /// passed in (the device reads no clock). When a held frame is already due it returns at once.
    /// </remarks>
    public void Wait(TimeSpan? timeout)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (NextRelease() is { } release)
        {
            if (release <= _lastNow)
            {
                return;
            }
            timeout = DeviceTimeout.Min(timeout, release - _lastNow);
        }
        _inner.Wait(timeout);
    }

    /// <inheritdoc/>
    public void Wake() => _inner.Wake();

    /// <summary>Disposes the held frames and the inner device. Safe to call more than once.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        while (_held.TryDequeue(out PacketBuffer? frame, out _))
        {
            frame.Dispose();
        }
        _reorderHeld?.Dispose();
        _reorderHeld = null;
        _inner.Dispose();
    }

    /// <summary>
    /// The faults of the link itself, in both directions. False when the frame was lost (and disposed).
    /// </summary>
    private bool PassesLinkFaults(PacketBuffer frame, Random random, ref TokenBucket bucket, ref bool inBurst, Instant now)
    {
        if (IsLost(random, ref inBurst))
        {
            _dropped++;
            frame.Dispose();
            return false;
        }
        if (!bucket.TryTake(now, frame.Length))
        {
            _rateLimited++;
            frame.Dispose();
            return false;
        }
        if (frame.Length > 0 && Chance(random, Options.CorruptChance))
        {
            // One flipped bit is what a checksum must catch; anywhere in the frame is fair, since the
            // Ethernet FCS that would have caught it on a real wire is not there.
            Span<byte> bytes = frame.Span;
            bytes[random.Next(bytes.Length)] ^= (byte)(1 << random.Next(8));
            // Whatever the device vouched for, it vouched for other bytes: the stack must check these.
            frame.Offload = default;
            _corrupted++;
        }
        return true;
    }

    /// <summary>
    /// Whether the next frame of a direction is lost. Without burst loss, a draw of <see cref="FaultOptions.DropChance"/>
    /// alone, so seeds keep the faults they had before burst loss existed. With it, the Gilbert–Elliott
    /// chain moves first and the frame is lost with the chance of the state it lands in, so a burst of
    /// n frames in the bad state loses n frames when <see cref="FaultOptions.BurstDropChance"/> is 1.
    /// </summary>
    private bool IsLost(Random random, ref bool inBurst)
    {
        if (Options.BurstStartChance > 0)
        {
            inBurst = inBurst ? !Chance(random, Options.BurstEndChance) : Chance(random, Options.BurstStartChance);
            if (inBurst)
            {
                return Chance(random, Options.BurstDropChance);
            }
        }
        return Chance(random, Options.DropChance);
    }

    /// <summary>
    /// Draws for an event of probability <paramref name="chance"/>. A chance of 0 draws nothing, so an
    /// injector configured to do nothing leaves the random sequence of the other faults unchanged.
    /// </summary>
    private static bool Chance(Random random, double chance) => chance > 0 && random.NextDouble() < chance;

    private void Schedule(PacketBuffer frame, Instant release)
    {
        if (_held.Count >= Options.MaxHeldFrames)
        {
            _dropped++;
            frame.Dispose();
            return;
        }
        _held.Enqueue(frame, (release.TotalMicroseconds, _sequence++));
    }

    private Instant? NextRelease()
    {
        Instant? next = _held.TryPeek(out _, out (long DueMicroseconds, long) key) ? new Instant(key.DueMicroseconds) : null;
        return _reorderHeld is null ? next : Instant.Min(next, _reorderDeadline);
    }
}
