using System.Buffers;
using CsvHelper;
using CsvHelper.Configuration;

namespace FtpTrace.Reporting.Csv;

/// <summary>
/// A <see cref="CsvWriter"/> for the streamed row files that hands CsvWriter a whole row at a time.
/// Written field by field, every cell is a CsvWriter call (a delimiter and a copy each, 17 per reply
/// row) and every formatted cell a string. Here the cells
/// are formatted and quoted into one char buffer (numbers, times and durations straight into it),
/// and the row goes to CsvWriter's own buffer through its protected <c>WriteToBuffer</c> (one
/// string per row length, reused: see <see cref="RowScratch"/>); <see cref="CsvWriter.NextRecord"/>
/// then ends and flushes it as usual. Quoting is RFC 4180 exactly as CsvWriter does it for the
/// reports' <see cref="CsvReportWriter.Config"/>: a cell with a comma, a quote or a line break is put
/// in quotes with its quotes doubled. Any other configuration (another delimiter, quote or mode,
/// trimming, injection handling) is written field by field through CsvWriter itself. CsvCellWriterTests
/// compare the bytes of both ways and read the rows back.
/// </summary>
internal sealed class CsvCellWriter : CsvWriter
{
    private const char Quote = '"';
    private const char Delimiter = ',';
    private static readonly SearchValues<char> QuoteTriggers = SearchValues.Create(",\"\r\n");

    private readonly bool _rowAtOnce;
    private readonly RowScratch _scratch = new();
    private char[] _row = new char[512];
    private int _length;
    private int _cells;
    // A formatted cell when written field by field (another configuration).
    private char[] _fieldChars = new char[32];

    public CsvCellWriter(TextWriter writer, IWriterConfiguration configuration, bool leaveOpen = false)
        : base(writer, configuration, leaveOpen)
    {
        _rowAtOnce = configuration.Mode == CsvMode.RFC4180 && configuration.Delimiter == ","
            && configuration.Quote == Quote && configuration.Escape == Quote
            && configuration.TrimOptions == TrimOptions.None && configuration.InjectionOptions == InjectionOptions.None;
    }

    /// <summary>True when rows are gathered and handed over whole (the reports' configuration).</summary>
    internal bool WritesWholeRows => _rowAtOnce;

    /// <summary>A text cell: in quotes (its quotes doubled) when it holds a comma, a quote or a line break.</summary>
    public void Text(string? cell)
    {
        cell ??= "";
        bool quote = cell.AsSpan().IndexOfAny(QuoteTriggers) >= 0;
        if (!_rowAtOnce)
        {
            WriteField(cell, quote);
            return;
        }
        if (!quote)
        {
            Unquoted(cell);
            return;
        }
        int quotes = cell.AsSpan().Count(Quote);
        Span<char> room = StartCell(cell.Length + quotes + 2);
        room[0] = Quote;
        int at = 1;
        if (quotes == 0)
        {
            cell.CopyTo(room[1..]);
            at += cell.Length;
        }
        else
        {
            foreach (char c in cell)
            {
                room[at++] = c;
                if (c == Quote) room[at++] = Quote;
            }
        }
        room[at++] = Quote;
        _length += at;
    }

    /// <summary>A cell that needs no quotes (FtpTrace formatted it: a number, a time, a keyword), as it is.</summary>
    public void Unquoted(ReadOnlySpan<char> cell)
    {
        if (!_rowAtOnce)
        {
            WriteField(cell.ToString(), false);
            return;
        }
        cell.CopyTo(StartCell(cell.Length));
        _length += cell.Length;
    }

    /// <summary>
    /// Room for a cell FtpTrace formats in place (a number, a time: never a comma, quote or line
    /// break) of at most <paramref name="maxLength"/> chars; <see cref="EndCell"/> says how many it wrote.
    /// </summary>
    public Span<char> BeginCell(int maxLength)
    {
        if (_rowAtOnce) return StartCell(maxLength);
        if (_fieldChars.Length < maxLength) _fieldChars = new char[maxLength];
        return _fieldChars.AsSpan(0, maxLength);
    }

    /// <summary>The cell begun by <see cref="BeginCell"/> is the first <paramref name="length"/> chars of its room.</summary>
    public void EndCell(int length)
    {
        if (_rowAtOnce) _length += length;
        else WriteField(new string(_fieldChars, 0, length), false);
    }

    /// <summary>Ends the row: hands it to CsvWriter whole, then <see cref="CsvWriter.NextRecord"/>.</summary>
    public void EndRow()
    {
        if (_rowAtOnce)
        {
            // CsvWriter copies the row into its buffer before WriteToBuffer returns (see RowScratch).
            WriteToBuffer(_scratch.Hold(_row.AsSpan(0, _length)));
            _length = 0;
            _cells = 0;
        }
        NextRecord();
    }

    /// <summary>Room for the next cell's <paramref name="length"/> chars, after its delimiter.</summary>
    private Span<char> StartCell(int length)
    {
        int needed = _length + length + 1;
        if (needed > _row.Length) Array.Resize(ref _row, Math.Max(needed, _row.Length * 2));
        if (_cells++ > 0) _row[_length++] = Delimiter;
        return _row.AsSpan(_length, length);
    }
}
