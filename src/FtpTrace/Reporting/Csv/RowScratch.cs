using System.Runtime.InteropServices;

namespace FtpTrace.Reporting.Csv;

/// <summary>
/// One reusable string per length, for the rows <see cref="CsvCellWriter"/> hands to CsvWriter:
/// CsvWriter takes text only as strings (its protected <c>WriteToBuffer</c>), and a million-row
/// report would otherwise make a short-lived string for every row. CsvWriter copies the chars into
/// its own buffer before <c>WriteToBuffer</c> returns, without keeping the string, so the same string
/// can carry the next row of that length. A scratch string never leaves <see cref="CsvCellWriter"/>;
/// RowScratchTests fail if a CsvHelper version starts keeping it. Rows longer than
/// <see cref="MaxLength"/> get a string of their own (at most about 256 KB are kept per writer).
/// One instance per writer: it is not thread-safe.
/// </summary>
internal sealed class RowScratch
{
    /// <summary>The longest row it holds (a reply row is usually 150 to 300 chars).</summary>
    public const int MaxLength = 512;

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
