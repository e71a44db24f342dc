using System.Buffers.Binary;

namespace Usrnet.Fuzz.Targets;

/// <summary>
/// Whole frames into a running stack (<see cref="FuzzedStack"/>): nothing may throw, the stack must go
/// quiet after each frame, and every frame it sends must be well-formed.
/// </summary>
/// <remarks>
/// An input is a list of records, each <c>[length: u16 big-endian][control: u8][frame: length bytes]</c>
/// (a last record may be cut short). Control, low nibble: how long to wait after the frame, an index into
/// <see cref="Delays"/>; 0x10: leave the checksums as they are (otherwise the IPv4 and transport checksums
/// are fixed first); 0x20: the application half-closes its connection; 0x40: it writes 4 KiB on it;
/// 0x80: it stops or resumes reading.
/// </remarks>
internal sealed class InterfaceTarget : FuzzTarget
{
    /// <summary>Length prefix and control octet in front of every frame.</summary>
    public const int RecordHeaderLength = 3;

    /// <summary>Frames of one input the target looks at.</summary>
    public const int MaxFrames = 64;

    public const byte KeepChecksums = 0x10;
    public const byte ShutdownClient = 0x20;
    public const byte BulkWrite = 0x40;
    public const byte ToggleReading = 0x80;
    private const byte DelayMask = 0x0F;

    /// <summary>Waits after a frame: from nothing to past the TCP user timeout and a DHCP lease's T1.</summary>
    public static readonly TimeSpan[] Delays =
    [
        TimeSpan.Zero, TimeSpan.FromMilliseconds(1), TimeSpan.FromMilliseconds(5), TimeSpan.FromMilliseconds(20),
        TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(200), TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(1),
        TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(30),
        TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(120), TimeSpan.FromSeconds(300), TimeSpan.FromSeconds(3600),
    ];

    public override string Name => "interface";

    public override string Description => "length-prefixed frames into a running interface with TCP, UDP, DNS and DHCP sockets: nothing throws, it goes quiet, its output is well-formed";

    public override void Run(ReadOnlySpan<byte> input)
    {
        using FuzzedStack stack = new();
        int frames = 0;
        while (input.Length >= RecordHeaderLength && frames++ < MaxFrames)
        {
            int length = Math.Min(BinaryPrimitives.ReadUInt16BigEndian(input), input.Length - RecordHeaderLength);
            byte control = input[2];
            ReadOnlySpan<byte> frame = input.Slice(RecordHeaderLength, length);
            input = input[(RecordHeaderLength + length)..];
            Step(stack, frame, control);
        }
        stack.Advance(TimeSpan.FromSeconds(1));
    }

    /// <summary>One record: the frame in, what the control octet says the application does, then the wait.</summary>
    public static void Step(FuzzedStack stack, ReadOnlySpan<byte> frame, byte control)
    {
        stack.Deliver(frame, fixChecksums: (control & KeepChecksums) == 0);
        stack.Act((control & ShutdownClient) != 0, (control & BulkWrite) != 0, (control & ToggleReading) != 0);
        stack.Advance(Delays[control & DelayMask]);
    }

    /// <summary>Appends one record to <paramref name="input"/>.</summary>
    public static void AppendRecord(List<byte> input, ReadOnlySpan<byte> frame, byte control = 0)
    {
        input.Add((byte)(frame.Length >> 8));
        input.Add((byte)frame.Length);
        input.Add(control);
        input.AddRange(frame);
    }
}
