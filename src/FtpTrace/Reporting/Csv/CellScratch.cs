using System.Runtime.InteropServices;

namespace FtpTrace.Reporting.Csv;

/// <summary>
/// One reusable string per length, for the cells FtpTrace formats itself (frame numbers, times,
/// durations): a million-row report would otherwise make a short-lived string for each of them,
/// and those strings were most of what a run allocated. <see cref="CsvHelper.CsvWriter.WriteField(string, bool)"/>
/// only accepts strings, and copies the chars into its own buffer before it returns (unquoted,
/// with injection handling off as <see cref="CsvReportWriter.Config"/> sets it) without keeping
/// the string, so the same string can carry the next cell. A scratch string never leaves
/// <see cref="CsvCellWriter"/>; CellScratchTests fail if a CsvHelper version starts keeping it.
/// One instance per writer: it is not thread-safe.
/// </summary>
internal sealed class CellScratch
{
    /// <summary>The longest cell it holds (a time is 27 chars, a long 20).</summary>
    public const int MaxLength = 32;

    private readonly string?[] _byLength = new string?[MaxLength + 1];

    /// <summary>A string with the chars of <paramref name="text"/>, valid until the next call.</summary>
    public string Hold(ReadOnlySpan<char> text)
    {
        if (text.IsEmpty) return "";
        if (text.Length > MaxLength) return new string(text);
        string s = _byLength[text.Length] ??= new string('\0', text.Length);
        // The string is FtpTrace's own and nobody else holds it (see above).
        text.CopyTo(MemoryMarshal.CreateSpan(ref MemoryMarshal.GetReference(s.AsSpan()), s.Length));
        return s;
    }
}
