using System.Buffers.Binary;
using System.Diagnostics;
using Usrnet.Phy;
using Xunit.Abstractions;
using static Usrnet.Tests.Phy.TestFrames;

namespace Usrnet.Tests.Phy;

[Collection(AllocationMeasuringCollection.Name)]
public sealed class PcapWriterDeviceTests(ITestOutputHelper output)
{
    private static readonly byte[] s_globalHeader =
    [
        0xd4, 0xc3, 0xb2, 0xa1, // magic 0xa1b2c3d4, little-endian: microsecond timestamps
        0x02, 0x00, 0x04, 0x00, // version 2.4
        0x00, 0x00, 0x00, 0x00, // thiszone
        0x00, 0x00, 0x00, 0x00, // sigfigs
        0x00, 0x00, 0x04, 0x00, // snaplen 262144
        0x01, 0x00, 0x00, 0x00, // LINKTYPE_ETHERNET
    ];

    private readonly record struct Record(long Seconds, long Microseconds, int StoredLength, int OriginalLength, byte[] Data);

    [Fact]
    public void TheCaptureStartsWithAClassicLibpcapEthernetHeader()
    {
        MemoryStream capture = new();
        new PcapWriterDevice(new LoopbackDevice(), capture).Dispose();

        Assert.Equal(s_globalHeader, capture.ToArray());
    }

    [Fact]
    public void EveryTransmittedAndReceivedFrameIsRecordedWithItsLengthsAndWallClockTime()
    {
        MemoryStream capture = new();
        long before = UnixMicroseconds();
        using (PcapWriterDevice pcap = new(new LoopbackDevice(), capture))
        {
            pcap.Transmit(Instant.Zero, Numbered(1, length: 42));
            pcap.Transmit(Instant.Zero, Numbered(2, length: 1514));
            List<byte[]> received = DrainBytes(pcap, Instant.Zero);

            Assert.Equal([NumberedBytes(1, 42), NumberedBytes(2, 1514)], received);
            Assert.Equal(4, pcap.FramesWritten);
        }
        long after = UnixMicroseconds();

        byte[] file = capture.ToArray();
        Assert.Equal(s_globalHeader, file[..PcapWriterDevice.GlobalHeaderLength]);
        List<Record> records = ParseRecords(file);
        // Transmitted 1 and 2, then received 1 and 2 back from the loopback.
        Assert.Equal([42, 1514, 42, 1514], records.Select(r => r.OriginalLength));
        Assert.Equal([42, 1514, 42, 1514], records.Select(r => r.StoredLength));
        Assert.Equal([NumberedBytes(1, 42), NumberedBytes(2, 1514), NumberedBytes(1, 42), NumberedBytes(2, 1514)], records.Select(r => r.Data));
        foreach (Record record in records)
        {
            Assert.InRange(record.Microseconds, 0, 999_999);
            Assert.InRange(record.Seconds * 1_000_000 + record.Microseconds, before, after);
        }
    }

    [Fact]
    public void AFrameLongerThanTheSnapLengthIsCutButKeepsItsOriginalLength()
    {
        MemoryStream capture = new();
        using (PcapWriterDevice pcap = new(new LoopbackDevice(), capture))
        {
            pcap.Transmit(Instant.Zero, Numbered(1, length: PcapWriterDevice.SnapLength + 100));
        }

        Record record = Assert.Single(ParseRecords(capture.ToArray()));
        Assert.Equal(PcapWriterDevice.SnapLength, record.StoredLength);
        Assert.Equal(PcapWriterDevice.SnapLength + 100, record.OriginalLength);
        Assert.Equal(NumberedBytes(1, PcapWriterDevice.SnapLength + 100)[..PcapWriterDevice.SnapLength], record.Data);
    }

    [Fact]
    public void DisposeClosesTheStreamAndDisposesTheInnerDevice()
    {
        MemoryStream capture = new();
        LoopbackDevice loopback = new();
        PcapWriterDevice pcap = new(loopback, capture);

        pcap.Dispose();
        pcap.Dispose();

        Assert.False(capture.CanWrite);
        Assert.Throws<ObjectDisposedException>(() => loopback.Receive(Instant.Zero));
    }

    [Fact]
    public void TheCaptureIsFlushedBeforeTheDeviceWaits()
    {
        string path = Path.Combine(Path.GetTempPath(), $"usrnet-pcap-{Guid.NewGuid():N}.pcap");
        try
        {
            using PcapWriterDevice pcap = new(new LoopbackDevice(), path);
            pcap.Transmit(Instant.Zero, Numbered(1));

            pcap.Wait(TimeSpan.Zero);

            byte[] file = File.ReadAllBytes(path);
            Assert.Equal(PcapWriterDevice.GlobalHeaderLength + PcapWriterDevice.RecordHeaderLength + MinimumLength, file.Length);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void RecordingFramesDoesNotAllocate()
    {
        using PcapWriterDevice pcap = new(new LoopbackDevice(), Stream.Null);
        void RoundTrips(int count)
        {
            for (int i = 0; i < count; i++)
            {
                pcap.Transmit(Instant.Zero, PacketBuffer.Rent(1514));
                pcap.Receive(Instant.Zero)!.Dispose();
            }
        }
        RoundTrips(1000);

        long before = GC.GetAllocatedBytesForCurrentThread();
        RoundTrips(10_000);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
    }

    [Fact]
    public async Task TsharkReadsTheEtherTypesOfAWrittenCapture()
    {
        string? tshark = FindOnPath("tshark");
        if (tshark is null)
        {
            Assert.False(Environment.GetEnvironmentVariable("CI") == "true", "tshark is not on PATH, and CI=true requires it (install the tshark package)");
            output.WriteLine("tshark is not on PATH: skipped reading the capture back with it");
            return;
        }
        string path = Path.Combine(Path.GetTempPath(), $"usrnet-pcap-{Guid.NewGuid():N}.pcap");
        try
        {
            using (PcapWriterDevice pcap = new(new LoopbackDevice(), path))
            {
                pcap.Transmit(Instant.Zero, Numbered(1, etherType: 0x0806)); // ARP
                pcap.Transmit(Instant.Zero, Numbered(2, etherType: 0x86dd)); // IPv6
                pcap.Transmit(Instant.Zero, Numbered(3, etherType: ExperimentalEtherType));
            }

            ProcessStartInfo start = new(tshark, ["-r", path, "-T", "fields", "-e", "eth.type"])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            using Process process = Process.Start(start)!;
            using CancellationTokenSource deadline = new(TimeSpan.FromSeconds(60));
            Task<string> stderr = process.StandardError.ReadToEndAsync(deadline.Token);
            string stdout = await process.StandardOutput.ReadToEndAsync(deadline.Token);
            await process.WaitForExitAsync(deadline.Token);

            Assert.True(process.ExitCode == 0, $"tshark exited with {process.ExitCode}: {await stderr}");
            Assert.Equal(["0x0806", "0x86dd", "0x88b5"], stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static List<Record> ParseRecords(byte[] file)
    {
        List<Record> records = [];
        int offset = PcapWriterDevice.GlobalHeaderLength;
        while (offset < file.Length)
        {
            ReadOnlySpan<byte> header = file.AsSpan(offset, PcapWriterDevice.RecordHeaderLength);
            int stored = (int)BinaryPrimitives.ReadUInt32LittleEndian(header[8..]);
            records.Add(new Record(
                BinaryPrimitives.ReadUInt32LittleEndian(header),
                BinaryPrimitives.ReadUInt32LittleEndian(header[4..]),
                stored,
                (int)BinaryPrimitives.ReadUInt32LittleEndian(header[12..]),
                file.AsSpan(offset + PcapWriterDevice.RecordHeaderLength, stored).ToArray()));
            offset += PcapWriterDevice.RecordHeaderLength + stored;
        }
        Assert.Equal(file.Length, offset);
        return records;
    }

    private static long UnixMicroseconds() => (DateTimeOffset.UtcNow.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / TimeSpan.TicksPerMicrosecond;

    private static string? FindOnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, program))
            .FirstOrDefault(File.Exists);
}
