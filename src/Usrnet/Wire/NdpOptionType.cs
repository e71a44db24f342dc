namespace Usrnet.Wire;

/// <summary>Neighbor discovery option types (RFC 4861 §4.6; RFC 8106 §5.1) the stack reads or writes.</summary>
internal enum NdpOptionType : byte
{
    /// <summary>Source link-layer address (RFC 4861 §4.6.1).</summary>
    SourceLinkLayerAddress = 1,
    /// <summary>Target link-layer address (RFC 4861 §4.6.1).</summary>
    TargetLinkLayerAddress = 2,
    /// <summary>Prefix information (RFC 4861 §4.6.2).</summary>
    PrefixInformation = 3,
    /// <summary>Redirected header (RFC 4861 §4.6.3).</summary>
    RedirectedHeader = 4,
    /// <summary>MTU (RFC 4861 §4.6.4).</summary>
    Mtu = 5,
    /// <summary>Recursive DNS server (RFC 8106 §5.1).</summary>
    RecursiveDnsServer = 25,
}
