using System.CommandLine;
using FtpTrace.Cli;

namespace FtpTrace;

/// <summary>Composition root: builds the command line and runs the chosen command.</summary>
internal static class Program
{
    private static int Main(string[] args)
    {
        var root = new RootCommand("FtpTrace: every FTP command and reply from packet captures, annotated, paired, timed and reported.")
        {
            AnalyzeCommand.Create(),
            CodesCommand.Create(),
        };
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors) Console.Error.WriteLine($"ftptrace: {error.Message}");
            Console.Error.WriteLine("Try 'ftptrace --help'.");
            return ExitCodes.Usage;
        }
        return parse.Invoke();
    }
}
