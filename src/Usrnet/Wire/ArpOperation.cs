namespace Usrnet.Wire;

/// <summary>ARP opcodes (RFC 826).</summary>
internal enum ArpOperation : ushort
{
    /// <summary>ares_op$REQUEST.</summary>
    Request = 1,
    /// <summary>ares_op$REPLY.</summary>
    Reply = 2,
}
