using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using CsvHelper;

namespace FtpTrace.Reporting.Csv;

/// <summary>
/// Writes one row's cells straight to a <see cref="CsvWriter"/>: no row record is built and no
/// getter is called per cell (CsvWriter.WriteRecord would also resolve a record writer per row).
/// The caller writes the cells in the order of the file's <see cref="CsvHelper.Configuration.ClassMap{TClass}"/>,
/// which stays the single place that names the columns and writes the header (CsvInputSinkTests
/// read rows back through the maps). Cells are quoted exactly when RFC 4180 needs it.
/// </summary>
internal readonly struct CsvRowCells(CsvCellWriter csv)
{
    private static readonly SearchValues<char> QuoteTriggers = SearchValues.Create(",\"\r\n");

    /// <summary>A text cell (null is written empty).</summary>
    public CsvRowCells Text(string? cell)
    {
        cell ??= "";
        if (cell.AsSpan().IndexOfAny(QuoteTriggers) >= 0) csv.WriteQuoted(cell);
        else csv.WriteField(cell, false);
        return this;
    }

    /// <summary>
    /// A cell FtpTrace formatted itself (a time, a duration, a number, a keyword such as a role or
    /// <c>true</c>): never a comma, quote or line break, so it is written unquoted without a search.
    /// </summary>
    public CsvRowCells Plain(string? cell)
    {
        cell ??= "";
        Debug.Assert(cell.AsSpan().IndexOfAny(QuoteTriggers) < 0, "a plain cell needs quotes");
        csv.WriteField(cell, false);
        return this;
    }

    /// <summary>A number in invariant form (never quoted).</summary>
    public CsvRowCells Number(long value)
    {
        if ((ulong)value < Formats.SmallIntegers)
        {
            csv.WriteField(Formats.Integer(value), false);
            return this;
        }
        Span<char> text = stackalloc char[20];
        value.TryFormat(text, out int length, default, CultureInfo.InvariantCulture);
        csv.WriteUnquoted(text[..length]);
        return this;
    }

    /// <summary>A number in invariant form, or an empty cell for null.</summary>
    public CsvRowCells Number(long? value) => value is { } v ? Number(v) : Plain("");

    /// <summary>A time as <see cref="Formats.Time"/> writes it (empty when unknown).</summary>
    public CsvRowCells Time(long unixNs)
    {
        Span<char> text = stackalloc char[Formats.TimeLength];
        csv.WriteUnquoted(text[..Formats.WriteTime(unixNs, text)]);
        return this;
    }

    /// <summary>A duration as <see cref="Formats.Milliseconds"/> writes it (empty for null).</summary>
    public CsvRowCells Milliseconds(long? ns)
    {
        if (ns is not { } v) return Plain("");
        Span<char> text = stackalloc char[Formats.MillisecondsMaxLength];
        csv.WriteUnquoted(text[..Formats.WriteMilliseconds(v, text)]);
        return this;
    }

    /// <summary>Ends the row.</summary>
    public void End() => csv.NextRecord();
}
