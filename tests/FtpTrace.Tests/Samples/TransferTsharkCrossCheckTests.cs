using System.Globalization;
using FtpTrace.Tests.TestSupport;

namespace FtpTrace.Tests.Samples;

/// <summary>
/// transfers.csv of every sample against tshark: each transfer command of commands.csv has exactly
/// one transfer row, and each row with a data connection carries exactly the TCP payload tshark
/// counts on that connection (tcp.len summed over its tcp.stream, segments tshark marks as
/// retransmissions left out). Every connection that is not an FTP control connection is the data
/// connection of some transfer, except in captures whose sessions went encrypted (their
/// announcements cannot be read).
/// </summary>
public sealed class TransferTsharkCrossCheckTests
{
    private static readonly HashSet<string> TransferVerbs = ["RETR", "STOR", "STOU", "APPE", "LIST", "NLST", "MLSD"];

    public static TheoryData<string> Samples() => SampleGoldenTests.Samples();

    [Theory]
    [MemberData(nameof(Samples))]
    public void TransferBytesAgreeWithTshark(string sample)
    {
        Requires.Tshark(); // skip (or, under CI, fail) before analysing when tshark is missing
        var (dir, _) = Analyze.ToCsv([sample]);
        var transfers = Analyze.ReadCsv(Path.Combine(dir, "transfers.csv"));
        var commands = Analyze.ReadCsv(Path.Combine(dir, "commands.csv"));
        var sessions = Analyze.ReadCsv(Path.Combine(dir, "sessions.csv"));

        Assert.Equal(commands.Count(c => TransferVerbs.Contains(c["command"].ToUpperInvariant())), transfers.Count);
        Assert.Equal(
            commands.Where(c => TransferVerbs.Contains(c["command"].ToUpperInvariant())).Select(c => (c["session"], c["frame"])).Order(),
            transfers.Select(t => (t["session"], t["command_frame"])).Order());

        // Payload per connection (tshark's tcp.stream + 1, our numbering), retransmissions once.
        var payload = new Dictionary<long, long>();
        var connections = new HashSet<long>();
        foreach (var line in Tshark.Fields(["-r", Path.Combine(Fixture.RepoRoot, sample), "-T", "fields",
                     "-e", "tcp.stream", "-e", "tcp.len", "-e", "tcp.analysis.retransmission"]))
        {
            long connection = long.Parse(line[0], CultureInfo.InvariantCulture) + 1;
            connections.Add(connection);
            if (line.Length > 2 && line[2].Length > 0) continue;
            payload[connection] = payload.GetValueOrDefault(connection) + long.Parse(line[1].Length == 0 ? "0" : line[1], CultureInfo.InvariantCulture);
        }

        foreach (var t in transfers.Where(t => t["data_connection"].Length > 0))
        {
            long connection = long.Parse(t["data_connection"], CultureInfo.InvariantCulture);
            Assert.True(payload.GetValueOrDefault(connection) == long.Parse(t["bytes"], CultureInfo.InvariantCulture),
                $"{sample}: {t["command"]} of session {t["session"]} (frame {t["command_frame"]}) reports {t["bytes"]} bytes on connection {connection}; tshark counts {payload.GetValueOrDefault(connection)}");
            Assert.NotEqual("", t["data_client"]);
            Assert.NotEqual("", t["data_server"]);
        }

        if (sessions.All(s => s["encrypted"] != "true"))
        {
            var control = sessions.Select(s => long.Parse(s["session"], CultureInfo.InvariantCulture)).ToHashSet();
            var data = transfers.Where(t => t["data_connection"].Length > 0).Select(t => long.Parse(t["data_connection"], CultureInfo.InvariantCulture)).ToHashSet();
            Assert.DoesNotContain(connections, c => !control.Contains(c) && !data.Contains(c));
        }
        Directory.Delete(dir, recursive: true);
    }
}
