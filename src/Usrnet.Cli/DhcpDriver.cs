using System.Globalization;
using Usrnet.Hosting;
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
    /// <summary>
    /// Polls the host's runner, whose DHCP client <see cref="InterfaceRunner.StartDhcp"/> started, until
    /// <paramref name="done"/> says so, <paramref name="deadline"/> passes or a signal arrives. Each event,
    /// once the runner applied it, is handed to <paramref name="onEvent"/>; <paramref name="onState"/>
    /// hears of every state change.
    /// </summary>
    public static void Run(StackHost host, Func<bool> done, Instant? deadline, Action<DhcpEvent> onEvent, Action<DhcpState>? onState = null)
    {
        DhcpClient client = host.Runner.Dhcp ?? throw new InvalidOperationException("no DHCP client started");
        DhcpState state = client.State;
        void OnEvent(object? sender, DhcpEvent e) => onEvent(e);
        host.Runner.DhcpEventApplied += OnEvent;
        try
        {
            while (!host.IsStopping && !done())
            {
                Instant now = host.PollUntil(deadline);
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
        finally
        {
            host.Runner.DhcpEventApplied -= OnEvent;
        }
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
