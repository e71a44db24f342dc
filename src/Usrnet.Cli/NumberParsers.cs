using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Numerics;

namespace Usrnet.Cli;

/// <summary>
/// Parsers for the numeric options and arguments of every command, so that a value that is not a number
/// is refused in words: <c>-c: 'abc' is not a whole number</c>, never System.CommandLine's
/// "expected type 'System.Nullable`1[System.Int32]'".
/// </summary>
public static class NumberParsers
{
    private const string WholeNumber = "a whole number";
    private const string Number = "a number";

    /// <summary>Gives every <c>int</c>, <c>long</c> and <c>double</c> option and argument of <paramref name="command"/> and its subcommands such a parser.</summary>
    public static void Apply(Command command)
    {
        ArgumentNullException.ThrowIfNull(command);
        foreach (Option option in command.Options)
        {
            Apply(option);
        }
        foreach (Argument argument in command.Arguments)
        {
            Apply(argument);
        }
        foreach (Command subcommand in command.Subcommands)
        {
            Apply(subcommand);
        }
    }

    private static void Apply(Symbol symbol)
    {
        switch (symbol)
        {
            case Option<int> o:
                o.CustomParser ??= r => Read<int>(r, NumberStyles.Integer, WholeNumber);
                break;
            case Option<int?> o:
                o.CustomParser ??= r => Read<int>(r, NumberStyles.Integer, WholeNumber);
                break;
            case Option<long> o:
                o.CustomParser ??= r => Read<long>(r, NumberStyles.Integer, WholeNumber);
                break;
            case Option<double> o:
                o.CustomParser ??= r => Read<double>(r, NumberStyles.Float, Number);
                break;
            case Option<double?> o:
                o.CustomParser ??= r => Read<double>(r, NumberStyles.Float, Number);
                break;
            case Argument<int> a:
                a.CustomParser ??= r => Read<int>(r, NumberStyles.Integer, WholeNumber);
                break;
            default:
                break;
        }
    }

    /// <summary>The last token as a <typeparamref name="T"/>; otherwise an error naming the option or argument, the value and what it must be.</summary>
    private static T Read<T>(ArgumentResult result, NumberStyles styles, string expected) where T : struct, INumber<T>
    {
        string text = result.Tokens.Count > 0 ? result.Tokens[^1].Value : "";
        if (T.TryParse(text, styles, CultureInfo.InvariantCulture, out T value))
        {
            return value;
        }
        string name = result.Parent is OptionResult option ? option.Option.Name : result.Argument.Name;
        result.AddError($"{name}: '{text}' is not {expected}");
        return default;
    }
}
