using Usrnet.Wire;

namespace Usrnet.Sockets.Dhcp;

/// <summary>What a <see cref="DhcpClient"/> asks for and its timers. The defaults are the RFCs' values.</summary>
public sealed record DhcpClientOptions
{
    /// <summary>The defaults.</summary>
    public static DhcpClientOptions Default { get; } = new();

    /// <summary>Host name sent as option 12 (RFC 2132 §3.14) in DHCPDISCOVER and DHCPREQUEST; null sends none.</summary>
    public string? HostName { get; init; }

    /// <summary>
    /// Client identifier, option 61 (RFC 2132 §9.14): a type octet and the identifier. Null sends type 1
    /// (Ethernet) and the MAC, as most clients do, so a server keys the lease on it.
    /// </summary>
    public byte[]? ClientIdentifier { get; init; }

    /// <summary>
    /// An address from an earlier lease: the client starts in INIT-REBOOT and asks to keep it (RFC 2131
    /// §3.2) before falling back to DHCPDISCOVER. Null starts in INIT.
    /// </summary>
    public Ipv4Address? RememberedAddress { get; init; }

    /// <summary>
    /// Longest random wait before the first DHCPDISCOVER. RFC 2131 §4.4.1 suggests 1 to 10 s so that hosts
    /// powered on together do not all broadcast at once; one host has no such crowd, so the default is none.
    /// </summary>
    public TimeSpan MaxStartDelay { get; init; } = TimeSpan.Zero;

    /// <summary>Wait before the first retransmission (RFC 2131 §4.1: 4 s); it doubles after each one.</summary>
    public TimeSpan InitialRetransmissionInterval { get; init; } = TimeSpan.FromSeconds(4);

    /// <summary>Longest wait between retransmissions (RFC 2131 §4.1: 64 s).</summary>
    public TimeSpan MaxRetransmissionInterval { get; init; } = TimeSpan.FromSeconds(64);

    /// <summary>DHCPREQUESTs sent for one offer before going back to INIT (RFC 2131 §4.4.1 leaves the count open).</summary>
    public int MaxRequestAttempts { get; init; } = 4;

    /// <summary>
    /// DHCPREQUESTs sent in REBOOTING before giving the remembered address up and going to INIT (RFC 2131
    /// §3.2 leaves the count open): two, so a silent server (dnsmasq without --dhcp-authoritative ignores
    /// leases it does not know) costs 12 s rather than a full back-off.
    /// </summary>
    public int MaxRebootAttempts { get; init; } = 2;

    /// <summary>
    /// Shortest wait between DHCPREQUESTs in RENEWING and REBINDING, which otherwise wait half the time left
    /// until T2 or the lease's end (RFC 2131 §4.4.5: "down to a minimum of 60 seconds"). Shorter values are
    /// for tests and short leases.
    /// </summary>
    public TimeSpan MinRenewalRetransmissionInterval { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>ARP probes of an assigned address before using it (RFC 5227 §1.1 PROBE_NUM: 3); 0 skips the check.</summary>
    public int ProbeCount { get; init; } = 3;

    /// <summary>Longest random wait before the first probe (RFC 5227 PROBE_WAIT: 1 s).</summary>
    public TimeSpan ProbeWait { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Shortest random wait between probes (RFC 5227 PROBE_MIN: 1 s).</summary>
    public TimeSpan ProbeMinInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Longest random wait between probes (RFC 5227 PROBE_MAX: 2 s).</summary>
    public TimeSpan ProbeMaxInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Wait after the last probe before the address is used (RFC 5227 ANNOUNCE_WAIT: 2 s).</summary>
    public TimeSpan AnnounceWait { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Wait after a DHCPDECLINE before starting over (RFC 2131 §3.1 step 5: at least 10 s).</summary>
    public TimeSpan DeclineBackoff { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Set the BROADCAST flag until the client has an address (RFC 2131 §4.1), so servers broadcast their
    /// answers rather than unicast them to an address the interface does not have yet.
    /// </summary>
    public bool RequestBroadcast { get; init; } = true;

    /// <summary>
    /// Option 57 (RFC 2132 §9.10): the longest DHCP message the client takes, IP and UDP headers included;
    /// at least 576. Replies longer than this are dropped.
    /// </summary>
    public ushort MaxMessageSize { get; init; } = 1500;

    /// <summary>Validates the values.</summary>
    /// <exception cref="ArgumentException">A value is out of range or malformed.</exception>
    public void Validate()
    {
        if (HostName is not null && !IsValidHostName(HostName))
        {
            throw new ArgumentException($"'{HostName}' is not a host name (letters, digits, '-' and '.', at most 255 characters)", nameof(HostName));
        }
        if (ClientIdentifier is { } id && id.Length is < 2 or > byte.MaxValue)
        {
            throw new ArgumentException("a client identifier is a type octet and 1 to 254 bytes (RFC 2132 §9.14)", nameof(ClientIdentifier));
        }
        if (RememberedAddress is { } remembered && !remembered.IsUnicast)
        {
            throw new ArgumentException($"{remembered} cannot be a leased address", nameof(RememberedAddress));
        }
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxMessageSize, (ushort)576);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxRequestAttempts, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxRebootAttempts, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(ProbeCount);
        ThrowIfNegative(MaxStartDelay, nameof(MaxStartDelay));
        ThrowIfNegative(ProbeWait, nameof(ProbeWait));
        ThrowIfNegative(AnnounceWait, nameof(AnnounceWait));
        ThrowIfNegative(DeclineBackoff, nameof(DeclineBackoff));
        if (InitialRetransmissionInterval <= TimeSpan.Zero || MaxRetransmissionInterval < InitialRetransmissionInterval)
        {
            throw new ArgumentOutOfRangeException(nameof(InitialRetransmissionInterval), "need 0 < initial <= max retransmission interval");
        }
        if (MinRenewalRetransmissionInterval <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(MinRenewalRetransmissionInterval), "must be positive");
        }
        if (ProbeMinInterval < TimeSpan.Zero || ProbeMaxInterval < ProbeMinInterval)
        {
            throw new ArgumentOutOfRangeException(nameof(ProbeMinInterval), "need 0 <= min <= max probe interval");
        }
    }

    private static void ThrowIfNegative(TimeSpan value, string name)
    {
        if (value < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(name, "must not be negative");
        }
    }

    /// <summary>True for an RFC 1123 §2.1 host name: labels of letters, digits and hyphens, joined by dots, at most 255 characters.</summary>
    public static bool IsValidHostName(string name) =>
        name.Length is > 0 and <= byte.MaxValue
        && name.Split('.').All(label => label.Length is > 0 and <= 63
            && label.All(c => char.IsAsciiLetterOrDigit(c) || c == '-')
            && label[0] != '-' && label[^1] != '-');
}
