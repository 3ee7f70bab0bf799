using FtpTrace.Diagnostics;
using FtpTrace.Protocol;

namespace FtpTrace.Tests.Protocol;

/// <summary>Control-connection byte streams (Latin-1 strings: one char per byte) used by the chunking theories.</summary>
internal static class FtpTranscripts
{
    public sealed record Transcript(FtpParserRole Role, string Bytes, FtpTraceLimits? Limits = null);

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
    };

    public static TheoryData<string> Names()
    {
        var data = new TheoryData<string>();
        foreach (string name in All.Keys) data.Add(name);
        return data;
    }
}
