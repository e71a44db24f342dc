// The public API of Usrnet and Usrnet.AspNetCore, as PublicApiGenerator prints it, against the approved
// files beside this one (docs/articles/design.md §7). A difference fails the test with the lines that
// differ; a deliberate change to the public API is made visible by remaking the files:
//   USRNET_API_UPDATE=1 dotnet test tests/Usrnet.Tests -c Release --filter FullyQualifiedName~Api.PublicApiTests
// and committing them with the change.

using System.Reflection;
using System.Runtime.CompilerServices;
using PublicApiGenerator;
using Usrnet.AspNetCore;
using Usrnet.Async;
using Xunit.Abstractions;

namespace Usrnet.Tests.Api;

/// <summary>Each library's public API is the one approved: a type or member that becomes public, or stops being, fails here.</summary>
public sealed class PublicApiTests(ITestOutputHelper output)
{
    private const string UpdateVariable = "USRNET_API_UPDATE";

    /// <summary>The libraries whose API is recorded, by assembly name.</summary>
    public static TheoryData<string> Libraries => new() { "Usrnet", "Usrnet.AspNetCore" };

    [Theory]
    [MemberData(nameof(Libraries))]
    public void ThePublicApiIsTheApprovedOne(string library)
    {
        Assembly assembly = library switch
        {
            "Usrnet" => typeof(NetworkStack).Assembly,
            _ => typeof(UsrnetTransportOptions).Assembly,
        };
        string generated = Normalize(assembly.GeneratePublicApi(new ApiGeneratorOptions { IncludeAssemblyAttributes = false }));
        string file = $"{library}.approved.txt";

        if (Environment.GetEnvironmentVariable(UpdateVariable) == "1")
        {
            string path = SourcePath(file);
            File.WriteAllText(path, generated);
            output.WriteLine($"{UpdateVariable}=1: wrote {path}");
            return;
        }

        string approvedPath = Path.Combine(AppContext.BaseDirectory, "Api", file);
        string approved = File.Exists(approvedPath) ? Normalize(File.ReadAllText(approvedPath)) : "";
        if (generated != approved)
        {
            Assert.Fail($"The public API of {library} differs from tests/Usrnet.Tests/Api/{file}:\n" +
                $"{LineDiff.Format(approved, generated)}\n" +
                $"If the change is meant, remake the file and commit it with the change:\n" +
                $"  {UpdateVariable}=1 dotnet test tests/Usrnet.Tests -c Release --filter FullyQualifiedName~Api.PublicApiTests");
        }
    }

    /// <summary>One line ending and a final newline, so that a checkout's line endings do not count.</summary>
    private static string Normalize(string text) => text.ReplaceLineEndings("\n").TrimEnd('\n') + "\n";

    /// <summary>The approved file in the source tree (the copy in the output directory is what the test reads).</summary>
    private static string SourcePath(string file, [CallerFilePath] string thisFile = "") =>
        Path.Combine(Path.GetDirectoryName(thisFile)!, file);
}
