using FtpTrace.Protocol;

namespace FtpTrace.Tests.Protocol;

public sealed class FtpLineReaderTests
{
    private static readonly byte[] Buffer = new byte[64];

    [Theory]
    [InlineData("U")]
    [InlineData("USER")]
    [InlineData("USER a")]
    [InlineData("USER a\r")]
    public void ReadReturnsFalseWhenTerminatorMissing(string prefix)
    {
        byte[] data = FtpBytes.Of(prefix);
        var reader = new FtpLineReader(data, Buffer, isFinalBlock: false, default, 1, 10);
        Assert.False(reader.Read());
        Assert.Equal(data.Length, reader.BytesConsumed);
        Assert.True(reader.CurrentState.HasPartialLine);
        Assert.Equal(data.Length, reader.CurrentState.StreamOffset);
    }

    [Fact]
    public void LineInsideOneChunkIsReadInPlace()
    {
        byte[] data = FtpBytes.Of("NOOP\r\nQUIT\r\n");
        var reader = new FtpLineReader(data, Buffer, isFinalBlock: false, default, 1, 10);
        Assert.True(reader.Read());
        Assert.Equal(FtpLineTokenType.Line, reader.TokenType);
        Assert.Equal("NOOP"u8.ToArray(), reader.Line.Content.ToArray());
        Assert.Equal(FtpLineEnding.CrLf, reader.Line.Ending);
        Assert.True(reader.Line.Content.Overlaps(data));
        Assert.True(reader.Read());
        Assert.Equal("QUIT"u8.ToArray(), reader.Line.Content.ToArray());
        Assert.False(reader.Read());
        Assert.Equal(2, reader.CurrentState.LineNumber);
        Assert.False(reader.CurrentState.HasPartialLine);
    }

    [Fact]
    public void PartialLineResumesFromTheStateInTheNextChunk()
    {
        byte[] buffer = new byte[64];
        var first = new FtpLineReader(FtpBytes.Of("RETR fi"), buffer, false, default, 1, 10);
        Assert.False(first.Read());
        FtpLineState state = first.CurrentState;
        Assert.Equal(7, state.BufferedBytes);

        var second = new FtpLineReader(FtpBytes.Of("le.txt\r"), buffer, false, state, 2, 20);
        Assert.False(second.Read());
        state = second.CurrentState;

        var third = new FtpLineReader(FtpBytes.Of("\n"), buffer, false, state, 3, 30);
        Assert.True(third.Read());
        Assert.Equal("RETR file.txt"u8.ToArray(), third.Line.Content.ToArray());
        Assert.Equal(FtpLineEnding.CrLf, third.Line.Ending);
        Assert.Equal((1L, 10L, 3L, 30L), (third.Line.Frame, third.Line.TimeNs, third.Line.EndFrame, third.Line.EndTimeNs));
    }

    [Theory]
    [InlineData("a\nb", FtpLineEnding.Lf)]
    [InlineData("a\rb", FtpLineEnding.Cr)]
    [InlineData("a\r\0b", FtpLineEnding.CrNul)]
    [InlineData("a\r\nb", FtpLineEnding.CrLf)]
    public void LineEndingIsReported(string text, FtpLineEnding expected)
    {
        var reader = new FtpLineReader(FtpBytes.Of(text), Buffer, false, default, 1, 10);
        Assert.True(reader.Read());
        Assert.Equal("a"u8.ToArray(), reader.Line.Content.ToArray());
        Assert.Equal(expected, reader.Line.Ending);
        Assert.False(reader.Read());
        Assert.Equal(1, reader.CurrentState.BufferedBytes);
    }

    [Fact]
    public void FinalBlockDeliversThePartialLine()
    {
        var reader = new FtpLineReader(FtpBytes.Of("QUIT"), Buffer, isFinalBlock: true, default, 1, 10);
        Assert.True(reader.Read());
        Assert.Equal(FtpLineEnding.EndOfStream, reader.Line.Ending);
        Assert.Equal("QUIT"u8.ToArray(), reader.Line.Content.ToArray());
        Assert.False(reader.Read());
        Assert.False(reader.CurrentState.HasPartialLine);
    }

    [Fact]
    public void LineLongerThanTheBufferIsTruncatedAndTheRestSkipped()
    {
        byte[] small = new byte[4];
        var reader = new FtpLineReader(FtpBytes.Of("ABCDEFG\r\nHI\r\n"), small, false, default, 1, 10);
        Assert.True(reader.Read());
        Assert.Equal(FtpLineEnding.Truncated, reader.Line.Ending);
        Assert.Equal("ABCD"u8.ToArray(), reader.Line.Content.ToArray());
        Assert.True(reader.Read());
        Assert.Equal("HI"u8.ToArray(), reader.Line.Content.ToArray());
        Assert.False(reader.Read());
        Assert.Equal(3, reader.CurrentState.SkippedBytes);
    }

    [Fact]
    public void TelnetCommandsAreRemovedFromTheLine()
    {
        var reader = new FtpLineReader(FtpBytes.Of("\u00FF\u00F4\u00FF\u00F2AB\u00FF\u00FFOR\r\n"), Buffer, false, default, 1, 10);
        Assert.True(reader.Read());
        Assert.Equal("AB\u00FFOR", System.Text.Encoding.Latin1.GetString(reader.Line.Content));
        Assert.False(reader.Read());
        Assert.Equal(2, reader.CurrentState.TelnetCommands);
    }

    [Fact]
    public void InvalidTelnetCommandIsATokenBeforeTheLine()
    {
        var reader = new FtpLineReader(FtpBytes.Of("A\u00FF\u0001\r\n"), Buffer, false, default, 1, 10);
        Assert.True(reader.Read());
        Assert.Equal(FtpLineTokenType.TelnetError, reader.TokenType);
        Assert.Equal(FtpTelnetError.InvalidCommand, reader.TelnetError);
        Assert.Equal(0x01, reader.TelnetErrorByte);
        Assert.True(reader.Read());
        Assert.Equal("A\u00FF\u0001", System.Text.Encoding.Latin1.GetString(reader.Line.Content));
    }

    [Fact]
    public void LineEndedByCarriageReturnBeforeAGapIsTaken()
    {
        byte[] buffer = new byte[64];
        var reader = new FtpLineReader(FtpBytes.Of("PWD\r"), buffer, false, default, 1, 10);
        Assert.False(reader.Read());
        FtpLineState state = reader.CurrentState;
        Assert.True(FtpLineReader.TryTakeLineBeforeGap(ref state, buffer, 5, out FtpLine line, out bool dropped));
        Assert.False(dropped);
        Assert.Equal("PWD"u8.ToArray(), line.Content.ToArray());
        Assert.Equal(FtpLineEnding.CrBeforeGap, line.Ending);
        Assert.True(state.IsResynchronising);
        Assert.Equal(9, state.StreamOffset);
    }

    [Theory]
    [InlineData(FtpLineStart.Unknown, "230 ok\r\n200 fine\r\n", "200 fine")]
    [InlineData(FtpLineStart.Reply, "230 ok\r\n200 fine\r\n", "230 ok")]
    [InlineData(FtpLineStart.Reply, "ogin ok\r\n200 fine\r\n", "200 fine")]
    [InlineData(FtpLineStart.Command, "PWD\r\nSYST\r\n", "PWD")]
    [InlineData(FtpLineStart.Command, "d\r\nSYST\r\n", "SYST")]
    public void AfterAGapTheReaderResumesAtOnceOnlyWhenTheBytesBeginALine(FtpLineStart lineStart, string afterGap, string firstLine)
    {
        byte[] buffer = new byte[64];
        FtpLineState state = new(lineStart);
        Assert.False(FtpLineReader.TryTakeLineBeforeGap(ref state, buffer, 5, out _, out _));
        Assert.Equal(lineStart != FtpLineStart.Unknown, state.IsCheckingLineStart);
        var reader = new FtpLineReader(FtpBytes.Of(afterGap), buffer, false, state, 2, 20);
        Assert.True(reader.Read());
        Assert.Equal(firstLine, System.Text.Encoding.Latin1.GetString(reader.Line.Content));
    }

    [Fact]
    public void BytesCheckedAfterAGapAndCutByAnotherAreSkippedNotDropped()
    {
        byte[] buffer = new byte[64];
        FtpLineState state = new(FtpLineStart.Reply);
        FtpLineReader.TryTakeLineBeforeGap(ref state, buffer, 5, out _, out _);
        var reader = new FtpLineReader(FtpBytes.Of("22"), buffer, false, state, 2, 20);
        Assert.False(reader.Read());
        state = reader.CurrentState;
        Assert.False(FtpLineReader.TryTakeLineBeforeGap(ref state, buffer, 5, out _, out bool dropped));
        Assert.False(dropped);
        Assert.Equal(2, state.SkippedBytes);
        Assert.Equal(0, state.BufferedBytes);
    }

    [Fact]
    public void PartialLineBeforeAGapIsDropped()
    {
        byte[] buffer = new byte[64];
        var reader = new FtpLineReader(FtpBytes.Of("PW"), buffer, false, default, 1, 10);
        Assert.False(reader.Read());
        FtpLineState state = reader.CurrentState;
        Assert.False(FtpLineReader.TryTakeLineBeforeGap(ref state, buffer, 5, out _, out bool dropped));
        Assert.True(dropped);
        Assert.Equal(0, state.BufferedBytes);
    }
}
