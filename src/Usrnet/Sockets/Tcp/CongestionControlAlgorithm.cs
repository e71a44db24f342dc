namespace Usrnet.Sockets.Tcp;

/// <summary>Which congestion control a TCP socket uses.</summary>
public enum CongestionControlAlgorithm
{
    /// <summary>Reno with NewReno fast recovery (RFC 5681, RFC 6582). The default.</summary>
    NewReno,
    /// <summary>CUBIC (RFC 9438), Linux's default, for paths with a large bandwidth-delay product.</summary>
    Cubic,
}
