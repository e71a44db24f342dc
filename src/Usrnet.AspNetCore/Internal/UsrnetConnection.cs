using System.Buffers;
using System.Globalization;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using Usrnet.Async;

namespace Usrnet.AspNetCore.Internal;

/// <summary>
/// One Kestrel connection over a <see cref="TcpStream"/>, in the shape of Kestrel's socket transport:
/// a receive loop copies the stream into the input pipe, a send loop copies the output pipe into the
/// stream, each pipe bounded so that backpressure reaches TCP's windows.
/// </summary>
/// <remarks>
/// <para>Ends of the connection:</para>
/// <list type="bullet">
/// <item>The application completes its output: the send loop flushes what is left and half-closes
/// (<see cref="TcpStream.ShutdownWrite"/>, a FIN after the data, RFC 9293 §3.10.4); reading goes on until the
/// peer's FIN or <see cref="DisposeAsync"/>.</item>
/// <item>The peer's FIN or a reset ends the input (a reset as <see cref="ConnectionResetException"/>) and fires
/// <see cref="BaseConnectionContext.ConnectionClosed"/>, as the socket transport does.</item>
/// <item><see cref="Abort(ConnectionAbortedException)"/> closes the stream at once (pending reads and writes fail; the
/// input completes with the abort reason) and stops the send loop.</item>
/// <item><see cref="DisposeAsync"/> (Kestrel, after the connection's middleware has finished) completes both
/// pipes, stops reading, waits for both loops and closes the stream gracefully.</item>
/// </list>
/// <para>Ownership: the connection owns the stream and disposes it once both loops have ended.</para>
/// </remarks>
internal sealed partial class UsrnetConnection : ConnectionContext,
    IConnectionIdFeature, IConnectionTransportFeature, IConnectionItemsFeature, IConnectionLifetimeFeature,
    IConnectionEndPointFeature, IMemoryPoolFeature
{
    /// <summary>Smallest receive buffer asked of the input pipe: room for several full-sized segments.</summary>
    private const int MinimumReceiveBuffer = 8 * 1024;

    /// <summary>Pipe segment size: large enough that one stream call moves many TCP segments.</summary>
    private const int PipeSegmentSize = 16 * 1024;

    private static long s_lastId;

    private readonly TcpStream _stream;
    private readonly ILogger _logger;
    private readonly bool _waitForData;
    private readonly Pipe _input;
    private readonly Pipe _output;
    private readonly CancellationTokenSource _connectionClosedSource = new();
    private readonly CancellationTokenSource _stopReceiving = new();
    private readonly TaskCompletionSource _connectionClosedFired = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _shutdownLock = new();
    private bool _streamClosed;
    private bool _writeShutdown;
    private volatile Exception? _shutdownReason;
    private int _connectionClosedQueued;
    private int _disposed;
    private Task _processing = Task.CompletedTask;

    public UsrnetConnection(TcpStream stream, UsrnetTransportOptions options, ILogger logger)
    {
        _stream = stream;
        _logger = logger;
        _waitForData = options.WaitForDataBeforeAllocatingBuffer;
        ConnectionId = string.Create(CultureInfo.InvariantCulture, $"usrnet-{Interlocked.Increment(ref s_lastId):x}");
        LocalEndPoint = stream.LocalEndpoint.ToIPEndPoint();
        RemoteEndPoint = stream.RemoteEndpoint.ToIPEndPoint();
        ConnectionClosed = _connectionClosedSource.Token;

        // As Kestrel's socket transport: the application's side of each pipe resumes on the thread pool,
        // the transport's side inline (TcpStream already completes its waits on the thread pool).
        long maxRead = options.MaxReadBufferSize ?? 0;
        long maxWrite = options.MaxWriteBufferSize ?? 0;
        _input = new Pipe(new PipeOptions(MemoryPool, PipeScheduler.ThreadPool, PipeScheduler.Inline, maxRead, maxRead / 2, PipeSegmentSize, useSynchronizationContext: false));
        _output = new Pipe(new PipeOptions(MemoryPool, PipeScheduler.Inline, PipeScheduler.ThreadPool, maxWrite, maxWrite / 2, PipeSegmentSize, useSynchronizationContext: false));
        Transport = new DuplexPipe(_input.Reader, _output.Writer);

        Features.Set<IConnectionIdFeature>(this);
        Features.Set<IConnectionTransportFeature>(this);
        Features.Set<IConnectionItemsFeature>(this);
        Features.Set<IConnectionLifetimeFeature>(this);
        Features.Set<IConnectionEndPointFeature>(this);
        Features.Set<IMemoryPoolFeature>(this);
    }

    /// <inheritdoc/>
    public override string ConnectionId { get; set; }

    /// <inheritdoc/>
    public override IFeatureCollection Features { get; } = new FeatureCollection();

    /// <inheritdoc/>
    public override IDictionary<object, object?> Items { get; set; } = new ConnectionItems();

    /// <inheritdoc/>
    public override IDuplexPipe Transport { get; set; }

    /// <inheritdoc/>
    public MemoryPool<byte> MemoryPool => MemoryPool<byte>.Shared;

    /// <summary>Starts the receive and send loops.</summary>
    public void Start() => _processing = RunAsync();

    /// <summary>Closes the stream (pending reads and writes fail) and stops the send loop; the input completes with <paramref name="abortReason"/>.</summary>
    public override void Abort(ConnectionAbortedException abortReason)
    {
        Shutdown(abortReason);
        _output.Reader.CancelPendingRead(); // after Shutdown, so that the send loop sees the reason
    }

    /// <summary>Completes both pipes, stops reading, waits for the loops, and closes the stream gracefully. Safe to call twice.</summary>
    public override async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            await _processing.ConfigureAwait(false);
            return;
        }
        _input.Reader.Complete();
        _output.Writer.Complete();
        _stopReceiving.Cancel(); // the application will read no more: do not wait for the peer's FIN
        await _processing.ConfigureAwait(false);
        _stopReceiving.Dispose();
        _connectionClosedSource.Dispose();
    }

    /// <inheritdoc/>
    public override string ToString() => $"{ConnectionId} {LocalEndPoint} <- {RemoteEndPoint}";

    private async Task RunAsync()
    {
        try
        {
            Task receiving = DoReceiveAsync();
            Task sending = DoSendAsync();
            await receiving.ConfigureAwait(false);
            await sending.ConfigureAwait(false);
        }
        catch (Exception e)
        {
            Log.UnexpectedError(_logger, ConnectionId, e);
        }
        finally
        {
            Shutdown(null); // graceful: a FIN after queued data, if the send loop has not sent one yet
        }
    }

    private async Task DoReceiveAsync()
    {
        Exception? error = null;
        try
        {
            await ReceiveAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (IsShutdownError(e))
        {
            error = e; // the stream was closed or reading stopped here: _shutdownReason says why, if anyone set it
        }
        catch (SocketException e)
        {
            error = new ConnectionResetException(e.Message, e);
            Log.ConnectionReset(_logger, ConnectionId, e.SocketErrorCode);
        }
        catch (Exception e)
        {
            error = e;
            Log.UnexpectedError(_logger, ConnectionId, e);
        }
        finally
        {
            _input.Writer.Complete(_shutdownReason ?? error);
            FireConnectionClosed();
            await _connectionClosedFired.Task.ConfigureAwait(false);
        }
    }

    private async Task ReceiveAsync()
    {
        PipeWriter input = _input.Writer;
        CancellationToken stop = _stopReceiving.Token;
        while (true)
        {
            if (_waitForData)
            {
                // A zero-byte read waits for data without holding a buffer: idle connections hold none.
                await _stream.ReadAsync(Memory<byte>.Empty, stop).ConfigureAwait(false);
            }
            Memory<byte> buffer = input.GetMemory(MinimumReceiveBuffer);
            int received = await _stream.ReadAsync(buffer, stop).ConfigureAwait(false);
            if (received == 0)
            {
                Log.ReadFin(_logger, ConnectionId);
                return;
            }
            input.Advance(received);
            FlushResult flushed = await input.FlushAsync(CancellationToken.None).ConfigureAwait(false);
            if (flushed.IsCompleted || flushed.IsCanceled)
            {
                return; // the application completed its input, or the connection is shutting down
            }
        }
    }

    private async Task DoSendAsync()
    {
        Exception? shutdownReason = null;
        Exception? unexpected = null;
        try
        {
            await SendAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (IsShutdownError(e))
        {
            shutdownReason = e;
        }
        catch (SocketException e)
        {
            shutdownReason = new ConnectionResetException(e.Message, e);
            Log.ConnectionReset(_logger, ConnectionId, e.SocketErrorCode);
        }
        catch (Exception e)
        {
            // Also the exception the application completed its output with: the connection cannot end cleanly.
            shutdownReason = unexpected = e;
            Log.UnexpectedError(_logger, ConnectionId, e);
        }
        finally
        {
            if (shutdownReason is null)
            {
                HalfClose();
            }
            else
            {
                Shutdown(shutdownReason);
            }
            _output.Reader.Complete(unexpected);
            bool closed;
            lock (_shutdownLock)
            {
                closed = _streamClosed;
            }
            if (closed)
            {
                _input.Writer.CancelPendingFlush(); // a receive loop paused by backpressure must see the end
            }
        }
    }

    private async Task SendAsync()
    {
        PipeReader output = _output.Reader;
        while (true)
        {
            ReadResult result = await output.ReadAsync(CancellationToken.None).ConfigureAwait(false);
            if (result.IsCanceled)
            {
                return; // Abort: the stream is closed already
            }
            ReadOnlySequence<byte> buffer = result.Buffer;
            foreach (ReadOnlyMemory<byte> segment in buffer)
            {
                await _stream.WriteAsync(segment, CancellationToken.None).ConfigureAwait(false);
            }
            output.AdvanceTo(buffer.End);
            if (result.IsCompleted)
            {
                return;
            }
        }
    }

    /// <summary>Sends a FIN after the data written (RFC 9293 §3.10.4 CLOSE of the sending side only).</summary>
    private void HalfClose()
    {
        lock (_shutdownLock)
        {
            if (_streamClosed || _writeShutdown)
            {
                return;
            }
            _writeShutdown = true;
            try
            {
                _stream.ShutdownWrite();
                Log.WriteFin(_logger, ConnectionId);
            }
            catch (SocketException e)
            {
                Log.ConnectionReset(_logger, ConnectionId, e.SocketErrorCode); // the connection ended first
            }
        }
    }

    /// <summary>Closes the stream once; pending reads and writes fail, and <paramref name="reason"/> becomes the input's end.</summary>
    private void Shutdown(Exception? reason)
    {
        lock (_shutdownLock)
        {
            if (_streamClosed)
            {
                return;
            }
            _streamClosed = true;
            // Null only when both loops ended by themselves; nobody reads the input any more then.
            _shutdownReason = reason ?? new ConnectionAbortedException("The usrnet transport closed the connection.");
            _stream.Dispose(); // graceful, as the socket transport's Shutdown(Both): a FIN after queued data (RST if data was left unread)
        }
    }

    private void FireConnectionClosed()
    {
        if (Interlocked.Exchange(ref _connectionClosedQueued, 1) != 0)
        {
            return;
        }
        // Off this loop: cancellation callbacks are application code.
        ThreadPool.UnsafeQueueUserWorkItem(
            static connection =>
            {
                try
                {
                    connection._connectionClosedSource.Cancel();
                }
                catch (Exception e)
                {
                    Log.UnexpectedError(connection._logger, connection.ConnectionId, e);
                }
                connection._connectionClosedFired.TrySetResult();
            },
            this,
            preferLocal: false);
    }

    /// <summary>An error that means the stream was closed or reading was stopped on this side.</summary>
    private static bool IsShutdownError(Exception e) =>
        e is ObjectDisposedException or OperationCanceledException
        || e is SocketException { SocketErrorCode: SocketError.OperationAborted or SocketError.ConnectionAborted or SocketError.Shutdown };

    private sealed class DuplexPipe(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;

        public PipeWriter Output { get; } = output;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 10, Level = LogLevel.Debug, Message = "Connection id \"{ConnectionId}\" received FIN.")]
        public static partial void ReadFin(ILogger logger, string connectionId);

        [LoggerMessage(EventId = 11, Level = LogLevel.Debug, Message = "Connection id \"{ConnectionId}\" sent FIN.")]
        public static partial void WriteFin(ILogger logger, string connectionId);

        [LoggerMessage(EventId = 12, Level = LogLevel.Debug, Message = "Connection id \"{ConnectionId}\" reset or lost: {SocketError}.")]
        public static partial void ConnectionReset(ILogger logger, string connectionId, SocketError socketError);

        [LoggerMessage(EventId = 13, Level = LogLevel.Error, Message = "Unexpected error on connection id \"{ConnectionId}\".")]
        public static partial void UnexpectedError(ILogger logger, string connectionId, Exception exception);
    }
}
