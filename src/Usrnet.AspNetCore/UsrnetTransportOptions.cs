namespace Usrnet.AspNetCore;

/// <summary>
/// Options of the usrnet transport for Kestrel (what <c>SocketTransportOptions</c> are for the socket
/// transport), set through <see cref="WebHostBuilderUsrnetExtensions.UseUsrnet(Microsoft.AspNetCore.Hosting.IWebHostBuilder, Async.NetworkStack, Action{UsrnetTransportOptions})"/>.
/// </summary>
public sealed class UsrnetTransportOptions
{
    /// <summary>
    /// Most established connections waiting for Kestrel to accept them, per endpoint (the stack's
    /// listen backlog). Default 512, as Kestrel's socket transport.
    /// </summary>
    public int Backlog { get; set; } = 512;

    /// <summary>
    /// Most bytes received from a connection and not yet read by Kestrel before the transport stops
    /// reading from the stack (the receive window then closes: TCP's own backpressure). Null for no
    /// limit. Default 1 MiB, as Kestrel's socket transport.
    /// </summary>
    public long? MaxReadBufferSize { get; set; } = 1024 * 1024;

    /// <summary>
    /// Most bytes Kestrel may have written to a connection and the transport not yet handed to the
    /// stack before Kestrel's writes wait. Null for no limit. Default 64 KiB, as Kestrel's socket transport.
    /// </summary>
    public long? MaxWriteBufferSize { get; set; } = 64 * 1024;

    /// <summary>
    /// Waits for data with a zero-byte read before taking a receive buffer, so idle connections hold no
    /// buffer. Default true, as Kestrel's socket transport.
    /// </summary>
    public bool WaitForDataBeforeAllocatingBuffer { get; set; } = true;
}
