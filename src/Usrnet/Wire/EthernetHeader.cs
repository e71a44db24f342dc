namespace Usrnet.Wire;

/// <summary>The fields of an Ethernet II header.</summary>
/// <param name="Destination">Destination MAC address.</param>
/// <param name="Source">Source MAC address.</param>
/// <param name="EtherType">Protocol of the payload.</param>
internal readonly record struct EthernetHeader(EthernetAddress Destination, EthernetAddress Source, EtherType EtherType)
{
    /// <summary>Length of the header on the wire.</summary>
    public const int Length = EthernetFrame.HeaderLength;

    /// <summary>Reads a header; false when the buffer is shorter than a header.</summary>
    public static bool TryParse(ReadOnlySpan<byte> frame, out EthernetHeader header)
    {
        if (frame.Length < Length)
        {
            header = default;
            return false;
        }
        header = new EthernetHeader(EthernetAddress.Read(frame), EthernetAddress.Read(frame[6..]), (EtherType)((frame[12] << 8) | frame[13]));
        return true;
    }

    /// <summary>Writes the header to the first <see cref="Length"/> bytes of <paramref name="frame"/>.</summary>
    public void WriteTo(Span<byte> frame)
    {
        if (!EthernetFrame.TryCreate(frame, out EthernetFrame view))
        {
            throw new ArgumentException("buffer shorter than an Ethernet header", nameof(frame));
        }
        view.Destination = Destination;
        view.Source = Source;
        view.EtherType = EtherType;
    }
}
