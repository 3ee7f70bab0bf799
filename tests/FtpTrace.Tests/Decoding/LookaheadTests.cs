using FtpTrace.Capture;
using FtpTrace.Decoding;
using FtpTrace.Diagnostics;
using FtpTrace.Flows;
using FtpTrace.Tests.TestSupport;

namespace FtpTrace.Tests.Decoding;

/// <summary>
/// The look-ahead the analyser uses to prefetch (<see cref="ManagedCaptureReader.TryPeek"/>,
/// <see cref="PacketDecoder.TryPeekTcpEndpoints"/>): only a hint, but a hint that must name the bytes and
/// the connection the packet really belongs to, or the prefetching is wasted.
/// </summary>
public sealed class LookaheadTests
{
    public static TheoryData<string> Captures() => [.. Fixture.AllCaptures().Select(p => System.IO.Path.GetRelativePath(Fixture.RepoRoot, p))];

    [Theory]
    [MemberData(nameof(Captures))]
    public void Peeked_frames_and_endpoints_are_those_the_reader_and_decoder_give_next(string capture)
    {
        string path = System.IO.Path.Combine(Fixture.RepoRoot, capture);
        using var reader = new ManagedCaptureReader(path, FtpTraceLimits.Default, NullAnomalySink.Instance);
        var decoder = new PacketDecoder(FtpTraceLimits.Default, NullAnomalySink.Instance);
        var expectedBytes = new Queue<byte[]?>();
        var expectedHash = new Queue<uint?>();
        int peeked = 0, hinted = 0;
        while (true)
        {
            // What the look-ahead says of the frame 1 and 3 ahead, before reading the next.
            byte[]? one = reader.TryPeek(1, out var bytes1, out _) ? bytes1.ToArray() : null;
            uint? three = reader.TryPeek(3, out var bytes3, out int link3) && PacketDecoder.TryPeekTcpEndpoints(link3, bytes3, out var a, out var b)
                ? FlowIndex.Hash(a, b) : null;
            expectedBytes.Enqueue(one);
            expectedHash.Enqueue(three);
            if (!reader.TryReadNext(out var frame)) break;

            byte[]? said = expectedBytes.Dequeue();
            if (said is not null)
            {
                Assert.Equal(said, frame.Data.ToArray());
                peeked++;
            }
            uint? hint = expectedHash.Count == 3 ? expectedHash.Dequeue() : null;
            if (decoder.Decode(frame, out var segment) == DecodeResult.Tcp)
            {
                if (hint is { } h)
                {
                    Assert.Equal(FlowIndex.Hash(segment.Source, segment.Destination), h);
                    hinted++;
                }
            }
            else
            {
                Assert.Null(hint);
            }
        }
        bool pcapng = File.ReadAllBytes(path).AsSpan(0, 4).SequenceEqual(new byte[] { 0x0A, 0x0D, 0x0D, 0x0A });
        if (pcapng)
        {
            Assert.Equal(0, peeked); // classic pcap only
        }
        else
        {
            Assert.True(peeked > 0, "no frame peeked");
            // The hint covers plain Ethernet (one VLAN tag at most) and raw IP, as the real captures in
            // samples/ are; the crafted fixtures with other link layers (QinQ, SLL, NULL...) only check
            // that every hint given is right.
            if (capture.StartsWith("samples", StringComparison.Ordinal)) Assert.True(hinted > 0, "no hint on a real capture");
        }
    }
}
