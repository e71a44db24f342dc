namespace Usrnet.LabTests;

/// <summary>The peer scripts under <c>tests/Usrnet.LabTests/scripts</c>, copied to the test output.</summary>
public static class LabScripts
{
    /// <summary>Debian's python, which has python3-scapy (the <c>python3</c> on PATH may not: docs/articles/design.md §3).</summary>
    public const string Python = "/usr/bin/python3";

    /// <summary>Full path of a script by file name, e.g. <c>malformed.py</c>.</summary>
    public static string PathOf(string name)
    {
        string path = Path.Combine(AppContext.BaseDirectory, "scripts", name);
        return File.Exists(path) ? path : throw new FileNotFoundException($"lab script not found: {path}");
    }

    /// <summary>The argv that runs a python script with <see cref="Python"/>.</summary>
    public static IReadOnlyList<string> PythonCommand(string name, params string[] args) => [Python, PathOf(name), .. args];
}
