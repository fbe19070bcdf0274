"""Stage 4: what analysts filter on: source, language, stable ids.

The source decides two things: the partition a document lands in and the template
profile its boilerplate is learned from, so it is inferred before cleaning.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from pathlib import PurePosixPath

import pycld2

UNKNOWN_SOURCE = "unknown"
# Phrases by which any site names itself in its own page furniture.
_SELF_NAMING = (
    re.compile(r"^\s*(?i:support|donate\s+to|subscribe\s+to)\s+(?P<name>[A-Z][\w&.' -]{1,40}?)\s*[.!]?\s*$", re.M),
    re.compile(
        r"\b(?i:for\s+more\s+from|read\s+more\s+on|follow)\s+(?P<name>[A-Z][\w&'-]*(?:[ \u00a0][A-Z][\w&'-]*){0,3})\s*[,.]", re.M
    ),
    re.compile(
        r"(?:©|\((?i:c)\)|(?i:copyright))\s*(?:\d{4}\s*[-–]?\s*\d{0,4}\s*)?(?P<name>[A-Z][\w&'-]*(?:[ \u00a0][A-Z][\w&'-]*){0,3})"
    ),
)
_DOMAIN = re.compile(r"\b(?:https?://)?(?:www\.)?(?P<name>[a-z0-9-]{3,40})\.(?:com|org|net|news|info|co\.uk|de|fr|io)\b", re.I)


def source_slug(name: str | None) -> str:
    """ASCII partition key every reader parses the same way (`^[a-z][a-z0-9-]*$`)."""
    if not name or not name.strip():
        return UNKNOWN_SOURCE
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:60]
    if not slug:
        return "src-" + hashlib.sha1(name.encode("utf-8")).hexdigest()[:10]
    return slug if slug[0].isalpha() else f"s-{slug}"


def source_from_path(relative_path: str) -> str | None:
    """The first folder below the input root names the source (`<root>/<source>/…`)."""
    parts = PurePosixPath(relative_path).parts
    return parts[0] if len(parts) > 1 else None


def source_from_text(text: str) -> str | None:
    """A site names itself in its furniture ("Support X", "© X", "for more from X")."""
    head_and_tail = text[:3000] + "\n" + text[-3000:]
    for pattern in _SELF_NAMING:
        match = pattern.search(head_and_tail)
        if match:
            return match.group("name").strip()
    match = _DOMAIN.search(head_and_tail)
    return match.group("name") if match else None


def infer_source(relative_path: str, text: str, mode: str) -> str:
    """Display name of the document's source (`unknown` when nothing says)."""
    from_path = source_from_path(relative_path) if mode in ("auto", "path") else None
    if from_path:
        return from_path
    from_text = source_from_text(text) if mode in ("auto", "text") else None
    return from_text or UNKNOWN_SOURCE


def detect_language(text: str) -> str:
    """ISO 639-1 code of the main text via CLD2 (model compiled in, runs offline); `und` when unsure."""
    try:
        reliable, _, details = pycld2.detect(text[:20000], bestEffort=True)
    except pycld2.error:
        reliable, details = False, ()
    code = details[0][1] if details else "un"
    if code in ("un", "xx") or not (reliable or len(text) < 200):
        return "und"
    return code.split("-")[0]


def content_sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def doc_id_for(sha256_hex: str) -> str:
    """Content-derived, so a rerun, a retry or another name for the same bytes yields the same id."""
    return sha256_hex[:24]


class Gazetteer:
    """Entity aliases compiled into one pass over a text; see include/config/gazetteer.yaml."""

    def __init__(self, entities: list[dict]):
        self._alias_entity: dict[str, tuple[str, str]] = {}
        acronyms, names = [], []
        for entity in entities:
            for alias in entity["aliases"]:
                key = _fold_apostrophes(alias)
                self._alias_entity[key if len(alias) <= 4 else key.casefold()] = (entity["id"], entity["name"])
                (acronyms if len(alias) <= 4 else names).append(re.escape(key))
        by_length = lambda xs: sorted(set(xs), key=len, reverse=True)  # noqa: E731 - longest alias wins
        parts = []
        if names:
            parts.append(f"(?i:{'|'.join(by_length(names))})")
        if acronyms:
            parts.append("|".join(by_length(acronyms)))
        self._pattern = re.compile(rf"(?<!\w)(?:{'|'.join(parts)})(?!\w)") if parts else None

    @classmethod
    def load(cls, path: str) -> Gazetteer:
        import yaml

        with open(path, encoding="utf-8") as handle:
            return cls((yaml.safe_load(handle) or {}).get("entities") or [])

    def mentions(self, text: str) -> list[tuple[str, str, str, int, int]]:
        """(entity_id, entity_name, matched text, start, end) for each mention, offsets into `text`."""
        if self._pattern is None:
            return []
        found = []
        for match in self._pattern.finditer(_fold_apostrophes(text)):
            key = match.group(0)
            entity = self._alias_entity.get(key) or self._alias_entity.get(key.casefold())
            if entity:
                found.append((*entity, text[match.start() : match.end()], match.start(), match.end()))
        return found


def _fold_apostrophes(text: str) -> str:
    """’ and ' are one character to a reader; folding keeps offsets (same length)."""
    return text.replace("\u2019", "'").replace("\u02bc", "'")
