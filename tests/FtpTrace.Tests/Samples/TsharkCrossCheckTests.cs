using FtpTrace.Tests.TestSupport;

namespace FtpTrace.Tests.Samples;

/// <summary>
/// A second oracle for the samples: tshark's FTP dissector. tshark dissects one reply and one
/// command per packet (the first line of the packet), so the comparison is per frame: every frame
/// where tshark sees a reply code or a command must hold the start of a reply (same code) or a
/// command (same verb and argument) in our reports, and every reply or command we report must
/// start in a frame where tshark sees the same, except frames tshark cannot see as FTP (after
/// AUTH TLS, non-standard ports it is not told about, a second message in the same frame).
/// </summary>
public sealed class TsharkCrossCheckTests
{
    public static TheoryData<string> Samples() => SampleGoldenTests.Samples();

    [Theory]
    [MemberData(nameof(Samples))]
    public void RepliesAndCommandsAgreeWithTshark(string sample)
    {
        Requires.Tshark(); // skip (or, under CI, fail) before analysing when tshark is missing
        var (dir, _) = Analyze.ToCsv([sample], showPasswords: true);
        var replies = Analyze.ReadCsv(Path.Combine(dir, "replies.csv"));
        var commands = Analyze.ReadCsv(Path.Combine(dir, "commands.csv"));

        // Tell tshark about every server port we found FTP on (it only knows port 21 by itself).
        var ports = Analyze.ReadCsv(Path.Combine(dir, "sessions.csv"))
            .Select(s => s["server"][(s["server"].LastIndexOf(':') + 1)..]).Where(p => p != "21").Distinct().ToList();
        var decodeAs = ports.SelectMany(p => new[] { "-d", $"tcp.port=={p},ftp" }).ToList();
        string path = Path.Combine(Fixture.RepoRoot, sample);

        var tsReplies = Tshark.Fields([.. decodeAs, "-r", path, "-Y", "ftp.response.code", "-T", "fields", "-e", "frame.number", "-e", "ftp.response.code", "-e", "tcp.stream"]);
        var tsCommands = Tshark.Fields([.. decodeAs, "-r", path, "-Y", "ftp.request.command", "-T", "fields", "-e", "frame.number", "-e", "ftp.request.command", "-e", "ftp.request.arg", "-e", "tcp.stream"]);

        // Frames where a reply of ours starts, with the first reply's code; frames covered by a multi-line reply.
        var ourReplyFrames = replies.GroupBy(r => r["frame"]).ToDictionary(g => g.Key, g => g.First()["code"]);
        var covered = new HashSet<long>();
        foreach (var r in replies)
            for (long f = long.Parse(r["frame"]); f <= long.Parse(r["end_frame"]); f++) covered.Add(f);
        // Per session (tshark's tcp.stream + 1): the frame from which the control connection is TLS.
        var encryptedFrom = Analyze.ReadCsv(Path.Combine(dir, "sessions.csv"))
            .Where(s => s["encrypted_from_frame"] != "")
            .ToDictionary(s => long.Parse(s["session"]), s => long.Parse(s["encrypted_from_frame"]));
        bool Encrypted(string frame, string stream) =>
            encryptedFrom.TryGetValue(long.Parse(stream) + 1, out long from) && long.Parse(frame) > from;

        foreach (var line in tsReplies)
        {
            var (frame, code) = (line[0], line[1].Split(',')[0]);
            if (Encrypted(frame, line[^1])) continue; // TLS records tshark may misread
            if (ourReplyFrames.TryGetValue(frame, out var ours)) Assert.Equal(code, ours);
            else Assert.True(covered.Contains(long.Parse(frame)), $"{sample}: tshark sees reply {code} in frame {frame}; we report no reply there");
        }
        var tsReplyFrames = tsReplies.Select(l => l[0]).ToHashSet();
        foreach (var (frame, code) in ourReplyFrames)
            Assert.True(tsReplyFrames.Contains(frame), $"{sample}: we report reply {code} starting in frame {frame}; tshark sees none there");

        var ourCommandFrames = commands.GroupBy(c => c["frame"]).ToDictionary(g => g.Key, g => g.First());
        foreach (var line in tsCommands)
        {
            string frame = line[0];
            if (Encrypted(frame, line[^1])) continue; // TLS records tshark reads as commands
            // tshark shows the Telnet bytes clients send before ABOR (IAC IP, IAC DM) as a command of
            // their own; FtpTrace interprets and removes them, as RFC 959 asks.
            if (line[1].Length == 0 || !line[1].All(char.IsAsciiLetter)) continue;
            Assert.True(ourCommandFrames.TryGetValue(frame, out var ours), $"{sample}: tshark sees command {line[1]} in frame {frame}; we report none there");
            Assert.Equal(line[1], ours!["command"]);
            Assert.Equal(line[2], ours["argument"]);
        }
        var tsCommandFrames = tsCommands.Select(l => l[0]).ToHashSet();
        foreach (var (frame, c) in ourCommandFrames)
            Assert.True(tsCommandFrames.Contains(frame), $"{sample}: we report command {c["command"]} in frame {frame}; tshark sees none there");
        Directory.Delete(dir, recursive: true);
    }
}
