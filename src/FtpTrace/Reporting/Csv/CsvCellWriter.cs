using CsvHelper;
using CsvHelper.Configuration;

namespace FtpTrace.Reporting.Csv;

/// <summary>
/// A <see cref="CsvWriter"/> that writes the cells of the streamed row files without making a
/// string per cell: cells FtpTrace formats itself go through <see cref="CellScratch"/>, and a text
/// cell that needs quotes is written quote, text, quote into CsvWriter's own buffer (through its
/// protected <c>WriteToBuffer</c>) instead of CsvWriter building the quoted copy. Multi-line
/// replies and the commas of PASV replies made that copy for about a third of all reply rows.
/// Bytes out are exactly CsvWriter's (CsvCellWriterTests compare the two, and read rows back).
/// </summary>
internal sealed class CsvCellWriter(TextWriter writer, IWriterConfiguration configuration, bool leaveOpen = false)
    : CsvWriter(writer, configuration, leaveOpen)
{
    private const string Quote = "\"";

    private readonly CellScratch _scratch = new();

    /// <summary>A cell that needs no quotes, written from <paramref name="text"/> (valid only for the call).</summary>
    public void WriteUnquoted(ReadOnlySpan<char> text) => WriteField(_scratch.Hold(text), false);

    /// <summary>A cell in quotes (RFC 4180): one with a comma, a quote or a line break.</summary>
    public void WriteQuoted(string cell)
    {
        if (Configuration.Mode != CsvMode.RFC4180 || Configuration.Quote != Quote[0]
            || Configuration.InjectionOptions != InjectionOptions.None || cell.Contains(Quote[0]))
        {
            // Quotes inside are doubled: CsvWriter does that (and allocates; rare in FTP replies).
            // So does any configuration other than the reports' own.
            WriteField(cell, true);
            return;
        }
        // An empty field puts the delimiter before the cell and counts it; the cell's text follows.
        WriteField(string.Empty, false);
        WriteToBuffer(Quote);
        WriteToBuffer(cell);
        WriteToBuffer(Quote);
    }
}
