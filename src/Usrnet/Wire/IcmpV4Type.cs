namespace Usrnet.Wire;

/// <summary>ICMPv4 message types (RFC 792) the stack handles.</summary>
internal enum IcmpV4Type : byte
{
    /// <summary>Echo reply.</summary>
    EchoReply = 0,
    /// <summary>Destination unreachable; codes in <see cref="IcmpV4Unreachable"/>.</summary>
    DestinationUnreachable = 3,
    /// <summary>Redirect (RFC 792); counted and ignored.</summary>
    Redirect = 5,
    /// <summary>Echo request.</summary>
    EchoRequest = 8,
    /// <summary>Time exceeded; code 0 in transit, 1 during reassembly.</summary>
    TimeExceeded = 11,
    /// <summary>Parameter problem.</summary>
    ParameterProblem = 12,
}
