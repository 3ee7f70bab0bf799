using FtpTrace.Annotation;

namespace FtpTrace.Tests.Annotation;

public sealed class ExpectedRepliesTests
{
    [Theory]
    // RFC 959 section 5.4
    [InlineData("USER", 331, true)]
    [InlineData("USER", 230, true)]
    [InlineData("USER", 227, false)]
    [InlineData("PASS", 230, true)]
    [InlineData("PASS", 503, true)]
    [InlineData("PASS", 150, false)]
    [InlineData("RETR", 150, true)]
    [InlineData("RETR", 125, true)]
    [InlineData("RETR", 110, true)]
    [InlineData("RETR", 226, true)]
    [InlineData("RETR", 426, true)]
    [InlineData("RETR", 225, false)]
    [InlineData("RETR", 502, false)]
    [InlineData("LIST", 502, true)]
    [InlineData("CWD", 250, true)]
    [InlineData("CWD", 257, false)]
    [InlineData("CWD", 150, false)]
    [InlineData("CDUP", 250, true)]
    [InlineData("PWD", 257, true)]
    [InlineData("XPWD", 257, true)]
    [InlineData("ABOR", 225, true)]
    [InlineData("ABOR", 226, true)]
    [InlineData("ABOR", 426, false)]
    [InlineData("PASV", 227, true)]
    [InlineData("PASV", 229, false)]
    [InlineData("REIN", 120, true)]
    [InlineData("REIN", 220, true)]
    [InlineData("QUIT", 221, true)]
    [InlineData("QUIT", 501, false)]
    [InlineData("STAT", 213, true)]
    [InlineData("NOOP", 200, true)]
    [InlineData("NOOP", 502, false)]
    // 421, 500 and 530 answer any command
    [InlineData("PWD", 530, true)]
    [InlineData("QUIT", 421, true)]
    [InlineData("FEAT", 500, true)]
    // RFC 2228
    [InlineData("AUTH", 234, true)]
    [InlineData("AUTH", 334, true)]
    [InlineData("AUTH", 200, false)]
    [InlineData("PBSZ", 200, true)]
    [InlineData("PROT", 536, true)]
    [InlineData("ENC", 633, true)]
    // RFC 2389
    [InlineData("FEAT", 211, true)]
    [InlineData("OPTS", 200, true)]
    // RFC 2428
    [InlineData("EPSV", 229, true)]
    [InlineData("EPRT", 522, true)]
    [InlineData("EPRT", 229, false)]
    // RFC 3659
    [InlineData("SIZE", 213, true)]
    [InlineData("MDTM", 213, true)]
    [InlineData("MLST", 250, true)]
    [InlineData("MLSD", 150, true)]
    [InlineData("MLSD", 226, true)]
    [InlineData("RETR", 554, true)]
    // RFC 2640
    [InlineData("LANG", 504, true)]
    // codes outside 100..739
    [InlineData("RETR", 999, false)]
    [InlineData("RETR", 10054, false)]
    [InlineData("RETR", 0, false)]
    public void KnownCommandAcceptsOnlyItsDocumentedReplies(string verb, int code, bool expected) =>
        Assert.Equal(expected, ExpectedReplies.IsExpected(verb, code));

    [Theory]
    [InlineData("XYZZY", 200)]
    [InlineData("CLNT", 200)]
    [InlineData("retr", 150)]
    public void UnknownOrNotNormalizedVerbIsNotJudged(string verb, int code) =>
        Assert.Null(ExpectedReplies.IsExpected(verb, code));

    [Fact]
    public void EveryKnownVerbIsUpperCaseAndAccepts421And500()
    {
        var verbs = ExpectedReplies.KnownVerbs.ToList();
        Assert.Contains("APPE", verbs);
        Assert.Contains("MLSD", verbs);
        Assert.All(verbs, v =>
        {
            Assert.Equal(v.ToUpperInvariant(), v);
            Assert.True(ExpectedReplies.IsExpected(v, 421));
            Assert.True(ExpectedReplies.IsExpected(v, 500));
        });
    }

    [Theory]
    [InlineData("RETR")]
    [InlineData("STOR")]
    [InlineData("STOU")]
    [InlineData("APPE")]
    [InlineData("LIST")]
    [InlineData("NLST")]
    [InlineData("MLSD")]
    public void TransferCommandsExpectPreliminaryReplies(string verb)
    {
        Assert.True(ExpectedReplies.IsExpected(verb, 125));
        Assert.True(ExpectedReplies.IsExpected(verb, 150));
        Assert.True(ExpectedReplies.IsExpected(verb, 226));
        Assert.True(ExpectedReplies.IsExpected(verb, 425));
    }
}
