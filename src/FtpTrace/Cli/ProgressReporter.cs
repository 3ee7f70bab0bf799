using System.Diagnostics;
using System.Globalization;
using FtpTrace.Reporting;

namespace FtpTrace.Cli;

/// <summary>
/// One status line on standard error while a long run goes on: inputs done of the total, bytes
/// read of the total, rate and time left. Shown only when standard error is a terminal; silent when it is redirected.
/// Safe to call from several threads.
/// </summary>
internal sealed class ProgressReporter : IDisposable
{
    private static readonly long IntervalTicks = Stopwatch.Frequency / 4;
    private readonly TextWriter _out;
    private readonly bool _enabled;
    private readonly long _totalBytes;
    private readonly int _totalFiles;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Lock _gate = new();
    private long _lastDraw;
    private long _bytes;
    private int _filesDone;
    private bool _drawn;

    public ProgressReporter(TextWriter output, bool enabled, int totalFiles, long totalBytes)
    {
        _out = output;
        _enabled = enabled;
        _totalFiles = totalFiles;
        _totalBytes = totalBytes;
    }

    /// <summary>More bytes were read (by any input).</summary>
    public void Advance(long bytes)
    {
        long now = Interlocked.Add(ref _bytes, bytes);
        if (!_enabled) return;
        long ticks = _clock.ElapsedTicks;
        if (ticks - Interlocked.Read(ref _lastDraw) < IntervalTicks) return;
        lock (_gate)
        {
            if (ticks - _lastDraw < IntervalTicks) return;
            _lastDraw = ticks;
            Draw(now);
        }
    }

    /// <summary>One more input is finished (read or failed).</summary>
    public void FileDone()
    {
        Interlocked.Increment(ref _filesDone);
        Advance(0);
    }

    /// <summary>Wipes the status line so another message can be written.</summary>
    public void Clear()
    {
        lock (_gate)
        {
            if (_enabled && _drawn) _out.Write("\r\u001b[K");
            _drawn = false;
        }
    }

    public void Dispose() => Clear();

    private void Draw(long bytes)
    {
        double seconds = Math.Max(0.001, _clock.Elapsed.TotalSeconds);
        double rate = bytes / seconds;
        string left = _totalBytes > 0 && rate > 0 && bytes < _totalBytes
            ? $", {TimeSpan.FromSeconds((_totalBytes - bytes) / rate):hh\\:mm\\:ss} left"
            : "";
        string text = string.Create(CultureInfo.InvariantCulture,
            $"  {Volatile.Read(ref _filesDone)}/{_totalFiles} input{(_totalFiles == 1 ? "" : "s")}: {Formats.Bytes(bytes)}{(_totalBytes > 0 ? " of " + Formats.Bytes(_totalBytes) : "")}, {Formats.Bytes((long)rate)}/s{left}");
        _out.Write("\r\u001b[K" + text);
        _drawn = true;
    }
}
