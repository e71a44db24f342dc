namespace Usrnet.Tests.Api;

/// <summary>
/// A line diff for test failures: the lines of the longest common subsequence are kept, the others shown
/// as <c>- </c> (only in the expected text) and <c>+ </c> (only in the actual one), each with the line
/// number where it stands, so a changed member reads as its old line above its new one.
/// </summary>
internal static class LineDiff
{
    /// <summary>The lines that differ between <paramref name="expected"/> and <paramref name="actual"/>, or an empty string.</summary>
    public static string Format(string expected, string actual)
    {
        string[] a = expected.Split('\n');
        string[] b = actual.Split('\n');
        // Common prefix and suffix first: a change is usually a few lines in a file of thousands, and the
        // quadratic table then only covers the part that changed.
        int start = 0;
        while (start < a.Length && start < b.Length && a[start] == b[start])
        {
            start++;
        }
        int endA = a.Length, endB = b.Length;
        while (endA > start && endB > start && a[endA - 1] == b[endB - 1])
        {
            endA--;
            endB--;
        }
        int n = endA - start, m = endB - start;
        int[,] common = new int[n + 1, m + 1];
        for (int i = n - 1; i >= 0; i--)
        {
            for (int j = m - 1; j >= 0; j--)
            {
                common[i, j] = a[start + i] == b[start + j] ? common[i + 1, j + 1] + 1 : Math.Max(common[i + 1, j], common[i, j + 1]);
            }
        }
        List<string> lines = [];
        int x = 0, y = 0;
        while (x < n || y < m)
        {
            if (x < n && y < m && a[start + x] == b[start + y])
            {
                x++;
                y++;
            }
            else if (x < n && (y == m || common[x + 1, y] >= common[x, y + 1]))
            {
                lines.Add($"- {start + x + 1,5}: {a[start + x]}");
                x++;
            }
            else
            {
                lines.Add($"+ {start + y + 1,5}: {b[start + y]}");
                y++;
            }
        }
        return string.Join('\n', lines);
    }
}
