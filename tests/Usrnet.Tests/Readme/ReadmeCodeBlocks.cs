using System.Text.RegularExpressions;

namespace Usrnet.Tests.Readme;

/// <summary>
/// The fenced code blocks of the repository's README.md (copied next to the tests at build time), each
/// with its language, its text and the line it starts on, so a failure names the block.
/// </summary>
public static partial class ReadmeCodeBlocks
{
    /// <summary>The README as built with the tests.</summary>
    public static string ReadmePath { get; } = Path.Combine(AppContext.BaseDirectory, "README.md");

    /// <summary>Every block fenced as <c>```<paramref name="language"/></c>, in the README's order.</summary>
    public static IReadOnlyList<ReadmeCodeBlock> Of(string language)
    {
        string readme = File.ReadAllText(ReadmePath).ReplaceLineEndings("\n");
        List<ReadmeCodeBlock> blocks = [];
        foreach (Match match in Fence().Matches(readme))
        {
            if (match.Groups["language"].Value == language)
            {
                int line = readme.AsSpan(0, match.Index).Count('\n') + 1;
                blocks.Add(new ReadmeCodeBlock(language, line, match.Groups["code"].Value));
            }
        }
        return blocks;
    }

    // A fence at the start of a line, its info string, then everything up to the closing fence.
    [GeneratedRegex(@"^```(?<language>[a-z]*)\n(?<code>.*?)^```$", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex Fence();
}

/// <summary>One fenced block of README.md.</summary>
/// <param name="Language">The fence's info string, e.g. <c>csharp</c>.</param>
/// <param name="Line">The line of the opening fence (1-based).</param>
/// <param name="Code">The block's text, without the fences.</param>
public sealed record ReadmeCodeBlock(string Language, int Line, string Code)
{
    /// <inheritdoc/>
    public override string ToString() => $"README.md:{Line} ({Language})";
}
