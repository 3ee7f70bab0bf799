using System.Text;

namespace FtpTrace.Reporting.Console;

/// <summary>
/// A plain aligned text table. Cells are made terminal-safe; numbers (columns marked right-aligned)
/// line up on the right. The last column may be cut to a width (on a terminal) or left whole.
/// </summary>
public sealed class TextTable
{
    private readonly string[] _headers;
    private readonly bool[] _right;
    private readonly List<string[]> _rows = [];

    public TextTable(params (string Header, bool RightAligned)[] columns)
    {
        ArgumentNullException.ThrowIfNull(columns);
        _headers = columns.Select(c => c.Header).ToArray();
        _right = columns.Select(c => c.RightAligned).ToArray();
    }

    public int Count => _rows.Count;

    public void Add(params string[] cells)
    {
        ArgumentNullException.ThrowIfNull(cells);
        _rows.Add(cells.Select(c => TextSafety.ForTerminal(c)).ToArray());
    }

    /// <summary>Writes the table indented by two spaces; the last column is cut to fit <paramref name="width"/> when it is set.</summary>
    public void Write(TextWriter output, int? width)
    {
        ArgumentNullException.ThrowIfNull(output);
        int n = _headers.Length;
        var widths = new int[n];
        for (int c = 0; c < n; c++)
            widths[c] = Math.Max(_headers[c].Length, _rows.Count == 0 ? 0 : _rows.Max(r => r[c].Length));

        WriteRow(output, _headers, widths, width);
        foreach (var row in _rows) WriteRow(output, row, widths, width);
    }

    private void WriteRow(TextWriter output, string[] cells, int[] widths, int? width)
    {
        var sb = new StringBuilder("  ");
        for (int c = 0; c < cells.Length; c++)
        {
            bool last = c == cells.Length - 1;
            string cell = cells[c];
            if (last && width is { } w)
            {
                int room = Math.Max(10, w - sb.Length);
                if (cell.Length > room) cell = string.Concat(cell.AsSpan(0, room - 1), "…");
            }
            if (_right[c]) sb.Append(cell.PadLeft(widths[c]));
            else if (last) sb.Append(cell);
            else sb.Append(cell.PadRight(widths[c]));
            if (!last) sb.Append("  ");
        }
        output.WriteLine(sb.ToString().TrimEnd());
    }
}
