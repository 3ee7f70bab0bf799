using System.Buffers;
using System.Text;

namespace FtpTrace.Reporting;

/// <summary>
/// Keeps untrusted text (from captures and logs) inert in every output: control characters never
/// reach a terminal raw, and CSV cells a spreadsheet would run as a formula are neutralised.
/// </summary>
public static class TextSafety
{
    private static readonly SearchValues<char> FormulaStarts = SearchValues.Create("=+-@\t\r");

    /// <summary>
    /// Escapes C0/C1 control characters, DEL and the escape-sequence introducers for a terminal:
    /// <c>\n</c>, <c>\r</c>, <c>\t</c> as those two-character escapes, others as <c>\xNN</c> / <c>\u{NNNN}</c>.
    /// Text with nothing to escape is returned as is (no allocation).
    /// </summary>
    public static string ForTerminal(string? text)
    {
        if (string.IsNullOrEmpty(text)) return "";
        int i = 0;
        while (i < text.Length && !NeedsTerminalEscape(text[i])) i++;
        if (i == text.Length) return text;

        var sb = new StringBuilder(text.Length + 16);
        sb.Append(text, 0, i);
        for (; i < text.Length; i++)
        {
            char c = text[i];
            if (!NeedsTerminalEscape(c)) { sb.Append(c); continue; }
            switch (c)
            {
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                case '\\': sb.Append("\\\\"); break;
                default:
                    if (c <= 0xFF) sb.Append("\\x").Append(((int)c).ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
                    else sb.Append("\\u{").Append(((int)c).ToString("X4", System.Globalization.CultureInfo.InvariantCulture)).Append('}');
                    break;
            }
        }
        return sb.ToString();
    }

    private static bool NeedsTerminalEscape(char c) =>
        c < 0x20 || c == 0x7F || (c >= 0x80 && c <= 0x9F) || c == '\\'
        // Bidi overrides and isolates can reorder what the analyst sees.
        || (c >= '\u202A' && c <= '\u202E') || (c >= '\u2066' && c <= '\u2069')
        || c == '\u200E' || c == '\u200F' || c == '\u061C';

    /// <summary>
    /// Neutralises a CSV cell that a spreadsheet would read as a formula (it starts with
    /// <c>=</c>, <c>+</c>, <c>-</c>, <c>@</c>, tab or CR) by prefixing a single quote, as OWASP
    /// recommends. Other text is returned unchanged.
    /// </summary>
    public static string ForCsv(string? cell)
    {
        if (string.IsNullOrEmpty(cell)) return "";
        return FormulaStarts.Contains(cell[0]) ? "'" + cell : cell;
    }

    /// <summary>Terminal-safe and cut to <paramref name="max"/> characters (with an ellipsis), for text written outside a table.</summary>
    public static string ForTable(string? text, int max) => Cut(ForTerminal(text), max);

    /// <summary>
    /// Cut to <paramref name="max"/> characters with an ellipsis, nothing escaped: for cells of a
    /// table, which escapes every cell itself (escaping twice would show <c>\\</c> for a backslash).
    /// </summary>
    public static string Cut(string? text, int max)
    {
        if (string.IsNullOrEmpty(text)) return "";
        return text.Length <= max ? text : string.Concat(text.AsSpan(0, Math.Max(0, max - 1)), "…");
    }
}
