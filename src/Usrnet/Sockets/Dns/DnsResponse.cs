using Usrnet.Wire;

namespace Usrnet.Sockets.Dns;

/// <summary>
/// What one answer said about one question, copied out of the message so it can be cached: the RCODE,
/// the answer section's IN records, and the TTL for a negative answer (RFC 2308 §5).
/// </summary>
internal sealed class DnsResponse
{
    private DnsResponse(DnsResponseCode responseCode, IReadOnlyList<DnsRecord> answers, TimeSpan? negativeTimeToLive)
    {
        ResponseCode = responseCode;
        Answers = answers;
        NegativeTimeToLive = negativeTimeToLive;
    }

    /// <summary>NoError or NameError: the only codes that answer the question (others are server failures).</summary>
    public DnsResponseCode ResponseCode { get; }

    /// <summary>The answer section's IN records, in message order.</summary>
    public IReadOnlyList<DnsRecord> Answers { get; }

    /// <summary>
    /// For a negative answer with an SOA record in the authority section: the lesser of the SOA record's
    /// TTL and its MINIMUM field (RFC 2308 §5). Null without one.
    /// </summary>
    public TimeSpan? NegativeTimeToLive { get; }

    /// <summary>Copies the parts of a checked message the resolver uses.</summary>
    public static DnsResponse FromMessage(in DnsMessage message)
    {
        List<DnsRecord> answers = [];
        TimeSpan? negative = null;
        foreach (DnsResourceRecord record in message.Records)
        {
            if (record.Section == DnsSection.Answer && DnsRecord.TryCreate(record, out DnsRecord? copy))
            {
                answers.Add(copy!);
            }
            else if (record.Section == DnsSection.Authority && record.Class == DnsClass.Internet && record.TryGetSoaMinimum(out uint minimum))
            {
                negative = TimeSpan.FromSeconds(Math.Min(minimum > int.MaxValue ? 0 : minimum, record.TimeToLive));
            }
        }
        return new DnsResponse(message.Header.ResponseCode, answers, negative);
    }

    /// <summary>A copy with every TTL lowered by <paramref name="age"/>, as a cache hands it out.</summary>
    public DnsResponse Aged(TimeSpan age)
    {
        if (age <= TimeSpan.Zero)
        {
            return this;
        }
        DnsRecord[] answers = new DnsRecord[Answers.Count];
        for (int i = 0; i < answers.Length; i++)
        {
            answers[i] = Answers[i].Aged(age);
        }
        TimeSpan? negative = NegativeTimeToLive is { } n ? (n > age ? n - age : TimeSpan.Zero) : null;
        return new DnsResponse(ResponseCode, answers, negative);
    }
}
