namespace Usrnet.Sockets.Dhcp;

/// <summary>What a <see cref="DhcpClient"/> sent, received and dropped. Malformed replies are counted here, never thrown.</summary>
/// <remarks>Written by the poll thread.</remarks>
public sealed class DhcpClientCounters
{
    /// <summary>Made by the client that counts; users read them.</summary>
    internal DhcpClientCounters()
    {
    }

    /// <summary>DHCP messages queued for sending.</summary>
    public long MessagesSent { get; internal set; }

    /// <summary>Datagrams received on port 68.</summary>
    public long MessagesReceived { get; internal set; }

    /// <summary>Dropped: not a DHCP message (short, no magic cookie, an option past its area, longer than accepted).</summary>
    public long DroppedMalformed { get; internal set; }

    /// <summary>Dropped: for another client or transaction (not a reply, other xid or chaddr, not from port 67).</summary>
    public long DroppedNotForUs { get; internal set; }

    /// <summary>Dropped: a well-formed reply the current state does not wait for (a late offer, a duplicate ACK).</summary>
    public long DroppedUnexpected { get; internal set; }

    /// <summary>Dropped: an offer or ACK that cannot make a lease (no server identifier, no lease time, no valid mask, not a unicast address).</summary>
    public long RepliesRejected { get; internal set; }

    /// <summary>Not sent: the socket's send queue was full (the retransmission timer tries again).</summary>
    public long DroppedSendQueueFull { get; internal set; }

    /// <summary>DHCPNAKs acted on.</summary>
    public long NaksReceived { get; internal set; }

    /// <summary>ARP probes sent (RFC 5227 §2.1.1).</summary>
    public long ProbesSent { get; internal set; }

    /// <summary>Addresses declined because another host answered the probe.</summary>
    public long Declines { get; internal set; }

    /// <summary>Events dropped because the owner did not take them and the queue was full.</summary>
    public long DroppedEvents { get; internal set; }

    /// <summary>Every counter with its name, in declaration order (for printing).</summary>
    public IEnumerable<KeyValuePair<string, long>> All()
    {
        yield return new(nameof(MessagesSent), MessagesSent);
        yield return new(nameof(MessagesReceived), MessagesReceived);
        yield return new(nameof(DroppedMalformed), DroppedMalformed);
        yield return new(nameof(DroppedNotForUs), DroppedNotForUs);
        yield return new(nameof(DroppedUnexpected), DroppedUnexpected);
        yield return new(nameof(RepliesRejected), RepliesRejected);
        yield return new(nameof(DroppedSendQueueFull), DroppedSendQueueFull);
        yield return new(nameof(NaksReceived), NaksReceived);
        yield return new(nameof(ProbesSent), ProbesSent);
        yield return new(nameof(Declines), Declines);
        yield return new(nameof(DroppedEvents), DroppedEvents);
    }
}
