using System.Collections.Frozen;
using System.Globalization;

namespace FtpTrace.Annotation;

/// <summary>
/// The documented meaning of every FTP reply code. Codes of the user's reference table
/// (shared/seeds/ftp-reply-codes.md, copied into the tests as Fixtures/ftp-reply-codes.md) carry the
/// table's text word for word (<see cref="ReplyCodeSource.Table"/>). The table's series lines
/// ("100 Series" ... "600 Series", "10000 Series") are the meanings of the series
/// (<see cref="ReplyCodeSource.Series"/>); the series' base code (100, 200 ... 600, 10000), which the
/// table lists only as its series line, gets that line's text too. Any other code gets a meaning
/// derived from its digits per RFC 959 section 4.2 (<see cref="ReplyCodeSource.Derived"/>): the
/// first digit gives the series (its table text), the second digit the functional group. Codes
/// 10000-10999 are Winsock errors that some clients print, not FTP reply codes, and say so.
/// </summary>
/// <remarks>
/// Every code from 100 to 999 and every table code is built once at start-up, so
/// <see cref="Lookup"/> allocates nothing for them; the data lives here, not in a file read at run time.
/// </remarks>
public static class ReplyCodeCatalog
{
    // The reference table, in its order, character for character (series lines apart).
    private static readonly (int Code, string Meaning)[] TableRows =
    [
        (110, "Restart marker replay . In this case, the text is exact and not left to the particular implementation; it must read: MARK yyyy = mmmm where yyyy is User-process data stream marker, and mmmm server's equivalent marker (note the spaces between markers and \"=\")."),
        (120, "Service ready in nnn minutes."),
        (125, "Data connection already open; transfer starting."),
        (150, "File status okay; about to open data connection."),
        (202, "Command not implemented, superfluous at this site."),
        (211, "System status, or system help reply."),
        (212, "Directory status."),
        (213, "File status."),
        (214, "Help message. Explains how to use the server or the meaning of a particular non-standard command. This reply is useful only to the human user."),
        (215, "NAME system type. Where NAME is an official system name from the registry kept by IANA."),
        (220, "Service ready for new user."),
        (221, "Service closing control connection."),
        (225, "Data connection open; no transfer in progress."),
        (226, "Closing data connection. Requested file action successful (for example, file transfer or file abort)."),
        (227, "Entering Passive Mode (h1,h2,h3,h4,p1,p2)."),
        (228, "Entering Long Passive Mode (long address, port)."),
        (229, "Entering Extended Passive Mode (|||port|)."),
        (230, "User logged in, proceed. Logged out if appropriate."),
        (231, "User logged out; service terminated."),
        (232, "Logout command noted, will complete when transfer done. Alternatively: User logged in, authorized by security data exchange."),
        (234, "Specifies that the server accepts the authentication mechanism specified by the client, and no security data needs to be exchanged."),
        (235, "Specifies that the server accepts the security data given by the client, and no further security data needs to be exchanged."),
        (250, "Requested file action okay, completed."),
        (257, "\"PATHNAME\" created."),
        (331, "User name okay, need password."),
        (332, "Need account for login."),
        (334, "Specifies that the server accepts the authentication mechanism specified by the client, but some security data needs to be exchanged."),
        (335, "Specifies that the server accepts the security data given by the client, but further security data needs to be exchanged."),
        (350, "Requested file action pending further information"),
        (421, "Service not available, closing control connection. This may be a reply to any command if the service knows it must shut down."),
        (425, "Can't open data connection."),
        (426, "Connection closed; transfer aborted."),
        (430, "Invalid username or password"),
        (434, "Requested host unavailable."),
        (450, "Requested file action not taken."),
        (451, "Requested action aborted. Local error in processing."),
        (452, "Requested action not taken. Insufficient storage space in system. File unavailable (e.g., file busy)."),
        (501, "Syntax error in parameters or arguments."),
        (502, "Command not implemented."),
        (503, "Bad sequence of commands."),
        (504, "Command not implemented for that parameter."),
        (530, "Not logged in."),
        (532, "Need account for storing files."),
        (534, "Request denied for policy reasons."),
        (550, "Requested action not taken. File unavailable (e.g., file not found, no access)."),
        (551, "Requested action aborted. Page type unknown."),
        (552, "Requested file action aborted. Exceeded storage allocation (for current directory or dataset)."),
        (553, "Requested action not taken. File name not allowed."),
        (631, "Integrity protected reply."),
        (632, "Confidentiality and integrity protected reply."),
        (633, "Confidentiality protected reply."),
        (10054, "Connection reset by peer. The connection was forcibly closed by the remote host."),
        (10060, "Cannot connect to remote server."),
        (10061, "Cannot connect to remote server. The connection is actively refused by the server."),
        (10065, "No route to host / DNS cannot be resolved."),
        (10066, "Directory not empty."),
        (10068, "Too many users, server is full."),
    ];

    // The table's series lines, keyed by the series' base code.
    private static readonly (int Code, string Meaning)[] SeriesRows =
    [
        (100, "The requested action is being initiated, expect another reply before proceeding with a new command."),
        (200, "The requested action has been successfully completed."),
        (300, "The command has been accepted, but the requested action is on hold, pending receipt of further information."),
        (400, "The command was not accepted and the requested action did not take place, but the error condition is temporary and the action may be requested again."),
        (500, "Syntax error, command unrecognized and the requested action did not take place. This may include errors such as command line too long."),
        (600, "Replies regarding confidentiality and integrity"),
        (10000, "Common Winsock Error Codes[2] (These are not FTP return codes)"),
    ];

    // RFC 959 section 4.2.1 (first digit) and RFC 2228 (6yz).
    private static readonly string[] ClassNames =
    [
        "", "positive preliminary", "positive completion", "positive intermediate",
        "transient negative completion", "permanent negative completion", "protected reply, RFC 2228",
    ];

    // RFC 959 section 4.2.1 (second digit).
    private static readonly string[] GroupNames =
    [
        "x0z: syntax, or a command that fits no functional group",
        "x1z: information",
        "x2z: connections",
        "x3z: authentication and accounting",
        "x4z: unspecified",
        "x5z: file system",
    ];

    private const int FirstFtpCode = 100;
    private const int LastFtpCode = 999;
    private const int FirstWinsockCode = 10000;
    private const int LastWinsockCode = 10999;

    private static readonly ReplyCodeInfo[] SeriesInfos = BuildSeries();
    private static readonly ReplyCodeInfo[] TableInfos = BuildTable();
    private static readonly ReplyCodeInfo[] FtpCodes = BuildFtpCodes();
    private static readonly FrozenDictionary<int, ReplyCodeInfo> WinsockTable = BuildWinsockTable();

    /// <summary>The reference table's codes, in the table's order, with their exact meanings.</summary>
    public static IReadOnlyList<ReplyCodeInfo> TableCodes => TableInfos;

    /// <summary>The table's series lines (100, 200 ... 600, 10000), in the table's order.</summary>
    public static IReadOnlyList<ReplyCodeInfo> Series => SeriesInfos;

    /// <summary>The meaning of <paramref name="code"/>: from the table, a series line, or derived from its digits.</summary>
    public static ReplyCodeInfo Lookup(int code)
    {
        if (code is >= FirstFtpCode and <= LastFtpCode) return FtpCodes[code - FirstFtpCode];
        if (code is >= FirstWinsockCode and <= LastWinsockCode)
        {
            if (WinsockTable.TryGetValue(code, out var info)) return info;
            return new ReplyCodeInfo(code, WinsockMeaning(code), ReplyCodeSource.Derived);
        }
        return new ReplyCodeInfo(code, string.Create(CultureInfo.InvariantCulture, $"{code}: not an FTP reply code (FTP reply codes have three digits)"), ReplyCodeSource.Derived);
    }

    /// <summary>The table's series line for the code's series (1xx ... 6xx, 10000-10999); null when it has none.</summary>
    public static string? SeriesMeaning(int code)
    {
        if (code is >= FirstWinsockCode and <= LastWinsockCode) return FindSeries(FirstWinsockCode);
        if (code is >= FirstFtpCode and < 700) return FindSeries(code / 100 * 100);
        return null;
    }

    private static string? FindSeries(int baseCode)
    {
        foreach (var s in SeriesRows)
        {
            if (s.Code == baseCode) return s.Meaning;
        }
        return null;
    }

    private static ReplyCodeInfo[] BuildSeries()
    {
        var infos = new ReplyCodeInfo[SeriesRows.Length];
        for (int i = 0; i < SeriesRows.Length; i++)
            infos[i] = new ReplyCodeInfo(SeriesRows[i].Code, SeriesRows[i].Meaning, ReplyCodeSource.Series);
        return infos;
    }

    private static ReplyCodeInfo[] BuildTable()
    {
        var infos = new ReplyCodeInfo[TableRows.Length];
        for (int i = 0; i < TableRows.Length; i++)
            infos[i] = new ReplyCodeInfo(TableRows[i].Code, TableRows[i].Meaning, ReplyCodeSource.Table);
        return infos;
    }

    private static ReplyCodeInfo[] BuildFtpCodes()
    {
        var infos = new ReplyCodeInfo[LastFtpCode - FirstFtpCode + 1];
        for (int code = FirstFtpCode; code <= LastFtpCode; code++)
            infos[code - FirstFtpCode] = new ReplyCodeInfo(code, DeriveFtpMeaning(code), ReplyCodeSource.Derived);
        foreach (var s in SeriesInfos)
        {
            if (s.Code <= LastFtpCode) infos[s.Code - FirstFtpCode] = s;
        }
        foreach (var t in TableInfos)
        {
            if (t.Code <= LastFtpCode) infos[t.Code - FirstFtpCode] = t;
        }
        return infos;
    }

    private static FrozenDictionary<int, ReplyCodeInfo> BuildWinsockTable()
    {
        var map = new Dictionary<int, ReplyCodeInfo>();
        foreach (var s in SeriesInfos)
        {
            if (s.Code >= FirstWinsockCode) map[s.Code] = s;
        }
        foreach (var t in TableInfos)
        {
            if (t.Code >= FirstWinsockCode) map[t.Code] = t;
        }
        return map.ToFrozenDictionary();
    }

    /// <summary>
    /// RFC 959 section 4.2: "<c>5xx (permanent negative completion): &lt;table's 500 Series text&gt; (x5z: file system)</c>".
    /// </summary>
    internal static string DeriveFtpMeaning(int code)
    {
        int first = code / 100;
        int second = code / 10 % 10;
        if (first > 6)
        {
            return string.Create(CultureInfo.InvariantCulture,
                $"{first}xx: not an FTP reply class (RFC 959 defines first digits 1 to 5, RFC 2228 adds 6)");
        }
        string group = second < GroupNames.Length
            ? GroupNames[second]
            : string.Create(CultureInfo.InvariantCulture, $"x{second}z: no functional group defined by RFC 959");
        return string.Create(CultureInfo.InvariantCulture,
            $"{first}xx ({ClassNames[first]}): {FindSeries(first * 100)} ({group})");
    }

    private static string WinsockMeaning(int code) =>
        string.Create(CultureInfo.InvariantCulture, $"Winsock error {code} (not an FTP reply code)");
}
