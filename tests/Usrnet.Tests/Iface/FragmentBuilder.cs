using Usrnet.Wire;

namespace Usrnet.Tests.Iface;

/// <summary>Builds IPv4 fragments as byte arrays with <see cref="Ipv4Header.WriteTo"/>.</summary>
internal static class FragmentBuilder
{
    public static readonly Ipv4Address Source = new(10, 0, 0, 101);
    public static readonly Ipv4Address Destination = new(10, 0, 0, 102);

    /// <summary>A fragment carrying <paramref name="data"/> at <paramref name="offset"/> of the original payload.</summary>
    public static byte[] Fragment(ushort id, int offset, ReadOnlySpan<byte> data, bool more, Ipv4Address? source = null, byte ttl = 64, byte[]? options = null)
    {
        options ??= [];
        byte[] packet = new byte[Ipv4Header.Length + options.Length + data.Length];
        new Ipv4Header(source ?? Source, Destination, IpProtocol.Udp, options.Length + data.Length, ttl)
        {
            Identification = id,
            MoreFragments = more,
            FragmentOffset = offset,
        }.WriteTo(packet);
        if (options.Length > 0)
        {
            // Ipv4Header writes no options: raise IHL, insert them, and checksum again.
            packet[0] = (byte)(0x40 | ((Ipv4Header.Length + options.Length) / 4));
            options.CopyTo(packet.AsSpan(Ipv4Header.Length));
            Assert.True(Ipv4Packet.TryCreate(packet, out Ipv4Packet view));
            view.FillChecksum();
        }
        data.CopyTo(packet.AsSpan(Ipv4Header.Length + options.Length));
        return packet;
    }

    /// <summary>A fragment of <paramref name="length"/> bytes of the pattern <c>(offset + i) * 7</c>.</summary>
    public static byte[] Fragment(ushort id, int offset, int length, bool more) => Fragment(id, offset, Pattern(offset, length), more);

    public static byte[] Pattern(int offset, int length)
    {
        byte[] data = new byte[length];
        for (int i = 0; i < length; i++)
        {
            data[i] = (byte)((offset + i) * 7);
        }
        return data;
    }

    /// <summary>The unfragmented datagram the reassembler should rebuild: a fresh 20-byte header, no flags.</summary>
    public static byte[] Datagram(ushort id, ReadOnlySpan<byte> payload, byte ttl = 64)
    {
        byte[] packet = new byte[Ipv4Header.Length + payload.Length];
        new Ipv4Header(Source, Destination, IpProtocol.Udp, payload.Length, ttl) { Identification = id }.WriteTo(packet);
        payload.CopyTo(packet.AsSpan(Ipv4Header.Length));
        return packet;
    }
}
