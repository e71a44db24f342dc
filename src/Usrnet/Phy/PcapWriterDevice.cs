using System.Buffers.Binary;

namespace Usrnet.Phy;

/// <summary>
/// A decorator that writes every frame received from and transmitted to the inner device into a classic
/// libpcap capture (opens in Wireshark, tshark and tcpdump).
/// </summary>
/// <remarks>
/// <para>
/// Format: https://wiki.wireshark.org/Development/LibpcapFileFormat — a 24-byte global header, then per
/// frame a 16-byte record header and the frame bytes, all in the writer's byte order (little-endian here;
/// readers recognise it by the magic number). Timestamps are wall-clock UTC with microsecond resolution,
/// because capture readers show them as dates; the stack's own <see cref="Instant"/> has an arbitrary origin.
/// </para>
/// <para>
/// Transmitted frames are written before they are handed on, so the capture shows what the stack sent
/// even when the inner device drops it. Place the writer outside a <see cref="FaultInjectorDevice"/> to
/// capture what the stack sees, inside it to capture what the wire carries.
/// </para>
/// <para>
/// Ownership: the writer owns the inner device and the stream, and disposes both. It writes on the thread
/// that drives the device; only <see cref="Wake"/> may come from another thread. Buffered output is flushed
/// when the device is about to wait (so a live reader sees an idle link's frames) and on dispose.
/// </para>
/// </remarks>
public sealed class PcapWriterDevice : IDevice
{
    /// <summary>Magic number of a microsecond-resolution capture.</summary>
    internal const uint Magic = 0xa1b2c3d4;

    /// <summary>Major version of the format.</summary>
    internal const ushort VersionMajor = 2;

    /// <summary>Minor version of the format.</summary>
    internal const ushort VersionMinor = 4;

    /// <summary>Longest frame stored whole (tcpdump's MAXIMUM_SNAPLEN, room for a 64 KiB segment a device cuts itself); longer frames are cut here and keep their original length in the record.</summary>
    internal const int SnapLength = 262144;

    /// <summary>LINKTYPE_ETHERNET: frames start with an Ethernet II header (https://www.tcpdump.org/linktypes.html).</summary>
    internal const uint LinkTypeEthernet = 1;

    /// <summary>Length of the file's global header.</summary>
    internal const int GlobalHeaderLength = 24;

    /// <summary>Length of the header before each frame.</summary>
    internal const int RecordHeaderLength = 16;

    private const int FileBufferLength = 64 * 1024;

    private readonly IDevice _inner;
    private readonly Stream _stream;
    private readonly byte[] _recordHeader = new byte[RecordHeaderLength];
    private bool _unflushed;
    private bool _disposed;

    /// <summary>Wraps <paramref name="inner"/> and writes the capture to <paramref name="stream"/>.</summary>
    /// <param name="inner">The device to capture; the writer takes ownership of it.</param>
    /// <param name="stream">A writable stream; the writer takes ownership of it and writes the global header at once.</param>
    public PcapWriterDevice(IDevice inner, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentNullException.ThrowIfNull(stream);
        if (!stream.CanWrite)
        {
            throw new ArgumentException("the capture stream is not writable", nameof(stream));
        }
        _inner = inner;
        _stream = stream;
        try
        {
            WriteGlobalHeader();
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>Wraps <paramref name="inner"/> and writes the capture to a new file at <paramref name="path"/> (replacing one that exists).</summary>
    /// <param name="inner">The device to capture; the writer takes ownership of it, and disposes it if the file cannot be created.</param>
    /// <param name="path">Where to write the capture.</param>
    public PcapWriterDevice(IDevice inner, string path)
        : this(inner, OpenFile(inner, path))
    {
    }

    /// <inheritdoc/>
    public DeviceCapabilities Capabilities => _inner.Capabilities;

    /// <summary>Frames written to the capture so far.</summary>
    public long FramesWritten { get; private set; }

    /// <inheritdoc/>
    public PacketBuffer? Receive(Instant now)
    {
        PacketBuffer? frame = _inner.Receive(now);
        if (frame is not null)
        {
            try
            {
                WriteRecord(frame.Span);
            }
            catch
            {
                // The frame is ours until we return it; a failed write must not leak it from the pool.
                frame.Dispose();
                throw;
            }
        }
        return frame;
    }

    /// <inheritdoc/>
    public bool Transmit(Instant now, PacketBuffer frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        try
        {
            WriteRecord(frame.Span);
        }
        catch
        {
            // Transmit owns the frame even when it fails.
            frame.Dispose();
            throw;
        }
        return _inner.Transmit(now, frame);
    }

    /// <inheritdoc/>
    public Instant? PollAt(Instant now) => _inner.PollAt(now);

    /// <inheritdoc/>
    public void Wait(TimeSpan? timeout)
    {
        if (_unflushed)
        {
            Flush();
        }
        _inner.Wait(timeout);
    }

    /// <inheritdoc/>
    public void Wake() => _inner.Wake();

    /// <summary>Writes buffered records to the stream's destination.</summary>
    public void Flush()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _stream.Flush();
        _unflushed = false;
    }

    /// <summary>Flushes and closes the capture and disposes the inner device. Safe to call more than once.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        try
        {
            // Dispose flushes FileStream and BufferedStream, but not every Stream promises to.
            _stream.Flush();
            _stream.Dispose();
        }
        finally
        {
            _inner.Dispose();
        }
    }

    private void WriteGlobalHeader()
    {
        Span<byte> header = stackalloc byte[GlobalHeaderLength];
        BinaryPrimitives.WriteUInt32LittleEndian(header, Magic);
        BinaryPrimitives.WriteUInt16LittleEndian(header[4..], VersionMajor);
        BinaryPrimitives.WriteUInt16LittleEndian(header[6..], VersionMinor);
        BinaryPrimitives.WriteInt32LittleEndian(header[8..], 0);   // thiszone: timestamps are UTC
        BinaryPrimitives.WriteUInt32LittleEndian(header[12..], 0); // sigfigs: always 0 in practice
        BinaryPrimitives.WriteUInt32LittleEndian(header[16..], SnapLength);
        BinaryPrimitives.WriteUInt32LittleEndian(header[20..], LinkTypeEthernet);
        _stream.Write(header);
        _unflushed = true;
    }

    private void WriteRecord(ReadOnlySpan<byte> frame)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        long microseconds = (DateTimeOffset.UtcNow.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / TimeSpan.TicksPerMicrosecond;
        int stored = Math.Min(frame.Length, SnapLength);
        Span<byte> header = _recordHeader;
        BinaryPrimitives.WriteUInt32LittleEndian(header, (uint)(microseconds / 1_000_000));
        BinaryPrimitives.WriteUInt32LittleEndian(header[4..], (uint)(microseconds % 1_000_000));
        BinaryPrimitives.WriteUInt32LittleEndian(header[8..], (uint)stored);
        BinaryPrimitives.WriteUInt32LittleEndian(header[12..], (uint)frame.Length);
        _stream.Write(header);
        _stream.Write(frame[..stored]);
        _unflushed = true;
        FramesWritten++;
    }

    private static FileStream OpenFile(IDevice inner, string path)
    {
        ArgumentNullException.ThrowIfNull(inner);
        try
        {
            return new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, FileBufferLength);
        }
        catch
        {
            inner.Dispose();
            throw;
        }
    }
}
