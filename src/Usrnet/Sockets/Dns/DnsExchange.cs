using System.Net.Sockets;
using Usrnet.Sockets.Tcp;
using Usrnet.Wire;

namespace Usrnet.Sockets.Dns;

/// <summary>
/// One question put to the servers until one of them answers it: over UDP from a fresh socket on a
/// random port with a random ID (RFC 5452 §9.2, §10), retransmitted to each server in turn with a wait
/// that doubles after each round (RFC 1035 §7.2), and over TCP to the same server when the UDP answer
/// was truncated (RFC 1035 §4.2.1, RFC 7766 §5).
/// </summary>
/// <remarks>
/// A datagram is used only if it comes from port 53 of a server this exchange asked, is a response with
/// our ID, and repeats our question (RFC 5452 §9.1); everything else is counted and dropped. SERVFAIL,
/// REFUSED, NOTIMP and FORMERR mean "ask the next server"; the exchange fails with that code only when
/// every server gave one. Ownership: the exchange owns its UDP and TCP sockets and disposes them when it
/// completes.
/// </remarks>
internal sealed class DnsExchange : IDisposable
{
    /// <summary>Plenty for answers of at most 512 bytes (RFC 1035 §4.2.1) and a few stray datagrams.</summary>
    private static readonly SocketBufferOptions s_udpBuffers = new() { ReceivePackets = 16, ReceiveBytes = 32 * 1024, SendPackets = 4, SendBytes = 2 * 1024 };

    /// <summary>A query is at most 12 + 255 + 4 bytes; an answer at most 65535 plus its length prefix.</summary>
    private static readonly TcpSocketOptions s_tcpOptions = new()
    {
        SendBufferSize = 1024,
        ReceiveBufferSize = DnsTcpFraming.PrefixLength + DnsMessage.MaxLength,
        NoDelay = true,
    };

    private readonly SocketSet _sockets;
    private readonly DnsResolverOptions _options;
    private readonly DnsResolverCounters _counters;
    private readonly byte[] _query; // length prefix, then the query: TCP sends it all, UDP from the prefix on
    private readonly byte[] _name;
    private readonly DnsRecordType _type;
    private readonly ushort _id;
    private readonly Ipv4Address[] _servers;
    private readonly bool[] _serverGaveUp;
    private readonly List<Ipv4Address> _asked = [];
    private int _attempts;
    private int _serverIndex = -1;
    private Instant _deadline;
    private UdpSocket? _udp;
    private TcpSocket? _tcp;
    private Ipv4Address _tcpServer;
    private bool _tcpQuerySent;
    private byte[]? _tcpBuffer;
    private int _tcpReceived;
    private DnsError _failure = DnsError.Timeout;

    /// <summary>Sends the first query (to the first server) at once; the interface transmits it at its next poll.</summary>
    public DnsExchange(SocketSet sockets, DnsResolverOptions options, DnsResolverCounters counters, ReadOnlySpan<byte> name, DnsRecordType type, ushort id, Ipv4Address[] servers, Instant now)
    {
        _sockets = sockets;
        _options = options;
        _counters = counters;
        _name = name.ToArray();
        _type = type;
        _id = id;
        _servers = servers;
        _serverGaveUp = new bool[servers.Length];
        int length = DnsMessage.GetQueryLength(name);
        _query = new byte[DnsTcpFraming.PrefixLength + length];
        DnsTcpFraming.WritePrefix(_query, length);
        DnsMessage.WriteQuery(_query.AsSpan(DnsTcpFraming.PrefixLength), id, name, type);
        SendNextAttempt(now);
    }

    /// <summary>True once answered or failed; the sockets are gone then.</summary>
    public bool IsComplete { get; private set; }

    /// <summary>The answer (NOERROR or NXDOMAIN) once complete without error.</summary>
    public DnsResponse? Response { get; private set; }

    /// <summary><see cref="DnsError.None"/> with a <see cref="Response"/>, or why there is none.</summary>
    public DnsError Error { get; private set; }

    /// <summary>The server that answered.</summary>
    public Ipv4Address Server { get; private set; }

    /// <summary>How the answer came.</summary>
    public DnsTransport Transport { get; private set; }

    /// <summary>When the exchange next needs polling if nothing arrives: the current attempt's deadline.</summary>
    public Instant? PollAt => IsComplete ? null : _deadline;

    /// <summary>
    /// Reads what arrived on the sockets, sends the TCP query once connected, and moves to the next
    /// attempt when the current one failed or timed out. <paramref name="scratch"/> receives datagrams.
    /// </summary>
    public void Poll(Instant now, Ipv4Address? localAddress, byte[] scratch)
    {
        if (IsComplete)
        {
            return;
        }
        if (_udp is not null)
        {
            while (!IsComplete && _udp is not null && _udp.TryReceiveFrom(scratch, out int length, out Ipv4Endpoint from))
            {
                OnDatagram(now, localAddress, from, scratch.AsSpan(0, Math.Min(length, scratch.Length)));
            }
            if (!IsComplete && _udp is not null && _udp.TryTakeError(out SocketError error))
            {
                // ICMP unreachable, or no answer to ARP: this attempt is over, whichever server it concerned.
                AttemptFailed(now, error == SocketError.ConnectionRefused ? DnsError.ConnectionRefused : DnsError.ServerUnreachable);
            }
        }
        if (!IsComplete && _tcp is not null)
        {
            PollTcp(now);
        }
        if (!IsComplete && now >= _deadline)
        {
            _counters.Timeouts++;
            AttemptFailed(now, DnsError.Timeout);
        }
    }

    /// <summary>Closes the sockets; the exchange is then complete (with <see cref="DnsError.Cancelled"/> if it was not already).</summary>
    public void Dispose()
    {
        if (!IsComplete)
        {
            Complete(DnsError.Cancelled);
        }
    }

    private void SendNextAttempt(Instant now)
    {
        if (_attempts >= _options.Attempts || !TryNextServer(out int index))
        {
            Complete(_failure);
            return;
        }
        _serverIndex = index;
        Ipv4Address server = _servers[index];
        if (_udp is null)
        {
            _udp = _sockets.CreateUdpSocket(s_udpBuffers);
            try
            {
                _udp.Bind(0); // RFC 5452 §9.2: a random source port (SocketSet draws it per RFC 6056)
            }
            catch (SocketException)
            {
                Complete(DnsError.NetworkUnreachable); // every ephemeral port is taken
                return;
            }
        }
        _udp.TrySendTo(_query.AsSpan(DnsTcpFraming.PrefixLength), new Ipv4Endpoint(server, DnsResolver.ServerPort));
        if (!_asked.Contains(server))
        {
            _asked.Add(server);
        }
        _counters.QueriesSent++;
        if (_attempts > 0)
        {
            _counters.Retransmissions++;
        }
        _deadline = now + AttemptTimeout(_attempts);
        _attempts++;
    }

    /// <summary>RFC 1035 §7.2: the same wait for each server of a round, doubled for the next round.</summary>
    private TimeSpan AttemptTimeout(int attempt)
    {
        int round = attempt / _servers.Length;
        TimeSpan timeout = _options.InitialTimeout;
        for (int i = 0; i < round && timeout < _options.MaxTimeout; i++)
        {
            timeout += timeout;
        }
        return timeout < _options.MaxTimeout ? timeout : _options.MaxTimeout;
    }

    /// <summary>The next server in turn that has not answered with an error code.</summary>
    private bool TryNextServer(out int index)
    {
        for (int i = 1; i <= _servers.Length; i++)
        {
            index = (_serverIndex + i) % _servers.Length;
            if (!_serverGaveUp[index])
            {
                return true;
            }
        }
        index = -1;
        return false;
    }

    private void OnDatagram(Instant now, Ipv4Address? localAddress, Ipv4Endpoint from, ReadOnlySpan<byte> datagram)
    {
        if (from.Port != DnsResolver.ServerPort || !_asked.Contains(from.Address))
        {
            _counters.DroppedMismatched++; // RFC 5452 §9.1: the source must be a server we asked
            return;
        }
        if (!TryAccept(datagram, out DnsMessage message))
        {
            return;
        }
        if (message.Header.IsTruncated)
        {
            _counters.Truncated++;
            StartTcp(now, localAddress, from.Address);
            return;
        }
        OnAnswer(now, message, from.Address, DnsTransport.Udp);
    }

    /// <summary>
    /// Checks that a message answers our query (RFC 5452 §9.1: a response, our ID, our question) and
    /// parses; counts and drops it otherwise.
    /// </summary>
    private bool TryAccept(ReadOnlySpan<byte> bytes, out DnsMessage message)
    {
        message = default;
        if (!DnsHeader.TryParse(bytes, out DnsHeader header))
        {
            _counters.DroppedMalformed++;
            NoteFailure(DnsError.Malformed);
            return false;
        }
        if (!header.IsResponse || header.Id != _id || header.Opcode != DnsOpcode.Query)
        {
            _counters.DroppedMismatched++;
            return false;
        }
        if (!DnsMessage.TryParse(bytes, out message))
        {
            _counters.DroppedMalformed++;
            NoteFailure(DnsError.Malformed);
            return false;
        }
        if (header.QuestionCount != 1 || !message.TryGetQuestion(out DnsQuestion question)
            || question.Type != _type || question.Class != DnsClass.Internet || !question.NameEquals(_name))
        {
            _counters.DroppedMismatched++;
            return false;
        }
        return true;
    }

    private void OnAnswer(Instant now, in DnsMessage message, Ipv4Address server, DnsTransport transport)
    {
        _counters.ResponsesAccepted++;
        DnsResponseCode code = message.Header.ResponseCode;
        if (code is DnsResponseCode.NoError or DnsResponseCode.NameError)
        {
            Response = DnsResponse.FromMessage(message);
            Server = server;
            Transport = transport;
            Complete(DnsError.None);
            return;
        }
        // The server could not answer: ask the next one (RFC 1035 §7.2, and what stub resolvers do).
        int index = Array.IndexOf(_servers, server);
        if (index >= 0)
        {
            _serverGaveUp[index] = true;
        }
        NoteFailure(code switch
        {
            DnsResponseCode.Refused => DnsError.Refused,
            DnsResponseCode.NotImplemented => DnsError.NotImplemented,
            DnsResponseCode.FormatError => DnsError.FormatError,
            _ => DnsError.ServerFailure,
        });
        CloseTcp();
        SendNextAttempt(now);
    }

    private void StartTcp(Instant now, Ipv4Address? localAddress, Ipv4Address server)
    {
        // RFC 7766 §5: ask the same server again over TCP; the truncated UDP answer is not used.
        _udp?.Dispose();
        _udp = null;
        if (localAddress is null)
        {
            AttemptFailed(now, DnsError.NetworkUnreachable);
            return;
        }
        _tcp = _sockets.CreateTcpSocket(s_tcpOptions);
        _tcpServer = server;
        _tcpQuerySent = false;
        _tcpReceived = 0;
        _counters.TcpConnections++;
        try
        {
            _tcp.Connect(now, new Ipv4Endpoint(server, DnsResolver.ServerPort));
        }
        catch (SocketException)
        {
            AttemptFailed(now, DnsError.ServerUnreachable);
            return;
        }
        _deadline = now + _options.TcpTimeout;
    }

    private void PollTcp(Instant now)
    {
        TcpSocket tcp = _tcp!;
        if (tcp.Error != SocketError.Success)
        {
            AttemptFailed(now, tcp.Error == SocketError.ConnectionRefused ? DnsError.ConnectionRefused : DnsError.ServerUnreachable);
            return;
        }
        if (!_tcpQuerySent && tcp.CanSend)
        {
            tcp.Send(_query); // fits: the send buffer is larger than any query
            _tcpQuerySent = true;
        }
        _tcpBuffer ??= new byte[DnsTcpFraming.PrefixLength + DnsMessage.MaxLength];
        try
        {
            int read;
            while (_tcpReceived < _tcpBuffer.Length && (read = tcp.Receive(_tcpBuffer.AsSpan(_tcpReceived))) > 0)
            {
                _tcpReceived += read;
            }
        }
        catch (SocketException)
        {
            AttemptFailed(now, DnsError.ServerUnreachable);
            return;
        }
        if (DnsTcpFraming.TryReadMessage(_tcpBuffer.AsSpan(0, _tcpReceived), out ReadOnlySpan<byte> bytes, out _))
        {
            if (TryAccept(bytes, out DnsMessage message))
            {
                OnAnswer(now, message, _tcpServer, DnsTransport.Tcp);
            }
            else
            {
                AttemptFailed(now, DnsError.Malformed); // on a connection to the server itself: a broken answer
            }
        }
        else if (tcp.IsReceiveComplete && _tcpQuerySent)
        {
            AttemptFailed(now, _tcpReceived > 0 ? DnsError.Malformed : DnsError.ServerUnreachable);
        }
    }

    private void AttemptFailed(Instant now, DnsError error)
    {
        NoteFailure(error);
        CloseTcp();
        SendNextAttempt(now);
    }

    /// <summary>
    /// Keeps the most telling reason for a failure: an error code from a server over a malformed answer,
    /// and either over a transport failure (of which the latest wins).
    /// </summary>
    private void NoteFailure(DnsError error)
    {
        if (Rank(error) >= Rank(_failure))
        {
            _failure = error;
        }

        static int Rank(DnsError e) => e switch
        {
            DnsError.ServerFailure or DnsError.Refused or DnsError.NotImplemented or DnsError.FormatError => 2,
            DnsError.Malformed => 1,
            _ => 0,
        };
    }

    private void CloseTcp()
    {
        if (_tcp is not null)
        {
            _tcp.Abort();
            _tcp.Dispose();
            _tcp = null;
        }
    }

    private void Complete(DnsError error)
    {
        IsComplete = true;
        Error = error;
        _udp?.Dispose();
        _udp = null;
        if (_tcp is not null)
        {
            // An answered connection closes gracefully (RFC 7766 §6.2.3: the client may close); any other is reset.
            if (error != DnsError.None)
            {
                _tcp.Abort();
            }
            _tcp.Dispose();
            _tcp = null;
        }
    }
}
