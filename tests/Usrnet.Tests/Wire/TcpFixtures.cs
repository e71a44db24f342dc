namespace Usrnet.Tests.Wire;

/// <summary>
/// Real TCP segments as hex, produced by scapy 2.5 (Debian) so that the bytes do not come from the code
/// under test: <c>bytes(IP(src=..., dst=...)/TCP(...))</c> with the 20-byte IPv4 header cut off. The
/// gateway (10.0.0.101, port 40000) talks to the stack (10.0.0.102, port 80), as in <see cref="PacketFixtures"/>.
/// </summary>
internal static class TcpFixtures
{
    /// <summary>
    /// Gateway → stack: <c>TCP(sport=40000, dport=80, seq=0xDEADBEEF, flags="S", window=64240,
    /// options=[("MSS", 1460), ("SAckOK", b""), ("Timestamp", (3000000000, 0)), ("NOP", None), ("WScale", 7)])</c>,
    /// Linux's SYN layout.
    /// </summary>
    public const string Syn =
        "9c400050" + "deadbeef" + "00000000" + "a002" + "faf0" + "ed45" + "0000"
        + "020405b4" + "0402" + "080ab2d05e0000000000" + "01" + "030307";

    /// <summary>
    /// Stack → gateway: <c>TCP(sport=80, dport=40000, seq=1000, ack=0xDEADBEF0, flags="SA", window=8192, options=[("MSS", 1460)])</c>.
    /// </summary>
    public const string SynAck =
        "00509c40" + "000003e8" + "deadbef0" + "6012" + "2000" + "2535" + "0000"
        + "020405b4";

    /// <summary>
    /// Gateway → stack: <c>TCP(sport=40000, dport=80, seq=0xDEADBEF0, ack=1001, flags="PA", window=502,
    /// options=[("NOP", None), ("NOP", None), ("Timestamp", (3000000100, 77))])/b"GET / HTTP/1.0\r\n\r\n"</c>.
    /// </summary>
    public const string Data =
        "9c400050" + "deadbef0" + "000003e9" + "8018" + "01f6" + "31a9" + "0000"
        + "0101080ab2d05e640000004d"
        + "474554202f20485454502f312e300d0a0d0a";

    /// <summary>
    /// Gateway → stack: <c>TCP(sport=40000, dport=80, seq=0xFFFFFFFF, ack=0x10, flags="FA", window=65535)</c>:
    /// the FIN takes the last number before the wrap.
    /// </summary>
    public const string FinAck =
        "9c400050" + "ffffffff" + "00000010" + "5011" + "ffff" + "fe68" + "0000";

    /// <summary>
    /// Stack → gateway: <c>TCP(sport=80, dport=40000, seq=4242, ack=0, flags="R", window=0)</c>.
    /// </summary>
    public const string Rst =
        "00509c40" + "00001092" + "00000000" + "5004" + "0000" + "edf3" + "0000";

    /// <summary>
    /// Gateway → stack: <c>TCP(sport=40000, dport=80, seq=5000, ack=0xFFFFFF00, flags="A", window=1024,
    /// options=[("NOP", None), ("NOP", None), ("Timestamp", (123456, 654321)), ("NOP", None), ("NOP", None),
    /// ("SAck", (0xFFFFFFF0, 0x10, 0x100, 0x200, 0x1000, 0x1800))])</c>: three blocks, the first across
    /// the wrap, and 40 bytes of options (the largest header).
    /// </summary>
    public const string SackAck =
        "9c400050" + "00001388" + "ffffff00" + "f010" + "0400" + "2f64" + "0000"
        + "0101080a0001e2400009fbf1"
        + "0101051a" + "fffffff000000010" + "0000010000000200" + "0000100000001800";

    /// <summary>
    /// Gateway → stack: <c>TCP(sport=40000, dport=80, seq=100, ack=200, flags="UA", window=1000, urgptr=3)/b"abc!"</c>.
    /// </summary>
    public const string Urgent =
        "9c400050" + "00000064" + "000000c8" + "5030" + "03e8" + "34bb" + "0003"
        + "61626321";

    /// <summary>
    /// Gateway → stack: <c>TCP(sport=40001, dport=80, seq=1, flags="SEC", window=29200,
    /// options=[("MSS", 536), ("NOP", None), ("WScale", 14)])</c>: an ECN-setup SYN (RFC 3168 §6.1.1).
    /// </summary>
    public const string EcnSyn =
        "9c410050" + "00000001" + "00000000" + "70c2" + "7210" + "6380" + "0000"
        + "02040218" + "0103030e";

    /// <summary>
    /// Gateway → stack: <c>TCP(sport=40000, dport=80, seq=1, ack=2, flags="A", window=100,
    /// options=[("NOP", None), (30, b"\x00\x01\x02\x03\x04\x05"), ("MSS", 1200), ("EOL", None)])</c>:
    /// an unknown kind (30, MPTCP) to skip, and padding after EOL.
    /// </summary>
    public const string UnknownOption =
        "9c400050" + "00000001" + "00000002" + "9010" + "0064" + "f7d7" + "0000"
        + "01" + "1e08000102030405" + "020404b0" + "000000";

    /// <summary>
    /// Gateway → stack: <c>TCP(sport=40000, dport=80, seq=1, flags="S", window=100,
    /// options=[("MSS", 1460), ("NOP", None), ("WScale", 15)])</c>: a shift above the limit of 14.
    /// </summary>
    public const string WindowScale15Syn =
        "9c400050" + "00000001" + "00000000" + "7002" + "0064" + "d250" + "0000"
        + "020405b4" + "0103030f";

    /// <summary>The segments that <see cref="Usrnet.Wire.TcpHeader"/> writes back byte for byte.</summary>
    public static IEnumerable<string> Canonical() => [Syn, SynAck, Data, FinAck, Rst, SackAck, Urgent, EcnSyn];

    /// <summary>Every fixture, as bytes.</summary>
    public static IEnumerable<byte[]> All() =>
        Canonical().Append(UnknownOption).Append(WindowScale15Syn).Select(Convert.FromHexString);
}
