"""The document chain: what every planned file goes through, in order, as counted steps.

    read → decode → source → clean → segment → document rules → sentences → language
         → mentions → signature

Each step is small and owns one job; the stages they belong to (`reasons.Stage`) are
the ones the ledger, the quarantine and the `removed` dataset name. The first pass of a
shard (learning each source's template) runs the same read, decode and source steps.
"""

from __future__ import annotations

import dataclasses
import functools

import fsspec

from textlake.clean import PageLines, classify_page
from textlake.config import PipelineConfig
from textlake.decode import RejectedInput, decode_bytes
from textlake.dedup import signature
from textlake.discover import InputFile
from textlake.enrich import Gazetteer, content_sha256, detect_language, doc_id_for, infer_source
from textlake.reasons import Reason, Stage
from textlake.rules import document_rules
from textlake.segment import PageSegments, page_language, segment_lines
from textlake.sentences import sentence_spans
from textlake.steps import Chain, Drop, Step
from textlake.template import Template


@dataclasses.dataclass
class Document:
    """One input file on its way through the chain; each step fills in what it knows."""

    file: InputFile
    data: bytes | None = None
    size: int = 0
    content_sha256: str | None = None
    doc_id: str | None = None
    text: str | None = None  # decoded
    text_sha256: str | None = None  # of the decoded text: the same page gzipped, with a BOM or CRLF has the same
    encoding: str | None = None  # as the `encoding` column has it ("cp1252", "utf-8+repaired")
    source: str | None = None
    template: Template | None = None  # the source's, as this run knows it
    lines: PageLines | None = None
    segments: PageSegments | None = None
    body: str | None = None
    sentences: list[list[tuple[int, int]]] | None = None  # per paragraph, offsets into it
    language: str | None = None
    mentions: list[tuple[str, str, str, int, int]] | None = None
    signature: bytes | None = None


class ReadStep(Step):
    name, stage, doing = "read", Stage.READ, "reading"

    max_bytes: int
    options: dict

    def process(self, doc: Document) -> Document | Drop:
        try:
            with fsspec.open(doc.file.uri, "rb", **self.options) as handle:
                data = handle.read(self.max_bytes + 1)
        except OSError as exc:
            return Drop(self.stage, Reason.UNREADABLE, f"unreadable: {type(exc).__name__}: {exc}")
        if len(data) > self.max_bytes:
            return Drop(self.stage, Reason.TOO_LARGE, f"file grew beyond max_file_mb ({self.max_bytes} bytes) after discovery")
        doc.data, doc.size = data, len(data)
        doc.content_sha256 = content_sha256(data)
        doc.doc_id = doc_id_for(doc.content_sha256)
        return doc


class DecodeStep(Step):
    name, stage, doing = "decode", Stage.DECODE, "decoding"

    max_bytes: int

    def process(self, doc: Document) -> Document | Drop:
        data, doc.data = doc.data, None  # only the text is needed from here on: a 25 MB page is not held twice
        try:
            decoded = decode_bytes(data, doc.file.relative, self.max_bytes)
        except RejectedInput as exc:
            return Drop(self.stage, exc.code, exc.reason)
        doc.text = decoded.text
        doc.text_sha256 = content_sha256(decoded.text.encode("utf-8", "surrogatepass"))
        doc.encoding = decoded.encoding + ("+repaired" if decoded.repaired else "")
        return doc


class SourceStep(Step):
    """Before cleaning: the source decides the template a page is cleaned against."""

    name, stage, doing = "source", Stage.ENRICH, "naming the source"

    mode: str
    templates: dict[str, Template]

    def process(self, doc: Document) -> Document:
        doc.source = infer_source(doc.file.relative, doc.text, self.mode)
        doc.template = self.templates.get(doc.source, Template())
        return doc


class CleanStep(Step):
    name, stage, doing = "clean", Stage.CLEAN, "cleaning"

    def process(self, doc: Document) -> Document:
        doc.lines = classify_page(doc.text, doc.template)
        return doc


class SegmentStep(Step):
    name, stage, doing = "segment", Stage.SEGMENT, "segmenting"

    def process(self, doc: Document) -> Document:
        doc.segments = segment_lines(doc.lines, doc.template, page_language(doc.text))
        doc.lines = None
        doc.body = "\n\n".join(doc.segments.paragraphs)
        return doc


class SentencesStep(Step):
    name, stage, doing = "sentences", Stage.SEGMENT, "splitting sentences"

    def process(self, doc: Document) -> Document:
        doc.sentences = [sentence_spans(paragraph) for paragraph in doc.segments.paragraphs]
        return doc


class BodyEnrichment(Step):
    """An enrichment of the cleaned body: stores `compute(body)` as the document's `field`."""

    field: str

    def compute(self, body: str):
        raise NotImplementedError

    def process(self, doc: Document) -> Document:
        setattr(doc, self.field, self.compute(doc.body))
        return doc


class LanguageStep(BodyEnrichment):
    name, stage, doing, field = "language", Stage.ENRICH, "detecting the language", "language"
    compute = staticmethod(detect_language)


class MentionsStep(BodyEnrichment):
    name, stage, doing, field = "mentions", Stage.ENRICH, "finding mentions", "mentions"

    gazetteer: Gazetteer

    def compute(self, body: str) -> list[tuple[str, str, str, int, int]]:
        return self.gazetteer.mentions(body)


class SignatureStep(BodyEnrichment):
    name, stage, doing, field = "signature", Stage.ENRICH, "hashing for near-duplicates", "signature"
    compute = staticmethod(signature)


@functools.lru_cache(maxsize=4)
def load_gazetteer(path: str | None) -> Gazetteer:
    """Once per worker process: the gazetteer compiles to one regular expression."""
    return Gazetteer.load(path) if path else Gazetteer([])


def max_file_bytes(config: PipelineConfig) -> int:
    return int(config.max_file_mb * 1e6)


def learning_chain(config: PipelineConfig) -> Chain:
    """The first pass: what a page must go through before its lines can be counted for its source."""
    limit = max_file_bytes(config)
    return Chain(
        [
            ReadStep(max_bytes=limit, options=config.storage_options),
            DecodeStep(max_bytes=limit),
            SourceStep(mode=config.source_from, templates={}),
        ]
    )


def document_chain(config: PipelineConfig, templates: dict[str, Template]) -> Chain:
    limit = max_file_bytes(config)
    return Chain(
        [
            ReadStep(max_bytes=limit, options=config.storage_options),
            DecodeStep(max_bytes=limit),
            SourceStep(mode=config.source_from, templates=templates),
            CleanStep(),
            SegmentStep(),
            *document_rules(config),
            SentencesStep(),
            LanguageStep(),
            MentionsStep(gazetteer=load_gazetteer(config.gazetteer)),
            SignatureStep(),
        ]
    )
