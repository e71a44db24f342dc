using Usrnet.Iface;
using Usrnet.Phy;
using Usrnet.Wire;

namespace Usrnet.Tests.NetSim;

/// <summary>How <see cref="SimulatedNetwork.RunUntil"/> ended.</summary>
internal enum RunOutcome
{
    /// <summary>The condition held.</summary>
    Done,

    /// <summary>Nothing was left to happen: no timer, no frame on the way, and the condition false.</summary>
    Stalled,

    /// <summary>The time limit passed first.</summary>
    TimedOut,

    /// <summary>
    /// An interface kept asking to be polled at once without doing anything: what would be a busy loop
    /// in a real poll loop.
    /// </summary>
    Spinning,
}

/// <summary>
/// Two interfaces over a <see cref="SimulatedLink"/>, driven on one thread in virtual time: A is 10.0.0.1,
/// B is 10.0.0.2. Random and burst loss come from a <see cref="FaultInjectorDevice"/> on end B, which loses
/// frames of both directions, each direction from its own random sequence: A→B after the bottleneck
/// (the last hop), B→A before it.
/// </summary>
/// <remarks>
/// Time moves only from one event to the next: the earliest of both interfaces' <see cref="Interface.PollAt"/>
/// (timers, and through their devices the loss injector's held frames) and the link's next release. Every
/// seed (interfaces, loss, reordering) is fixed by the caller, so a run is the same on every machine.
/// </remarks>
internal sealed class SimulatedNetwork : IDisposable
{
    /// <summary>Address of interface A.</summary>
    public static readonly Ipv4Address AddressA = Ipv4Address.Parse("10.0.0.1");

    /// <summary>Address of interface B.</summary>
    public static readonly Ipv4Address AddressB = Ipv4Address.Parse("10.0.0.2");

    // Rounds of polling at one instant before the stacks are declared in a busy loop.
    private const int MaxRoundsPerInstant = 10_000;

    // Steps of one microsecond in a row, each because an interface asked for "now" and then did nothing,
    // before the run is declared spinning. A stack waits on a timer, not on the clock creeping forward.
    private const int MaxIdleSteps = 1000;

    // What the simulation measures is TCP, not ARP: a resolved neighbour lasts the whole run, and a
    // resolution keeps asking through heavy loss rather than failing the connection after three requests.
    private static readonly ArpCacheOptions s_arp = new() { EntryLifetime = TimeSpan.FromHours(1), MaxRequests = 50 };

    /// <summary>Builds the network; <paramref name="loss"/> null loses nothing but what the queues drop.</summary>
    public SimulatedNetwork(PathOptions aToB, PathOptions bToA, FaultOptions? loss = null)
    {
        Link = new SimulatedLink(aToB, bToA);
        IDevice b = Link.B;
        if (loss is not null)
        {
            b = Loss = new FaultInjectorDevice(b, loss);
        }
        A = new Interface(Link.A, new InterfaceOptions
        {
            HardwareAddress = EthernetAddress.Parse("02:00:00:00:00:01"),
            Address = new Ipv4Cidr(AddressA, 24),
            Arp = s_arp,
            Seed = 1,
        });
        B = new Interface(b, new InterfaceOptions
        {
            HardwareAddress = EthernetAddress.Parse("02:00:00:00:00:02"),
            Address = new Ipv4Cidr(AddressB, 24),
            Arp = s_arp,
            Seed = 2,
        });
    }

    /// <summary>The link and its two paths.</summary>
    public SimulatedLink Link { get; }

    /// <summary>The loss injector on end B, or null.</summary>
    public FaultInjectorDevice? Loss { get; }

    /// <summary>Interface A, 10.0.0.1.</summary>
    public Interface A { get; }

    /// <summary>Interface B, 10.0.0.2.</summary>
    public Interface B { get; }

    /// <summary>Virtual time, advanced only by <see cref="RunUntil"/>.</summary>
    public Instant Now { get; private set; } = Instant.FromSeconds(1000);

    /// <summary>Instants at which time moved on (to an event, or by a microsecond when an interface asked for "now").</summary>
    public long Steps { get; private set; }

    /// <summary>Steps of one microsecond taken because an interface asked for "now" and then did nothing.</summary>
    public long IdleSteps { get; private set; }

    /// <summary>The next instant something happens, or null when nothing ever will.</summary>
    public Instant? NextEvent => Instant.Min(Instant.Min(A.PollAt(Now), B.PollAt(Now)), Link.NextRelease);

    /// <summary>
    /// Runs until <paramref name="done"/> holds, for at most <paramref name="limit"/> of virtual time. At
    /// every instant the stacks and <paramref name="application"/> (the reads and writes of the sockets'
    /// users; true when it moved data) take turns until none has anything left to do.
    /// </summary>
    public RunOutcome RunUntil(Func<bool> done, TimeSpan limit, Func<bool>? application = null)
    {
        Instant end = Now + limit;
        int idleSteps = 0;
        while (true)
        {
            Settle(application);
            if (done())
            {
                return RunOutcome.Done;
            }
            if (NextEvent is not { } next)
            {
                return RunOutcome.Stalled;
            }
            if (next > end)
            {
                return RunOutcome.TimedOut;
            }
            Steps++;
            if (next > Now)
            {
                idleSteps = 0;
                Now = next;
            }
            else if (++idleSteps > MaxIdleSteps)
            {
                return RunOutcome.Spinning;
            }
            else
            {
                IdleSteps++;
                // An interface asks for "now" when it has output it could not send at this instant; one
                // microsecond on keeps time moving without skipping any event.
                Now += TimeSpan.FromMicroseconds(1);
            }
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        A.Dispose();
        B.Dispose();
    }

    private void Settle(Func<bool>? application)
    {
        for (int round = 0; round < MaxRoundsPerInstant; round++)
        {
            bool a = A.Poll(Now);
            bool b = B.Poll(Now);
            bool moved = application?.Invoke() ?? false;
            if (!a && !b && !moved)
            {
                return;
            }
        }
        throw new InvalidOperationException($"the stacks never went quiet at {Now}");
    }
}
