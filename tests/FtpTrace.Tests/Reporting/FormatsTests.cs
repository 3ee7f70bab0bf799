using FtpTrace.Reporting;

namespace FtpTrace.Tests.Reporting;

public sealed class FormatsTests
{
    [Theory]
    [InlineData(1_795_615_387_123_456_789L, "2026-11-25T14:03:07.123456Z")]
    [InlineData(1_000_000_000L, "1970-01-01T00:00:01.000000Z")]
    [InlineData(0L, "")]
    [InlineData(-1L, "1969-12-31T23:59:59.999999Z")]
    [InlineData(long.MaxValue, "2262-04-11T23:47:16.854775Z")]
    [InlineData(951_782_400_000_000_999L, "2000-02-29T00:00:00.000000Z")]
    public void TimeIsIsoUtcWithMicroseconds(long ns, string expected) => Assert.Equal(expected, Formats.Time(ns));

    [Theory]
    [InlineData(1_234_567L, "1.234")]
    [InlineData(999L, "0.000")]
    [InlineData(2_000_000_000L, "2000.000")]
    [InlineData(-1_500_000L, "-1.500")]
    [InlineData(-1L, "-0.001")]
    [InlineData(-1_000L, "-0.001")]
    [InlineData(-1_001L, "-0.002")]
    [InlineData(long.MaxValue, "9223372036854.775")]
    [InlineData(long.MinValue, "-9223372036854.776")]
    public void MillisecondsHaveMicrosecondPrecision(long ns, string expected) => Assert.Equal(expected, Formats.Milliseconds(ns));

    [Fact]
    public void MillisecondsOfNothingIsEmpty() => Assert.Equal("", Formats.Milliseconds(null));
}
