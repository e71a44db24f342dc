using System.Globalization;
using Usrnet.Iface;
using Usrnet.Sockets.Dhcp;
using Usrnet.Wire;

namespace Usrnet.Cli;

/// <summary>
/// What <c>usrnet dhcp</c> and <c>usrnet up --dhcp</c> share: the loop that polls a <see cref="DhcpClient"/>
/// beside the interface, applying what it reports to the interface (the client never does), the
/// release at the end, and how a lease is described in one line.
/// </summary>
internal static class DhcpDriver
{
    /// <summary>How long the DHCPRELEASE may take to leave (the server's MAC may have to be resolved first).</summary>
    private static readonly TimeSpan s_releaseFlushLimit = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Polls interface and client until <paramref name="done"/> says so, <paramref name="deadline"/> passes
    /// or a signal arrives. Each event is applied to the interface, then handed to <paramref name="onEvent"/>;
    /// <paramref name="onState"/> hears of every state change.
    /// </summary>
    public static void Run(StackHost host, DhcpClient client, Func<bool> done, Instant? deadline, Action<DhcpEvent> onEvent, Action<DhcpState>? onState = null)
    {
        DhcpState state = client.State;
        while (!host.IsStopping && !done())
        {
            Instant now = host.PollUntil(Instant.Min(client.PollAt(Instant.Now), deadline));
            client.Poll(now);
            // Applied before the next interface poll, so that what the client queued leaves with the right address.
            while (client.TakeEvent() is { } e)
            {
                host.Interface.Apply(e);
                onEvent(e);
            }
            if (client.State != state)
            {
                state = client.State;
                onState?.Invoke(state);
            }
            if (deadline is { } d && now >= d)
            {
                return;
            }
        }
    }

    /// <summary>
    /// Releases the lease if the client holds one, waits (briefly) until the DHCPRELEASE has left, then
    /// removes the address. Returns the released address, or null when there was no lease.
    /// </summary>
    public static Ipv4Cidr? Release(StackHost host, DhcpClient client)
    {
        Ipv4Cidr? address = client.Lease?.Address;
        if (!client.Release(Instant.Now))
        {
            return null;
        }
        Instant until = Instant.Now + s_releaseFlushLimit;
        Instant now;
        do
        {
            now = host.PollUntil(until, waitWhenStopping: true);
        }
        while (host.Interface.ArpCache.ParkedCount > 0 && now < until);
        host.Interface.SetAddress(null);
        host.Interface.Gateway = null;
        return address;
    }

    /// <summary>
    /// What the client waits for in <paramref name="state"/>, as one line for stderr, so a wait of seconds
    /// is never silent (without <c>--verbose</c>); null for the states that wait for nothing.
    /// </summary>
    public static string? DescribeWait(DhcpState state, DhcpClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return state switch
        {
            DhcpState.Selecting => "usrnet: DHCPDISCOVER sent, waiting for an offer",
            DhcpState.Requesting => "usrnet: offer taken, DHCPREQUEST sent, waiting for the server's DHCPACK",
            DhcpState.Rebooting => "usrnet: DHCPREQUEST for the remembered address sent (INIT-REBOOT), waiting for DHCPACK",
            DhcpState.Probing when options.ProbeCount > 0 =>
                $"usrnet: DHCPACK received; probing the address for conflicts with ARP (RFC 5227), up to {Seconds(MaxProbeTime(options))}",
            _ => null,
        };
    }

    /// <summary>The longest the RFC 5227 check takes: PROBE_WAIT, the probes PROBE_MAX apart, then ANNOUNCE_WAIT.</summary>
    private static TimeSpan MaxProbeTime(DhcpClientOptions o) => o.ProbeWait + (o.ProbeMaxInterval * (o.ProbeCount - 1)) + o.AnnounceWait;

    /// <summary><c>10.0.0.157/24 via 10.0.0.101 lease 120 s</c>.</summary>
    public static string Describe(DhcpConfiguration c)
    {
        string via = c.Gateway is { } g ? $" via {g}" : "";
        return $"{c.Address}{via} lease {Seconds(c.LeaseTime)}";
    }

    /// <summary>Whole seconds as <c>120 s</c>, or <c>infinite</c>.</summary>
    public static string Seconds(TimeSpan? duration) =>
        duration is { } d ? d.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture) + " s" : "infinite";
}
