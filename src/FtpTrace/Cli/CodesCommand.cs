using System.CommandLine;
using System.Globalization;
using FtpTrace.Annotation;

namespace FtpTrace.Cli;

/// <summary><c>ftptrace codes [CODE...]</c>: the reply-code catalog, one line per code.</summary>
internal static class CodesCommand
{
    private static readonly Argument<string[]> Codes = new("CODE")
    {
        Arity = ArgumentArity.ZeroOrMore,
        Description = "Reply codes to explain (e.g. 227 530 10054); all the catalog's codes when none is given.",
    };

    public static Command Create()
    {
        var command = new Command("codes", "Print the reply-code catalog: each code and its full meaning, one line per code.") { Codes };
        Codes.Validators.Add(r =>
        {
            foreach (var token in r.Tokens)
                if (!int.TryParse(token.Value, NumberStyles.None, CultureInfo.InvariantCulture, out int c) || c is < 1 or > 99999)
                    r.AddError($"'{token.Value}' is not a reply code (a number such as 227 or 10054).");
        });
        command.SetAction(parse => Run(parse.GetValue(Codes) ?? []));
        return command;
    }

    private static int Run(string[] codes)
    {
        var output = Console.Out;
        if (codes.Length == 0)
        {
            // The reference table in its own order: each series line (as its x00 code) before its codes.
            foreach (var info in ReplyCodeCatalog.Series.Concat(ReplyCodeCatalog.TableCodes).OrderBy(i => i.Code))
                Write(output, info);
            return ExitCodes.Ok;
        }
        foreach (var c in codes) Write(output, ReplyCodeCatalog.Lookup(int.Parse(c, NumberStyles.None, CultureInfo.InvariantCulture)));
        return ExitCodes.Ok;
    }

    private static void Write(TextWriter output, ReplyCodeInfo info) =>
        output.WriteLine($"{info.Code.ToString(CultureInfo.InvariantCulture),-5} {info.Meaning}");
}
