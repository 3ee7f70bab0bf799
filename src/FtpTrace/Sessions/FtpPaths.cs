using System.Text;

namespace FtpTrace.Sessions;

/// <summary>
/// Working-directory arithmetic as far as the control connection tells it: the quoted path of a
/// 257 reply (RFC 959 Appendix II, doubled quotes inside), and Unix-style CWD/CDUP. Anything that
/// cannot be derived safely (relative path from an unknown directory, <c>~</c>, non-Unix paths) is
/// unknown (null) rather than guessed.
/// </summary>
public static class FtpPaths
{
    /// <summary>
    /// The path in a 257 reply's text: between the first double quote and the next one that is not
    /// doubled (<c>"/a""b"</c> is <c>/a"b</c>). A reply with no quote whose first word starts with '/'
    /// gives that word. Only the first line is read. Null when there is no path.
    /// </summary>
    public static string? ParseQuotedPath(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var line = text.AsSpan();
        int nl = line.IndexOf('\n');
        if (nl >= 0) line = line[..nl];

        int open = line.IndexOf('"');
        if (open < 0)
        {
            var trimmed = line.TrimStart();
            int end = trimmed.IndexOfAny(' ', '\t');
            var word = end < 0 ? trimmed : trimmed[..end];
            return word.Length > 0 && word[0] == '/' ? word.ToString() : null;
        }

        var sb = new StringBuilder();
        for (int i = open + 1; i < line.Length; i++)
        {
            char c = line[i];
            if (c == '"')
            {
                if (i + 1 < line.Length && line[i + 1] == '"')
                {
                    sb.Append('"');
                    i++;
                    continue;
                }
                return sb.Length > 0 ? sb.ToString() : null;
            }
            sb.Append(c);
        }
        return null; // no closing quote
    }

    /// <summary>
    /// The directory after a successful <c>CWD argument</c> from <paramref name="current"/>: absolute
    /// when the argument starts with '/', else joined to the known directory; '.' and '..' resolved.
    /// </summary>
    public static string? Resolve(string? current, string argument)
    {
        ArgumentNullException.ThrowIfNull(argument);
        if (argument.Length == 0) return null;
        if (argument[0] == '/') return Normalize(argument);
        if (current is null || current.Length == 0 || current[0] != '/') return null;
        if (argument[0] == '~') return null;
        return Normalize(current + "/" + argument);
    }

    /// <summary>The parent of a known Unix-style directory ("/" stays "/"); null when unknown.</summary>
    public static string? Parent(string? current)
    {
        if (current is null || current.Length == 0 || current[0] != '/') return null;
        return Normalize(current + "/..");
    }

    /// <summary>An absolute path with empty and '.' segments removed and '..' applied (never above '/').</summary>
    public static string Normalize(string absolutePath)
    {
        ArgumentNullException.ThrowIfNull(absolutePath);
        // Nearly every path is normal already (it runs for each transfer, SIZE and CWD): then it is the answer.
        if (IsNormal(absolutePath)) return absolutePath;
        var segments = new List<string>();
        foreach (var part in absolutePath.Split('/'))
        {
            if (part.Length == 0 || part == ".") continue;
            if (part == "..")
            {
                if (segments.Count > 0) segments.RemoveAt(segments.Count - 1);
                continue;
            }
            segments.Add(part);
        }
        return "/" + string.Join('/', segments);
    }

    /// <summary>Starts with '/', and has no empty, '.' or '..' segment and no trailing '/' (except "/" itself).</summary>
    private static bool IsNormal(string path) =>
        path.Length > 0 && path[0] == '/'
        && (path.Length == 1
            || (path[^1] != '/'
                && !path.Contains("//", StringComparison.Ordinal)
                && !path.Contains("/./", StringComparison.Ordinal)
                && !path.Contains("/../", StringComparison.Ordinal)
                && !path.EndsWith("/.", StringComparison.Ordinal)
                && !path.EndsWith("/..", StringComparison.Ordinal)));
}
