using System.Collections.Frozen;
using System.Text;

namespace FtpTrace.Diagnostics;

/// <summary>Stable report names of <see cref="AnomalyKind"/> values (snake_case).</summary>
public static class AnomalyKinds
{
    private static readonly FrozenDictionary<AnomalyKind, string> Names =
        Enum.GetValues<AnomalyKind>().ToFrozenDictionary(k => k, k => ToSnakeCase(k.ToString()));

    /// <summary>The snake_case name used in every report, e.g. <c>stream_gap</c>.</summary>
    public static string Name(AnomalyKind kind) => Names.TryGetValue(kind, out var name) ? name : kind.ToString();

    internal static string ToSnakeCase(string pascal)
    {
        var sb = new StringBuilder(pascal.Length + 8);
        for (int i = 0; i < pascal.Length; i++)
        {
            char c = pascal[i];
            if (char.IsUpper(c))
            {
                if (i > 0) sb.Append('_');
                sb.Append(char.ToLowerInvariant(c));
            }
            else
            {
                sb.Append(c);
            }
        }
        return sb.ToString();
    }
}
