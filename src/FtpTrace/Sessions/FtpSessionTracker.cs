using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using FtpTrace.Annotation;
using FtpTrace.Diagnostics;
using FtpTrace.Flows;
using FtpTrace.Protocol;

namespace FtpTrace.Sessions;

/// <summary>
/// The session model of one FTP control connection (or one session rebuilt from a server log):
/// pairs every reply with the command it answers, times it, annotates it, and keeps the session
/// state (user, login outcome, working directory, encryption) on its <see cref="FtpSession"/>.
/// </summary>
/// <remarks>
/// <para>Messages come in capture order, both directions interleaved. Pairing policy:</para>
/// <list type="bullet">
/// <item>Commands wait in a FIFO queue. A 1xx reply goes to the oldest pending command and leaves it
/// pending; a 2xx-5xx reply completes it.</item>
/// <item>At most <see cref="FtpTraceLimits.MaxPendingCommands"/> commands wait; beyond that the oldest
/// is given up (its <see cref="CommandRecord"/> is emitted without a reply, with
/// <see cref="AnomalyKind.PendingCommandLimit"/>). Its reply is still owed: the tracker counts the
/// replies owed to given-up commands (a number, so memory stays bounded) and the next replies, up to
/// that many final ones (with any 1xx before them), are <see cref="ReplyRole.Orphaned"/> instead of
/// being paired with the wrong commands. Later replies pair with the commands still queued, in order.</item>
/// <item>The first reply on the connection, if it is 220, 120 or 421, is the greeting (unpaired); a
/// 220 (or 421) after a 120 greeting is part of the greeting too. A command sent before the greeting
/// stays pending for the reply after it. Only a pending REIN may own a first 120/220.</item>
/// <item>ABOR and STAT may be answered while a transfer is in progress (RFC 959 section 4.1.3), and
/// servers that take urgent data answer other commands too (vsftpd and Pure-FTPd answer a garbled
/// ABOR and a NOOP with 500 before the transfer's 426). When the oldest pending command is a transfer
/// that had its 1xx, a reply the transfer cannot end with goes to the first later command it is valid
/// for (225 to ABOR, 211/213 to STAT, 500 to ABOR or NOOP);
/// a 226 whose text names ABOR/abort goes to the ABOR even though 226 is valid for the transfer.
/// Otherwise replies stay in order: 426 then 226 gives 426 to the transfer and 226 to ABOR; 226 then
/// 226 (or 225) gives the first to the transfer. A transfer whose ABOR was answered and which then
/// meets a reply it cannot own is given up (<see cref="AnomalyKind.CommandWithoutReply"/>).</item>
/// <item>A reply with no pending command is unsolicited: 421 (shutdown, idle timeout) silently, any
/// other with <see cref="AnomalyKind.UnsolicitedReply"/>. A 421 while commands are pending answers the
/// oldest one.</item>
/// <item>A gap in the <b>server-to-client</b> stream lost replies (at least the one a cut line or block
/// belonged to) to some of the oldest commands pending at that point, how many is unknown. The first
/// reply after the gap goes to the oldest of those commands for which its code is valid
/// (<see cref="ExpectedReplies"/>; a command not in the table accepts any code, one that already had
/// its 1xx does not take another); the commands before it are taken as answered in the gap:
/// completed without a reply, with one <see cref="AnomalyKind.PairingBroken"/>. When no such command
/// accepts the code, the reply goes to the oldest as usual. So a lost <c>230</c> to PASS followed by
/// <c>215</c> gives up PASS and pairs the 215 with SYST; a lost <c>150</c> followed by <c>226</c> still
/// pairs the 226 with RETR. Replies owed to given-up commands are forgotten at such a gap.</item>
/// <item>A gap in the <b>client-to-server</b> stream lost commands. The commands pending at that point
/// were sent before them, so their replies still come first and pair as usual. A reply that finds no
/// command pending before the next command is seen answers a lost command: it is unsolicited, with one
/// <see cref="AnomalyKind.PairingBroken"/> per gap. The first command after the gap takes a reply only
/// if its code is valid for it; an invalid one answers a lost command too (unsolicited, the same
/// single PairingBroken).</item>
/// <item>After <c>AUTH TLS|SSL|TLS-C|TLS-P</c> answered by 234 the connection is encrypted:
/// <see cref="EncryptionStarted"/> turns true, the caller stops parsing and reports the bytes through
/// <see cref="AddEncryptedBytes"/>; messages handed in after that are ignored.</item>
/// </list>
/// <para>No argument of any command appears in an anomaly detail (PASS carries the password).</para>
/// </remarks>
public sealed class FtpSessionTracker : IFtpMessageHandler
{
    private const int MaxVerbInDetail = 16;

    private readonly FtpSession _session;
    private readonly int _maxPending;
    private readonly IFtpSessionSink _sink;
    private readonly IAnomalySink _anomalies;
    // Commands waiting for their final reply, oldest first: entries held in the array itself (one
    // object, not a list, its array and an object per command), so that pairing a reply with the
    // oldest command reads memory the flow table's prefetching already brought in (PrefetchState).
    private PendingCommand[] _pending = new PendingCommand[2];
    private int _pendingCount;
    private readonly TransferTracker? _transfers;

    private bool _started;
    private bool _sawReply;
    private bool _greetingContinues;
    private bool _sawMessage;
    // Set by a client-to-server gap: replies before the next command answer lost commands.
    private bool _desynced;
    // Set by a client-to-server gap: the next command is the first after it.
    private bool _clientGapOpen;
    // One PairingBroken per gap.
    private bool _gapReported;
    // Set by a server-to-client gap with commands pending (flagged PendingAtServerGap); the first reply resolves it.
    private bool _serverGapExposed;
    private long _serverGapFrame;
    // Final replies still owed to commands given up at the pending limit.
    private long _repliesOwed;

    /// <param name="session">The session to track.</param>
    /// <param name="limits">Limits (pending commands).</param>
    /// <param name="sink">Receives the session's events.</param>
    /// <param name="anomalies">Receives the anomalies found.</param>
    /// <param name="dataChannels">
    /// Where announced data connections are registered (captures); when given, the session's transfer
    /// commands become <see cref="TransferRecord"/>s (see <see cref="TransferTracker"/>). Null for a
    /// session rebuilt from a log, whose transfers come from the log's own transfer lines.
    /// </param>
    public FtpSessionTracker(FtpSession session, FtpTraceLimits limits, IFtpSessionSink sink, IAnomalySink anomalies,
        IDataChannelRegistry? dataChannels = null)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(limits);
        ArgumentNullException.ThrowIfNull(sink);
        ArgumentNullException.ThrowIfNull(anomalies);
        _session = session;
        _maxPending = Math.Max(1, limits.MaxPendingCommands);
        _sink = sink;
        _anomalies = anomalies;
        if (dataChannels is not null) _transfers = new TransferTracker(session, sink, anomalies, dataChannels);
    }

    public FtpSession Session => _session;

    /// <summary>True once AUTH TLS/SSL was accepted with 234: stop parsing this control connection.</summary>
    public bool EncryptionStarted => _session.EncryptedFromFrame is not null;

    /// <summary>Commands waiting for their final reply.</summary>
    public int PendingCommands => _pendingCount;

    /// <summary>Final replies still expected for commands given up at the pending-command limit.</summary>
    public long RepliesOwedToGivenUpCommands => _repliesOwed;

    /// <summary>
    /// A hint (see <c>CachePrefetch</c>): brings in what the next message will touch, the oldest
    /// entries of the pending-command array and the transfer tracker. Changes nothing.
    /// </summary>
    internal void PrefetchState()
    {
        CachePrefetch.Line(ref MemoryMarshal.GetArrayDataReference(_pending));
        CachePrefetch.Object(_transfers, 2);
    }

    /// <summary>Tells the sink the session started (once). Called by the first message, gap or end if not before.</summary>
    public void Start()
    {
        if (_started) return;
        _started = true;
        _sink.OnSessionStarted(_session);
    }

    /// <summary>Counts bytes of the control connection seen after encryption started (not parsed).</summary>
    public void AddEncryptedBytes(long bytes)
    {
        if (bytes > 0) _session.EncryptedBytes += bytes;
    }

    public void OnCommand(FtpCommand command)
    {
        ArgumentNullException.ThrowIfNull(command);
        if (_session.Ended || EncryptionStarted) return;
        Start();
        Touch(command.TimeNs);
        _session.Commands++;
        _desynced = false;

        if (command.NormalizedVerb == "USER")
        {
            _session.User = command.Argument;
            string name = command.Argument.Trim();
            _session.Anonymous = name.Equals("anonymous", StringComparison.OrdinalIgnoreCase)
                || name.Equals("ftp", StringComparison.OrdinalIgnoreCase);
            _session.Login = LoginOutcome.Pending;
        }

        if (_pendingCount >= _maxPending)
        {
            var oldest = _pending[0];
            RemovePending(0, 1);
            _repliesOwed++;
            Report(AnomalyKind.PendingCommandLimit, command.Frame, command.TimeNs,
                $"{_maxPending} commands waiting for replies; gave up the oldest ({Verb(oldest.Command)} from frame {oldest.Command.Frame}); its reply will be reported as orphaned");
            Complete(oldest, null);
        }
        if (_pendingCount == _pending.Length) Array.Resize(ref _pending, _pending.Length * 2);
        _pending[_pendingCount++] = new PendingCommand(command, firstAfterClientGap: _clientGapOpen);
        _clientGapOpen = false;
        _transfers?.OnCommand(command);
    }

    public void OnReply(FtpReply reply)
    {
        ArgumentNullException.ThrowIfNull(reply);
        if (_session.Ended || EncryptionStarted) return;
        Start();
        Touch(reply.TimeNs);
        _session.Replies++;
        if (reply.Class is 4 or 5) _session.Errors++;
        var meaning = ReplyCodeCatalog.Lookup(reply.Code);

        if (IsGreeting(reply))
        {
            _sink.OnReply(new ReplyRecord(_session, reply, ReplyRole.Greeting, null, null, meaning, false));
            return;
        }
        _sawReply = true;

        if (_repliesOwed > 0)
        {
            // Replies come in command order: this one answers a command given up at the pending limit.
            if (!reply.IsPreliminary) _repliesOwed--;
            _sink.OnReply(new ReplyRecord(_session, reply, ReplyRole.Orphaned, null, null, meaning, false));
            return;
        }

        if (_serverGapExposed) GiveUpCommandsAnsweredInGap(reply);

        int owner = FindOwner(reply);
        if (owner < 0)
        {
            OnUnsolicited(reply, meaning, _desynced);
            return;
        }

        ref PendingCommand pending = ref _pending[owner];
        var command = pending.Command;
        if (pending.FirstAfterClientGap)
        {
            // Replies to commands lost in the gap come before this command's: one that is not valid for it answers one of those.
            if (ExpectedReplies.IsExpected(pending.Verb, reply.Code) == false)
            {
                OnUnsolicited(reply, meaning, afterGap: true);
                return;
            }
            pending.FirstAfterClientGap = false;
        }
        long latency = reply.TimeNs - pending.TimeNs;
        bool unexpected = ExpectedReplies.IsExpected(pending.Verb, reply.Code) == false;
        if (unexpected)
        {
            Report(AnomalyKind.UnexpectedReplyCode, reply.Frame, reply.TimeNs,
                string.Create(CultureInfo.InvariantCulture, $"reply {reply.Code} to {Verb(command)} (frame {command.Frame})"));
        }

        if (reply.IsPreliminary)
        {
            pending.Preliminaries++;
            _transfers?.OnPreliminary(command, pending.Verb, reply);
            _sink.OnReply(new ReplyRecord(_session, reply, ReplyRole.Preliminary, command, latency, meaning, unexpected));
            return;
        }

        int preliminaries = pending.Preliminaries;
        string verb = pending.Verb;
        RemovePending(owner, 1);
        ApplyFinalReply(verb, command, reply);
        _sink.OnReply(new ReplyRecord(_session, reply, ReplyRole.Final, command, latency, meaning, unexpected));
        _sink.OnCommandCompleted(new CommandRecord(_session, command, reply, preliminaries, latency));
        _transfers?.OnFinal(command, verb, reply);
    }

    /// <summary>
    /// Bytes were lost in <paramref name="direction"/>. Server to client: replies to some of the commands
    /// pending now were lost; the first reply after the gap decides which (see the class remarks).
    /// Client to server: commands were lost; replies that cannot belong to the commands seen are unsolicited.
    /// </summary>
    public void OnGap(FlowDirection direction, long frame, long timeNs)
    {
        if (_session.Ended || EncryptionStarted) return;
        Start();
        _greetingContinues = false;
        _gapReported = false;
        if (direction == FlowDirection.ServerToClient)
        {
            _sawReply = true; // a lost greeting is not waited for
            _repliesOwed = 0;
            for (int i = 0; i < _pendingCount; i++) _pending[i].PendingAtServerGap = true;
            _serverGapExposed = _pendingCount > 0;
            _serverGapFrame = frame;
            return;
        }
        _desynced = true;
        _clientGapOpen = true;
    }

    /// <summary>
    /// The first reply after a server-to-client gap: the commands pending at the gap that come before
    /// the oldest one this reply can answer had their replies in the gap; they are completed without one.
    /// </summary>
    private void GiveUpCommandsAnsweredInGap(FtpReply reply)
    {
        _serverGapExposed = false;
        int owner = -1;
        for (int i = 0; i < _pendingCount; i++)
        {
            ref readonly PendingCommand p = ref _pending[i];
            bool valid = ExpectedReplies.IsExpected(p.Verb, reply.Code) != false
                && !(reply.IsPreliminary && p.Preliminaries > 0);
            if (valid)
            {
                owner = i;
                break;
            }
            if (!p.PendingAtServerGap) break;
        }
        for (int i = 0; i < _pendingCount; i++) _pending[i].PendingAtServerGap = false;
        if (owner <= 0) return;

        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"gap in the server-to-client stream (frame {_serverGapFrame}): reply {reply.Code} paired with {Verb(_pending[owner].Command)} (frame {_pending[owner].Command.Frame}) by its code; ");
        sb.Append(CultureInfo.InvariantCulture, $"{owner} command(s) taken as answered in the gap, left without reply (");
        for (int i = 0; i < owner; i++)
        {
            if (i > 0) sb.Append(", ");
            if (i == 8) { sb.Append("..."); break; }
            sb.Append(Verb(_pending[i].Command));
        }
        sb.Append(')');
        Report(AnomalyKind.PairingBroken, reply.Frame, reply.TimeNs, sb.ToString());
        for (int i = 0; i < owner; i++) Complete(_pending[i], null);
        RemovePending(0, owner);
    }

    /// <summary>
    /// The session is over (connection closed, capture or log ended): commands still pending are
    /// reported without a reply, and the sink hears <see cref="IFtpSessionSink.OnSessionEnded"/> once.
    /// </summary>
    public void End(long frame, long timeNs)
    {
        if (_session.Ended) return;
        Start();
        if (timeNs > _session.EndNs) _session.EndNs = timeNs;
        for (int i = 0; i < _pendingCount; i++)
        {
            var p = _pending[i];
            string why = EncryptionStarted ? "the control connection became encrypted" : "the session ended";
            Report(AnomalyKind.CommandWithoutReply, p.Command.Frame, p.Command.TimeNs,
                string.Create(CultureInfo.InvariantCulture, $"{Verb(p.Command)} got no final reply before {why} (frame {frame})"));
            Complete(p, null);
        }
        RemovePending(0, _pendingCount);
        _transfers?.End();
        _session.Ended = true;
        _sink.OnSessionEnded(_session);
    }

    private bool IsGreeting(FtpReply reply)
    {
        if (_greetingContinues)
        {
            _greetingContinues = false;
            if (reply.Code is 220 or 421) return true;
        }
        if (_sawReply) return false;
        if (reply.Code is not (120 or 220 or 421)) return false;
        // A pending REIN owns a 120/220 (a capture that starts mid-session).
        if (reply.Code != 421 && _pendingCount > 0 && _pending[0].Verb == "REIN") return false;
        _sawReply = true;
        _greetingContinues = reply.Code == 120;
        return true;
    }

    /// <summary>Index in <see cref="_pending"/> of the command <paramref name="reply"/> answers; -1 when none.</summary>
    private int FindOwner(FtpReply reply)
    {
        while (_pendingCount > 0)
        {
            if (reply.IsPreliminary) return 0;
            ref PendingCommand head = ref _pending[0];

            if (head.AbortAnswered && ExpectedReplies.IsExpected(head.Verb, reply.Code) == false)
            {
                var given = head;
                RemovePending(0, 1);
                Report(AnomalyKind.CommandWithoutReply, given.Command.Frame, given.TimeNs,
                    string.Create(CultureInfo.InvariantCulture,
                        $"{Verb(given.Command)} was aborted and got no final reply before reply {reply.Code} (frame {reply.Frame})"));
                Complete(given, null);
                continue;
            }
            if (head.Preliminaries > 0 && FindAnsweredDuringTransfer(ref head, reply) is var other and > 0) return other;
            return 0;
        }
        return -1;
    }

    /// <summary>
    /// While the oldest command is a transfer that had its 1xx, a final reply may answer a command
    /// sent during the transfer (ABOR, STAT, NOOP ...): one the transfer cannot end with
    /// (<see cref="ExpectedReplies.IsValidAfterPreliminary"/>) goes to the first later command it
    /// is valid for, and a 226 that names ABOR goes to a pending ABOR. Returns that command's index, or -1.
    /// </summary>
    private int FindAnsweredDuringTransfer(ref PendingCommand head, FtpReply reply)
    {
        string headVerb = head.Verb;
        bool validForHead = (ExpectedReplies.IsValidAfterPreliminary(headVerb, reply.Code)
                             ?? ExpectedReplies.IsExpected(headVerb, reply.Code)) != false;
        for (int i = 1; i < _pendingCount; i++)
        {
            string verb = _pending[i].Verb;
            if (ExpectedReplies.IsExpected(verb, reply.Code) != true) continue;
            bool isAbor = verb == "ABOR";
            if (!validForHead || (isAbor && reply.Code == 226 && NamesAbort(reply.Text)))
            {
                if (isAbor) head.AbortAnswered = true;
                return i;
            }
        }
        return -1;
    }

    private static bool NamesAbort(string text) => text.Contains("ABOR", StringComparison.OrdinalIgnoreCase);

    private void OnUnsolicited(FtpReply reply, ReplyCodeInfo meaning, bool afterGap)
    {
        if (reply.Code != 421)
        {
            if (afterGap)
            {
                if (!_gapReported)
                {
                    Report(AnomalyKind.PairingBroken, reply.Frame, reply.TimeNs,
                        string.Create(CultureInfo.InvariantCulture,
                            $"reply {reply.Code} after a gap in the client-to-server stream answers a command lost in the gap; such replies are not paired"));
                    _gapReported = true;
                }
            }
            else
            {
                Report(AnomalyKind.UnsolicitedReply, reply.Frame, reply.TimeNs,
                    string.Create(CultureInfo.InvariantCulture, $"reply {reply.Code} with no command waiting for a reply"));
            }
        }
        _sink.OnReply(new ReplyRecord(_session, reply, ReplyRole.Unsolicited, null, null, meaning, false));
    }

    /// <summary>What a final reply changes in the session; <paramref name="verb"/> is the command's <see cref="FtpCommand.NormalizedVerb"/>.</summary>
    private void ApplyFinalReply(string verb, FtpCommand command, FtpReply reply)
    {
        int code = reply.Code;
        switch (verb)
        {
            case "USER":
            case "PASS":
            case "ACCT":
                ApplyLogin(verb, code);
                break;
            case "PWD":
            case "XPWD":
                if (code == 257) _session.WorkingDirectory = FtpPaths.ParseQuotedPath(reply.Text);
                break;
            case "CWD":
            case "XCWD":
                if (code is 200 or 250) _session.WorkingDirectory = FtpPaths.Resolve(_session.WorkingDirectory, command.Argument);
                break;
            case "CDUP":
            case "XCUP":
                if (code is 200 or 250) _session.WorkingDirectory = FtpPaths.Parent(_session.WorkingDirectory);
                break;
            case "AUTH":
                if (code == 234 && IsTlsMechanism(command.Argument)) _session.EncryptedFromFrame = reply.Frame;
                break;
            case "REIN":
                if (code == 220)
                {
                    _session.Login = LoginOutcome.None;
                    _session.WorkingDirectory = null;
                }
                break;
        }
    }

    private void ApplyLogin(string verb, int code)
    {
        if (code is 230 or 232)
        {
            if (_session.Login != LoginOutcome.Succeeded)
            {
                _session.Login = LoginOutcome.Succeeded;
                _session.LoginsSucceeded++;
                _session.WorkingDirectory = null; // the new user's home, unknown until PWD
            }
            return;
        }
        if (code is < 400 or > 599) return; // 331/332/336 keep it pending; 202 changes nothing
        bool attempt = _session.Login == LoginOutcome.Pending
            || (_session.Login == LoginOutcome.None && verb != "USER" && code is 530 or 430);
        if (attempt)
        {
            _session.Login = LoginOutcome.Failed;
            _session.LoginsFailed++;
        }
    }

    private static bool IsTlsMechanism(string argument)
    {
        var mech = argument.AsSpan().Trim();
        return mech.Equals("TLS", StringComparison.OrdinalIgnoreCase)
            || mech.Equals("SSL", StringComparison.OrdinalIgnoreCase)
            || mech.Equals("TLS-C", StringComparison.OrdinalIgnoreCase)
            || mech.Equals("TLS-P", StringComparison.OrdinalIgnoreCase);
    }

    private void Complete(in PendingCommand pending, FtpReply? final)
    {
        _sink.OnCommandCompleted(new CommandRecord(_session, pending.Command, final, pending.Preliminaries,
            final is null ? null : final.TimeNs - pending.TimeNs));
        _transfers?.OnFinal(pending.Command, pending.Verb, final);
    }

    /// <summary>Takes <paramref name="count"/> entries out of the queue from <paramref name="index"/> on; later ones move up.</summary>
    private void RemovePending(int index, int count)
    {
        int after = _pendingCount - index - count;
        if (after > 0) Array.Copy(_pending, index + count, _pending, index, after);
        _pendingCount -= count;
        // Cleared, so the queue holds no command it is done with.
        Array.Clear(_pending, _pendingCount, count);
    }

    private void Touch(long timeNs)
    {
        if (!_sawMessage)
        {
            _sawMessage = true;
            if (_session.StartNs == 0 || timeNs < _session.StartNs) _session.StartNs = timeNs;
        }
        else if (timeNs < _session.StartNs)
        {
            _session.StartNs = timeNs;
        }
        if (timeNs > _session.EndNs) _session.EndNs = timeNs;
    }

    private void Report(AnomalyKind kind, long frame, long timeNs, string detail)
    {
        // Counted on the session by SessionAnomalyRouter, with the other stages' anomalies.
        _anomalies.Report(new Anomaly(kind, frame, timeNs, _session.Id, detail));
    }

    /// <summary>The verb for an anomaly detail: printable ASCII only, short. Never the argument.</summary>
    private static string Verb(FtpCommand command)
    {
        string verb = command.NormalizedVerb;
        bool clean = verb.Length <= MaxVerbInDetail;
        foreach (char c in verb)
        {
            if (c is < ' ' or > '~') { clean = false; break; }
        }
        if (clean) return verb;
        var sb = new StringBuilder();
        foreach (char c in verb.AsSpan(0, Math.Min(verb.Length, MaxVerbInDetail)))
        {
            if (c is >= ' ' and <= '~') sb.Append(c);
            else sb.Append(CultureInfo.InvariantCulture, $"\\x{(int)c:X2}");
        }
        if (verb.Length > MaxVerbInDetail) sb.Append("...");
        return sb.ToString();
    }

    /// <summary>
    /// A command waiting for its final reply, held in the tracker's array. Its verb and time are
    /// copied from the command so that pairing a reply reads only this entry.
    /// </summary>
    private struct PendingCommand(FtpCommand command, bool firstAfterClientGap)
    {
        public readonly FtpCommand Command = command;
        /// <summary>The command's <see cref="FtpCommand.NormalizedVerb"/>.</summary>
        public readonly string Verb = command.NormalizedVerb;
        /// <summary>The command's <see cref="FtpCommand.TimeNs"/>.</summary>
        public readonly long TimeNs = command.TimeNs;
        public int Preliminaries;
        /// <summary>A later ABOR was answered while this (transfer) command still waited for its final reply.</summary>
        public bool AbortAnswered;
        /// <summary>Pending when replies were lost in a server-to-client gap: its reply may have been among them.</summary>
        public bool PendingAtServerGap;
        /// <summary>The first command after a client-to-server gap: replies to the lost commands come before its own.</summary>
        public bool FirstAfterClientGap = firstAfterClientGap;
    }
}
