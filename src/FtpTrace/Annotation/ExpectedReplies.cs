using System.Collections.Frozen;

namespace FtpTrace.Annotation;

/// <summary>
/// Which reply codes are valid answers to which command: RFC 959 section 5.4 ("Command-Reply
/// Sequences") plus the extensions RFC 775/1123 (X* aliases), RFC 1639 (LPRT, LPSV), RFC 2228
/// (security), RFC 2389 (FEAT, OPTS), RFC 2428 (EPRT, EPSV), RFC 2640 (LANG) and RFC 3659 (SIZE,
/// MDTM, MLST, MLSD, REST STREAM). Used to flag a reply that makes no sense for its command.
/// </summary>
/// <remarks>
/// Policy beyond the RFC lists, each a code a real server sends to any command:
/// <list type="bullet">
/// <item>421 is valid for every command (RFC 959 section 4.2: "This may be a reply to any command
/// if the service knows it must shut down").</item>
/// <item>500 is valid for every command: a server that does not know a verb, or finds the line too
/// long, can only answer 500 (RFC 959 lists it for every command).</item>
/// <item>530 is valid for every command: vsftpd, ProFTPD and Pure-FTPd answer any command that
/// needs a login with 530 (RFC 959 lists it for most commands, not for PWD, SYST, HELP ...).</item>
/// </list>
/// Where a listed addition is not in the RFC's own list, the table says why next to it.
/// A command that is not in the table (site-specific verbs) is not judged: <see cref="IsExpected"/> returns null.
/// </remarks>
public static class ExpectedReplies
{
    private const int FirstCode = 100;
    private const int CodeCount = 640; // 100..739: every code a table entry can name
    private const int Words = (CodeCount + 63) / 64;

    private static readonly int[] AnyCommand = [421, 500, 530];

    // RFC 959 section 4.2 / 5.4 lists for the data-transfer commands, shared by several verbs.
    private static readonly int[] StorReplies =
    [
        125, 150, 110, 226, 250, 425, 426, 451, 551, 552, 532, 450, 452, 553, 500, 501, 421, 530,
        550, // Not in RFC 959's STOR list, but in APPE's; servers refuse STOR with 550 (vsftpd "Permission denied").
    ];

    private static readonly int[] RetrReplies = [125, 150, 110, 226, 250, 425, 426, 451, 450, 550, 500, 501, 421, 530];

    private static readonly int[] ListReplies =
    [
        125, 150, 226, 250, 425, 426, 451, 450, 500, 501, 502, 421, 530,
        550, // Not in RFC 959's list; servers answer a missing path with 550, as RFC 3659 does for MLSD.
    ];

    private static readonly int[] RestartReplies =
    [
        554, // RFC 3659 section 5.4: invalid REST parameter.
        555, // RFC 3659 section 5.4: type or structure mismatch for the restart.
    ];

    private static readonly int[] CwdReplies =
    [
        250, 500, 501, 502, 421, 530, 550,
        200, // RFC 959 Appendix II's examples answer CWD with 200.
    ];

    private static readonly int[] CdupReplies =
    [
        200, 500, 501, 502, 421, 530, 550,
        250, // RFC 959 Appendix II: the reply codes for CDUP are those of CWD.
    ];

    private static readonly int[] MkdReplies =
    [
        257, 500, 501, 502, 421, 530, 550,
        521, // RFC 959 Appendix II: "521 ... directory already exists".
    ];

    private static readonly int[] RmdReplies =
    [
        250, 500, 501, 502, 421, 530, 550,
        450, // RFC 959 Appendix II: the reply codes for RMD are those of DELE.
    ];

    private static readonly int[] PwdReplies = [257, 500, 501, 502, 421, 550];

    private static readonly int[] ProtectedReplies =
    [
        535, 533, 500, 501, 421,
        537, // RFC 2228 section 4: command protection level not supported by the mechanism.
        631, 632, 633, // RFC 2228 section 4: the answer comes back as a protected reply.
    ];

    private static readonly (string Verb, int[] Codes)[] Table =
    [
        // ---- RFC 959 section 5.4: Login ----
        ("USER", [230, 530, 500, 501, 421, 331, 332,
                  232, 336]), // RFC 2228: logged in by security data exchange; challenge.
        ("PASS", [230, 202, 530, 500, 501, 503, 421, 332]),
        ("ACCT", [230, 202, 530, 500, 501, 503, 421]),
        ("CWD", CwdReplies),
        ("XCWD", CwdReplies), // RFC 775 alias, RFC 1123 section 4.1.3.1.
        ("CDUP", CdupReplies),
        ("XCUP", CdupReplies), // RFC 775 alias.
        ("SMNT", [202, 250, 500, 501, 502, 421, 530, 550]),

        // ---- RFC 959 section 5.4: Logout ----
        ("REIN", [120, 220, 421, 500, 502]),
        ("QUIT", [221, 500]),

        // ---- RFC 959 section 5.4: Transfer parameters ----
        ("PORT", [200, 500, 501, 421, 530]),
        ("PASV", [227, 500, 501, 502, 421, 530]),
        ("MODE", [200, 500, 501, 504, 421, 530]),
        ("TYPE", [200, 500, 501, 504, 421, 530]),
        ("STRU", [200, 500, 501, 504, 421, 530]),

        // ---- RFC 959 section 5.4: File action commands ----
        ("ALLO", [200, 202, 500, 501, 504, 421, 530]),
        ("REST", [500, 501, 502, 421, 530, 350]), // RFC 3659 REST STREAM: the same codes.
        ("STOR", [.. StorReplies, .. RestartReplies]),
        ("STOU", StorReplies),
        ("RETR", [.. RetrReplies, .. RestartReplies]),
        ("LIST", ListReplies),
        ("NLST", ListReplies),
        ("APPE", [125, 150, 110, 226, 250, 425, 426, 451, 551, 552, 532, 450, 550, 452, 553, 500, 501, 502, 421, 530,
                  .. RestartReplies]),
        ("RNFR", [450, 550, 500, 501, 502, 421, 530, 350]),
        ("RNTO", [250, 532, 553, 500, 501, 502, 503, 421, 530,
                  450, 550]), // Not in RFC 959's list: a failed rename (vsftpd "550 Rename failed").
        ("DELE", [250, 450, 550, 500, 501, 502, 421, 530]),
        ("RMD", RmdReplies),
        ("XRMD", RmdReplies), // RFC 775 alias.
        ("MKD", MkdReplies),
        ("XMKD", MkdReplies), // RFC 775 alias.
        ("PWD", PwdReplies),
        ("XPWD", PwdReplies), // RFC 775 alias.
        ("ABOR", [225, 226, 500, 501, 502, 421]),

        // ---- RFC 959 section 5.4: Informational commands ----
        ("SYST", [215, 500, 501, 502, 421]),
        ("STAT", [211, 212, 213, 450, 500, 501, 502, 421, 530]),
        ("HELP", [211, 214, 500, 501, 502, 421]),

        // ---- RFC 959 section 5.4: Miscellaneous commands ----
        ("SITE", [200, 202, 500, 501, 530,
                  214, 250, 502, 504, 550]), // Not in RFC 959's list: SITE's subcommands are server-defined (SITE HELP 214, SITE CHMOD 550 ...).
        ("NOOP", [200, 500, 421]),

        // ---- RFC 1639: FTP operation over big address records ----
        ("LPRT", [200, 500, 501, 502, 521, 421, 530]),
        ("LPSV", [228, 500, 501, 502, 421, 530]),

        // ---- RFC 2228 section 5: security extensions ----
        ("AUTH", [234, 334, 502, 504, 534, 431, 500, 501, 421]),
        ("ADAT", [235, 335, 503, 501, 535, 500, 421]),
        ("PROT", [200, 504, 536, 503, 534, 431, 500, 501, 421, 530]),
        ("PBSZ", [200, 503, 500, 501, 421, 530]),
        ("CCC", [200, 500, 533, 534]),
        ("MIC", ProtectedReplies),
        ("CONF", ProtectedReplies),
        ("ENC", ProtectedReplies),

        // ---- RFC 2389: feature negotiation ----
        ("FEAT", [211, 500, 502]),
        ("OPTS", [200, 451, 500, 501, 502, 504]), // 504: RFC 2389 section 4 leaves the error replies to the option; servers refuse an unknown option value (OPTS UTF8 ON) with 504.

        // ---- RFC 2428: extensions for IPv6 and NATs ----
        ("EPRT", [200, 500, 501, 522,
                  502]), // An optional extension: "not implemented" is a valid answer.
        ("EPSV", [229, 500, 501, 522,
                  200, // "EPSV ALL" is acknowledged with 200 (RFC 2428 section 4).
                  502]),

        // ---- RFC 2640: internationalization ----
        ("LANG", [200, 500, 501, 502, 504]),

        // ---- RFC 3659: extensions to FTP ----
        ("SIZE", [213, 550, 500, 501, 502]),
        ("MDTM", [213, 550, 500, 501, 502]),
        ("MLST", [250, 550, 500, 501, 502]),
        ("MLSD", [125, 150, 226, 250, 425, 426, 451, 450, 550, 500, 501, 502]),
    ];

    private static readonly FrozenDictionary<string, ulong[]> Sets = Build();

    /// <summary>Every verb the table knows, upper case.</summary>
    public static IEnumerable<string> KnownVerbs => Sets.Keys;

    /// <summary>
    /// Whether <paramref name="code"/> is a valid answer to the command <paramref name="normalizedVerb"/>
    /// (upper case, see <c>FtpCommand.NormalizedVerb</c>); null when the table does not know the verb.
    /// </summary>
    public static bool? IsExpected(string normalizedVerb, int code)
    {
        if (!Sets.TryGetValue(normalizedVerb, out var bits)) return null;
        int index = code - FirstCode;
        if ((uint)index >= CodeCount) return false;
        return (bits[index >> 6] & (1UL << (index & 63))) != 0;
    }

    /// <summary>
    /// Whether <paramref name="code"/> can end a transfer command (RETR, STOR, STOU, APPE, LIST,
    /// NLST, MLSD) that already had its 1xx: RFC 959 section 5.4 lists only 110, 226, 250, 425,
    /// 426, 451 (and 551, 552 for the store commands) after the preliminary reply; 421 may come at any
    /// time; 450, 452, 550, 553 are accepted because servers report a failure found mid-transfer with
    /// them. A syntax error (500-504), a login reply or any other positive code cannot: it answers a
    /// command sent during the transfer (ABOR, STAT, NOOP ...). Null for other verbs.
    /// </summary>
    public static bool? IsValidAfterPreliminary(string normalizedVerb, int code)
    {
        if (normalizedVerb is not ("RETR" or "STOR" or "STOU" or "APPE" or "LIST" or "NLST" or "MLSD")) return null;
        return code is 110 or 226 or 250 or 421 or 425 or 426 or 450 or 451 or 452 or 550 or 551 or 552 or 553;
    }

    private static FrozenDictionary<string, ulong[]> Build()
    {
        var map = new Dictionary<string, ulong[]>(StringComparer.Ordinal);
        foreach (var (verb, codes) in Table)
        {
            var bits = new ulong[Words];
            foreach (int code in codes) Set(bits, code);
            foreach (int code in AnyCommand) Set(bits, code);
            map.Add(verb, bits);
        }
        return map.ToFrozenDictionary(StringComparer.Ordinal);
    }

    private static void Set(ulong[] bits, int code)
    {
        int index = code - FirstCode;
        if ((uint)index >= CodeCount) throw new InvalidOperationException($"Reply code {code} outside the table's range.");
        bits[index >> 6] |= 1UL << (index & 63);
    }
}
