using FtpTrace.Reporting;

namespace FtpTrace.Tests.Reporting;

public sealed class TextSafetyTests
{
    [Theory]
    [InlineData("=HYPERLINK(\"x\")", "'=HYPERLINK(\"x\")")]
    [InlineData("+1", "'+1")]
    [InlineData("-rw-r--r--", "'-rw-r--r--")]
    [InlineData("@SUM(A1)", "'@SUM(A1)")]
    [InlineData("\tcmd", "'\tcmd")]
    [InlineData("\rcmd", "'\rcmd")]
    [InlineData("Features:\n EPSV\nEnd", "Features:\n EPSV\nEnd")]
    [InlineData("a=b", "a=b")]
    [InlineData("", "")]
    public void ForCsvNeutralisesOnlyFormulaStarts(string input, string expected) => Assert.Equal(expected, TextSafety.ForCsv(input));

    [Theory]
    [InlineData("plain text", "plain text")]
    [InlineData("a\u001b[31mred", "a\\x1B[31mred")]
    [InlineData("line1\nline2\r", "line1\\nline2\\r")]
    [InlineData("bell\u0007", "bell\\x07")]
    [InlineData("c1\u009b", "c1\\x9B")]
    [InlineData("back\\slash", "back\\\\slash")]
    [InlineData("rtl\u202eevil", "rtl\\u{202E}evil")]
    [InlineData("caf\u00e9", "caf\u00e9")]
    public void ForTerminalEscapesEveryControlCharacter(string input, string expected) => Assert.Equal(expected, TextSafety.ForTerminal(input));

    [Fact]
    public void ForTerminalReturnsSameInstanceWhenNothingToEscape()
    {
        const string s = "220 Service ready";
        Assert.Same(s, TextSafety.ForTerminal(s));
    }

    [Fact]
    public void ForTableCutsWithEllipsisAfterEscaping()
    {
        Assert.Equal("abcd…", TextSafety.ForTable("abcdefgh", 5));
        Assert.Equal("\\x1B…", TextSafety.ForTable("\u001bxyz", 5));
    }
}
