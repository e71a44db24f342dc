namespace Usrnet.Cli;

/// <summary>Linux network interface names, as the kernel's <c>dev_valid_name</c> accepts them.</summary>
public static class InterfaceName
{
    /// <summary>Longest name: IFNAMSIZ (16) less the terminating NUL.</summary>
    public const int MaxLength = 15;

    /// <summary>Returns null when <paramref name="name"/> is a valid interface name, else why not.</summary>
    public static string? Validate(string? name)
    {
        if (string.IsNullOrEmpty(name))
        {
            return "an interface name cannot be empty";
        }
        if (name.Length > MaxLength)
        {
            return $"interface name '{name}' is longer than {MaxLength} characters";
        }
        if (name is "." or ".." || name.Any(c => c is '/' or ':' || char.IsWhiteSpace(c) || char.IsControl(c)))
        {
            return $"'{name}' is not a valid interface name (no '/', ':' or spaces)";
        }
        return null;
    }
}
