"""The document chain on real files: each step fills its part, and a failing step quarantines one page."""

from __future__ import annotations

from tests.conftest import DEMO_CORPUS
from textlake import chain as chain_module
from textlake.chain import Document, document_chain
from textlake.config import PipelineConfig
from textlake.discover import InputFile
from textlake.reasons import Reason, Stage
from textlake.steps import Drop


def demo_file(relative: str) -> InputFile:
    path = DEMO_CORPUS / relative
    return InputFile(uri=str(path), relative=relative, size=path.stat().st_size)


def test_a_page_goes_through_every_step():
    config = PipelineConfig.from_overrides()
    chain = document_chain(config, {})
    doc = chain.run(Document(demo_file("harbor-ledger/2026-03-04-port-strike.txt")))
    assert not isinstance(doc, Drop)
    assert doc.source == "harbor-ledger" and doc.language == "en" and doc.encoding == "utf-8"
    assert doc.segments.title == "Dockworkers walk out at Pier 9 as contract talks stall"
    assert doc.body == "\n\n".join(doc.segments.paragraphs) and len(doc.sentences) == len(doc.segments.paragraphs)
    assert len(doc.signature) == 256 and any(m[0] == "pier-9" for m in doc.mentions)
    assert doc.data is None and doc.lines is None  # what later steps no longer need is let go
    assert all(s.docs_in == s.docs_out == 1 for s in chain.stats())


def test_a_step_that_breaks_on_one_page_quarantines_that_page_only(monkeypatch):
    def broken(page, template, language):
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(chain_module, "segment_lines", broken)
    chain = document_chain(PipelineConfig.from_overrides(), {})
    drop = chain.run(Document(demo_file("harbor-ledger/2026-03-04-port-strike.txt")))
    assert drop == Drop(
        Stage.SEGMENT, Reason.INTERNAL_ERROR, "internal error while segmenting: RecursionError: maximum recursion depth exceeded"
    )
    assert drop.reason.startswith("segment: internal error while segmenting")


def test_an_unusable_file_is_dropped_at_decode_with_its_code():
    chain = document_chain(PipelineConfig.from_overrides(), {})
    drops = {
        f.name: chain.run(Document(demo_file(f"_broken/{f.name}")))
        for f in (DEMO_CORPUS / "_broken").iterdir()
        if f.suffix in (".txt", ".gz")
    }
    assert {d.code for d in drops.values()} == {Reason.EMPTY, Reason.WHITESPACE_ONLY, Reason.BINARY, Reason.TRUNCATED_GZIP}
    assert all(d.stage is Stage.DECODE for d in drops.values())
