using System.Diagnostics;
using System.Globalization;

namespace FtpTrace.Reporting.Csv;

/// <summary>
/// Writes one row's cells to a <see cref="CsvCellWriter"/>: no row record is built and no getter is
/// called per cell (CsvWriter.WriteRecord would also resolve a record writer per row), and numbers,
/// times and durations are formatted straight into the row. The caller writes the cells in the order
/// of the file's <see cref="CsvHelper.Configuration.ClassMap{TClass}"/>, which stays the single place
/// that names the columns and writes the header (CsvInputSinkTests read rows back through the maps).
/// Cells are quoted exactly when RFC 4180 needs it.
/// </summary>
internal readonly struct CsvRowCells(CsvCellWriter csv)
{
    private const int LongLength = 20;

    /// <summary>A text cell (null is written empty).</summary>
    public CsvRowCells Text(string? cell)
    {
        csv.Text(cell);
        return this;
    }

    /// <summary>
    /// A cell FtpTrace formatted itself (a keyword such as a role or <c>true</c>, an id, an
    /// endpoint): never a comma, quote or line break, so it is written unquoted without a search.
    /// </summary>
    public CsvRowCells Plain(string? cell)
    {
        Debug.Assert(cell is null || cell.AsSpan().IndexOfAny(",\"\r\n") < 0, "a plain cell needs quotes");
        csv.Unquoted(cell);
        return this;
    }

    /// <summary>A number in invariant form (never quoted).</summary>
    public CsvRowCells Number(long value)
    {
        Span<char> room = csv.BeginCell(LongLength);
        value.TryFormat(room, out int length, default, CultureInfo.InvariantCulture);
        csv.EndCell(length);
        return this;
    }

    /// <summary>A number in invariant form, or an empty cell for null.</summary>
    public CsvRowCells Number(long? value) => value is { } v ? Number(v) : Plain("");

    /// <summary>A time as <see cref="Formats.Time"/> writes it (empty when unknown).</summary>
    public CsvRowCells Time(long unixNs)
    {
        csv.EndCell(Formats.WriteTime(unixNs, csv.BeginCell(Formats.TimeLength)));
        return this;
    }

    /// <summary>A duration as <see cref="Formats.Milliseconds"/> writes it (empty for null).</summary>
    public CsvRowCells Milliseconds(long? ns)
    {
        if (ns is not { } v) return Plain("");
        csv.EndCell(Formats.WriteMilliseconds(v, csv.BeginCell(Formats.MillisecondsMaxLength)));
        return this;
    }

    /// <summary>Ends the row.</summary>
    public void End() => csv.EndRow();
}
