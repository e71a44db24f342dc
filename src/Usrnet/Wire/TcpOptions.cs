using System.Buffers.Binary;

namespace Usrnet.Wire;

/// <summary>
/// The TCP options this stack reads and writes (RFC 9293 §3.2, RFC 7323, RFC 2018), held inline with
/// no heap allocation. Unknown options are skipped when parsing and never written.
/// </summary>
/// <remarks>
/// <see cref="WriteTo"/> lays options out as Linux does (<c>tcp_options_write</c>), every one aligned
/// on 32 bits so that no padding is needed:
/// <code>
/// MSS                              2 4 [mss]                          4 bytes
/// SACK-permitted + timestamps      4 2 8 10 [TSval] [TSecr]          12 bytes
///   or timestamps alone            1 1 8 10 [TSval] [TSecr]          12 bytes
///   or SACK-permitted alone        1 1 4 2                            4 bytes
/// window scale                     1 3 3 [shift]                      4 bytes
/// SACK blocks                      1 1 5 [2+8n] [left right]...   4+8n bytes
/// </code>
/// The options of a header fit in 40 bytes (<see cref="MaxLength"/>). Only SACK blocks can overflow
/// that, so <see cref="Length"/> and <see cref="WriteTo"/> write as many of the first blocks as fit and
/// leave the rest out (RFC 2018 §3: at most three blocks next to timestamps, four without); see
/// <see cref="MaxSackBlocks"/> and <see cref="WrittenSackBlockCount"/>.
/// </remarks>
internal readonly record struct TcpOptions
{
    /// <summary>Most bytes of options in a header: a 60-byte header less the fixed 20 (RFC 9293 §3.1).</summary>
    public const int MaxLength = TcpSegment.MaxHeaderLength - TcpSegment.MinHeaderLength;

    /// <summary>Largest window scale shift (RFC 7323 §2.3): 2^14 × 65535 stays below 2^30.</summary>
    public const byte MaxWindowScale = 14;

    // Option kinds (IANA "TCP Option Kind Numbers").
    private const byte EndOfListKind = 0;      // RFC 9293 §3.2
    private const byte NoOperationKind = 1;    // RFC 9293 §3.2
    private const byte MssKind = 2;            // RFC 9293 §3.2
    private const byte WindowScaleKind = 3;    // RFC 7323 §2.2
    private const byte SackPermittedKind = 4;  // RFC 2018 §2
    private const byte SackKind = 5;           // RFC 2018 §3
    private const byte TimestampsKind = 8;     // RFC 7323 §3.2

    // Option lengths, kind and length octets included.
    private const int MssLength = 4;
    private const int WindowScaleLength = 3;
    private const int SackPermittedLength = 2;
    private const int TimestampsLength = 10;
    private const int SackHeaderLength = 2;

    // Every option below is written in a 32-bit aligned run, padded in front with NOPs.
    private const int MssRun = 4;
    private const int TimestampsRun = 12;
    private const int SackPermittedRun = 4;
    private const int WindowScaleRun = 4;
    private const int SackRunHeader = 4;

    private readonly byte? _windowScale;

    /// <summary>Maximum segment size the sender can receive (kind 2, RFC 9293 §3.7.1); sent only on SYN.</summary>
    public ushort? MaximumSegmentSize { get; init; }

    /// <summary>
    /// Window scale shift (kind 3, RFC 7323 §2); sent only on SYN. A shift above 14 is stored as 14:
    /// RFC 7323 §2.3 says a receiver MUST use 14 instead, and a sender must not send more.
    /// </summary>
    public byte? WindowScale
    {
        get => _windowScale;
        init => _windowScale = value > MaxWindowScale ? MaxWindowScale : value;
    }

    /// <summary>SACK-permitted (kind 4, RFC 2018 §2); sent only on SYN.</summary>
    public bool SackPermitted { get; init; }

    /// <summary>SACK blocks (kind 5, RFC 2018 §3); empty when there is no SACK option.</summary>
    public TcpSackBlocks SackBlocks { get; init; }

    /// <summary>Timestamps (kind 8, RFC 7323 §3.2): TSval and TSecr.</summary>
    public (uint Value, uint EchoReply)? Timestamps { get; init; }

    /// <summary>True when no option is set: <see cref="Length"/> is 0.</summary>
    public bool IsEmpty => Length == 0;

    /// <summary>
    /// Most SACK blocks that fit next to the other options a data segment carries: 3 with timestamps,
    /// 4 without (RFC 2018 §3).
    /// </summary>
    public static int MaxSackBlocks(bool withTimestamps) =>
        (MaxLength - (withTimestamps ? TimestampsRun : 0) - SackRunHeader) / TcpSackBlock.WireLength;

    /// <summary>
    /// How many of <see cref="SackBlocks"/> <see cref="WriteTo"/> writes: the first ones, as many as fit
    /// in <see cref="MaxLength"/> after the other options.
    /// </summary>
    public int WrittenSackBlockCount
    {
        get
        {
            if (SackBlocks.IsEmpty)
            {
                return 0;
            }
            int room = (MaxLength - LengthWithoutSack - SackRunHeader) / TcpSackBlock.WireLength;
            return Math.Clamp(room, 0, SackBlocks.Count);
        }
    }

    /// <summary>Bytes <see cref="WriteTo"/> writes: a multiple of 4, at most <see cref="MaxLength"/>.</summary>
    public int Length
    {
        get
        {
            int blocks = WrittenSackBlockCount;
            return LengthWithoutSack + (blocks == 0 ? 0 : SackRunHeader + blocks * TcpSackBlock.WireLength);
        }
    }

    private int LengthWithoutSack =>
        (MaximumSegmentSize.HasValue ? MssRun : 0)
        + (Timestamps.HasValue ? TimestampsRun : SackPermitted ? SackPermittedRun : 0)
        + (WindowScale.HasValue ? WindowScaleRun : 0);

    /// <summary>
    /// Parses the options of a header (<see cref="TcpSegment.Options"/>). NOP is skipped, EOL ends the
    /// list, unknown kinds are skipped by their length, and when an option appears twice the last wins.
    /// False for a malformed list: a length octet below 2 or missing, an option running past the end, or
    /// a known option of the wrong length (RFC 9293 §3.2 MUST-7: be prepared for illegal lengths).
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> options, out TcpOptions result)
    {
        if (TryParseTimestampsOnly(options, out result))
        {
            return true;
        }
        result = default;
        ushort? mss = null;
        byte? windowScale = null;
        bool sackPermitted = false;
        (uint, uint)? timestamps = null;
        Span<TcpSackBlock> sack = stackalloc TcpSackBlock[TcpSackBlocks.MaxCount];
        int sackCount = 0;

        int i = 0;
        while (i < options.Length)
        {
            byte kind = options[i];
            if (kind == EndOfListKind)
            {
                break; // RFC 9293 §3.2: what follows is padding
            }
            if (kind == NoOperationKind)
            {
                i++;
                continue;
            }
            if (options.Length - i < 2)
            {
                return false;
            }
            int length = options[i + 1];
            if (length < 2 || length > options.Length - i)
            {
                return false;
            }
            ReadOnlySpan<byte> data = options.Slice(i + 2, length - 2);
            switch (kind)
            {
                case MssKind:
                    if (length != MssLength)
                    {
                        return false;
                    }
                    mss = BinaryPrimitives.ReadUInt16BigEndian(data);
                    break;
                case WindowScaleKind:
                    if (length != WindowScaleLength)
                    {
                        return false;
                    }
                    windowScale = data[0];
                    break;
                case SackPermittedKind:
                    if (length != SackPermittedLength)
                    {
                        return false;
                    }
                    sackPermitted = true;
                    break;
                case SackKind:
                    // RFC 2018 §3: 8n + 2 bytes for n blocks; more than four cannot fit in a header.
                    if (data.Length == 0 || data.Length % TcpSackBlock.WireLength != 0 || data.Length / TcpSackBlock.WireLength > TcpSackBlocks.MaxCount)
                    {
                        return false;
                    }
                    sackCount = data.Length / TcpSackBlock.WireLength;
                    for (int b = 0; b < sackCount; b++)
                    {
                        ReadOnlySpan<byte> edges = data.Slice(b * TcpSackBlock.WireLength, TcpSackBlock.WireLength);
                        sack[b] = new TcpSackBlock(new TcpSeqNumber(BinaryPrimitives.ReadUInt32BigEndian(edges)), new TcpSeqNumber(BinaryPrimitives.ReadUInt32BigEndian(edges[4..])));
                    }
                    break;
                case TimestampsKind:
                    if (length != TimestampsLength)
                    {
                        return false;
                    }
                    timestamps = (BinaryPrimitives.ReadUInt32BigEndian(data), BinaryPrimitives.ReadUInt32BigEndian(data[4..]));
                    break;
                default:
                    break; // RFC 9293 §3.2 MUST-6: ignore options not implemented
            }
            i += length;
        }

        result = new TcpOptions
        {
            MaximumSegmentSize = mss,
            WindowScale = windowScale,
            SackPermitted = sackPermitted,
            SackBlocks = TcpSackBlocks.Create(sack[..sackCount]),
            Timestamps = timestamps,
        };
        return true;
    }

    /// <summary>
    /// The layout of nearly every segment of a connection with timestamps: NOP, NOP, then the timestamps
    /// option (RFC 7323 Appendix A), read with one comparison of its first four octets.
    /// </summary>
    private static bool TryParseTimestampsOnly(ReadOnlySpan<byte> options, out TcpOptions result)
    {
        const uint TimestampsOnlyPrefix = NoOperationKind << 24 | NoOperationKind << 16 | TimestampsKind << 8 | TimestampsLength;
        if (options.Length != TimestampsRun || BinaryPrimitives.ReadUInt32BigEndian(options) != TimestampsOnlyPrefix)
        {
            result = default;
            return false;
        }
        result = new TcpOptions { Timestamps = (BinaryPrimitives.ReadUInt32BigEndian(options[4..]), BinaryPrimitives.ReadUInt32BigEndian(options[8..])) };
        return true;
    }

    /// <summary>Writes <see cref="Length"/> bytes of options to the start of <paramref name="destination"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than <see cref="Length"/>.</exception>
    public void WriteTo(Span<byte> destination)
    {
        if (destination.Length < Length)
        {
            throw new ArgumentException("buffer shorter than the TCP options", nameof(destination));
        }
        int i = 0;
        if (MaximumSegmentSize is ushort mss)
        {
            destination[i++] = MssKind;
            destination[i++] = MssLength;
            BinaryPrimitives.WriteUInt16BigEndian(destination[i..], mss);
            i += 2;
        }
        if (Timestamps is (uint value, uint echoReply))
        {
            // SACK-permitted takes the place of the two NOPs that would align the timestamps.
            if (SackPermitted)
            {
                destination[i++] = SackPermittedKind;
                destination[i++] = SackPermittedLength;
            }
            else
            {
                destination[i++] = NoOperationKind;
                destination[i++] = NoOperationKind;
            }
            destination[i++] = TimestampsKind;
            destination[i++] = TimestampsLength;
            BinaryPrimitives.WriteUInt32BigEndian(destination[i..], value);
            BinaryPrimitives.WriteUInt32BigEndian(destination[(i + 4)..], echoReply);
            i += 8;
        }
        else if (SackPermitted)
        {
            destination[i++] = NoOperationKind;
            destination[i++] = NoOperationKind;
            destination[i++] = SackPermittedKind;
            destination[i++] = SackPermittedLength;
        }
        if (WindowScale is byte shift)
        {
            destination[i++] = NoOperationKind;
            destination[i++] = WindowScaleKind;
            destination[i++] = WindowScaleLength;
            destination[i++] = shift;
        }
        int blocks = WrittenSackBlockCount;
        if (blocks > 0)
        {
            destination[i++] = NoOperationKind;
            destination[i++] = NoOperationKind;
            destination[i++] = SackKind;
            destination[i++] = (byte)(SackHeaderLength + blocks * TcpSackBlock.WireLength);
            for (int b = 0; b < blocks; b++)
            {
                TcpSackBlock block = SackBlocks[b];
                BinaryPrimitives.WriteUInt32BigEndian(destination[i..], block.Left.Value);
                BinaryPrimitives.WriteUInt32BigEndian(destination[(i + 4)..], block.Right.Value);
                i += TcpSackBlock.WireLength;
            }
        }
    }
}
