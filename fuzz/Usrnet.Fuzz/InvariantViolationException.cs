namespace Usrnet.Fuzz;

/// <summary>A round trip or a rule about the stack's output did not hold for some input.</summary>
internal sealed class InvariantViolationException(string message) : Exception(message)
{
    /// <summary>Throws when <paramref name="condition"/> is false.</summary>
    public static void Check(bool condition, string what)
    {
        if (!condition)
        {
            throw new InvariantViolationException(what);
        }
    }
}
