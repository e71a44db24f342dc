using System.Buffers.Binary;

namespace Usrnet.Wire;

/// <summary>
/// A view over a DNS message (RFC 1035 §4.1): header, question, answer, authority and additional
/// sections. <see cref="TryParse"/> checks the whole message once, so walking its questions and records
/// cannot fail later; <see cref="WriteQuery"/> builds a standard query.
/// </summary>
/// <remarks>
/// <code>
/// +---------------------+
/// |        Header       |
/// +---------------------+
/// |       Question      | the question for the name server
/// +---------------------+
/// |        Answer       | RRs answering the question
/// +---------------------+
/// |      Authority      | RRs pointing toward an authority
/// +---------------------+
/// |      Additional     | RRs holding additional information
/// +---------------------+
/// </code>
/// Parsing allocates nothing and never throws: a message whose counts promise more than its bytes
/// hold, or whose names or RDATA are malformed, is refused as a whole.
/// </remarks>
internal readonly ref struct DnsMessage
{
    /// <summary>Largest message over UDP without EDNS (RFC 1035 §2.3.4, §4.2.1); longer answers come truncated.</summary>
    public const int MaxUdpLength = 512;

    /// <summary>Largest message at all: what the two-octet TCP length prefix can say (RFC 1035 §4.2.2).</summary>
    public const int MaxLength = ushort.MaxValue;

    private readonly int _recordsOffset;

    private DnsMessage(ReadOnlySpan<byte> buffer, DnsHeader header, int recordsOffset, int recordCount)
    {
        Buffer = buffer;
        Header = header;
        _recordsOffset = recordsOffset;
        RecordCount = recordCount;
    }

    /// <summary>The message's bytes.</summary>
    public ReadOnlySpan<byte> Buffer { get; }

    /// <summary>The header.</summary>
    public DnsHeader Header { get; }

    /// <summary>
    /// Records that can be read: the sum of ANCOUNT, NSCOUNT and ARCOUNT, or fewer in a truncated message
    /// (TC set) that ends inside a record.
    /// </summary>
    public int RecordCount { get; }

    /// <summary>False for a truncated message whose records are not all there.</summary>
    public bool IsComplete => RecordCount == Header.AnswerCount + Header.AuthorityCount + Header.AdditionalCount;

    /// <summary>The entries of the question section.</summary>
    public QuestionEnumerator Questions => new(Buffer, Header.QuestionCount);

    /// <summary>The records of all three record sections, in order, each with its <see cref="DnsResourceRecord.Section"/>.</summary>
    public RecordEnumerator Records => new(Buffer, _recordsOffset, RecordCount, Header.AnswerCount, Header.AuthorityCount);

    /// <summary>
    /// Checks a whole message: a header, then as many well-formed questions and records as its counts
    /// say (see <see cref="DnsResourceRecord"/> for what is checked in a record). Bytes after the last
    /// record are ignored. One leniency: when TC is set, records may stop early (a server cuts a
    /// truncated answer where it likes, RFC 2181 §9), and <see cref="RecordCount"/> says how many are whole;
    /// the questions must still be whole.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> buffer, out DnsMessage message)
    {
        message = default;
        if (!DnsHeader.TryParse(buffer, out DnsHeader header))
        {
            return false;
        }
        int offset = DnsHeader.Length;
        for (int i = 0; i < header.QuestionCount; i++)
        {
            if (!DnsQuestion.TryRead(buffer, offset, out _, out offset))
            {
                return false;
            }
        }
        int recordsOffset = offset;
        int total = header.AnswerCount + header.AuthorityCount + header.AdditionalCount;
        int count = 0;
        for (; count < total; count++)
        {
            if (!DnsResourceRecord.TryRead(buffer, offset, SectionOf(count, header.AnswerCount, header.AuthorityCount), out _, out int next))
            {
                if (!header.IsTruncated)
                {
                    return false;
                }
                break;
            }
            offset = next;
        }
        message = new DnsMessage(buffer, header, recordsOffset, count);
        return true;
    }

    /// <summary>The first question, if the message has one.</summary>
    public bool TryGetQuestion(out DnsQuestion question)
    {
        question = default;
        return Header.QuestionCount > 0 && DnsQuestion.TryRead(Buffer, DnsHeader.Length, out question, out _);
    }

    /// <summary>Length of the query <see cref="WriteQuery"/> writes for <paramref name="name"/> (an uncompressed wire name).</summary>
    public static int GetQueryLength(ReadOnlySpan<byte> name) => DnsHeader.Length + name.Length + DnsQuestion.FixedLength;

    /// <summary>
    /// Writes a standard query (RFC 1035 §4.1.1, §4.1.2) with one question for <paramref name="name"/>, an
    /// uncompressed wire name (see <see cref="DnsName.TryEncode"/>), and returns its length. RD is set by
    /// default: a stub resolver asks a recursive server to do the work (RFC 1034 §5.3.1). No EDNS record
    /// is added, so answers over UDP are at most <see cref="MaxUdpLength"/> bytes.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="name"/> is not a valid wire name, or <paramref name="destination"/> is too short.</exception>
    public static int WriteQuery(Span<byte> destination, ushort id, ReadOnlySpan<byte> name, DnsRecordType type, DnsClass @class = DnsClass.Internet, bool recursionDesired = true)
    {
        if (!DnsName.IsValid(name))
        {
            throw new ArgumentException("not an uncompressed wire-format domain name", nameof(name));
        }
        int length = GetQueryLength(name);
        if (destination.Length < length)
        {
            throw new ArgumentException("buffer shorter than the query", nameof(destination));
        }
        DnsHeader.Query(id, recursionDesired).WriteTo(destination);
        name.CopyTo(destination[DnsHeader.Length..]);
        int fixedOffset = DnsHeader.Length + name.Length;
        BinaryPrimitives.WriteUInt16BigEndian(destination[fixedOffset..], (ushort)type);
        BinaryPrimitives.WriteUInt16BigEndian(destination[(fixedOffset + 2)..], (ushort)@class);
        return length;
    }

    private static DnsSection SectionOf(int index, int answers, int authorities) =>
        index < answers ? DnsSection.Answer : index < answers + authorities ? DnsSection.Authority : DnsSection.Additional;

    /// <summary>Walks the question section of a checked message.</summary>
    public ref struct QuestionEnumerator
    {
        private readonly ReadOnlySpan<byte> _buffer;
        private readonly int _count;
        private int _index;
        private int _next;

        internal QuestionEnumerator(ReadOnlySpan<byte> buffer, int count)
        {
            _buffer = buffer;
            _count = count;
            _index = 0;
            _next = DnsHeader.Length;
            Current = default;
        }

        /// <summary>The current question.</summary>
        public DnsQuestion Current { get; private set; }

        /// <summary>Moves to the next question; false after the last.</summary>
        public bool MoveNext()
        {
            if (_index >= _count || !DnsQuestion.TryRead(_buffer, _next, out DnsQuestion question, out _next))
            {
                return false;
            }
            _index++;
            Current = question;
            return true;
        }

        /// <summary>Returns this enumerator, for <c>foreach</c>.</summary>
        public readonly QuestionEnumerator GetEnumerator() => this;
    }

    /// <summary>Walks the answer, authority and additional records of a checked message.</summary>
    public ref struct RecordEnumerator
    {
        private readonly ReadOnlySpan<byte> _buffer;
        private readonly int _count;
        private readonly int _answers;
        private readonly int _authorities;
        private int _index;
        private int _next;

        internal RecordEnumerator(ReadOnlySpan<byte> buffer, int offset, int count, int answers, int authorities)
        {
            _buffer = buffer;
            _count = count;
            _answers = answers;
            _authorities = authorities;
            _index = 0;
            _next = offset;
            Current = default;
        }

        /// <summary>The current record.</summary>
        public DnsResourceRecord Current { get; private set; }

        /// <summary>Moves to the next record; false after the last.</summary>
        public bool MoveNext()
        {
            if (_index >= _count || !DnsResourceRecord.TryRead(_buffer, _next, SectionOf(_index, _answers, _authorities), out DnsResourceRecord record, out _next))
            {
                return false;
            }
            _index++;
            Current = record;
            return true;
        }

        /// <summary>Returns this enumerator, for <c>foreach</c>.</summary>
        public readonly RecordEnumerator GetEnumerator() => this;
    }
}
