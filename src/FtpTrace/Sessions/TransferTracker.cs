using System.Globalization;
using FtpTrace.Decoding;
using FtpTrace.Diagnostics;
using FtpTrace.Flows;
using FtpTrace.Protocol;

namespace FtpTrace.Sessions;

/// <summary>
/// The data side of one FTP session, driven by its <see cref="FtpSessionTracker"/>: announcements
/// (PASV/EPSV/LPSV replies, PORT/EPRT/LPRT commands) become <see cref="DataChannel"/>s handed to an
/// <see cref="IDataChannelRegistry"/>; transfer commands (RETR, STOR, STOU, APPE, LIST, NLST, MLSD)
/// take the latest unused announcement and become one <see cref="TransferRecord"/> each, emitted once
/// the command is over (final reply, or given up) and its data connection, if one appeared, has closed.
/// </summary>
/// <remarks>
/// <para>Rules:</para>
/// <list type="bullet">
/// <item>An announcement serves the next transfer command. A passive reply that arrives after a
/// transfer command sent (pipelined) after the PASV serves that command. A PORT/EPRT/LPRT refused
/// (not 2xx) is withdrawn. A transfer command with no announcement awaits an unannounced connection
/// (<see cref="IDataChannelRegistry.Await"/>); one with an announcement only its announced connection.</item>
/// <item>Path: the argument joined to the working directory at the time of the command and normalised
/// (<see cref="FtpPaths"/>); the argument as sent when that cannot be done; for a listing without a
/// path argument (leading <c>-</c> options are skipped), the working directory (empty when unknown).</item>
/// <item>TYPE (2xx), REST (350, for the next transfer command only), PROT (200: anything but C is
/// encrypted) and SIZE (213, kept for the last 16 paths) are tracked; a download's announced size is
/// the "(N bytes)" of its 1xx text, else the SIZE of the same path. After REST, SIZE is the file's
/// size, so size minus offset is expected; a 1xx "(N bytes)" is the file's size for vsftpd but what
/// remains for ProFTPD, so either N minus offset or N is accepted.</item>
/// <item>Complete: the final reply is 2xx (an ABOR answered after the transfer finished leaves it 2xx), its data connection appeared,
/// and, for a download with an announced size on a clear data channel, the bytes equal size minus the
/// REST offset in image (binary) mode, or are at least that in ASCII or unknown mode (a Unix server
/// sends CR LF for LF, so line ends only add bytes).</item>
/// <item>Anomalies (attributed to the control session): <see cref="AnomalyKind.DataAddressMismatch"/>
/// when a 227/228 names an IPv4/IPv6 address other than the control connection's server (compared
/// within one address family; 0.0.0.0 means "the same"); <see cref="AnomalyKind.FtpBounce"/> when a
/// PORT/EPRT/LPRT names an address other than the control connection's client (same family only);
/// <see cref="AnomalyKind.MalformedDataAddress"/>; <see cref="AnomalyKind.DataConnectionMissing"/> when
/// a transfer with an announced connection got a 1xx or a 2xx but the connection never appeared; <see cref="AnomalyKind.UnannouncedDataConnection"/>;
/// <see cref="AnomalyKind.TransferAborted"/> when ABOR was sent during the transfer or it ended with 426.</item>
/// </list>
/// </remarks>
internal sealed class TransferTracker
{
    private const int MaxSizes = 16;
    private const int MaxActive = 64;

    private readonly FtpSession _session;
    private readonly IFtpSessionSink _sink;
    private readonly IAnomalySink _anomalies;
    private readonly IDataChannelRegistry _registry;
    private readonly List<Transfer> _active = [];
    private readonly List<(string Path, long Size)> _sizes = [];

    private DataChannel? _announced;
    private FtpCommand? _portCommand;
    private DataChannel? _portChannel;
    private string _type = "";
    private long _rest;
    private bool _protected;

    public TransferTracker(FtpSession session, IFtpSessionSink sink, IAnomalySink anomalies, IDataChannelRegistry registry)
    {
        _session = session;
        _sink = sink;
        _anomalies = anomalies;
        _registry = registry;
    }

    /// <summary>Direction of a transfer verb, or null when <paramref name="verb"/> is not one.</summary>
    public static TransferDirection? DirectionOf(string verb) => verb switch
    {
        "RETR" => TransferDirection.Download,
        "STOR" or "STOU" or "APPE" => TransferDirection.Upload,
        "LIST" or "NLST" or "MLSD" => TransferDirection.Listing,
        _ => null,
    };

    public void OnCommand(FtpCommand command)
    {
        string verb = command.NormalizedVerb;
        switch (verb)
        {
            case "PORT":
            case "EPRT":
            case "LPRT":
                OnActiveAnnouncement(command);
                return;
            case "ABOR":
                foreach (var t in _active)
                {
                    if (t.Done || t.Aborted) continue;
                    t.Aborted = true;
                    t.AbortFrame = command.Frame;
                    t.AbortNs = command.TimeNs;
                }
                return;
            case "REIN":
                _type = "";
                _rest = 0;
                _protected = false;
                Withdraw();
                return;
        }
        if (DirectionOf(verb) is not { } direction) return;

        if (_active.Count >= MaxActive)
        {
            // Transfers whose replies never come (hostile input): give the oldest up so memory stays bounded.
            var oldest = _active[0];
            if (!oldest.Done) OnFinal(oldest.Command, oldest.Command.NormalizedVerb, null);
            if (_active.Count > 0 && ReferenceEquals(_active[0], oldest)) _active.RemoveAt(0);
        }

        var channel = _announced ?? new DataChannel(_session, this);
        _announced = null;
        if (ReferenceEquals(channel, _portChannel)) _portChannel = null;
        var transfer = new Transfer(command, channel, direction, PathOf(command, direction), _type, _rest, _protected);
        _rest = 0;
        channel.Transfer = transfer;
        if (direction == TransferDirection.Download && SizeOf(transfer.Path) is { } size) transfer.AnnouncedSize = size;
        _active.Add(transfer);
        // Only a transfer nobody announced a connection for may take an unannounced one: an announced
        // connection still to come must not lose its transfer to another connection between the same hosts.
        if (!channel.Opened && channel.Mode.Length == 0) _registry.Await(channel);
    }

    /// <summary>A 1xx reply to <paramref name="command"/>, whose <see cref="FtpCommand.NormalizedVerb"/> is <paramref name="verb"/>.</summary>
    public void OnPreliminary(FtpCommand command, string verb, FtpReply reply)
    {
        if (Find(command, verb) is not { } t) return;
        t.Preliminary = true;
        if (t.Direction == TransferDirection.Download && DataAddresses.ParseAnnouncedSize(reply.Text) is { } size)
        {
            t.AnnouncedSize = size;
            t.SizeFromReply = true;
        }
    }

    /// <summary>
    /// The final reply to <paramref name="command"/> (whose <see cref="FtpCommand.NormalizedVerb"/> is
    /// <paramref name="verb"/>: the caller has it at hand, and most replies need nothing else of the command),
    /// or null when the command was given up without one.
    /// </summary>
    public void OnFinal(FtpCommand command, string verb, FtpReply? reply)
    {
        switch (verb)
        {
            case "PASV":
            case "EPSV":
            case "LPSV":
                if (reply is not null) OnPassiveReply(command, reply);
                return;
            case "PORT":
            case "EPRT":
            case "LPRT":
                if (ReferenceEquals(command, _portCommand))
                {
                    if (reply is null || reply.Class != 2)
                    {
                        if (_portChannel is { } refused)
                        {
                            _registry.Forget(refused);
                            if (ReferenceEquals(_announced, refused)) _announced = null;
                        }
                    }
                    _portCommand = null;
                    _portChannel = null;
                }
                return;
            case "TYPE":
                if (reply?.Class == 2) _type = command.Argument.Trim().ToUpperInvariant();
                return;
            case "REST":
                if (reply?.Code == 350)
                    _rest = long.TryParse(command.Argument.AsSpan().Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out long r) ? r : 0;
                return;
            case "PROT":
                if (reply?.Class == 2) _protected = !command.Argument.Trim().Equals("C", StringComparison.OrdinalIgnoreCase);
                return;
            case "SIZE":
                if (reply?.Code == 213
                    && long.TryParse(reply.Text.AsSpan().Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out long size))
                {
                    string path = Resolve(command.Argument.Trim());
                    for (int i = _sizes.Count - 1; i >= 0; i--)
                    {
                        if (_sizes[i].Path == path) _sizes.RemoveAt(i);
                    }
                    if (_sizes.Count >= MaxSizes) _sizes.RemoveAt(0);
                    _sizes.Add((path, size));
                }
                return;
        }
        if (Find(command, verb) is not { } t) return;
        t.Done = true;
        t.Final = reply;
        if (reply?.Code == 426 || t.Aborted)
        {
            long frame = reply?.Code == 426 ? reply.Frame : t.AbortFrame;
            long time = reply?.Code == 426 ? reply.TimeNs : t.AbortNs;
            Report(AnomalyKind.TransferAborted, frame, time, string.Create(CultureInfo.InvariantCulture,
                $"{command.NormalizedVerb} (frame {command.Frame}) aborted: {(t.Aborted ? $"ABOR sent in frame {t.AbortFrame}" : "no ABOR seen")}, final reply {(reply is null ? "none" : reply.Code.ToString(CultureInfo.InvariantCulture))}"));
        }
        if (!t.Channel.Opened)
        {
            _registry.Forget(t.Channel);
            // Only an announced connection is known to be missing: without an announcement the capture
            // may simply not hold it (a filter on the control port), and nothing says where it would be.
            if (reply is not null && (reply.Class == 2 || t.Preliminary) && t.Channel.Listener is { } l)
            {
                Report(AnomalyKind.DataConnectionMissing, reply.Frame, reply.TimeNs, string.Create(CultureInfo.InvariantCulture,
                    $"{command.NormalizedVerb} (frame {command.Frame}) got reply {reply.Code} but no data connection was seen; it was announced by {t.Channel.Mode} (frame {t.Channel.AnnouncedFrame}) at {l}"));
            }
        }
        TryEmit(t);
    }

    /// <summary>The session ended: announcements nobody used are withdrawn; transfers still waiting for their data connection's close stay until it closes.</summary>
    public void End()
    {
        Withdraw();
        foreach (var t in _active.ToArray())
        {
            if (!t.Done) OnFinal(t.Command, t.Command.NormalizedVerb, null);
            if (!t.Channel.Opened) _registry.Forget(t.Channel);
        }
    }

    internal void OnChannelOpened(DataChannel channel, TcpConnection connection)
    {
        _registry.Forget(channel);
        if (!channel.Unannounced) return;
        string verb = channel.Transfer?.Command.NormalizedVerb ?? "a transfer command";
        long commandFrame = channel.Transfer?.Command.Frame ?? 0;
        Report(AnomalyKind.UnannouncedDataConnection, connection.FirstFrame, connection.StartNs, string.Create(CultureInfo.InvariantCulture,
            $"connection #{connection.Id} {connection.Client} -> {connection.Server} matches no PASV/EPSV/PORT/EPRT announcement; taken as the data connection of {verb} (frame {commandFrame}), the transfer waiting between these hosts"));
    }

    internal void OnChannelClosed(DataChannel channel)
    {
        if (channel.Transfer is { } t) TryEmit(t);
    }

    private void OnActiveAnnouncement(FtpCommand command)
    {
        string verb = command.NormalizedVerb;
        var parse = verb switch
        {
            "PORT" => DataAddresses.ParsePortArgument(command.Argument, out var e1) is var p1 ? (p1, e1) : default,
            "EPRT" => DataAddresses.ParseEprtArgument(command.Argument, out var e2) is var p2 ? (p2, e2) : default,
            _ => DataAddresses.ParseLprtArgument(command.Argument, out var e3) is var p3 ? (p3, e3) : default,
        };
        if (parse.Item1 != DataAddressParse.Ok)
        {
            Report(AnomalyKind.MalformedDataAddress, command.Frame, command.TimeNs,
                $"{verb} argument (frame {command.Frame}) is not a data address");
            return;
        }
        var announced = parse.Item2;
        var client = _session.Client.Address;
        if (announced.Address is { } a && a.IsV6 == client.IsV6 && a != client)
        {
            Report(AnomalyKind.FtpBounce, command.Frame, command.TimeNs, string.Create(CultureInfo.InvariantCulture,
                $"{verb} (frame {command.Frame}) asks the server to connect to {new Endpoint(a, announced.Port)}, not to the client {client}"));
        }
        var channel = new DataChannel(_session, this);
        channel.Announce(verb, new Endpoint(announced.Address ?? client, announced.Port), null, clientConnects: false, command.Frame, command.TimeNs);
        Replace(channel);
        _portCommand = command;
        _portChannel = channel;
        _registry.Expect(channel);
    }

    private void OnPassiveReply(FtpCommand command, FtpReply reply)
    {
        string verb = command.NormalizedVerb;
        DataAddressParse parse;
        AnnouncedEndpoint announced;
        switch (reply.Code)
        {
            case 227: parse = DataAddresses.ParsePasvReply(reply.Text, out announced); break;
            case 228: parse = DataAddresses.ParseLpsvReply(reply.Text, out announced); break;
            case 229: parse = DataAddresses.ParseEpsvReply(reply.Text, out announced); break;
            default: return; // refused
        }
        if (parse != DataAddressParse.Ok)
        {
            Report(AnomalyKind.MalformedDataAddress, reply.Frame, reply.TimeNs, string.Create(CultureInfo.InvariantCulture,
                $"reply {reply.Code} to {verb} (frame {command.Frame}) carries no valid data address"));
            return;
        }
        var server = _session.Server.Address;
        Endpoint? alternate = null;
        if (announced.Address is { } a && a != server)
        {
            alternate = new Endpoint(server, announced.Port);
            if (a.IsV6 == server.IsV6)
            {
                Report(AnomalyKind.DataAddressMismatch, reply.Frame, reply.TimeNs, string.Create(CultureInfo.InvariantCulture,
                    $"reply {reply.Code} to {verb} announces {new Endpoint(a, announced.Port)}, but the control connection's server is {server} (NAT rewriting or a misconfigured server)"));
            }
        }
        var listener = new Endpoint(announced.Address ?? server, announced.Port);

        // A transfer command pipelined after this PASV, still without an announcement, takes it.
        DataChannel? channel = null;
        foreach (var t in _active)
        {
            if (!t.Done && t.Channel.Mode.Length == 0 && !t.Channel.Opened && t.Command.Frame > command.Frame)
            {
                channel = t.Channel;
                break;
            }
        }
        if (channel is null)
        {
            channel = new DataChannel(_session, this);
            Replace(channel);
        }
        else
        {
            _registry.Forget(channel); // it awaited an unannounced connection; now it expects this one
        }
        channel.Announce(verb, listener, alternate, clientConnects: true, reply.Frame, reply.TimeNs);
        _registry.Expect(channel);
    }

    /// <summary>A new announcement replaces one no transfer used.</summary>
    private void Replace(DataChannel channel)
    {
        if (_announced is { } old && old.Transfer is null) _registry.Forget(old);
        _announced = channel;
    }

    private void Withdraw()
    {
        if (_announced is { } old) _registry.Forget(old);
        _announced = null;
        _portChannel = null;
        _portCommand = null;
    }

    private void TryEmit(Transfer t)
    {
        if (t.Emitted || !t.Done) return;
        var ch = t.Channel;
        if (ch.Opened && !ch.Closed) return;
        t.Emitted = true;
        _active.Remove(t);
        bool encrypted = t.Protected || ch.TlsSeen;
        long start = ch.Opened ? ch.StartNs : t.Command.TimeNs;
        long end = ch.Opened ? ch.EndNs : t.Final?.TimeNs ?? t.Command.TimeNs;
        var record = new TransferRecord(_session, t.Command, t.Path, t.Direction, ch.Opened ? ch.Bytes : 0, start, end, t.Final,
            IsComplete(t, encrypted), ch.DataClient, ch.DataServer, ch.Mode, t.Rest, t.AnnouncedSize, encrypted, t.Type)
        {
            DataConnection = ch.ConnectionId,
            MissingBytes = ch.Opened ? ch.MissingBytes : 0,
            Aborted = t.Aborted || t.Final?.Code == 426,
            Unannounced = ch.Unannounced,
        };
        _sink.OnTransfer(record);
    }

    private static bool IsComplete(Transfer t, bool encrypted)
    {
        if (t.Final is not { Class: 2 } || !t.Channel.Opened) return false;
        if (t.Direction != TransferDirection.Download || encrypted || t.AnnouncedSize is not { } size) return true;
        long bytes = t.Channel.Bytes;
        bool image = t.Type.Length > 0 && t.Type[0] is 'I' or 'L';
        // SIZE gives the file's size; a 1xx "(N bytes)" after REST gives the file's size (vsftpd) or what remains (ProFTPD).
        if (Agrees(size - t.Rest)) return true;
        return t.SizeFromReply && t.Rest > 0 && Agrees(size);

        bool Agrees(long expected) => expected >= 0 && (image ? bytes == expected : bytes >= expected);
    }

    /// <summary>
    /// The active transfer of <paramref name="command"/>. Only transfer verbs start transfers, so the
    /// list (cold memory with tens of thousands of open sessions) is not touched for other replies.
    /// </summary>
    private Transfer? Find(FtpCommand command, string verb)
    {
        if (DirectionOf(verb) is null) return null;
        foreach (var t in _active)
            if (ReferenceEquals(t.Command, command)) return t;
        return null;
    }

    private long? SizeOf(string path)
    {
        for (int i = _sizes.Count - 1; i >= 0; i--)
            if (_sizes[i].Path == path) return _sizes[i].Size;
        return null;
    }

    private string PathOf(FtpCommand command, TransferDirection direction)
    {
        string argument = command.Argument.Trim();
        if (direction == TransferDirection.Listing)
        {
            // Skip ls-style options ("-la"): what follows is the path.
            while (argument.StartsWith('-'))
            {
                int space = argument.IndexOf(' ', StringComparison.Ordinal);
                argument = space < 0 ? "" : argument[(space + 1)..].TrimStart();
            }
            if (argument.Length == 0) return _session.WorkingDirectory ?? "";
        }
        return Resolve(argument);
    }

    private string Resolve(string argument) =>
        argument.Length == 0 ? _session.WorkingDirectory ?? "" : FtpPaths.Resolve(_session.WorkingDirectory, argument) ?? argument;

    private void Report(AnomalyKind kind, long frame, long timeNs, string detail) =>
        _anomalies.Report(new Anomaly(kind, frame, timeNs, _session.Id, detail));
}

/// <summary>One transfer command in flight.</summary>
internal sealed class Transfer(FtpCommand command, DataChannel channel, TransferDirection direction, string path, string type, long rest, bool isProtected)
{
    public FtpCommand Command { get; } = command;
    public DataChannel Channel { get; } = channel;
    public TransferDirection Direction { get; } = direction;
    public string Path { get; } = path;
    public string Type { get; } = type;
    public long Rest { get; } = rest;
    public bool Protected { get; } = isProtected;
    public long? AnnouncedSize { get; set; }
    public bool SizeFromReply { get; set; }
    public bool Preliminary { get; set; }
    public bool Done { get; set; }
    public FtpReply? Final { get; set; }
    public bool Aborted { get; set; }
    public long AbortFrame { get; set; }
    public long AbortNs { get; set; }
    public bool Emitted { get; set; }
}
