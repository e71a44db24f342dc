using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Usrnet.Tests.Readme;

/// <summary>
/// Every <c>```csharp</c> block of README.md compiles as written. The convention the README follows:
/// each block is the whole Program.cs of its own console project (top-level statements, nullable on,
/// warnings as errors) that references the Usrnet and Usrnet.AspNetCore packages and the ASP.NET Core
/// shared framework. The only usings not written in a block are the SDK's implicit ones for a console
/// project (<c>dotnet new console</c>): System, System.Collections.Generic, System.IO, System.Linq,
/// System.Net.Http, System.Threading and System.Threading.Tasks. Compiled in-process by Roslyn
/// against the assemblies this test runs on (the shared frameworks and the built Usrnet assemblies).
/// </summary>
public sealed class ReadmeCSharpCompilesTests
{
    private static readonly string[] ImplicitUsings =
    [
        "System", "System.Collections.Generic", "System.IO", "System.Linq", "System.Net.Http", "System.Threading", "System.Threading.Tasks",
    ];

    private static readonly Lazy<ImmutableArray<MetadataReference>> References = new(LoadReferences);

    /// <summary>The README's C# blocks, one test case each (by the line the block starts on).</summary>
    public static TheoryData<int> Blocks() => [.. ReadmeCodeBlocks.Of("csharp").Select(block => block.Line)];

    [Fact]
    public void TheReadmeHasCSharpBlocksToCompile()
    {
        // The theory below compiles each block; this keeps it from passing by finding none.
        Assert.NotEmpty(ReadmeCodeBlocks.Of("csharp"));
    }

    [Theory]
    [MemberData(nameof(Blocks))]
    public void BlockCompilesAsWritten(int line)
    {
        ReadmeCodeBlock block = Assert.Single(ReadmeCodeBlocks.Of("csharp"), b => b.Line == line);
        CSharpParseOptions parse = new(LanguageVersion.Latest);
        string globalUsings = string.Concat(ImplicitUsings.Select(ns => $"global using global::{ns};\n"));
        CSharpCompilation compilation = CSharpCompilation.Create(
            $"ReadmeBlockAtLine{line}",
            [
                CSharpSyntaxTree.ParseText(globalUsings, parse, path: "GlobalUsings.g.cs"),
                CSharpSyntaxTree.ParseText(block.Code, parse, path: "Program.cs"),
            ],
            References.Value,
            new CSharpCompilationOptions(OutputKind.ConsoleApplication, nullableContextOptions: NullableContextOptions.Enable, generalDiagnosticOption: ReportDiagnostic.Error));

        using MemoryStream assembly = new();
        Microsoft.CodeAnalysis.Emit.EmitResult emitted = compilation.Emit(assembly);
        string[] problems = [.. emitted.Diagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning).Select(d => Describe(block, d))];
        Assert.True(emitted.Success && problems.Length == 0, $"{block} does not compile as written:\n{string.Join('\n', problems)}\n--- the block ---\n{block.Code}");
    }

    // Program.cs(3,7) is the block's line 3: the README's line is the fence's line plus 3.
    private static string Describe(ReadmeCodeBlock block, Diagnostic diagnostic)
    {
        FileLinePositionSpan span = diagnostic.Location.GetLineSpan();
        return $"README.md:{block.Line + 1 + span.StartLinePosition.Line}:{span.StartLinePosition.Character + 1}: {diagnostic.Id}: {diagnostic.GetMessage()}";
    }

    // The assemblies the test host runs on: the shared frameworks (Microsoft.NETCore.App and
    // Microsoft.AspNetCore.App) and the Usrnet assemblies built with the tests, as a project that
    // references the packages compiles against the same public surface.
    private static ImmutableArray<MetadataReference> LoadReferences()
    {
        string platform = (string?)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") ?? throw new InvalidOperationException("the runtime lists no trusted platform assemblies");
        string sharedFrameworks = Path.GetDirectoryName(Path.GetDirectoryName(Path.GetDirectoryName(typeof(object).Assembly.Location)))!;
        IEnumerable<string> frameworks = platform.Split(Path.PathSeparator).Where(path => path.StartsWith(sharedFrameworks, StringComparison.Ordinal));
        IEnumerable<string> usrnet = ["Usrnet.dll", "Usrnet.AspNetCore.dll"];
        return [.. frameworks.Concat(usrnet.Select(name => Path.Combine(AppContext.BaseDirectory, name))).Select(path => MetadataReference.CreateFromFile(path))];
    }
}
