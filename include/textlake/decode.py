"""Stage 1: bytes to clean Unicode text, or a rejection with a reason.

Raw pages arrive in whatever encoding the crawler saved them in. Decoding never
guesses silently: a file that is not text (empty, binary, truncated gzip) is
rejected with a reason for the ledger, and text that decodes is repaired
(mojibake, control characters, line endings, NFC) so that no replacement
character reaches the datasets.
"""

from __future__ import annotations

import codecs
import dataclasses
import re
import unicodedata
import zlib

import charset_normalizer
import ftfy
from ftfy.badness import is_bad

from textlake.reasons import Reason

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# C0/C1 controls and other invisible code points that carry no text; tab and
# newline survive, carriage returns are handled with the line endings.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufeff\ufffe\uffff\ufffd]")
_LINE_END = re.compile("\r\n?|[\u2028\u2029\x85]")
# Mojibake lives in non-ASCII runs; the detector needs only them and a little context.
_NON_ASCII_RUN = re.compile(r".{0,3}[^\x00-\x7f]+.{0,3}", re.S)
_CONTROL_BYTES = bytes(b for b in range(32) if b not in (9, 10, 11, 12, 13))
# ftfy options that repair encoding damage only: curly quotes, NBSP and full-width
# forms are real typography and stay.
_FTFY = ftfy.TextFixerConfig(
    unescape_html=False,
    uncurl_quotes=False,
    fix_character_width=False,
    fix_latin_ligatures=False,
    fix_line_breaks=False,
    normalization=None,
    explain=False,
)


class RejectedInput(Exception):
    """The input is not a usable text document; `reason` (the detail) and `code` go to the ledger."""

    def __init__(self, reason: str, code: Reason):
        super().__init__(reason)
        self.reason = reason
        self.code = code


@dataclasses.dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str
    repaired: bool  # mojibake was found and repaired


def gunzip(data: bytes, max_bytes: int) -> bytes:
    """Decompress, refusing truncated streams and decompression bombs."""
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    try:
        out = inflater.decompress(data, max_bytes + 1)
    except zlib.error as exc:
        raise RejectedInput(f"corrupt gzip stream: {exc}", Reason.CORRUPT_GZIP) from None
    if len(out) > max_bytes:
        raise RejectedInput(f"gzip content larger than {max_bytes} bytes", Reason.TOO_LARGE)
    if not inflater.eof:
        raise RejectedInput("truncated gzip stream (file ends before the end of the compressed data)", Reason.TRUNCATED_GZIP)
    return out


def detect_encoding(data: bytes) -> tuple[str, bytes]:
    """Return (encoding, payload without BOM); rejects binary content."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            return name, data
    try:
        data.decode("utf-8")
        encoding = "utf-8"
    except UnicodeDecodeError:
        encoding = ""
    if not encoding and _looks_utf16(data):
        encoding = "utf-16-le" if data[1:2] == b"\x00" else "utf-16-be"
    sample = data[:65536]
    if encoding != "utf-16-le" and encoding != "utf-16-be":
        nul_share = sample.count(0) / max(len(sample), 1)
        controls = len(sample) - len(sample.translate(None, _CONTROL_BYTES))
        if nul_share > 0.01 or controls / max(len(sample), 1) > 0.05:
            raise RejectedInput(
                f"binary content ({nul_share:.0%} NUL bytes, {controls} control bytes in the first {len(sample)} bytes)",
                Reason.BINARY,
            )
    if encoding:
        return encoding, data
    matches = list(charset_normalizer.from_bytes(sample))
    if not matches:
        raise RejectedInput("undecodable: no text encoding fits the bytes", Reason.UNDECODABLE)
    # Short Western texts fit several single-byte code pages equally well; the web's
    # own default (WHATWG maps latin-1 to windows-1252) breaks the tie.
    least_chaos = min(m.chaos for m in matches)
    tied = [m for m in matches if m.chaos <= least_chaos + 0.01]
    western = any("cp1252" in (m.could_be_from_charset or [m.encoding]) for m in tied)
    return ("cp1252" if western else tied[0].encoding), data


def _looks_utf16(data: bytes) -> bool:
    """UTF-16 without a BOM: ASCII-range text puts a NUL in every other byte."""
    sample = data[:4096]
    if len(sample) < 4:
        return False
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    half = len(sample) / 2
    return max(even, odd) > 0.4 * half and min(even, odd) < 0.05 * half


def normalize_text(text: str) -> tuple[str, bool]:
    """Line endings, mojibake, control characters, NFC; returns (text, repaired)."""
    text = _LINE_END.sub("\n", text)
    repaired = False
    if not text.isascii() and is_bad("\n".join(_NON_ASCII_RUN.findall(text))):
        fixed = ftfy.fix_text(text, _FTFY)
        repaired = fixed != text
        text = fixed
    text = _CONTROL.sub("", text)
    return unicodedata.normalize("NFC", text), repaired


def decode_bytes(data: bytes, name: str, max_bytes: int) -> Decoded:
    """Turn one input file's bytes into text, or raise `RejectedInput`."""
    if name.endswith(".gz") or data[:2] == b"\x1f\x8b":
        data = gunzip(data, max_bytes)
    if not data:
        raise RejectedInput("empty file", Reason.EMPTY)
    encoding, payload = detect_encoding(data)
    try:
        text = payload.decode(encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        # A detector's guess that fails on the full file: fall back to cp1252
        # only when it decodes cleanly, never with replacement characters.
        try:
            text, encoding = payload.decode("cp1252"), "cp1252"
        except UnicodeDecodeError:
            raise RejectedInput(f"undecodable as {encoding}: {exc}", Reason.UNDECODABLE) from None
    text, repaired = normalize_text(text)
    if not text.strip():
        raise RejectedInput("no text: the file holds only whitespace", Reason.WHITESPACE_ONLY)
    return Decoded(text=text, encoding=encoding.replace("_", "-").lower(), repaired=repaired)
