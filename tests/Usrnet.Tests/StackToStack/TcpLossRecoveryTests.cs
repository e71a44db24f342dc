using System.Security.Cryptography;
using Usrnet.Phy;
using Usrnet.Sockets.Tcp;
using Usrnet.Wire;
using Xunit.Abstractions;

namespace Usrnet.Tests.StackToStack;

public class TcpLossRecoveryTests(ITestOutputHelper output)
{
    [Fact]
    public void OneLostSegmentIsFastRetransmitted()
    {
        DroppingDevice? dropper = null;
        int dataFrames = 0;
        using TwoStacks net = new(wrapA: d => dropper = new DroppingDevice(d, (i, f) => f.Length > 1000 && ++dataFrames == 20));
        TcpListenSocket listener = net.B.Sockets.CreateTcpListenSocket();
        listener.Listen(80);
        TcpSocket client = net.A.Sockets.CreateTcpSocket();
        client.Connect(net.Now, new Ipv4Endpoint(TwoStacks.AddressB, 80));
        Assert.True(net.RunUntil(() => listener.CanAccept, TimeSpan.FromSeconds(60)));
        listener.TryAccept(out TcpSocket server);
        byte[] data = RandomNumberGenerator.GetBytes(200_000);
        int sent = 0; long received = 0; byte[] buffer = new byte[65536];
        while (received < data.Length)
        {
            sent += client.Send(data.AsSpan(sent));
            int n;
            while ((n = server.Receive(buffer)) > 0) received += n;
            net.Advance(TimeSpan.FromMilliseconds(1));
        }
        output.WriteLine($"{dropper!.Dropped} {client.Statistics}");
        Assert.Equal(1, dropper.Dropped);
        Assert.Equal(1, client.Statistics.FastRetransmits);
        Assert.Equal(0, client.Statistics.Timeouts);
    }
}
