namespace Usrnet.Sockets;

/// <summary>Sizes of a datagram socket's receive and send queues.</summary>
public sealed record SocketBufferOptions
{
    /// <summary>The defaults: 128 packets and 256 KiB each way.</summary>
    public static SocketBufferOptions Default { get; } = new();

    /// <summary>Most packets waiting to be read.</summary>
    public int ReceivePackets { get; init; } = 128;

    /// <summary>Most payload bytes waiting to be read.</summary>
    public int ReceiveBytes { get; init; } = 256 * 1024;

    /// <summary>Most packets waiting to be sent.</summary>
    public int SendPackets { get; init; } = 128;

    /// <summary>Most payload bytes waiting to be sent.</summary>
    public int SendBytes { get; init; } = 256 * 1024;
}
