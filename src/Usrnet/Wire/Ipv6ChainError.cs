namespace Usrnet.Wire;

/// <summary>Why <see cref="Ipv6HeaderChain.Walk"/> refused a packet's extension headers (RFC 8200 §4).</summary>
internal enum Ipv6ChainError : byte
{
    /// <summary>The chain was walked to the upper layer (or to the fragmentable part of a non-first fragment).</summary>
    None,
    /// <summary>An extension header runs past the payload.</summary>
    Truncated,
    /// <summary>A hop-by-hop options header not right after the fixed header (RFC 8200 §4.1): parameter problem code 1.</summary>
    HopByHopNotFirst,
    /// <summary>More extension headers than <see cref="Ipv6HeaderChain.MaxHeaders"/>.</summary>
    TooManyHeaders,
    /// <summary>More extension header bytes than <see cref="Ipv6HeaderChain.MaxHeaderBytes"/>.</summary>
    HeadersTooLong,
    /// <summary>An option's length runs past the end of its header (RFC 8200 §4.2).</summary>
    MalformedOption,
    /// <summary>More than <see cref="Ipv6HeaderChain.MaxOptions"/> options other than padding in one header (RFC 8504 §5.3).</summary>
    TooManyOptions,
    /// <summary>More than <see cref="Ipv6HeaderChain.MaxPaddingRun"/> consecutive bytes of padding (RFC 8504 §5.3).</summary>
    ExcessivePadding,
    /// <summary>An unrecognised option whose action bits say discard (RFC 8200 §4.2); maybe a parameter problem code 2.</summary>
    UnrecognizedOption,
    /// <summary>A type 0 routing header with segments left (RFC 5095 §3: processed as an unrecognised type): parameter problem code 0.</summary>
    RoutingHeaderType0,
    /// <summary>A routing header of a type the stack does not implement with segments left (RFC 8200 §4.4): parameter problem code 0.</summary>
    UnrecognizedRoutingType,
    /// <summary>A fragment with M set whose length is not a multiple of 8 (RFC 8200 §4.5): parameter problem code 0 at the payload length.</summary>
    FragmentLengthNotMultipleOf8,
    /// <summary>A fragment that would reassemble past 65,535 bytes of payload (RFC 8200 §4.5): parameter problem code 0 at the offset.</summary>
    FragmentBeyondMaxLength,
    /// <summary>A first fragment that ends inside the header chain (RFC 8200 §4.5; RFC 7112 §5): parameter problem code 3.</summary>
    IncompleteHeaderChain,
}
