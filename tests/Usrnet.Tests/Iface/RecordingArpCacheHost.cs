using Usrnet.Iface;
using Usrnet.Phy;
using Usrnet.Wire;

namespace Usrnet.Tests.Iface;

/// <summary>An <see cref="IArpCacheHost"/> that records every call; frames are identified by their first byte.</summary>
internal sealed class RecordingArpCacheHost : IArpCacheHost, IDisposable
{
    public List<(Instant Now, Ipv4Address Target)> Requests { get; } = [];

    public List<(Instant Now, EthernetAddress Destination, int Frame)> Transmitted { get; } = [];

    public List<(Instant Now, int Frame)> Unreachable { get; } = [];

    private readonly List<PacketBuffer> _owned = [];

    public static PacketBuffer Frame(int id) => PacketBuffer.Copy([(byte)id, 0xEE]);

    public List<(Instant Now, Ipv4Address Target)> UnicastPolls { get; } = [];

    public void SendArpRequest(Instant now, Ipv4Address target, EthernetAddress? destination)
    {
        if (destination is null)
        {
            Requests.Add((now, target));
        }
        else
        {
            UnicastPolls.Add((now, target));
        }
    }

    public void TransmitParked(Instant now, EthernetAddress destination, PacketBuffer frame)
    {
        Transmitted.Add((now, destination, frame.Span[0]));
        _owned.Add(frame);
    }

    public void NeighborUnreachable(Instant now, PacketBuffer frame)
    {
        Unreachable.Add((now, frame.Span[0]));
        _owned.Add(frame);
    }

    public List<int> PushedOut { get; } = [];

    public void ParkedFrameDropped(PacketBuffer frame)
    {
        PushedOut.Add(frame.Span[0]);
        _owned.Add(frame);
    }

    public void Dispose()
    {
        foreach (PacketBuffer frame in _owned)
        {
            frame.Dispose();
        }
        _owned.Clear();
    }
}
