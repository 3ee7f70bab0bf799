using FtpTrace.Diagnostics;

namespace FtpTrace.Tests.Protocol;

/// <summary>
/// The parser's central promise: the same bytes give the same commands, replies and anomalies however
/// they are cut into chunks (all pieces carry frame 1 here, so the frame numbers must agree too),
/// gaps included: the decision to resume right after a gap does not depend on the chunking either.
/// </summary>
public sealed class FtpControlParserChunkingTests
{
    public static TheoryData<string> Transcripts() => FtpTranscripts.Names();

    private static (List<object> Events, List<Anomaly> Anomalies) Parse(string name, IEnumerable<byte[]> pieces)
    {
        FtpTranscripts.Transcript t = FtpTranscripts.All[name];
        ParserHarness h = ParserHarness.Run(t.Role, pieces, t.Limits, gapsAt: t.GapsAt, gapLength: FtpTranscripts.GapLength);
        return (h.Events, h.Anomalies.Items.ToList());
    }

    private static (List<object> Events, List<Anomaly> Anomalies) Whole(string name, out byte[] data)
    {
        data = FtpBytes.Of(FtpTranscripts.All[name].Bytes);
        var whole = Parse(name, [data]);
        Assert.NotEmpty(whole.Events);
        return whole;
    }

    [Theory]
    [MemberData(nameof(Transcripts))]
    public void TwoPiecesCutAtEveryOffsetGiveTheSameEvents(string name)
    {
        var whole = Whole(name, out byte[] data);
        for (int cut = 0; cut <= data.Length; cut++)
        {
            var split = Parse(name, FtpBytes.Split(data, cut));
            Assert.True(whole.Events.SequenceEqual(split.Events), $"events differ when cut at {cut}");
            Assert.True(whole.Anomalies.SequenceEqual(split.Anomalies), $"anomalies differ when cut at {cut}");
        }
    }

    [Theory]
    [MemberData(nameof(Transcripts))]
    public void ThreePiecesCutAtEveryPairOfOffsetsGiveTheSameEvents(string name)
    {
        var whole = Whole(name, out byte[] data);
        int step = data.Length > 150 ? 7 : 1;
        for (int first = 0; first <= data.Length; first++)
        {
            for (int second = first; second <= data.Length; second += step)
            {
                var split = Parse(name, FtpBytes.Split(data, first, second));
                Assert.True(whole.Events.SequenceEqual(split.Events), $"events differ when cut at {first} and {second}");
                Assert.True(whole.Anomalies.SequenceEqual(split.Anomalies), $"anomalies differ when cut at {first} and {second}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Transcripts))]
    public void OneByteAtATimeGivesTheSameEvents(string name)
    {
        var whole = Whole(name, out byte[] data);
        var split = Parse(name, FtpBytes.OneByteAtATime(data));
        Assert.Equal(whole.Events, split.Events);
        Assert.Equal(whole.Anomalies, split.Anomalies);
    }

    [Fact]
    public void EmptyChunksChangeNothing()
    {
        var whole = Whole("TelnetNegotiation", out byte[] data);
        var pieces = new List<byte[]>();
        foreach (byte[] b in FtpBytes.OneByteAtATime(data))
        {
            pieces.Add([]);
            pieces.Add(b);
        }
        var split = Parse("TelnetNegotiation", pieces);
        Assert.Equal(whole.Events, split.Events);
        Assert.Equal(whole.Anomalies, split.Anomalies);
    }
}
