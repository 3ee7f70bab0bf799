using System.Text;
using FtpTrace.Diagnostics;
using FtpTrace.Protocol;

namespace FtpTrace.Tests.Protocol;

/// <summary>Collects what a parser emits, in order.</summary>
internal sealed class RecordingHandler : IFtpMessageHandler
{
    public List<object> Events { get; } = [];

    public IEnumerable<FtpCommand> Commands => Events.OfType<FtpCommand>();

    public IEnumerable<FtpReply> Replies => Events.OfType<FtpReply>();

    public void OnCommand(FtpCommand command) => Events.Add(command);

    public void OnReply(FtpReply reply) => Events.Add(reply);
}

/// <summary>A parser with its handler and anomaly collector.</summary>
internal sealed class ParserHarness
{
    public ParserHarness(FtpParserRole role, FtpTraceLimits? limits = null)
    {
        Parser = new FtpControlParser(role, limits ?? FtpTraceLimits.Default, Handler, Anomalies, connectionId: 42);
    }

    public RecordingHandler Handler { get; } = new();

    public AnomalyCollector Anomalies { get; } = new();

    public FtpControlParser Parser { get; }

    public List<object> Events => Handler.Events;

    public IEnumerable<AnomalyKind> Kinds => Anomalies.Items.Select(a => a.Kind);

    public ParserHarness Feed(string latin1, long frame = 1, long timeNs = 10)
    {
        Parser.Feed(FtpBytes.Of(latin1), frame, timeNs);
        return this;
    }

    public ParserHarness Finish(long frame = 1, long timeNs = 10)
    {
        Parser.Finish(frame, timeNs);
        return this;
    }

    /// <summary>
    /// Feeds <paramref name="pieces"/> in order, all with frame 1, with a gap of <paramref name="gapLength"/>
    /// bytes at each offset of <paramref name="gapsAt"/> (offsets in the concatenated pieces), then finishes.
    /// </summary>
    public static ParserHarness Run(FtpParserRole role, IEnumerable<byte[]> pieces, FtpTraceLimits? limits = null, bool finish = true,
        IReadOnlyList<int>? gapsAt = null, int gapLength = 7)
    {
        var h = new ParserHarness(role, limits);
        gapsAt ??= [];
        long position = 0;
        int next = 0;
        foreach (byte[] piece in pieces)
        {
            int start = 0;
            while (next < gapsAt.Count && gapsAt[next] <= position + piece.Length)
            {
                int cut = (int)(gapsAt[next] - position);
                if (cut > start) h.Parser.Feed(piece.AsSpan(start, cut - start), 1, 10);
                h.Parser.OnGap(gapLength, 1, 10);
                start = cut;
                next++;
            }
            h.Parser.Feed(piece.AsSpan(start), 1, 10);
            position += piece.Length;
        }
        for (; next < gapsAt.Count; next++) h.Parser.OnGap(gapLength, 1, 10);
        if (finish) h.Parser.Finish(1, 10);
        return h;
    }
}

internal static class FtpBytes
{
    /// <summary>One byte per char (Latin-1), so "\u00FF" is the byte 0xFF. Write UTF-8 text as its bytes.</summary>
    public static byte[] Of(string latin1) => Encoding.Latin1.GetBytes(latin1);

    public static IEnumerable<byte[]> OneByteAtATime(byte[] data) => data.Select(b => new[] { b });

    public static IEnumerable<byte[]> Split(byte[] data, params int[] cuts)
    {
        int start = 0;
        foreach (int cut in cuts)
        {
            yield return data[start..cut];
            start = cut;
        }
        yield return data[start..];
    }
}
