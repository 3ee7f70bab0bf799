using System.Collections.Frozen;

namespace FtpTrace.Protocol;

/// <summary>
/// The FTP command verbs FtpTrace knows by name (RFC 959, 775, 1639, 2228, 2389, 2428, 2640, 3659,
/// 7151 and common extensions). Used to recognise FTP on unknown ports and to share one string
/// per known verb instead of allocating it for every command. Unknown verbs are still commands.
/// </summary>
internal static class FtpVerbs
{
    /// <summary>Longest verb accepted in a command line; longer first tokens are not commands.</summary>
    public const int MaxVerbLength = 32;

    private static readonly string[] Known =
    [
        // RFC 959
        "USER", "PASS", "ACCT", "CWD", "CDUP", "SMNT", "REIN", "QUIT", "PORT", "PASV", "TYPE", "STRU",
        "MODE", "RETR", "STOR", "STOU", "APPE", "ALLO", "REST", "RNFR", "RNTO", "ABOR", "DELE", "RMD",
        "MKD", "PWD", "LIST", "NLST", "SITE", "SYST", "STAT", "HELP", "NOOP",
        // RFC 775 (X- forms)
        "XCWD", "XCUP", "XMKD", "XRMD", "XPWD",
        // RFC 1639
        "LPRT", "LPSV",
        // RFC 2228 / 4217
        "AUTH", "ADAT", "PROT", "PBSZ", "CCC", "MIC", "CONF", "ENC",
        // RFC 2389
        "FEAT", "OPTS",
        // RFC 2428
        "EPRT", "EPSV",
        // RFC 2640
        "LANG",
        // RFC 3659
        "MDTM", "SIZE", "MLST", "MLSD",
        // RFC 7151
        "HOST",
        // Common extensions
        "CLNT", "MFMT", "MFCT", "MFF", "AVBL", "CSID", "DSIZ", "RMDA", "XCRC", "XMD5", "XSHA1",
        "XSHA256", "XSHA512", "HASH", "COMB", "THMB", "MACB",
        // (The RFC 765 mail verbs MAIL, MLFL, MSND ... are left out on purpose: MAIL is SMTP's.)
    ];

    private static readonly FrozenSet<string> KnownUpper = Known.ToFrozenSet(StringComparer.Ordinal);
    private static readonly FrozenSet<string>.AlternateLookup<ReadOnlySpan<char>> Lookup =
        KnownUpper.GetAlternateLookup<ReadOnlySpan<char>>();

    /// <summary>
    /// True when <paramref name="verb"/> can be a verb: 1 to <see cref="MaxVerbLength"/> bytes, an ASCII
    /// letter first, then ASCII letters or digits. Punctuation, controls and non-ASCII bytes are not
    /// allowed (no FTP verb uses them; they mark binary data or another protocol).
    /// </summary>
    public static bool IsVerbShape(ReadOnlySpan<byte> verb)
    {
        if (verb.IsEmpty || verb.Length > MaxVerbLength || !char.IsAsciiLetter((char)verb[0])) return false;
        foreach (byte b in verb)
        {
            if (!char.IsAsciiLetterOrDigit((char)b)) return false;
        }
        return true;
    }

    /// <summary>The verb as a string: the shared instance when it is a known verb spelled exactly so.</summary>
    public static string ToVerbString(ReadOnlySpan<byte> verb)
    {
        Span<char> chars = stackalloc char[MaxVerbLength];
        int n = Math.Min(verb.Length, MaxVerbLength);
        for (int i = 0; i < n; i++) chars[i] = (char)verb[i];
        if (n == verb.Length && Lookup.TryGetValue(chars[..n], out string? known)) return known;
        return System.Text.Encoding.ASCII.GetString(verb);
    }

    /// <summary>True when a known FTP verb starts with <paramref name="prefix"/> (any case). Slow; for rare paths.</summary>
    public static bool IsKnownPrefix(ReadOnlySpan<byte> prefix)
    {
        foreach (string verb in Known)
        {
            if (verb.Length < prefix.Length) continue;
            int i = 0;
            while (i < prefix.Length && char.ToUpperInvariant((char)prefix[i]) == verb[i]) i++;
            if (i == prefix.Length) return true;
        }
        return false;
    }

    /// <summary>True when <paramref name="verb"/> (any case) is a known FTP verb.</summary>
    public static bool IsKnown(ReadOnlySpan<byte> verb)
    {
        if (verb.IsEmpty || verb.Length > MaxVerbLength) return false;
        Span<char> chars = stackalloc char[MaxVerbLength];
        for (int i = 0; i < verb.Length; i++)
        {
            byte b = verb[i];
            if (b >= 0x80) return false;
            chars[i] = char.ToUpperInvariant((char)b);
        }
        return Lookup.Contains(chars[..verb.Length]);
    }
}
