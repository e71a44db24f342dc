using Usrnet.Phy;

namespace Usrnet.Iface;

/// <summary>
/// The bound on frames parked while neighbours resolve, shared by the ARP cache and the IPv6 neighbour
/// cache: per entry and across the table.
/// </summary>
/// <remarks>Ownership: a frame handed to <see cref="Park"/> belongs to the queue, or to the host when it is dropped.</remarks>
internal static class ParkedFrames
{
    /// <summary>
    /// Parks <paramref name="frame"/> in <paramref name="queue"/>, keeping the latest packet (RFC 1122 §2.3.2.2,
    /// RFC 4861 §7.2.2): when the entry or the table is full, the entry's oldest frame makes room. Like Linux
    /// (neigh's unres_qlen), unannounced: the neighbour has not failed, so reporting "host unreachable" would end
    /// connects in SYN-SENT (RFC 5461 §4.1) that a retransmission would complete. Returns the new table total.
    /// </summary>
    public static int Park(Queue<PacketBuffer> queue, PacketBuffer frame, int total, int maxPerEntry, int maxTotal, IParkedFrameHost host)
    {
        if (queue.Count > 0 && (queue.Count >= maxPerEntry || total >= maxTotal))
        {
            host.ParkedFrameDropped(queue.Dequeue());
            total--;
        }
        if (total >= maxTotal)
        {
            // Every parked packet belongs to another address: park none here.
            host.ParkedFrameDropped(frame);
            return total;
        }
        queue.Enqueue(frame);
        return total + 1;
    }

    /// <summary>Disposes every frame in <paramref name="queue"/> and returns how many there were.</summary>
    public static int DisposeAll(Queue<PacketBuffer> queue)
    {
        int count = 0;
        while (queue.TryDequeue(out PacketBuffer? frame))
        {
            frame.Dispose();
            count++;
        }
        return count;
    }
}
