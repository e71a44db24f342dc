namespace Usrnet.Wire;

/// <summary>The BOOTP <c>op</c> field of a DHCP message (RFC 2131 §2, RFC 951).</summary>
internal enum DhcpOperation : byte
{
    /// <summary>BOOTREQUEST: a message from a client to a server.</summary>
    BootRequest = 1,
    /// <summary>BOOTREPLY: a message from a server to a client.</summary>
    BootReply = 2,
}
