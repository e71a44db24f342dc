using System.Runtime.CompilerServices;
using System.Text;

namespace Usrnet.Wire;

/// <summary>
/// The blocks of a SACK option (RFC 2018 §3), held inline: up to <see cref="MaxCount"/> blocks, no heap.
/// Build one with a collection expression (<c>[new(left, right), ...]</c>) or <see cref="Create"/>.
/// </summary>
/// <remarks>
/// RFC 2018 §4: the first block should report the most recently received data; the order given is the
/// order written, and when the blocks do not all fit in the header the last ones are left out
/// (<see cref="TcpOptions.Length"/>).
/// </remarks>
[CollectionBuilder(typeof(TcpSackBlocks), nameof(Create))]
internal readonly record struct TcpSackBlocks
{
    /// <summary>
    /// Most blocks one option can carry: 2 + 4 × 8 = 34 bytes fits the 40 bytes of TCP options, a fifth
    /// block would not (RFC 2018 §3).
    /// </summary>
    public const int MaxCount = 4;

    // Unused blocks stay default so that the synthesized equality compares only the blocks in use.
    private readonly TcpSackBlock _block0;
    private readonly TcpSackBlock _block1;
    private readonly TcpSackBlock _block2;
    private readonly TcpSackBlock _block3;
    private readonly int _count;

    private TcpSackBlocks(ReadOnlySpan<TcpSackBlock> blocks)
    {
        _count = blocks.Length;
        _block0 = blocks.Length > 0 ? blocks[0] : default;
        _block1 = blocks.Length > 1 ? blocks[1] : default;
        _block2 = blocks.Length > 2 ? blocks[2] : default;
        _block3 = blocks.Length > 3 ? blocks[3] : default;
    }

    /// <summary>Copies up to <see cref="MaxCount"/> blocks.</summary>
    /// <exception cref="ArgumentException">More than <see cref="MaxCount"/> blocks.</exception>
    public static TcpSackBlocks Create(ReadOnlySpan<TcpSackBlock> blocks)
    {
        if (blocks.Length > MaxCount)
        {
            throw new ArgumentException($"A SACK option carries at most {MaxCount} blocks.", nameof(blocks));
        }
        return new TcpSackBlocks(blocks);
    }

    /// <summary>Number of blocks, 0 to <see cref="MaxCount"/>.</summary>
    public int Count => _count;

    /// <summary>True when there are no blocks.</summary>
    public bool IsEmpty => _count == 0;

    /// <summary>The block at <paramref name="index"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is not below <see cref="Count"/>.</exception>
    public TcpSackBlock this[int index]
    {
        get
        {
            ArgumentOutOfRangeException.ThrowIfNegative(index);
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, _count);
            return index switch
            {
                0 => _block0,
                1 => _block1,
                2 => _block2,
                _ => _block3,
            };
        }
    }

    /// <summary>The first <paramref name="count"/> blocks (all of them when there are fewer).</summary>
    public TcpSackBlocks Take(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (count >= _count)
        {
            return this;
        }
        Span<TcpSackBlock> blocks = [_block0, _block1, _block2, _block3];
        return new TcpSackBlocks(blocks[..count]);
    }

    /// <summary>Enumerates the blocks in order without allocating.</summary>
    public Enumerator GetEnumerator() => new(this);

    /// <summary>The blocks as tcpdump prints them: <c>{l-r l-r}</c>.</summary>
    public override string ToString()
    {
        var text = new StringBuilder("{");
        for (int i = 0; i < _count; i++)
        {
            text.Append(i == 0 ? "" : " ").Append(this[i].ToString());
        }
        return text.Append('}').ToString();
    }

    /// <summary>Enumerator over the blocks of a <see cref="TcpSackBlocks"/>.</summary>
    public struct Enumerator
    {
        private readonly TcpSackBlocks _blocks;
        private int _index;

        internal Enumerator(TcpSackBlocks blocks)
        {
            _blocks = blocks;
            _index = -1;
        }

        /// <summary>The current block.</summary>
        public readonly TcpSackBlock Current => _blocks[_index];

        /// <summary>Moves to the next block; false after the last.</summary>
        public bool MoveNext() => ++_index < _blocks.Count;
    }
}
