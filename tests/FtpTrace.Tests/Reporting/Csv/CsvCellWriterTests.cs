using System.Globalization;
using CsvHelper;
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
    ];

    // Every cell in every position (first, middle, last) of a row, so the delimiter before a
    // quoted cell written piece by piece is checked too.
    public static TheoryData<int> Positions => new() { 0, 1, 2 };

    [Theory]
    [MemberData(nameof(Positions))]
    public void WritesExactlyWhatCsvWriterWrites(int position)
    {
        string ours = Write(position, (csv, cell) => new CsvRowCells((CsvCellWriter)csv).Text(cell), ownWriter: true);
        string theirs = Write(position, (csv, cell) =>
        {
            string text = cell ?? "";
            csv.WriteField(text, text.AsSpan().IndexOfAny(",\"\r\n") >= 0);
        }, ownWriter: false);
        Assert.Equal(theirs, ours);
    }

    [Theory]
    [MemberData(nameof(Positions))]
    public void RowsReadBackAsWritten(int position)
    {
        string csvText = Write(position, (csv, cell) => new CsvRowCells((CsvCellWriter)csv).Text(cell), ownWriter: true);
        using var reader = new CsvReader(new StringReader(csvText), CultureInfo.InvariantCulture);
        foreach (string? cell in Cells)
        {
            Assert.True(reader.Read());
            Assert.Equal(3, reader.Parser.Count);
            Assert.Equal(cell ?? "", reader.GetField(position));
            for (int i = 0; i < 3; i++)
            {
                if (i != position) Assert.Equal("x", reader.GetField(i));
            }
        }
        Assert.False(reader.Read());
    }

    private static string Write(int position, Action<CsvWriter, string?> writeCell, bool ownWriter)
    {
        var text = new StringWriter(CultureInfo.InvariantCulture);
        using (CsvWriter csv = ownWriter
            ? new CsvCellWriter(text, CsvReportWriter.Config, leaveOpen: true)
            : new CsvWriter(text, CsvReportWriter.Config, leaveOpen: true))
        {
            foreach (string? cell in Cells)
            {
                for (int i = 0; i < 3; i++)
                {
                    if (i == position) writeCell(csv, cell);
                    else csv.WriteField("x", false);
                }
                csv.NextRecord();
            }
        }
        return text.ToString();
    }
}
