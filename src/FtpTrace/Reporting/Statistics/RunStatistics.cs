using FtpTrace.Decoding;
using FtpTrace.Diagnostics;
using FtpTrace.Sessions;

namespace FtpTrace.Reporting.Statistics;

/// <summary>Per-command figures: how often, what came back, how long it took.</summary>
public sealed class CommandStats
{
    public long Count { get; internal set; }
    /// <summary>Replies by class: index 1 = 1xx ... 6 = 6xx (0 unused).</summary>
    public long[] RepliesByClass { get; } = new long[7];
    /// <summary>Delay from the command to its final reply.</summary>
    public LatencyDigest Latency { get; } = new();
    public long WithoutReply { get; internal set; }

    internal void Merge(CommandStats other)
    {
        Count += other.Count;
        WithoutReply += other.WithoutReply;
        for (int i = 0; i < RepliesByClass.Length; i++) RepliesByClass[i] += other.RepliesByClass[i];
        Latency.Merge(other.Latency);
    }
}

/// <summary>Per-user figures, from the sessions that sent USER with that name.</summary>
public sealed class UserStats
{
    /// <summary>The distinct client addresses the user logged in from.</summary>
    public AddressSet Clients { get; } = new();
    public long Sessions { get; internal set; }
    public long LoginsOk { get; internal set; }
    public long LoginsFailed { get; internal set; }
    public long Commands { get; internal set; }
    public long Errors { get; internal set; }

    internal void Merge(UserStats other)
    {
        Clients.UnionWith(other.Clients);
        Sessions += other.Sessions;
        LoginsOk += other.LoginsOk;
        LoginsFailed += other.LoginsFailed;
        Commands += other.Commands;
        Errors += other.Errors;
    }
}

/// <summary>
/// A set of addresses that holds its first one inline: most users come from one address, and a run
/// can see tens of thousands of users, so a hash set is made only for a second distinct address.
/// </summary>
public sealed class AddressSet
{
    private IpAddress _first;
    private bool _hasFirst;
    private HashSet<IpAddress>? _more;

    public int Count => _more?.Count ?? (_hasFirst ? 1 : 0);

    public void Add(IpAddress address)
    {
        if (_more is not null)
        {
            _more.Add(address);
        }
        else if (!_hasFirst)
        {
            _first = address;
            _hasFirst = true;
        }
        else if (address != _first)
        {
            _more = [_first, address];
        }
    }

    public void UnionWith(AddressSet other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other._more is not null)
        {
            foreach (var a in other._more) Add(a);
        }
        else if (other._hasFirst)
        {
            Add(other._first);
        }
    }
}

/// <summary>The largest transfer of a run: where it was and what it moved.</summary>
public sealed record LargestTransfer(string File, long Session, string Command, string Path, long Bytes);

/// <summary>Figures about the inputs themselves (packets, bytes, connections), filled by the analyzer.</summary>
public sealed class InputStats
{
    public long Files { get; set; }
    public long FilesFailed { get; set; }
    public long Bytes { get; set; }
    public long Frames { get; set; }
    public long Ipv4 { get; set; }
    public long Ipv6 { get; set; }
    public long TcpSegments { get; set; }
    public long Udp { get; set; }
    public long OtherPackets { get; set; }
    public long TcpConnections { get; set; }
    public long LogLines { get; set; }

    internal void Merge(InputStats o)
    {
        Files += o.Files; FilesFailed += o.FilesFailed; Bytes += o.Bytes; Frames += o.Frames;
        Ipv4 += o.Ipv4; Ipv6 += o.Ipv6; TcpSegments += o.TcpSegments; Udp += o.Udp;
        OtherPackets += o.OtherPackets; TcpConnections += o.TcpConnections; LogLines += o.LogLines;
    }
}

/// <summary>
/// Everything the summary and the roll-up CSV files need, accumulated from the session events and
/// anomalies of one input; per-input instances merge into the run's totals in input order.
/// </summary>
public sealed class RunStatistics : IFtpSessionSink, IAnomalySink
{
    public InputStats Inputs { get; } = new();
    public long Sessions { get; private set; }
    public long EncryptedSessions { get; private set; }
    public long Commands { get; private set; }
    public long Replies { get; private set; }
    public long UnsolicitedReplies { get; private set; }
    public long UnexpectedReplies { get; private set; }
    /// <summary>Replies by class: index 1 = 1xx ... 6 = 6xx; 0 = anything else.</summary>
    public long[] RepliesByClass { get; } = new long[7];
    public SortedDictionary<int, long> ReplyCodes { get; } = [];
    public Dictionary<string, CommandStats> CommandsByVerb { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, UserStats> Users { get; } = new(StringComparer.Ordinal);
    public long AnonymousSessions { get; private set; }
    public long[] AnomaliesByKind { get; } = new long[Enum.GetValues<AnomalyKind>().Length];
    public long Anomalies { get; private set; }

    /// <summary>Transfers (one per transfer command, or per transfer a log recorded).</summary>
    public long Transfers { get; private set; }
    /// <summary>Transfers not complete (error reply, aborted, no data connection, size mismatch, no reply).</summary>
    public long TransfersFailed { get; private set; }
    /// <summary>Bytes of uploads (client to server).</summary>
    public long TransferBytesUp { get; private set; }
    /// <summary>Bytes of downloads and listings (server to client).</summary>
    public long TransferBytesDown { get; private set; }
    /// <summary>The largest transfer by bytes (the first of equals, in input order); null when none moved a byte.</summary>
    public LargestTransfer? Largest { get; private set; }

    public void OnTransfer(TransferRecord transfer)
    {
        ArgumentNullException.ThrowIfNull(transfer);
        Transfers++;
        if (!transfer.Complete) TransfersFailed++;
        if (transfer.Direction == TransferDirection.Upload) TransferBytesUp += transfer.Bytes;
        else TransferBytesDown += transfer.Bytes;
        if (transfer.Bytes > 0 && (Largest is null || transfer.Bytes > Largest.Bytes))
            Largest = new LargestTransfer(transfer.Session.Source, transfer.Session.Id, transfer.Command.NormalizedVerb, transfer.Path, transfer.Bytes);
    }

    public void OnSessionStarted(FtpSession session) => Sessions++;

    public void OnReply(ReplyRecord reply)
    {
        ArgumentNullException.ThrowIfNull(reply);
        Replies++;
        int cls = reply.Reply.Code is >= 100 and < 700 ? reply.Reply.Code / 100 : 0;
        RepliesByClass[cls]++;
        ReplyCodes.TryGetValue(reply.Reply.Code, out long n);
        ReplyCodes[reply.Reply.Code] = n + 1;
        if (reply.Role == ReplyRole.Unsolicited) UnsolicitedReplies++;
        if (reply.UnexpectedForCommand) UnexpectedReplies++;
        if (reply.Command is { } cmd) Verb(cmd.NormalizedVerb).RepliesByClass[cls]++;
    }

    public void OnCommandCompleted(CommandRecord command)
    {
        ArgumentNullException.ThrowIfNull(command);
        Commands++;
        var stats = Verb(command.Command.NormalizedVerb);
        stats.Count++;
        if (command.LatencyNs is { } ns) stats.Latency.Add(ns);
        else stats.WithoutReply++;
    }

    public void OnSessionEnded(FtpSession session)
    {
        ArgumentNullException.ThrowIfNull(session);
        if (session.EncryptedFromFrame is not null) EncryptedSessions++;
        if (session.Anonymous) AnonymousSessions++;
        if (session.User is not { } user) return;
        if (!Users.TryGetValue(user, out var u)) Users[user] = u = new UserStats();
        u.Clients.Add(session.Client.Address);
        u.Sessions++;
        u.LoginsOk += session.LoginsSucceeded;
        u.LoginsFailed += session.LoginsFailed;
        u.Commands += session.Commands;
        u.Errors += session.Errors;
    }

    public void Report(in Anomaly anomaly)
    {
        AnomaliesByKind[(int)anomaly.Kind]++;
        Anomalies++;
    }

    /// <summary>Adds another input's figures to these.</summary>
    public void Merge(RunStatistics other)
    {
        ArgumentNullException.ThrowIfNull(other);
        Inputs.Merge(other.Inputs);
        Sessions += other.Sessions;
        EncryptedSessions += other.EncryptedSessions;
        AnonymousSessions += other.AnonymousSessions;
        Commands += other.Commands;
        Replies += other.Replies;
        UnsolicitedReplies += other.UnsolicitedReplies;
        UnexpectedReplies += other.UnexpectedReplies;
        Anomalies += other.Anomalies;
        Transfers += other.Transfers;
        TransfersFailed += other.TransfersFailed;
        TransferBytesUp += other.TransferBytesUp;
        TransferBytesDown += other.TransferBytesDown;
        if (other.Largest is { } l && (Largest is null || l.Bytes > Largest.Bytes)) Largest = l;
        for (int i = 0; i < RepliesByClass.Length; i++) RepliesByClass[i] += other.RepliesByClass[i];
        for (int i = 0; i < AnomaliesByKind.Length; i++) AnomaliesByKind[i] += other.AnomaliesByKind[i];
        foreach (var (code, n) in other.ReplyCodes)
        {
            ReplyCodes.TryGetValue(code, out long have);
            ReplyCodes[code] = have + n;
        }
        foreach (var (verb, s) in other.CommandsByVerb) Verb(verb).Merge(s);
        foreach (var (user, s) in other.Users)
        {
            if (!Users.TryGetValue(user, out var u)) Users[user] = u = new UserStats();
            u.Merge(s);
        }
    }

    /// <summary>Distinct verbs tracked before the rest are pooled under <see cref="OtherVerbs"/> (hostile input).</summary>
    public const int MaxDistinctVerbs = 4096;
    public const string OtherVerbs = "(other)";

    private CommandStats Verb(string verb)
    {
        if (CommandsByVerb.Count >= MaxDistinctVerbs && !CommandsByVerb.ContainsKey(verb)) verb = OtherVerbs;
        if (!CommandsByVerb.TryGetValue(verb, out var s)) CommandsByVerb[verb] = s = new CommandStats();
        return s;
    }
}
