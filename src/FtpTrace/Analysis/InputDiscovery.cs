using FtpTrace.Capture;
using FtpTrace.LogSources;

namespace FtpTrace.Analysis;

/// <summary>One input to analyse: where to read it and the name it carries in the reports.</summary>
public sealed record InputFile(string Path, string Label);

/// <summary>An input argument that could not be used, with the reason.</summary>
public sealed record InputError(string Path, string Reason);

/// <summary>
/// Turns the command line's INPUT arguments into the list of files to read: files as given,
/// directories searched recursively for captures and server logs (recognised by their first
/// bytes or lines, whatever their name; other files are skipped and counted), <c>-</c> for standard input. The order is the arguments' order, and within a directory
/// the ordinal order of paths, so reports never depend on the file system's listing order.
/// </summary>
public static class InputDiscovery
{
    public static (List<InputFile> Files, List<InputError> Errors, int SkippedFiles) Expand(IEnumerable<string> arguments, LogOptions? logs = null)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        var files = new List<InputFile>();
        var errors = new List<InputError>();
        int skipped = 0;
        foreach (var arg in arguments)
        {
            if (arg == "-")
            {
                files.Add(new InputFile("-", "-"));
            }
            else if (File.Exists(arg))
            {
                files.Add(new InputFile(arg, arg));
            }
            else if (Directory.Exists(arg))
            {
                try
                {
                    foreach (var path in Directory.EnumerateFiles(arg, "*", new EnumerationOptions
                             {
                                 RecurseSubdirectories = true,
                                 IgnoreInaccessible = true,
                                 AttributesToSkip = FileAttributes.ReparsePoint,
                             }).Order(StringComparer.Ordinal))
                    {
                        if (CaptureReaders.LooksLikeCapture(path) || LogAnalyzer.LooksLikeLog(path, logs)) files.Add(new InputFile(path, path));
                        else skipped++;
                    }
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    errors.Add(new InputError(arg, e.Message));
                }
            }
            else
            {
                errors.Add(new InputError(arg, "no such file or directory"));
            }
        }
        return (files, errors, skipped);
    }
}
