using System.Buffers;
using System.Collections.Concurrent;

namespace FtpTrace.Capture;

/// <summary>
/// Reads a capture file on a thread of its own, into large blocks, ahead of the reader that parses
/// them: the copies out of the page cache (and the decompression of a gzip-compressed capture) run
/// on the second core. Each block keeps <see cref="Headroom"/> free bytes before its data, where the
/// reader moves the unread end of the previous block (a record cut by the block boundary), so a
/// record is always contiguous and nothing else is copied.
/// </summary>
/// <remarks>
/// At most <see cref="Blocks"/> blocks exist; the thread waits for the reader to give one back.
/// A read error ends the blocks and is handed to the reader in order, after the data before it.
/// <see cref="Dispose"/> waits for the thread, so the stream can be disposed safely afterwards:
/// use it only on streams whose reads return (files), not on a pipe that may block forever.
/// </remarks>
internal sealed class ReadAhead : IDisposable
{
    /// <summary>Room before a block's data for the end of the previous block.</summary>
    public const int Headroom = 256 << 10;

    /// <summary>Bytes read into each block.</summary>
    public const int DataSize = 1 << 20;

    private const int Blocks = 4;

    /// <summary>Files up to this length are read without a thread (a thread and its blocks would cost more than they save).</summary>
    public const long MinimumFileLength = 2L * DataSize;

    private readonly Stream _source;
    private readonly BlockingCollection<byte[]> _free = new(Blocks);
    private readonly BlockingCollection<Block> _full = new(Blocks);
    private readonly Thread _thread;
    private bool _disposed;

    /// <summary>A block and its data length (0: the end of the input); or the error that ended it.</summary>
    public readonly record struct Block(byte[]? Buffer, int Length, Exception? Error);

    public ReadAhead(Stream source)
    {
        _source = source;
        // From the shared pool: a batch of many captures reuses the same blocks.
        for (int i = 0; i < Blocks; i++) _free.Add(ArrayPool<byte>.Shared.Rent(Headroom + DataSize));
        _thread = new Thread(Run) { IsBackground = true, Name = "ftptrace read-ahead" };
        _thread.Start();
    }

    /// <summary>The next block, in file order; waits for it. After the end (or an error) every call returns an end block.</summary>
    public Block Next() => _full.TryTake(out var block, Timeout.Infinite) ? block : default;

    /// <summary>Gives a block back for reading into again.</summary>
    public void Return(byte[] block)
    {
        if (_disposed || !_free.TryAdd(block)) ArrayPool<byte>.Shared.Return(block);
    }

    /// <summary>Waits for the thread to leave the stream (within one read), and gives the blocks back to the pool.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _free.CompleteAdding();
        _thread.Join();
        while (_full.TryTake(out var block))
        {
            if (block.Buffer is { } b) ArrayPool<byte>.Shared.Return(b);
        }
        while (_free.TryTake(out var b)) ArrayPool<byte>.Shared.Return(b);
        _free.Dispose();
        _full.Dispose();
    }

    private void Run()
    {
        try
        {
            foreach (byte[] block in _free.GetConsumingEnumerable())
            {
                int length = Fill(block);
                if (!TryHand(new Block(block, length, null)) || length == 0) return;
            }
        }
#pragma warning disable CA1031 // Any read failure goes to the reader, in order, as it would have met it itself.
        catch (Exception e)
#pragma warning restore CA1031
        {
            TryHand(new Block(null, 0, e));
        }
        finally
        {
            _full.CompleteAdding();
        }
    }

    /// <summary>Reads until the block's data part is full or the input ends.</summary>
    private int Fill(byte[] block)
    {
        int length = 0;
        while (length < DataSize)
        {
            int n = _source.Read(block, Headroom + length, DataSize - length);
            if (n <= 0) break;
            length += n;
        }
        return length;
    }

    /// <summary>Hands a block to the reader; false once the reader is gone.</summary>
    private bool TryHand(Block block)
    {
        try
        {
            while (!_free.IsAddingCompleted)
            {
                if (_full.TryAdd(block, 50)) return true;
            }
        }
        catch (InvalidOperationException)
        {
            // Disposed meanwhile.
        }
        return false;
    }
}
