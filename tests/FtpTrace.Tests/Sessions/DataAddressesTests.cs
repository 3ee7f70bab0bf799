using System.Net;
using FtpTrace.Decoding;
using FtpTrace.Sessions;

namespace FtpTrace.Tests.Sessions;

public sealed class DataAddressesTests
{
    private static string? Text(AnnouncedEndpoint e) => e.Address?.ToString();

    [Theory]
    [InlineData("Entering Passive Mode (127,0,0,1,164,63).", "127.0.0.1", 42047)]
    [InlineData("Entering Passive Mode (127,0,0,1,154,254)", "127.0.0.1", 39678)]
    [InlineData("Entering Passive Mode 10,1,2,3,4,5", "10.1.2.3", 1029)]
    [InlineData("Entering Passive Mode (192, 0, 2, 7, 0, 21)", "192.0.2.7", 21)]
    [InlineData("=192,0,2,7,255,255 ok", "192.0.2.7", 65535)]
    [InlineData("Mode 2 ok (10,0,0,9,1,1)", "10.0.0.9", 257)]
    public void PasvReplyGivesAddressAndPortWhereverTheNumbersAre(string text, string address, int port)
    {
        Assert.Equal(DataAddressParse.Ok, DataAddresses.ParsePasvReply(text, out var e));
        Assert.Equal(address, Text(e));
        Assert.Equal(port, e.Port);
    }

    [Fact]
    public void PasvReplyWithZeroAddressMeansTheControlConnectionsServer()
    {
        Assert.Equal(DataAddressParse.Ok, DataAddresses.ParsePasvReply("Entering Passive Mode (0,0,0,0,85,251).", out var e));
        Assert.Null(e.Address);
        Assert.Equal(85 * 256 + 251, e.Port);
    }

    [Theory]
    [InlineData("Entering Passive Mode (1,175,123).")] // ProFTPD on IPv6
    [InlineData("Entering Passive Mode (127,0,0,1,300,1).")]
    [InlineData("Entering Passive Mode (127,0,0,1,1,2,3).")]
    [InlineData("Entering Passive Mode.")]
    [InlineData("")]
    public void MalformedPasvReplyIsReportedNotThrown(string text) =>
        Assert.Equal(DataAddressParse.Malformed, DataAddresses.ParsePasvReply(text, out _));

    [Theory]
    [InlineData("Entering Extended Passive Mode (|||26048|)", 26048)]
    [InlineData("Extended Passive mode OK (|||4783|)", 4783)]
    [InlineData("Entering Extended Passive Mode (!!!65535!)", 65535)]
    [InlineData("odd (text) then (###21#)", 21)]
    public void EpsvReplyGivesThePortWithAnyDelimiter(string text, int port)
    {
        Assert.Equal(DataAddressParse.Ok, DataAddresses.ParseEpsvReply(text, out var e));
        Assert.Null(e.Address);
        Assert.Equal(port, e.Port);
    }

    [Theory]
    [InlineData("Entering Extended Passive Mode (|||70000|)")]
    [InlineData("Entering Extended Passive Mode (|||x|)")]
    [InlineData("Entering Extended Passive Mode")]
    public void MalformedEpsvReplyIsReported(string text) =>
        Assert.Equal(DataAddressParse.Malformed, DataAddresses.ParseEpsvReply(text, out _));

    [Theory]
    [InlineData("127,0,0,1,136,197", "127.0.0.1", 35013)]
    [InlineData(" 10,0,0,99,0,21 ", "10.0.0.99", 21)]
    public void PortArgumentGivesTheClientsListener(string argument, string address, int port)
    {
        Assert.Equal(DataAddressParse.Ok, DataAddresses.ParsePortArgument(argument, out var e));
        Assert.Equal(address, Text(e));
        Assert.Equal(port, e.Port);
    }

    [Theory]
    [InlineData("127,0,0,1,136")]
    [InlineData("127,0,0,1,136,197,1")]
    [InlineData("127,0,0,1,136,256")]
    [InlineData("127,0,0,1,136,197x")]
    [InlineData("")]
    public void MalformedPortArgumentIsReported(string argument) =>
        Assert.Equal(DataAddressParse.Malformed, DataAddresses.ParsePortArgument(argument, out _));

    [Theory]
    [InlineData("|1|127.0.0.1|42967|", "127.0.0.1", 42967)]
    [InlineData("|2|::1|33287|", "::1", 33287)]
    [InlineData("!2!2001:db8::7!2121!", "2001:db8::7", 2121)]
    public void EprtArgumentGivesIpv4OrIpv6Listener(string argument, string address, int port)
    {
        Assert.Equal(DataAddressParse.Ok, DataAddresses.ParseEprtArgument(argument, out var e));
        Assert.Equal(IpAddress.FromIPAddress(IPAddress.Parse(address)), e.Address);
        Assert.Equal(port, e.Port);
    }

    [Theory]
    [InlineData("|1|::1|42967|")]        // family 1 with an IPv6 address
    [InlineData("|2|127.0.0.1|42967|")]  // family 2 with an IPv4 address
    [InlineData("|3|127.0.0.1|42967|")]
    [InlineData("|1|127.0.0.1|0|")]
    [InlineData("|1|127.0.0.1|42967")]
    [InlineData("|1|nonsense|42967|")]
    public void MalformedEprtArgumentIsReported(string argument) =>
        Assert.Equal(DataAddressParse.Malformed, DataAddresses.ParseEprtArgument(argument, out _));

    [Fact]
    public void LongAddressesCarryIpv4AndIpv6()
    {
        Assert.Equal(DataAddressParse.Ok, DataAddresses.ParseLpsvReply("Entering Long Passive Mode (4,4,192,0,2,7,2,1,2)", out var v4));
        Assert.Equal("192.0.2.7", Text(v4));
        Assert.Equal(258, v4.Port);
        Assert.Equal(DataAddressParse.Ok, DataAddresses.ParseLprtArgument("6,16,32,1,13,184,0,0,0,0,0,0,0,0,0,0,0,1,2,4,1", out var v6));
        Assert.Equal("2001:db8::1", Text(v6));
        Assert.Equal(1025, v6.Port);
        Assert.Equal(DataAddressParse.Malformed, DataAddresses.ParseLprtArgument("4,4,192,0,2,7,2,1", out _));
        Assert.Equal(DataAddressParse.Malformed, DataAddresses.ParseLpsvReply("Entering Long Passive Mode (5,4,192,0,2,7,2,1,2)", out _));
    }

    [Theory]
    [InlineData("Opening BINARY mode data connection for data.bin (120000 bytes).", 120000L)]
    [InlineData("Opening BINARY mode data connection for data.bin (60000 bytes)", 60000L)]
    [InlineData("Here comes the directory listing.", null)]
    [InlineData("Accepted data connection\n1953.1 kbytes to download", null)]
    public void AnnouncedSizeComesFromTheBytesInParentheses(string text, long? size) =>
        Assert.Equal(size, DataAddresses.ParseAnnouncedSize(text));
}
