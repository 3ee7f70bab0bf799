using FtpTrace.Sessions;

namespace FtpTrace.Tests.Sessions;

public sealed class FtpPathsTests
{
    [Theory]
    [InlineData("\"/usr/dm/foo\"\"bar\" directory created", "/usr/dm/foo\"bar")]
    [InlineData("\"/\" is the current directory", "/")]
    [InlineData("\"\"\"quoted\"\"\" is here", "\"quoted\"")]
    [InlineData("Current directory is \"/pub\"", "/pub")]
    [InlineData("\"/a b\"\n\"/other\"", "/a b")]
    [InlineData("/home/user is current directory", "/home/user")]
    [InlineData("\"/unterminated", null)]
    [InlineData("\"\" empty", null)]
    [InlineData("no path here", null)]
    public void QuotedPathFollowsTheQuoteDoublingConvention(string text, string? path) =>
        Assert.Equal(path, FtpPaths.ParseQuotedPath(text));

    [Theory]
    [InlineData("/home/a", "b", "/home/a/b")]
    [InlineData("/home/a", "../b/./c", "/home/b/c")]
    [InlineData("/home/a", "/etc//x/", "/etc/x")]
    [InlineData("/", "../..", "/")]
    [InlineData(null, "/abs", "/abs")]
    [InlineData(null, "rel", null)]
    [InlineData("/home/a", "~/x", null)]
    [InlineData("/home/a", "", null)]
    public void CwdResolvesAgainstTheKnownDirectory(string? current, string argument, string? expected) =>
        Assert.Equal(expected, FtpPaths.Resolve(current, argument));

    [Theory]
    [InlineData("/home/a", "/home")]
    [InlineData("/home", "/")]
    [InlineData("/", "/")]
    [InlineData(null, null)]
    public void ParentOfAKnownDirectory(string? current, string? expected) =>
        Assert.Equal(expected, FtpPaths.Parent(current));

    [Theory]
    [InlineData("/", "/")]
    [InlineData("/a", "/a")]
    [InlineData("/a/b.bin", "/a/b.bin")]
    [InlineData("/a/", "/a")]
    [InlineData("//a", "/a")]
    [InlineData("/a//b", "/a/b")]
    [InlineData("/a/.", "/a")]
    [InlineData("/a/..", "/")]
    [InlineData("/a/./b", "/a/b")]
    [InlineData("/a/../b", "/b")]
    [InlineData("/..", "/")]
    [InlineData("/.", "/")]
    [InlineData("/...", "/...")]
    [InlineData("/a/...", "/a/...")]
    [InlineData("/.x/a..", "/.x/a..")]
    [InlineData("a/b", "/a/b")]
    public void NormalizeAppliesDotsAndDropsEmptySegments(string path, string expected)
    {
        string normal = FtpPaths.Normalize(path);
        Assert.Equal(expected, normal);
        if (expected == path) Assert.Same(path, normal); // a normal path is its own answer, not a copy
    }
}
