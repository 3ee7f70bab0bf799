using FtpTrace.Reassembly;

namespace FtpTrace.Tests.Reassembly;

public sealed class SegmentFingerprintTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(64)]
    [InlineData(200)]
    [InlineData(1448)]
    public void EqualBytesGiveEqualFingerprintsAndAnyChangedByteAnotherOne(int length)
    {
        byte[] data = new byte[length];
        new Random(length).NextBytes(data);
        ulong original = SegmentFingerprint.Of(data);
        Assert.Equal(original, SegmentFingerprint.Of(data.ToArray()));

        var seen = new HashSet<ulong> { original };
        for (int i = 0; i < length; i++)
        {
            byte[] changed = data.ToArray();
            changed[i] ^= (byte)(1 << (i % 8));
            Assert.True(seen.Add(SegmentFingerprint.Of(changed)), $"byte {i} changed, fingerprint repeated");
        }
    }

    [Fact]
    public void SwappedStripesAndDifferentLengthsGiveDifferentFingerprints()
    {
        byte[] data = new byte[256];
        new Random(3).NextBytes(data);
        byte[] swapped = data[64..128].Concat(data[..64]).Concat(data[128..]).ToArray();

        Assert.NotEqual(SegmentFingerprint.Of(data), SegmentFingerprint.Of(swapped));
        Assert.NotEqual(SegmentFingerprint.Of(new byte[8]), SegmentFingerprint.Of(new byte[9]));
        Assert.NotEqual(SegmentFingerprint.Of([]), SegmentFingerprint.Of(new byte[1]));
    }
}
