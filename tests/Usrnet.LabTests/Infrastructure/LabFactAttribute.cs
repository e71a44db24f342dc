namespace Usrnet.LabTests;

/// <summary>
/// A <c>[Fact]</c> that needs the lab (root, /dev/net/tun, ip) and the named peer tools, e.g.
/// <c>[LabFact("ping", "arping")]</c> or <c>[LabFact(LabRequirement.Scapy)]</c>. Outside CI it is
/// reported as skipped, with the reason, when they are missing; with CI=true it runs, and the
/// missing requirement fails it (<see cref="Lab.CreateAsync"/> checks again).
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class LabFactAttribute : FactAttribute
{
    /// <summary>Requires the lab and <paramref name="tools"/>.</summary>
    public LabFactAttribute(params string[] tools)
    {
        Tools = tools;
        if (!LabRequirement.IsCi && LabRequirement.MissingReason(tools) is string reason)
        {
            Skip = reason;
        }
    }

    /// <summary>The peer tools the test needs.</summary>
    public IReadOnlyList<string> Tools { get; }
}
