using System.Globalization;
using CsvHelper;
using CsvHelper.Configuration;
using FtpTrace.Reporting;
using FtpTrace.Reporting.Csv;

namespace FtpTrace.Tests.Reporting.Csv;

public sealed class CsvCellWriterTests
{
    private static readonly string?[] Cells =
    [
        "Transfer complete.",
        "Entering Passive Mode (127,0,0,1,195,80).",
        "Features:\nMDTM\nSIZE\nEnd",
        "line one\r\nline two",
        "\"/home/user\" is the current directory.",
        "\"",
        "a \"quoted\" word, and a comma",
        "",
        null,
        ",",
        "\r",
        "=cmd|' /C calc'!A0",
        "  padded, on both sides  ",
        new string('x', RowScratch.MaxLength + 10),
        "\"" + new string(',', RowScratch.MaxLength) + "\"",
    ];

    // Every cell in every position (first, middle, last) of a row, so the delimiter before a
    // cell and the quotes around it are checked in each place.
    public static TheoryData<int> Positions => new() { 0, 1, 2 };

    [Theory]
    [MemberData(nameof(Positions))]
    public void WritesExactlyWhatCsvWriterWrites(int position)
    {
        string ours = WriteOurs(CsvReportWriter.Config, position);
        string theirs = WriteTheirs(CsvReportWriter.Config, position);
        Assert.Equal(theirs, ours);
    }

    [Theory]
    [MemberData(nameof(Positions))]
    public void RowsReadBackAsWritten(int position)
    {
        string csvText = WriteOurs(CsvReportWriter.Config, position);
        using var reader = new CsvReader(new StringReader(csvText), CultureInfo.InvariantCulture);
        foreach (string? cell in Cells)
        {
            Assert.True(reader.Read());
            Assert.Equal(6, reader.Parser.Count);
            Assert.Equal(cell ?? "", reader.GetField(position));
            for (int i = 0; i < 3; i++)
            {
                if (i != position) Assert.Equal("x", reader.GetField(i));
            }
            Assert.Equal("-42", reader.GetField(3));
            Assert.Equal("2026-11-25T14:03:07.123456Z", reader.GetField(4));
            Assert.Equal("1.234", reader.GetField(5));
        }
        Assert.False(reader.Read());
    }

    // Any configuration other than the reports' own goes field by field through CsvWriter, so its
    // delimiter, quoting and injection handling apply.
    [Theory]
    [InlineData(";", InjectionOptions.None, TrimOptions.None)]
    [InlineData(",", InjectionOptions.Escape, TrimOptions.None)]
    [InlineData(",", InjectionOptions.None, TrimOptions.Trim)]
    public void OtherConfigurationsAreCsvWritersOwn(string delimiter, InjectionOptions injection, TrimOptions trim)
    {
        var config = new CsvConfiguration(CultureInfo.InvariantCulture)
        {
            Delimiter = delimiter,
            NewLine = "\r\n",
            Mode = CsvMode.RFC4180,
            InjectionOptions = injection,
            TrimOptions = trim,
        };
        using (var probe = new CsvCellWriter(new StringWriter(CultureInfo.InvariantCulture), config))
        {
            Assert.False(probe.WritesWholeRows);
        }
        for (int position = 0; position < 3; position++)
        {
            Assert.Equal(WriteTheirs(config, position), WriteOurs(config, position));
        }
    }

    private const long Number = -42;
    private const long Time = 1_795_615_387_123_456_789L;
    private const long Latency = 1_234_567;

    private static string WriteOurs(IWriterConfiguration config, int position)
    {
        var text = new StringWriter(CultureInfo.InvariantCulture);
        using (var csv = new CsvCellWriter(text, config, leaveOpen: true))
        {
            foreach (string? cell in Cells)
            {
                var row = new CsvRowCells(csv);
                for (int i = 0; i < 3; i++) row = i == position ? row.Text(cell) : row.Plain("x");
                row.Number(Number).Time(Time).Milliseconds(Latency).End();
            }
        }
        return text.ToString();
    }

    // The same rows, field by field, the way CsvWriter writes them on its own.
    private static string WriteTheirs(IWriterConfiguration config, int position)
    {
        var text = new StringWriter(CultureInfo.InvariantCulture);
        using (var csv = new CsvWriter(text, config, leaveOpen: true))
        {
            foreach (string? cell in Cells)
            {
                for (int i = 0; i < 3; i++)
                {
                    string field = i == position ? cell ?? "" : "x";
                    csv.WriteField(field, field.AsSpan().IndexOfAny(",\"\r\n") >= 0);
                }
                csv.WriteField(Number.ToString(CultureInfo.InvariantCulture), false);
                csv.WriteField(Formats.Time(Time), false);
                csv.WriteField(Formats.Milliseconds(Latency), false);
                csv.NextRecord();
            }
        }
        return text.ToString();
    }
}
