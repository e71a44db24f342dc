using System.Buffers.Binary;

namespace Usrnet.Wire;

/// <summary>The fields of a TCP header (RFC 9293 §3.1), options included.</summary>
/// <param name="SourcePort">Source port.</param>
/// <param name="DestinationPort">Destination port.</param>
/// <param name="SequenceNumber">Sequence number (SEG.SEQ).</param>
/// <param name="AcknowledgmentNumber">Acknowledgment number (SEG.ACK); significant only with ACK.</param>
/// <param name="Flags">Control bits.</param>
/// <param name="WindowSize">Window as on the wire, before scaling (SEG.WND).</param>
internal readonly record struct TcpHeader(ushort SourcePort, ushort DestinationPort, TcpSeqNumber SequenceNumber, TcpSeqNumber AcknowledgmentNumber, TcpFlags Flags, ushort WindowSize)
{
    /// <summary>Largest segment: the pseudo-header carries the TCP length in 16 bits (RFC 9293 §3.1).</summary>
    public const int MaxSegmentLength = ushort.MaxValue;

    /// <summary>Options.</summary>
    public TcpOptions Options { get; init; }

    /// <summary>Urgent pointer (RFC 9293 §3.8.5); significant only with URG.</summary>
    public ushort UrgentPointer { get; init; }

    /// <summary>Length of the header when written: 20 bytes plus the options.</summary>
    public int Length => TcpSegment.MinHeaderLength + Options.Length;

    /// <summary>
    /// Parses a segment: false when it is malformed (see <see cref="TcpSegment.TryCreate"/>), its
    /// checksum over the pseudo-header is wrong, or its options are malformed (see
    /// <see cref="TcpOptions.TryParse"/>). <paramref name="headerLength"/> is the length on the wire,
    /// options included; the data follows it.
    /// </summary>
    public static bool TryParse(Span<byte> segment, Ipv4Address source, Ipv4Address destination, out TcpHeader header, out int headerLength)
    {
        header = default;
        headerLength = 0;
        return TcpSegment.TryCreate(segment, out TcpSegment s) && s.VerifyChecksum(source, destination)
            && TryParse(s, out header, out headerLength);
    }

    /// <summary>
    /// Reads the fields of a segment whose checksum the caller has verified (or whose device vouched for it):
    /// false when its options are malformed (see <see cref="TcpOptions.TryParse"/>).
    /// </summary>
    public static bool TryParse(in TcpSegment segment, out TcpHeader header, out int headerLength)
    {
        header = default;
        headerLength = 0;
        if (!TcpOptions.TryParse(segment.Options, out TcpOptions options))
        {
            return false;
        }
        header = new TcpHeader(segment.SourcePort, segment.DestinationPort, segment.SequenceNumber, segment.AcknowledgmentNumber, segment.Flags, segment.WindowSize)
        {
            Options = options,
            UrgentPointer = segment.UrgentPointer,
        };
        headerLength = segment.HeaderLength;
        return true;
    }

    /// <summary>
    /// Writes the header into <paramref name="segment"/>, whose length is header (<see cref="Length"/>)
    /// plus payload with the payload already in place, and fills in the checksum over the
    /// pseudo-header (RFC 9293 §3.1). With <paramref name="partialChecksum"/> the checksum field gets only
    /// the folded pseudo-header sum, for a device that sums the rest (checksum offload, see
    /// <c>Phy.ChecksumState.Partial</c>): the segment is then not read at all.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="segment"/> is shorter than the header or longer than <see cref="MaxSegmentLength"/>.</exception>
    public void WriteTo(Span<byte> segment, Ipv4Address source, Ipv4Address destination, bool partialChecksum = false)
    {
        int length = Length;
        if (segment.Length < length || segment.Length > MaxSegmentLength)
        {
            throw new ArgumentException("TCP segment length out of range", nameof(segment));
        }
        BinaryPrimitives.WriteUInt16BigEndian(segment, SourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(segment[2..], DestinationPort);
        BinaryPrimitives.WriteUInt32BigEndian(segment[4..], SequenceNumber.Value);
        BinaryPrimitives.WriteUInt32BigEndian(segment[8..], AcknowledgmentNumber.Value);
        segment[12] = (byte)(length / 4 << 4); // data offset; reserved bits zero (RFC 9293 §3.1)
        segment[13] = (byte)Flags;
        BinaryPrimitives.WriteUInt16BigEndian(segment[14..], WindowSize);
        BinaryPrimitives.WriteUInt16BigEndian(segment[16..], 0);
        BinaryPrimitives.WriteUInt16BigEndian(segment[18..], UrgentPointer);
        Options.WriteTo(segment[TcpSegment.MinHeaderLength..length]);
        uint pseudoHeader = Checksum.PseudoHeader(source, destination, IpProtocol.Tcp, segment.Length);
        ushort checksum = partialChecksum
            ? (ushort)~Checksum.Finish(pseudoHeader) // the sum itself, not its complement: the device adds the rest and complements
            : Checksum.Finish(Checksum.Accumulate(pseudoHeader, segment));
        BinaryPrimitives.WriteUInt16BigEndian(segment[16..], checksum);
    }
}
