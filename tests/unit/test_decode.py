import codecs
import gzip

import pytest

from textlake.decode import RejectedInput, decode_bytes, normalize_text

LIMIT = 10_000_000
TEXT = "Café “quotes” — naïve résumé\nsecond line"


@pytest.mark.parametrize(
    "data, encoding",
    [
        (TEXT.encode("utf-8"), "utf-8"),
        (codecs.BOM_UTF8 + TEXT.encode("utf-8"), "utf-8-sig"),
        (TEXT.encode("utf-16"), "utf-16"),
        (TEXT.encode("utf-16-be"), "utf-16-be"),
        (TEXT.encode("utf-16-le"), "utf-16-le"),
        (TEXT.encode("cp1252"), "cp1252"),
    ],
)
def test_encodings_decode_to_the_same_text(data, encoding):
    decoded = decode_bytes(data, "a.txt", LIMIT)
    assert decoded.text == TEXT
    assert "\ufffd" not in decoded.text
    if encoding != "cp1252":  # legacy single-byte codecs are a detector's best guess
        assert decoded.encoding == encoding


def test_gzip_is_unpacked_by_name_or_magic():
    packed = gzip.compress(TEXT.encode("utf-8"))
    assert decode_bytes(packed, "a.txt.gz", LIMIT).text == TEXT
    assert decode_bytes(packed, "misnamed.txt", LIMIT).text == TEXT


def test_truncated_gzip_is_rejected_with_reason():
    packed = gzip.compress(TEXT.encode("utf-8") * 200)
    with pytest.raises(RejectedInput, match="truncated gzip"):
        decode_bytes(packed[: len(packed) // 2], "cut.txt.gz", LIMIT)


def test_gzip_bomb_is_refused():
    packed = gzip.compress(b"a" * 5_000_000)
    with pytest.raises(RejectedInput, match="larger than"):
        decode_bytes(packed, "bomb.txt.gz", 1_000_000)


@pytest.mark.parametrize("data, reason", [(b"", "empty file"), (b" \n\t\r\n  ", "only whitespace")])
def test_empty_and_blank_files_are_rejected(data, reason):
    with pytest.raises(RejectedInput, match=reason):
        decode_bytes(data, "a.txt", LIMIT)


def test_binary_content_is_rejected():
    data = bytes(range(256)) * 20
    with pytest.raises(RejectedInput, match="binary content"):
        decode_bytes(data, "image.txt", LIMIT)


def test_mojibake_is_repaired():
    broken = "Donâ€™t stop the café".encode()
    decoded = decode_bytes(broken, "a.txt", LIMIT)
    assert decoded.text == "Don’t stop the café"
    assert decoded.repaired


def test_line_endings_controls_and_nfc():
    text, _ = normalize_text("a\r\nb\rc\x00d\x07e\u2028f cafe\u0301")
    assert text == "a\nb\ncde\nf café"


def test_arabic_survives_untouched():
    arabic = "قال المتحدث إن المفاوضات ستستأنف يوم الأحد."
    assert decode_bytes(arabic.encode("utf-8"), "a.txt", LIMIT).text == arabic
    assert decode_bytes(arabic.encode("utf-16"), "a.txt", LIMIT).text == arabic
