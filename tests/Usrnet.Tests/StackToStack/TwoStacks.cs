using Usrnet.Iface;
using Usrnet.Phy;
using Usrnet.Wire;

namespace Usrnet.Tests.StackToStack;

/// <summary>
/// Two interfaces joined by an in-memory link, driven on one thread in virtual time: A is 10.0.0.1,
/// B is 10.0.0.2, both in 10.0.0.0/24. Optional fault injectors sit on either end.
/// </summary>
internal sealed class TwoStacks : IDisposable
{
    public static readonly Ipv4Address AddressA = Ipv4Address.Parse("10.0.0.1");
    public static readonly Ipv4Address AddressB = Ipv4Address.Parse("10.0.0.2");

    public TwoStacks(FaultOptions? faultsA = null, FaultOptions? faultsB = null, int mtu = 1500, Func<IDevice, IDevice>? wrapA = null, DeviceCapabilities? capabilities = null)
    {
        MemoryLink.CreatePair(out IDevice a, out IDevice b, capabilities: capabilities ?? new DeviceCapabilities { Mtu = mtu });
        if (wrapA is not null)
        {
            a = wrapA(a);
        }
        if (faultsA is not null)
        {
            a = FaultsA = new FaultInjectorDevice(a, faultsA);
        }
        if (faultsB is not null)
        {
            b = FaultsB = new FaultInjectorDevice(b, faultsB);
        }
        A = new Interface(a, new InterfaceOptions
        {
            HardwareAddress = EthernetAddress.Parse("02:00:00:00:00:01"),
            Address = new Ipv4Cidr(AddressA, 24),
            Seed = 1,
        });
        B = new Interface(b, new InterfaceOptions
        {
            HardwareAddress = EthernetAddress.Parse("02:00:00:00:00:02"),
            Address = new Ipv4Cidr(AddressB, 24),
            Seed = 2,
        });
    }

    public Interface A { get; }

    public Interface B { get; }

    public FaultInjectorDevice? FaultsA { get; }

    public FaultInjectorDevice? FaultsB { get; }

    /// <summary>Virtual time, advanced only by the test.</summary>
    public Instant Now { get; private set; } = Instant.FromSeconds(1000);

    /// <summary>Polls both interfaces until neither has anything to do at the current instant.</summary>
    public void Settle()
    {
        for (int i = 0; i < 10_000; i++)
        {
            bool a = A.Poll(Now);
            bool b = B.Poll(Now);
            if (!a && !b)
            {
                return;
            }
        }
        throw new InvalidOperationException("the stacks never went quiet");
    }

    /// <summary>Advances virtual time by <paramref name="duration"/>, stopping at every timer on the way.</summary>
    public void Advance(TimeSpan duration)
    {
        Instant end = Now + duration;
        Settle();
        while (true)
        {
            Instant? next = Instant.Min(A.PollAt(Now), B.PollAt(Now));
            if (next is not { } at || at > end)
            {
                break;
            }
            Now = at > Now ? at : Now + TimeSpan.FromMicroseconds(1);
            Settle();
        }
        Now = end;
        Settle();
    }

    /// <summary>Settles, then advances in small steps until <paramref name="condition"/> holds or <paramref name="limit"/> passes.</summary>
    public bool RunUntil(Func<bool> condition, TimeSpan limit)
    {
        Instant end = Now + limit;
        Settle();
        while (!condition())
        {
            if (Now >= end)
            {
                return false;
            }
            Advance(TimeSpan.FromMilliseconds(10));
        }
        return true;
    }

    public void Dispose()
    {
        A.Dispose();
        B.Dispose();
    }
}
