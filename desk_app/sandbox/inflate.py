"""Child side: how large a stream's whole filter chain decodes to, in little memory.

A stream may name several filters (``[/FlateDecode /FlateDecode]``, Flate behind RunLength or
LZW, text encodings around either): only the last layer's size says whether it is a bomb, and
only decoding every layer finds it. Each decoder here is a generator over the previous layer's
pieces that yields pieces of its own of at most about :data:`CHUNK` bytes, so a chain holds a few
chunks at a time whatever it inflates to, and the count stops at the cap. A damaged layer ends
where it breaks (as MuPDF's decoders do) instead of raising. Predictors (``DecodeParms``) never
add bytes and are left out.
"""

from __future__ import annotations

import base64
import binascii
import re
import zlib
from collections.abc import Callable, Iterable, Iterator

CHUNK = 64 * 1024

Pieces = Iterator[bytes]


class _PastCap(Exception):
    """A layer decoded to more than the cap (the count stops there)."""


def _flate(pieces: Iterable[bytes]) -> Pieces:
    inflater = zlib.decompressobj()  # a zlib header, as MuPDF requires
    try:
        for piece in pieces:
            pending = piece
            while pending and not inflater.eof:
                out = inflater.decompress(pending, CHUNK)
                if not out and len(inflater.unconsumed_tail) == len(pending):
                    return  # no progress: nothing more will come out
                pending = inflater.unconsumed_tail
                yield out
            if inflater.eof:
                return
        while not inflater.eof and (out := inflater.decompress(b"", CHUNK)):
            yield out
    except zlib.error:
        return


_NOT_HEX = re.compile(rb"[^0-9A-Fa-f>]")


def _ascii_hex(pieces: Iterable[bytes]) -> Pieces:
    carry = b""
    for piece in pieces:
        digits, end, _rest = (carry + _NOT_HEX.sub(b"", piece)).partition(b">")
        whole = len(digits) & ~1
        yield binascii.unhexlify(digits[:whole])
        carry = digits[whole:]
        if end:
            break
    if carry:
        yield binascii.unhexlify(carry + b"0")  # an odd last digit is followed by a zero


_NOT_A85 = re.compile(rb"[^!-uz~]")
_A85_GROUPS = re.compile(rb"(?:z|[!-u]{5})*")


def _ascii85(pieces: Iterable[bytes]) -> Pieces:
    """ASCII85, where one ``z`` stands for four zero bytes (so this one can expand)."""
    carry = b""
    try:
        for piece in pieces:
            text, end, _rest = (carry + _NOT_A85.sub(b"", piece)).partition(b"~")
            whole = _A85_GROUPS.match(text)
            cut = whole.end() if whole else 0
            yield base64.a85decode(text[:cut])
            carry = text[cut:]
            if end or len(carry) >= 5:
                break  # the end mark, or a character out of place (MuPDF stops there too)
        yield base64.a85decode(carry[:4])
    except ValueError:
        return


def _run_length(pieces: Iterable[bytes]) -> Pieces:
    """RunLength: a length byte, then that many + 1 bytes, or one byte repeated 257 - it."""
    carry = b""
    for piece in pieces:
        data, at, out = carry + piece, 0, bytearray()
        while at < len(data) and data[at] != 128:
            length = data[at]
            size = length + 2 if length < 128 else 2
            if at + size > len(data):
                break  # the run goes on in the next piece
            out += (
                data[at + 1 : at + size] if length < 128 else data[at + 1 : at + 2] * (257 - length)
            )
            at += size
            if len(out) >= CHUNK:
                yield bytes(out)
                out.clear()
        yield bytes(out)
        if at < len(data) and data[at] == 128:
            return
        carry = data[at:]
    if carry[:1] and carry[0] < 128:
        yield carry[1:]  # a literal run cut short by the end of the data, as MuPDF keeps it


def _lzw(pieces: Iterable[bytes], early: int = 1) -> Pieces:
    """LZW as PDF writes it: 9- to 12-bit codes, most significant bit first, 256 clears the
    table, 257 ends; ``early`` is the ``EarlyChange`` parameter (1 unless given as 0)."""
    table: list[bytes] = [bytes([i]) for i in range(256)] + [b"", b""]
    prev, width, acc, bits = b"", 9, 0, 0
    for piece in pieces:
        out = bytearray()
        for byte in piece:
            acc, bits = (acc << 8) | byte, bits + 8
            if bits < width:
                continue
            bits -= width
            code, acc = acc >> bits, acc & ((1 << bits) - 1)
            if code == 256:
                del table[258:]
                prev, width = b"", 9
                continue
            if code == 257 or code > len(table) or (code == len(table) and not prev):
                yield bytes(out)
                return  # the end, or a code not yet defined (a damaged stream)
            entry = table[code] if code < len(table) else prev + prev[:1]
            if prev and len(table) < 4096:
                table.append(prev + entry[:1])
            prev, width = entry, min(12, (len(table) + early).bit_length())
            out += entry
            if len(out) >= CHUNK:
                yield bytes(out)
                out.clear()
        yield bytes(out)


DECODERS: dict[str, Callable[[Iterable[bytes]], Pieces]] = {
    "FlateDecode": _flate,
    "Fl": _flate,
    "ASCIIHexDecode": _ascii_hex,
    "AHx": _ascii_hex,
    "ASCII85Decode": _ascii85,
    "A85": _ascii85,
    "RunLengthDecode": _run_length,
    "RL": _run_length,
    "LZWDecode": _lzw,
    "LZW": _lzw,
}


def _counted(pieces: Iterable[bytes], sizes: list[int], layer: int, cap: int) -> Pieces:
    for piece in pieces:
        sizes[layer] += len(piece)
        if sizes[layer] > cap:
            raise _PastCap
        yield piece


def decoded_size(raw: bytes, filters: list[str], cap: int, early_change: int = 1) -> int:
    """The size of the largest layer ``raw`` decodes to through ``filters``, counting no further
    than just past ``cap`` (a result over ``cap`` means: larger than that).

    The chain is followed up to the first filter not streamed here (an image filter such as
    DCTDecode: the pixel check judges images by their dimensions).

    Args:
        early_change: the LZW ``EarlyChange`` parameter of the stream.
    """
    sizes = [len(raw)]
    pieces: Iterable[bytes] = (raw[at : at + CHUNK] for at in range(0, len(raw), CHUNK))
    for name in filters:
        decode = DECODERS.get(name)
        if decode is None:
            break
        sizes.append(0)
        layer = _lzw(pieces, early_change) if decode is _lzw else decode(pieces)
        pieces = _counted(layer, sizes, len(sizes) - 1, cap)
    try:
        for _piece in pieces:
            pass
    except _PastCap:
        pass
    return max(sizes[1:], default=0)
