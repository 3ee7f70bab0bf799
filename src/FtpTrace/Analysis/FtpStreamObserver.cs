using FtpTrace.Diagnostics;
using FtpTrace.Flows;
using FtpTrace.Sessions;

namespace FtpTrace.Analysis;

/// <summary>
/// Decides which TCP connections are FTP control connections and gives each one a
/// <see cref="FtpConnectionHandler"/>: connections to a configured FTP port at once, others
/// (when detection is on) after their first bytes show an FTP dialogue. Before that, a connection
/// a session announced (PASV/EPSV/PORT/EPRT...) or awaits for a transfer is recognised as a data
/// connection (<see cref="DataChannelTable"/>) and gets a handler that only notes its open and close.
/// </summary>
public sealed class FtpStreamObserver : ITcpStreamObserver
{
    private readonly string _label;
    private readonly AnalysisOptions _options;
    private readonly IFtpSessionSink _sink;
    private readonly IAnomalySink _anomalies;
    private readonly DataChannelTable _dataChannels;

    public FtpStreamObserver(string label, AnalysisOptions options, IFtpSessionSink sink, IAnomalySink anomalies)
    {
        _label = label;
        _options = options;
        _sink = sink;
        _anomalies = anomalies;
        _dataChannels = new DataChannelTable(options.Limits.ConnectionIdleTimeoutNs);
    }

    /// <summary>Where the sessions of this capture register the data connections they expect.</summary>
    internal IDataChannelRegistry DataChannels => _dataChannels;

    /// <summary>Connections recognised as data connections so far.</summary>
    public long DataConnections { get; private set; }

    /// <summary>FTP control connections found so far.</summary>
    public long FtpConnections { get; internal set; }

    public ITcpStreamHandler? OnConnectionOpened(TcpConnection connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        if (_dataChannels.Match(connection, _options.FtpPorts) is { } channel)
        {
            DataConnections++;
            return new DataConnectionHandler(channel);
        }
        bool known = _options.FtpPorts.Contains(connection.Server.Port) || _options.FtpPorts.Contains(connection.Client.Port);
        if (!known && !_options.DetectFtpOnOtherPorts) return null;
        var handler = new FtpConnectionHandler(this, _label, _options.Limits, _sink, _anomalies, detect: !known, joinedMidStream: !connection.SawSyn);
        if (known) handler.StartNow(connection);
        return handler;
    }
}
