using FtpTrace.Diagnostics;
using FtpTrace.Protocol;

namespace FtpTrace.Tests.Protocol;

/// <summary>Control-connection byte streams (Latin-1 strings: one char per byte) used by the chunking theories.</summary>
internal static class FtpTranscripts
{
    /// <param name="Role">Which side the bytes are.</param>
    /// <param name="Bytes">The captured bytes.</param>
    /// <param name="Limits">Limits other than the defaults.</param>
    /// <param name="GapsAt">Offsets in <paramref name="Bytes"/> where bytes were lost (a gap of <see cref="GapLength"/> bytes; frame 1).</param>
    public sealed record Transcript(FtpParserRole Role, string Bytes, FtpTraceLimits? Limits = null, int[]? GapsAt = null);

    public const int GapLength = 7;

    /// <summary>Offsets of the places in <paramref name="text"/> marked with '§' (removed from the returned text).</summary>
    private static (string Text, int[] Gaps) Marked(string text)
    {
        var gaps = new List<int>();
        var sb = new System.Text.StringBuilder();
        foreach (char c in text)
        {
            if (c == '§') gaps.Add(sb.Length);
            else sb.Append(c);
        }
        return (sb.ToString(), [.. gaps]);
    }

    private static Transcript WithGaps(FtpParserRole role, string marked, FtpTraceLimits? limits = null)
    {
        var (text, gaps) = Marked(marked);
        return new Transcript(role, text, limits, gaps);
    }

    public static readonly Dictionary<string, Transcript> All = new()
    {
        ["VsftpdServer"] = new(FtpParserRole.Server,
            "220 (vsFTPd 3.0.3)\r\n" +
            "331 Please specify the password.\r\n" +
            "230 Login successful.\r\n" +
            "211-Features:\r\n EPRT\r\n EPSV\r\n MDTM\r\n PASV\r\n REST STREAM\r\n SIZE\r\n TVFS\r\n UTF8\r\n211 End\r\n" +
            "227 Entering Passive Mode (127,0,0,1,117,48).\r\n" +
            "150 Here comes the directory listing.\r\n" +
            "226 Directory send OK.\r\n" +
            "221 Goodbye.\r\n"),
        ["VsftpdClient"] = new(FtpParserRole.Client,
            "USER anonymous\r\nPASS ftp@example.com\r\nFEAT\r\nPWD\r\nPASV\r\nLIST\r\nQUIT\r\n"),
        ["ProftpdWelcome"] = new(FtpParserRole.Server,
            "220-Welcome to the ProFTPD server\r\n220-\r\n220-  Please be nice.\r\n" +
            "220 ProFTPD 1.3.8 Server (Debian) [127.0.0.1]\r\n" +
            "230-Last login: yesterday\r\n   indented line\r\n\r\n123 starts with digits\r\n230 User ftp logged in\r\n" +
            "221\r\n221 \r\n"),
        ["PipelinedCommands"] = new(FtpParserRole.Client,
            "TYPE I\r\nPASV\r\nRETR a  b.txt\r\nnoop\r\nsite chmod 644 x\r\nXPWD\r\nMLSD\r\n"),
        ["BareLineEnds"] = new(FtpParserRole.Server,
            "220 hi\n331 pw\r\n230-a\rb\n230 c\r\n\n\r"),
        ["CrNul"] = new(FtpParserRole.Client, "USER a\r\0PASS b\r\n\r\0NOOP\r\0"),
        ["LongLines"] = new(FtpParserRole.Client,
            "USER " + new string('x', 40) + "\r\nPASS " + new string('y', 11) + "\r\nRETR " + new string('z', 12) + "\r\nNOOP\r\n",
            FtpTraceLimits.Default with { MaxLineLength = 16 }),
        ["LongReplyLines"] = new(FtpParserRole.Server,
            "211-" + new string('a', 30) + "\r\n" + new string('b', 20) + "\r\n211 " + new string('c', 14) + "\r\n226 done\r\n",
            FtpTraceLimits.Default with { MaxLineLength = 16 }),
        ["InvalidUtf8"] = new(FtpParserRole.Client, "CWD caf\u00E9\r\nCWD caf\u00C3\u00A9\r\nSTOR a\0b\r\nSTOR \u00C3\r\n"),
        ["TelnetAbort"] = new(FtpParserRole.Client, "RETR big.iso\r\n\u00FF\u00F4\u00FF\u00F2ABOR\r\nQUIT\r\n"),
        ["TelnetIacIac"] = new(FtpParserRole.Client, "RETR a\u00FF\u00FFb\r\nSTOR \u00FF\u00FF\u00FF\u00FF\r\n"),
        ["TelnetNegotiation"] = new(FtpParserRole.Client,
            "\u00FF\u00FB\u0001\u00FF\u00FD\u0003USER x\r\n\u00FF\u00FA\u0018\u0001\u00FF\u00FF\u00FF\u00F0NOOP\r\nPA\u00FF\u00F1SS y\r\u00FF\u00F1\n"),
        ["TelnetMalformed"] = new(FtpParserRole.Client, "NOOP\u00FF\u0041\r\n\u00FF\u00F0QUIT\r\n\u00FF\u00FA\u0001\u00FF\u00F4NOOP\r\nQUIT\u00FF"),
        ["TelnetServer"] = new(FtpParserRole.Server, "\u00FF\u00FB\u0001220 ready\r\n\u00FF\u00FE\u0003331 pw\r\n"),
        ["InvalidReplies"] = new(FtpParserRole.Server,
            "hello\r\n2201 x\r\n099 x\r\n700 x\r\n22\r\n\r\n631 protected\r\n220 ok"),
        ["QuirkAndDigits"] = new(FtpParserRole.Server,
            "220-Welcome\r\n220-Second\r\n331 Password required\r\n" +
            "211-Status\r\n free text\r\n123 foo\r\n211 End\r\n" +
            "123-First line\r\nSecond line\r\n  234 A line beginning with numbers\r\n123 The last line\r\n" +
            "250-open"),
        ["ReplyLimits"] = new(FtpParserRole.Server,
            "214-a\r\n214-b\r\n214-c\r\n214-d\r\n214 e\r\n200 fits\r\n",
            FtpTraceLimits.Default with { MaxReplyLines = 3 }),
        ["TelnetAtTheLimits"] = new(FtpParserRole.Client,
            "\u00FF\u00FA" + new string('a', 12) + "\u00FF\u00F0\r\nNOOP 12\u00FF\u00FF45\r\nNOOP 123\u00FF\u00FF\r\n" +
            "NOOP\r\u00FF\u00FFx\r\nQUIT\r\u00FF\u00F1\u00FF\u00F1\nNOOP\r",
            FtpTraceLimits.Default with { MaxLineLength = 8 }),
        ["PartialAtClose"] = new(FtpParserRole.Client, "USER a\r\nQUIT"),
        // Gaps (marked §): a line right after one resumes at once; bytes that do not start a line are skipped to the next terminator.
        ["GapsServer"] = WithGaps(FtpParserRole.Server,
            "220 ready\r\n331 Pass§230 Logged in\r\n" +              // partial line dropped, whole reply after the gap kept
            "211-Features:\r\n EPSV\r\n§ MDTM\r\n211 End\r\n" +    // open block dropped; continuation text skipped
            "§word required\r\n150 ok\r\n" +                        // tail of a line skipped
            "§22§6 done\r\n" +                                        // too little to decide before the next gap: skipped
            "§257\r\n§2x0 no\r\n§\r\n200 ok\r\n" +                  // bare code kept; junk and an empty line skipped
            "226 Done\r§\n213 5\r\n§\u00FF\u00FB\u0001421 bye\r\n§221 Bye"),
        ["GapsClient"] = WithGaps(FtpParserRole.Client,
            "USER bob\r\nPA§PWD\r\nSYST\r\n" +
            "§ss x\r\nNOOP\r\n§ice\r\n§user al\r\n§XSHA256 f\r\n" + // lower-case fragments skipped, known verbs kept
            "§CD x\r\n§\u00FF\u00F1CWD /\r\n§retr\r\nMKD a\r§\nQUIT"),
        ["GapsTinyLines"] = WithGaps(FtpParserRole.Server,
            "220 hi\r\n§230 yes\r\n§x\r\n200 ok\r\n", FtpTraceLimits.Default with { MaxLineLength = 3 }),
    };

    public static TheoryData<string> Names()
    {
        var data = new TheoryData<string>();
        foreach (string name in All.Keys) data.Add(name);
        return data;
    }
}
