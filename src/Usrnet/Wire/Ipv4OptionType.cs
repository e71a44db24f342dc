namespace Usrnet.Wire;

/// <summary>
/// IPv4 option types the stack recognises (RFC 791 §3.1; IANA "IP Option Numbers"): the whole type
/// octet, copied flag, class and number together.
/// </summary>
internal enum Ipv4OptionType : byte
{
    /// <summary>End of option list: the options stop here (RFC 791 §3.1).</summary>
    EndOfOptionList = 0,
    /// <summary>No operation, one octet, used as padding between options (RFC 791 §3.1).</summary>
    NoOperation = 1,
    /// <summary>Record route (RFC 791 §3.1).</summary>
    RecordRoute = 7,
    /// <summary>Internet timestamp (RFC 791 §3.1).</summary>
    Timestamp = 68,
    /// <summary>Loose source and record route, LSRR (RFC 791 §3.1).</summary>
    LooseSourceRoute = 131,
    /// <summary>Strict source and record route, SSRR (RFC 791 §3.1).</summary>
    StrictSourceRoute = 137,
    /// <summary>Router alert (RFC 2113).</summary>
    RouterAlert = 148,
}
