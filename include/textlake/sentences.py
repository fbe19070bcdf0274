"""Sentences with character offsets into their paragraph, from blingfire's C API.

blingfire reports UTF-8 byte offsets, which drift from string indices as soon as a
paragraph holds non-ASCII text (Arabic, curly quotes); its Python wrapper maps them back
with a Python loop over every byte and zeroes fresh buffers for every call, which cost
more than the segmentation itself. So the C function is called with kept buffers, and only
non-ASCII paragraphs are mapped, by counting UTF-8 continuation bytes in C.
"""

from __future__ import annotations

import ctypes
import threading

import blingfire

_SENTENCES_WITH_OFFSETS = blingfire.blingfire.TextToSentencesWithOffsets
_KEPT_BUFFER = 1 << 17  # capacity of the per-thread buffers; larger paragraphs get their own
_NOT_CONTINUATION = bytes(b for b in range(256) if b & 0xC0 != 0x80)  # deleted to count continuation bytes
_buffers = threading.local()


def _new_buffers(size: int) -> tuple[ctypes.Array, ctypes.Array, ctypes.Array]:
    return ctypes.create_string_buffer(size), (ctypes.c_int32 * size)(), (ctypes.c_int32 * size)()


def _sentence_byte_offsets(data: bytes) -> tuple[list[int], list[int]]:
    """Sentence starts and inclusive ends in ``data`` as UTF-8 byte offsets, from blingfire's C API.

    Zeroing fresh output buffers for every paragraph (as blingfire's Python
    wrapper does) costs more than the segmentation itself, so they are kept and
    reused, per thread because the call releases the GIL; a rare giant paragraph
    gets buffers of its own rather than pinning them in the worker for good.
    """
    size = 2 * len(data)  # the capacity blingfire's wrapper passes: its output can outgrow the input
    if size <= _KEPT_BUFFER:
        buffers = getattr(_buffers, "kept", None)
        if buffers is None:
            buffers = _buffers.kept = _new_buffers(_KEPT_BUFFER)
    else:
        buffers = _new_buffers(size)
    text, starts, ends = buffers
    n = _SENTENCES_WITH_OFFSETS(data, len(data), text, starts, ends, size)
    if n == -1 or n > size:
        return [], []
    count = text[:n].partition(b"\0")[0].count(b"\n") + 1  # the output has one sentence per line
    return starts[:count], ends[:count]


def _char_offsets(data: bytes, starts: list[int], ends: list[int]) -> list[tuple[int, int]]:
    """Byte spans with inclusive ends over UTF-8 ``data`` as [start, end) string indices.

    Characters are counted from one offset to the next (bytes less continuation
    bytes), so a long paragraph is scanned once however many sentences it has.
    """
    indices = []
    pos = chars = 0
    for offset in (o for s, e in zip(starts, ends, strict=True) for o in (s, e + 1)):
        offset = min(offset, len(data))
        if offset < pos:
            pos = chars = 0
        chars += offset - pos - len(data[pos:offset].translate(None, _NOT_CONTINUATION))
        pos = offset
        indices.append(chars)
    return list(zip(indices[::2], indices[1::2], strict=True))


def sentence_spans(paragraph: str) -> list[tuple[int, int]]:
    """Sentence [start, end) offsets in ``paragraph`` as Python string indices.

    blingfire reports UTF-8 byte offsets, which drift from string indices as
    soon as a paragraph holds non-ASCII text (Arabic, curly quotes); its Python
    wrapper maps them back with a Python loop over every byte, which cost more
    than the segmentation, so the C API is called here and only non-ASCII
    paragraphs are mapped, by counting UTF-8 continuation bytes in C.
    """
    if not paragraph.strip():
        return []
    data = paragraph.encode("utf-8")
    starts, ends = _sentence_byte_offsets(data)
    if paragraph.isascii():
        offsets = [(s, e + 1) for s, e in zip(starts, ends, strict=True)]
    else:
        offsets = _char_offsets(data, starts, ends)
    spans = []
    for s, e in offsets:
        while s < e and paragraph[s].isspace():
            s += 1
        while e > s and paragraph[e - 1].isspace():
            e -= 1
        if e > s:
            spans.append((s, e))
    return spans
