using FtpTrace.Capture;
using FtpTrace.Diagnostics;
using FtpTrace.LogSources;
using FtpTrace.Reporting;
using FtpTrace.Reporting.Csv;
using FtpTrace.Reporting.Statistics;
using FtpTrace.Sessions;

namespace FtpTrace.Analysis;

/// <summary>What became of a batch.</summary>
/// <param name="Statistics">The figures of every input that could be read, merged in input order.</param>
/// <param name="Failed">Inputs that could not be read.</param>
public sealed record BatchResult(RunStatistics Statistics, int Failed);

/// <summary>
/// Analyses a list of inputs, several at a time when there are several, and reports them in input
/// order whatever order they finish in: each input's CSV rows go to a part of their own that is
/// appended once every input before it is done; statistics merge in the same order; errors are
/// told in the same order. One unreadable input never stops the others.
/// </summary>
public static class BatchAnalyzer
{
    /// <param name="files">The inputs, in the order the reports list them.</param>
    /// <param name="options">Analysis options.</param>
    /// <param name="csv">The CSV reports to fill, or null.</param>
    /// <param name="parallelism">How many inputs to analyse at once (1 = one after another).</param>
    /// <param name="onError">Told, in input order, of each input that could not be read and why.</param>
    /// <param name="onBytes">Told of bytes read as they are read (from any thread).</param>
    /// <param name="onFileDone">Told each time an input is finished, read or not (from any thread).</param>
    public static BatchResult Run(IReadOnlyList<InputFile> files, AnalysisOptions options, CsvReportWriter? csv, int parallelism,
        Action<InputFile, string> onError, Action<long>? onBytes = null, Action? onFileDone = null)
    {
        ArgumentNullException.ThrowIfNull(files);
        ArgumentNullException.ThrowIfNull(onError);
        var total = new RunStatistics();
        int failed = 0;

        if (parallelism <= 1 || files.Count <= 1)
        {
            foreach (var file in files)
            {
                var outcome = AnalyzeOne(file, options, csv?.ForInput(file.Label), onBytes, backgroundReports: true);
                onFileDone?.Invoke();
                failed += Commit(total, file, outcome, onError);
            }
            return new BatchResult(total, failed);
        }

        var outcomes = new Outcome?[files.Count];
        var parts = new CsvPart?[files.Count];
        int next = 0;
        var gate = new object();
        Parallel.For(0, files.Count, new ParallelOptions { MaxDegreeOfParallelism = parallelism }, i =>
        {
            parts[i] = csv?.CreatePart(files[i].Label, i);
            outcomes[i] = AnalyzeOne(files[i], options, parts[i]?.Sink, onBytes, backgroundReports: false);
            onFileDone?.Invoke();
            lock (gate)
            {
                while (next < files.Count && outcomes[next] is { } done)
                {
                    if (parts[next] is { } part)
                    {
                        if (done.Error is null) csv!.Append(part);
                        else CsvReportWriter.Discard(part);
                    }
                    failed += Commit(total, files[next], done, onError);
                    outcomes[next] = null;
                    parts[next] = null;
                    next++;
                }
            }
        });
        return new BatchResult(total, failed);
    }

    private sealed record Outcome(RunStatistics Statistics, string? Error);

    private static int Commit(RunStatistics total, InputFile file, Outcome outcome, Action<InputFile, string> onError)
    {
        if (outcome.Error is { } reason)
        {
            onError(file, reason);
            total.Inputs.FilesFailed++;
            return 1;
        }
        total.Merge(outcome.Statistics);
        return 0;
    }

    /// <param name="backgroundReports">
    /// Make the reports (statistics, CSV rows) on a thread of their own, in the order the analysis
    /// produces their events, and read and decode a large capture ahead on another: the second
    /// core's work when inputs are analysed one at a time. When several are analysed at once the
    /// cores are busy already, and all of it runs in line.
    /// </param>
    private static Outcome AnalyzeOne(InputFile file, AnalysisOptions options, CsvInputSink? csvSink, Action<long>? onBytes, bool backgroundReports)
    {
        var stats = new RunStatistics();
        var reportSessionSinks = new List<IFtpSessionSink> { stats };
        var reportAnomalySinks = new List<IAnomalySink> { stats };
        if (csvSink is not null)
        {
            reportSessionSinks.Add(csvSink);
            reportAnomalySinks.Add(csvSink);
        }
        var reportSessions = new SessionSinkFanout(reportSessionSinks);
        var reportAnomalies = new AnomalySinkFanout(reportAnomalySinks);
        using var background = backgroundReports ? new BackgroundSink(reportSessions, reportAnomalies) : null;
        // The session layer's own bookkeeping (anomaly counts per session) stays on the analysis thread.
        var anomalies = new SessionAnomalyRouter(background ?? (IAnomalySink)reportAnomalies);
        var sessionSinks = new List<IFtpSessionSink> { anomalies, background ?? (IFtpSessionSink)reportSessions };

        long reported = 0;
        void Progress(long position)
        {
            if (onBytes is null) return;
            onBytes(position - reported);
            reported = position;
        }

        try
        {
            // Dispatch by content: a capture (pcap/pcapng magic, also inside gzip), else a server log.
            if (file.Path == CaptureReaders.StandardInput || CaptureReaders.LooksLikeCapture(file.Path))
            {
                using var reader = CaptureReaders.Open(file.Path, options.Reader, options.Limits, anomalies, decodeAhead: backgroundReports);
                CaptureAnalyzer.Analyze(reader, file.Label, options, new SessionSinkFanout(sessionSinks), anomalies, stats.Inputs, Progress,
                    decodeAhead: backgroundReports);
            }
            else
            {
                LogAnalyzer.Analyze(file.Path, file.Label, options.Limits, options.Logs, new SessionSinkFanout(sessionSinks), anomalies, stats.Inputs, Progress);
            }
            background?.Complete();
            return new Outcome(stats, null);
        }
        catch (CaptureFileException e)
        {
            return new Outcome(stats, e.Reason);
        }
        catch (IOException e)
        {
            // The file went away or failed while being read: what was read is lost with the rest of it.
            return new Outcome(stats, e.Message);
        }
        catch (UnauthorizedAccessException e)
        {
            // Not readable (permissions, or a directory where a file was expected).
            return new Outcome(stats, e.Message);
        }
        catch (InvalidDataException e)
        {
            // Damaged gzip compression of a log.
            return new Outcome(stats, "damaged gzip data: " + e.Message);
        }
    }
}
