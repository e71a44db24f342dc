using SharpFuzz;
using Usrnet.Fuzz;

// Fuzz targets for the stack's parsers and its interface (fuzz/README.md). Under afl-fuzz the process
// is SharpFuzz's persistent fork server: one .NET process runs input after input.

const string Usage = """
    usage: Usrnet.Fuzz TARGET                  read inputs as afl-fuzz gives them (once from stdin without afl-fuzz)
           Usrnet.Fuzz TARGET PATH...          run each file (or each file of a folder) once; exit 1 on a finding
           Usrnet.Fuzz --list                  the targets
           Usrnet.Fuzz --write-interface-seeds DIR
    """;

if (args is ["--list"])
{
    foreach (FuzzTarget t in FuzzTarget.All)
    {
        Console.WriteLine($"{t.Name,-10} {t.Description}");
    }
    return 0;
}
if (args is ["--write-interface-seeds", string directory])
{
    int written = InterfaceSeeds.Write(directory);
    Console.WriteLine($"{written} seeds written to {directory}");
    return 0;
}
if (args.Length == 0 || FuzzTarget.Find(args[0]) is not { } target)
{
    Console.Error.WriteLine(Usage);
    return 2;
}
if (args.Length == 1)
{
    byte[] buffer = new byte[FuzzTarget.MaxInputLength];
    Fuzzer.Run(stream => target.Run(buffer.AsSpan(0, Replay.ReadUpTo(stream, buffer))));
    return 0;
}
return Replay.Run(target, args[1..]);
