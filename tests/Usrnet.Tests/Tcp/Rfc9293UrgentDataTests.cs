using Usrnet.Sockets.Tcp;
using Usrnet.Wire;

namespace Usrnet.Tests.Tcp;

/// <summary>RFC 9293 §3.8.5 (MUST-30 to MUST-33): urgent data is delivered inline, intact and in sequence.</summary>
public class Rfc9293UrgentDataTests
{
    [Fact]
    public void ASegmentWithUrgAndAnUrgentPointerIsDeliveredInlineAndWhole()
    {
        TcpHarness h = TcpHarness.Established();
        byte[] before = [1, 2, 3];
        byte[] urgent = [0x41, 0x42, 0x43, 0xFF, 0xF2];
        h.SendNoReset(new Seg { Seq = h.Remote(0), Ack = h.Local(0), Payload = before });
        TcpHeader segment = new(TcpHarness.RemotePort, TcpHarness.LocalPort, h.Remote(3), h.Local(0), TcpFlags.Ack | TcpFlags.Urg | TcpFlags.Psh, TcpHarness.DefaultWindow)
        {
            UrgentPointer = (ushort)urgent.Length, // the urgent byte is the last of the segment (RFC 9293 §3.8.5)
        };
        Assert.Null(h.Socket.Process(h.Now, segment, urgent));
        h.SendNoReset(new Seg { Seq = h.Remote(8), Ack = h.Local(0), Payload = [9] });
        Assert.Equal([1, 2, 3, 0x41, 0x42, 0x43, 0xFF, 0xF2, 9], h.Read(100));
        Assert.Equal(9, h.Stats.BytesReceived);
        h.AdvanceToPoll(); // the delayed ACK
        SentSegment ack = h.Recv();
        Assert.Equal(h.Remote(9), ack.Ack);
        Assert.Equal(0, (int)(ack.Flags & TcpFlags.Urg)); // nothing is sent as urgent
    }
}
