using Usrnet.Wire;

namespace Usrnet.Tests.Dhcp;

/// <summary>
/// DHCP messages (the UDP payload) as hex, from sources other than the code under test: the client's
/// messages built with scapy 2.5 (Debian), the server's captured from dnsmasq 2.90 in a lab namespace
/// with <c>tcpdump -w</c>. The client is 06:11:22:33:44:55 (usrnet's default MAC), the server 10.0.0.101,
/// the address 10.0.0.181, the transaction ID 0x27cca666 unless told otherwise. Long runs of zeros
/// ('sname', 'file', padding) are written as <see cref="Zeros"/>.
/// </summary>
internal static class DhcpFixtures
{
    public static readonly EthernetAddress ClientMac = EthernetAddress.Parse("06:11:22:33:44:55");
    public static readonly Ipv4Address Server = new(10, 0, 0, 101);
    public static readonly Ipv4Address Leased = new(10, 0, 0, 181);
    public const uint TransactionId = 0x27cca666;

    /// <summary>The transaction ID's offset in a message (RFC 2131 §2).</summary>
    public const int TransactionIdOffset = 4;

    /// <summary>DHCPDISCOVER as the client sends it with host name "labhost": <c>BOOTP(op=1, xid=0x27cca666, flags=0x8000, chaddr=MAC)/DHCP(options=[("message-type", "discover"), ("client_id", b"\x01" + MAC), ("max_dhcp_size", 1500), ("hostname", b"labhost"), ("param_req_list", [1, 3, 6, 15, 26, 51, 54, 58, 59]), "end"])</c>, zero-padded to 300 bytes.</summary>
    public static readonly string Discover =
        "0101060027cca66600008000"
        + "00000000000000000000000000000000"
        + "06112233445500000000000000000000"
        + Zeros(64)
        + Zeros(128)
        + "63825363"
        + "3501013d0701061122334455390205dc0c076c6162686f737437090103060f1a33363a3bff"
        + Zeros(23);

    /// <summary>DHCPREQUEST in SELECTING: broadcast flag, <c>("server_id", "10.0.0.101"), ("requested_addr", "10.0.0.181")</c> after the message type, then as <see cref="Discover"/>.</summary>
    public static readonly string RequestSelecting =
        "0101060027cca66600008000"
        + "00000000000000000000000000000000"
        + "06112233445500000000000000000000"
        + Zeros(64)
        + Zeros(128)
        + "63825363"
        + "35010336040a00006532040a0000b53d0701061122334455390205dc0c076c6162686f737437090103060f1a33363a3bff"
        + Zeros(11);

    /// <summary>DHCPREQUEST in RENEWING (and REBINDING): <c>ciaddr="10.0.0.181"</c>, no flags, no options 50 and 54.</summary>
    public static readonly string RequestRenewing =
        "0101060027cca66600000000"
        + "0a0000b5000000000000000000000000"
        + "06112233445500000000000000000000"
        + Zeros(64)
        + Zeros(128)
        + "63825363"
        + "3501033d0701061122334455390205dc0c076c6162686f737437090103060f1a33363a3bff"
        + Zeros(23);

    /// <summary>DHCPREQUEST in INIT-REBOOT: broadcast flag, <c>("requested_addr", "10.0.0.160")</c>, no server identifier, 'ciaddr' zero.</summary>
    public static readonly string RequestInitReboot =
        "0101060027cca66600008000"
        + "00000000000000000000000000000000"
        + "06112233445500000000000000000000"
        + Zeros(64)
        + Zeros(128)
        + "63825363"
        + "35010332040a0000a03d0701061122334455390205dc0c076c6162686f737437090103060f1a33363a3bff"
        + Zeros(17);

    /// <summary>DHCPDECLINE: <c>("message-type", "decline"), ("server_id", "10.0.0.101"), ("requested_addr", "10.0.0.181"), ("client_id", ...), ("error_message", b"address in use by 02:00:00:00:00:99")</c>; 302 bytes, no padding needed.</summary>
    public static readonly string Decline =
        "0101060027cca66600000000"
        + "00000000000000000000000000000000"
        + "06112233445500000000000000000000"
        + Zeros(64)
        + Zeros(128)
        + "63825363"
        + "35010436040a00006532040a0000b53d070106112233445538236164647265737320696e207573652062792030323a30303a30303a30303a30303a3939ff";

    /// <summary>DHCPRELEASE: <c>ciaddr="10.0.0.181"</c>, <c>("message-type", "release"), ("server_id", "10.0.0.101"), ("client_id", ...)</c>.</summary>
    public static readonly string Release =
        "0101060027cca66600000000"
        + "0a0000b5000000000000000000000000"
        + "06112233445500000000000000000000"
        + Zeros(64)
        + Zeros(128)
        + "63825363"
        + "35010736040a0000653d0701061122334455ff"
        + Zeros(41);

    /// <summary>An offer whose options go on in 'file' (server identifier, lease time 120) and then 'sname' (mask /24, router 10.0.0.101): option 52 = 3 (RFC 2131 §4.1). Built with scapy: <c>BOOTP(op=2, ..., yiaddr="10.0.0.181", sname=..., file=...)/DHCP(options=[("message-type", "offer"), ("dhcp-option-overload", 3), "end"])</c>.</summary>
    public static readonly string OfferOverloaded =
        "0201060027cca66600008000"
        + "000000000a0000b50000000000000000"
        + "06112233445500000000000000000000"
        + "0104ffffff0003040a000065ff" + Zeros(51)
        + "36040a000065330400000078ff" + Zeros(115)
        + "63825363"
        + "350102340103ff";

    /// <summary>The DHCPOFFER dnsmasq 2.90 sent to <see cref="Discover"/> in the lab (tcpdump -w): 10.0.0.181, lease 120 s, T1 60, T2 105, mask /24, broadcast 10.0.0.255, router and DNS 10.0.0.101, domain example.test.</summary>
    public static readonly string DnsmasqOffer =
        "0201060027cca66600008000"
        + "000000000a0000b50a00006500000000"
        + "06112233445500000000000000000000"
        + Zeros(64)
        + Zeros(128)
        + "63825363"
        + "35010236040a0000653304000000783a040000003c3b04000000690104ffffff001c040a0000ff03040a00006506040a0000650f0c6578616d706c652e74657374ff";

    /// <summary>The DHCPACK dnsmasq 2.90 sent to <see cref="RequestSelecting"/> in the lab (tcpdump -w): the same options as its offer.</summary>
    public static readonly string DnsmasqAck =
        "0201060027cca66600008000"
        + "000000000a0000b50a00006500000000"
        + "06112233445500000000000000000000"
        + Zeros(64)
        + Zeros(128)
        + "63825363"
        + "35010536040a0000653304000000783a040000003c3b04000000690104ffffff001c040a0000ff03040a00006506040a0000650f0c6578616d706c652e74657374ff";

    /// <summary>The DHCPNAK dnsmasq 2.90 (--dhcp-authoritative) sent in the lab to an INIT-REBOOT request for 10.0.0.99 (xid 0xaa079e54): server identifier and the message "address not available".</summary>
    public static readonly string DnsmasqNak =
        "02010600aa079e5400008000"
        + "00000000000000000000000000000000"
        + "06112233445500000000000000000000"
        + Zeros(64)
        + Zeros(128)
        + "63825363"
        + "35010636040a000065381561646472657373206e6f7420617661696c61626c65ff"
        + Zeros(27);

    /// <summary>The bytes of a fixture.</summary>
    public static byte[] Bytes(string hex) => Convert.FromHexString(hex);

    /// <summary>A fixture with another transaction ID, to compare with what a client with a random one sent.</summary>
    public static byte[] WithTransactionId(string hex, uint xid)
    {
        byte[] bytes = Bytes(hex);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(TransactionIdOffset), xid);
        return bytes;
    }

    private static string Zeros(int count) => new('0', 2 * count);
}
