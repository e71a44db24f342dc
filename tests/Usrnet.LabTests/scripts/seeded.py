#!/usr/bin/python3
"""Deterministic test data for the TCP lab scripts: a byte stream named by a seed, any slice of which
can be computed on its own (blocks of 64 KiB, block k from random.Random(f"{seed}:{k}")), so a
receiver can check what arrives against what was sent without keeping it.

As a module: SeededData(seed).read(offset, n).  As a program, writes a file and prints its SHA-256:

    /usr/bin/python3 seeded.py FILE --bytes N --seed S      ->  "N bytes sha256 HEX"
"""

import argparse
import hashlib
import random
import sys

BLOCK = 64 * 1024


class SeededData:
    """The stream of seed; keeps one block cached (readers and writers move forward)."""

    def __init__(self, seed: str) -> None:
        self.seed = seed
        self._index = -1
        self._block = b""

    def _get(self, k: int) -> bytes:
        if k != self._index:
            self._block = random.Random(f"{self.seed}:{k}").randbytes(BLOCK)
            self._index = k
        return self._block

    def read(self, offset: int, n: int) -> bytes:
        """n bytes from offset (fewer never: the stream is endless)."""
        parts = []
        while n > 0:
            k, start = divmod(offset, BLOCK)
            take = min(n, BLOCK - start)
            parts.append(self._get(k)[start:start + take])
            offset += take
            n -= take
        return b"".join(parts)


def first_mismatch(expected: bytes, got: bytes) -> int:
    """Index of the first differing byte of two equal-length buffers (-1 if equal)."""
    if expected == got:
        return -1
    for i, (a, b) in enumerate(zip(expected, got)):
        if a != b:
            return i
    return min(len(expected), len(got))


def main() -> int:
    parser = argparse.ArgumentParser(description="Write N bytes of seeded data to FILE and print its SHA-256.")
    parser.add_argument("file")
    parser.add_argument("--bytes", type=int, required=True)
    parser.add_argument("--seed", default="1")
    args = parser.parse_args()
    data = SeededData(args.seed)
    digest = hashlib.sha256()
    with open(args.file, "wb") as f:
        offset = 0
        while offset < args.bytes:
            chunk = data.read(offset, min(1 << 20, args.bytes - offset))
            f.write(chunk)
            digest.update(chunk)
            offset += len(chunk)
    print(f"{args.bytes} bytes sha256 {digest.hexdigest()}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
