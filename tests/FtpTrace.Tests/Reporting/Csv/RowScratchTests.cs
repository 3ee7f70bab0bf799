using System.Globalization;
using FtpTrace.Reporting.Csv;

namespace FtpTrace.Tests.Reporting.Csv;

public sealed class RowScratchTests
{
    [Fact]
    public void OneStringPerLengthIsReused()
    {
        var scratch = new RowScratch();
        string first = scratch.Hold("12345");
        Assert.Equal("12345", first);
        string second = scratch.Hold("67890");
        Assert.Same(first, second);
        Assert.Equal("67890", second);
        Assert.NotSame(second, scratch.Hold("123456"));
        Assert.Same("", scratch.Hold(""));
        string longer = new('7', RowScratch.MaxLength + 1);
        string held = scratch.Hold(longer);
        Assert.Equal(longer, held);
        Assert.NotSame(held, scratch.Hold(longer));
    }

    // The reason the scratch strings are safe: CsvWriter copies a row before WriteToBuffer returns.
    // Rows of the same length all go through the same scratch string and must still each keep their own values.
    [Fact]
    public void CsvWriterKeepsEveryRowItWasGiven()
    {
        var text = new StringWriter(CultureInfo.InvariantCulture);
        long[] frames = [100_000, 200_000, 300_000];
        long[] times = [1_795_615_387_123_456_789L, 1_795_615_388_000_000_000L, 1_795_615_389_654_321_000L];
        long?[] latencies = [1_234_567, null, 9_876_543];
        using (var csv = new CsvCellWriter(text, CsvReportWriter.Config, leaveOpen: true))
        {
            Assert.True(csv.WritesWholeRows);
            for (int i = 0; i < frames.Length; i++)
            {
                new CsvRowCells(csv).Number(frames[i]).Time(times[i]).Milliseconds(latencies[i])
                    .Number(frames[i] + 1).Number(i).Time(0).End();
            }
        }
        Assert.Equal(
            "100000,2026-11-25T14:03:07.123456Z,1.234,100001,0,\r\n" +
            "200000,2026-11-25T14:03:08.000000Z,,200001,1,\r\n" +
            "300000,2026-11-25T14:03:09.654321Z,9.876,300001,2,\r\n",
            text.ToString());
    }

    [Theory]
    [InlineData(0L, "0")]
    [InlineData(1023L, "1023")]
    [InlineData(1024L, "1024")]
    [InlineData(-5L, "-5")]
    [InlineData(long.MinValue, "-9223372036854775808")]
    [InlineData(long.MaxValue, "9223372036854775807")]
    public void NumbersAreWrittenInInvariantForm(long value, string expected)
    {
        var text = new StringWriter(CultureInfo.InvariantCulture);
        using (var csv = new CsvCellWriter(text, CsvReportWriter.Config, leaveOpen: true))
        {
            new CsvRowCells(csv).Number(value).Number((long?)null).End();
        }
        Assert.Equal(expected + ",\r\n", text.ToString());
    }
}
