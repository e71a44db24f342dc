using Usrnet.Phy;

namespace Usrnet.Tests.StackToStack;

/// <summary>A device decorator that drops the transmitted frames a predicate picks, for exact loss scenarios.</summary>
internal sealed class DroppingDevice(IDevice inner, Func<int, ReadOnlyMemory<byte>, bool> drop) : IDevice
{
    private int _transmitted;

    public int Dropped { get; private set; }

    public DeviceCapabilities Capabilities => inner.Capabilities;

    public PacketBuffer? Receive(Instant now) => inner.Receive(now);

    public bool Transmit(Instant now, PacketBuffer frame)
    {
        if (drop(_transmitted++, frame.Memory))
        {
            Dropped++;
            frame.Dispose();
            return true;
        }
        return inner.Transmit(now, frame);
    }

    public Instant? PollAt(Instant now) => inner.PollAt(now);

    public void Wait(TimeSpan? timeout) => inner.Wait(timeout);

    public void Wake() => inner.Wake();

    public void Dispose() => inner.Dispose();
}
