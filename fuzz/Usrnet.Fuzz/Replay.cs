namespace Usrnet.Fuzz;

/// <summary>Runs saved inputs once each, outside afl-fuzz: to reproduce a finding or check a corpus.</summary>
internal static class Replay
{
    /// <summary>Runs every file named (a folder stands for its files); prints failures; 1 when any input is a finding.</summary>
    public static int Run(FuzzTarget target, IEnumerable<string> paths)
    {
        int passed = 0, failed = 0;
        foreach (string file in paths.SelectMany(p => Directory.Exists(p) ? Directory.EnumerateFiles(p).Order() : (IEnumerable<string>)[p]))
        {
            byte[] input = File.ReadAllBytes(file);
            try
            {
                target.Run(input.AsSpan(0, Math.Min(input.Length, FuzzTarget.MaxInputLength)));
                passed++;
            }
            catch (Exception e)
            {
                failed++;
                Console.WriteLine($"{target.Name}: {file}: {e}");
                Console.WriteLine($"input ({input.Length} bytes): {Convert.ToHexString(input)}");
            }
        }
        Console.WriteLine($"{target.Name}: {passed} inputs passed, {failed} failed");
        return failed == 0 ? 0 : 1;
    }

    /// <summary>Reads <paramref name="stream"/> into <paramref name="buffer"/> until it ends or the buffer is full.</summary>
    public static int ReadUpTo(Stream stream, byte[] buffer)
    {
        int total = 0;
        while (total < buffer.Length)
        {
            int n = stream.Read(buffer, total, buffer.Length - total);
            if (n == 0)
            {
                break;
            }
            total += n;
        }
        return total;
    }
}
