using System.Buffers;
using System.Text;
using System.Text.Unicode;

namespace FtpTrace.Protocol;

/// <summary>
/// Turns line bytes into report text. Valid UTF-8 is kept as is (RFC 2640), control characters
/// included; each byte of an invalid UTF-8 sequence becomes <c>\xNN</c>, and so does NUL (<c>\x00</c>).
/// A backslash is not escaped, so paths like <c>C:\dir</c> read naturally.
/// </summary>
internal static class FtpText
{
    private const string Hex = "0123456789ABCDEF";

    /// <summary>True when the bytes decode as they are (valid UTF-8 and no NUL).</summary>
    public static bool IsPlain(ReadOnlySpan<byte> bytes) => bytes.IndexOf((byte)0) < 0 && Utf8.IsValid(bytes);

    public static string Decode(ReadOnlySpan<byte> bytes, out bool invalidUtf8)
    {
        if (bytes.IsEmpty)
        {
            invalidUtf8 = false;
            return string.Empty;
        }
        if (IsPlain(bytes))
        {
            invalidUtf8 = false;
            return Encoding.UTF8.GetString(bytes);
        }
        var sb = new StringBuilder(bytes.Length + 16);
        AppendEscaped(sb, bytes, out invalidUtf8);
        return sb.ToString();
    }

    private static void AppendEscaped(StringBuilder sb, ReadOnlySpan<byte> bytes, out bool invalidUtf8)
    {
        invalidUtf8 = false;
        Span<char> pair = stackalloc char[2];
        while (!bytes.IsEmpty)
        {
            OperationStatus status = Rune.DecodeFromUtf8(bytes, out Rune rune, out int consumed);
            if (status == OperationStatus.Done)
            {
                if (rune.Value == 0)
                {
                    AppendHex(sb, 0);
                }
                else
                {
                    int n = rune.EncodeToUtf16(pair);
                    sb.Append(pair[..n]);
                }
            }
            else
            {
                invalidUtf8 = true;
                if (consumed == 0) consumed = 1;
                for (int i = 0; i < consumed; i++) AppendHex(sb, bytes[i]);
            }
            bytes = bytes[consumed..];
        }
    }

    private static void AppendHex(StringBuilder sb, byte value)
        => sb.Append('\\').Append('x').Append(Hex[value >> 4]).Append(Hex[value & 0xF]);

    /// <summary>
    /// Bytes for an anomaly's detail: printable ASCII kept, everything else <c>\xNN</c>; cut to
    /// <paramref name="maxBytes"/> bytes with "..." appended when longer.
    /// </summary>
    public static string EscapeForDetail(ReadOnlySpan<byte> bytes, int maxBytes = 100)
    {
        bool cut = bytes.Length > maxBytes;
        if (cut) bytes = bytes[..maxBytes];
        var sb = new StringBuilder(bytes.Length + 8);
        foreach (byte b in bytes)
        {
            if (b is >= 0x20 and < 0x7F) sb.Append((char)b);
            else AppendHex(sb, b);
        }
        if (cut) sb.Append("...");
        return sb.ToString();
    }
}
