using System.IO.Compression;
using System.Text;
using FtpTrace.Analysis;
using FtpTrace.Tests.TestSupport;

namespace FtpTrace.Tests.LogSources;

/// <summary>
/// A batch of a few thousand small inputs, captures and server logs mixed, some of them bad:
/// every good file is analysed, every bad one is named with its reason, none stops the batch, and
/// the result does not depend on how many run at once.
/// </summary>
public sealed class BatchOfLogsAndCapturesTests
{
    [Fact]
    public void MixedBatchReportsEveryGoodFileAndNamesEveryBadOne()
    {
        string dir = Directory.CreateTempSubdirectory("ftptrace-batch-").FullName;
        try
        {
            byte[] capture = File.ReadAllBytes(Path.Combine(Fixture.RepoRoot, "tests", "FtpTrace.Tests", "Fixtures", "Captures", "ftp_ethernet_us_le.pcap"));
            string vsftpd = string.Join('\n', File.ReadLines(Path.Combine(Fixture.RepoRoot, "samples", "logs", "vsftpd", "basic", "vsftpd.log")).Take(9)) + "\n";
            int good = 0;
            for (int i = 0; i < 3000; i++)
            {
                string sub = Path.Combine(dir, $"d{i % 10}");
                Directory.CreateDirectory(sub);
                switch (i % 6)
                {
                    case 0:
                        File.WriteAllBytes(Path.Combine(sub, $"c{i}.pcap"), capture);
                        break;
                    case 1:
                        File.WriteAllBytes(Path.Combine(sub, $"c{i}.pcap.gz"), CaptureWriter.Gzip(capture));
                        break;
                    case 2:
                        File.WriteAllText(Path.Combine(sub, $"x{i}"), $"Wed Nov 25 16:45:{i % 60:00} 2026 1 192.0.2.{i % 250} {i} /f{i}.bin b _ o r u{i % 7} ftp 0 * c\n");
                        break;
                    case 3:
                        File.WriteAllText(Path.Combine(sub, $"vsftpd{i}.log"), vsftpd);
                        break;
                    case 4:
                        using (var gz = new GZipStream(File.Create(Path.Combine(sub, $"vsftpd{i}.log.1.gz")), CompressionLevel.Fastest))
                            gz.Write(Encoding.UTF8.GetBytes(vsftpd));
                        break;
                    default:
                        // A capture cut in the middle: still analysed, with a truncated_file anomaly.
                        File.WriteAllBytes(Path.Combine(sub, $"cut{i}.pcap"), CaptureWriter.Cut(capture, capture.Length - 7));
                        break;
                }
                good++;
            }
            // Files that are neither captures nor logs are skipped and counted.
            for (int i = 0; i < 40; i++) File.WriteAllText(Path.Combine(dir, $"notes{i}.txt"), "meeting notes\nnothing to see\n");
            // A broken gzip is not recognised: skipped too.
            File.WriteAllBytes(Path.Combine(dir, "broken.log.gz"), [0x1F, 0x8B, 8, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
            // A log whose gzip stream is damaged after its first lines: recognised, then fails.
            byte[] bigLog = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat(vsftpd, 4000)));
            byte[] zipped;
            using (var ms = new MemoryStream())
            {
                using (var gz = new GZipStream(ms, CompressionLevel.Fastest, leaveOpen: true)) gz.Write(bigLog);
                zipped = ms.ToArray();
            }
            for (int k = zipped.Length / 2; k < zipped.Length / 2 + 64; k++) zipped[k] ^= 0x5A;
            string damaged = Path.Combine(dir, "damaged.log.gz");
            File.WriteAllBytes(damaged, zipped);
            string doomed = Path.Combine(dir, "deleted.log");
            File.WriteAllText(doomed, vsftpd);

            var (files, errors, skipped) = InputDiscovery.Expand([dir]);
            Assert.Empty(errors);
            Assert.Equal(41, skipped);
            Assert.Equal(good + 2, files.Count);

            // Bad inputs: deleted between discovery and reading, a directory named like a file, a text file given by name.
            File.Delete(doomed);
            string dirLikeFile = Path.Combine(dir, "dir.pcap");
            Directory.CreateDirectory(dirLikeFile);
            string notes = Path.Combine(dir, "notes0.txt");
            files.Add(new InputFile(dirLikeFile, dirLikeFile));
            files.Add(new InputFile(notes, notes));

            var failures = new List<(string Label, string Reason)>();
            var result = BatchAnalyzer.Run(files, AnalysisOptions.Default, null, parallelism: 2, (f, reason) => failures.Add((f.Label, reason)));

            Assert.Equal(new[] { damaged, doomed, dirLikeFile, notes }.Order(StringComparer.Ordinal), failures.Select(f => f.Label).Order(StringComparer.Ordinal));
            Assert.All(failures, f => Assert.False(string.IsNullOrWhiteSpace(f.Reason)));
            Assert.Contains("damaged gzip data", failures.Single(f => f.Label == damaged).Reason, StringComparison.Ordinal);
            Assert.Contains("not a capture or a supported server log", failures.Single(f => f.Label == notes).Reason, StringComparison.Ordinal);
            Assert.Equal(4, result.Failed);
            Assert.Equal(good, result.Statistics.Inputs.Files);
            // 1500 logs of one line (xferlog) or nine lines (vsftpd, 1000 of them, half compressed).
            Assert.Equal(500 + 1000 * 9, result.Statistics.Inputs.LogLines);
            // The same whatever the parallelism.
            var serial = BatchAnalyzer.Run(files, AnalysisOptions.Default, null, parallelism: 1, (_, _) => { });
            Assert.Equal(result.Statistics.Sessions, serial.Statistics.Sessions);
            Assert.Equal(result.Statistics.Inputs.Bytes, serial.Statistics.Inputs.Bytes);
            Assert.Equal(result.Failed, serial.Failed);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
