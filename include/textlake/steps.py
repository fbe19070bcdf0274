"""The step contract: a document goes through a chain of small steps, each of which counts.

In the manner of datatrove's `PipelineStep` and `BaseFilter`: a `Step` takes a document
and returns it (changed or enriched) or a `Drop` saying which stage refused it, with a
reason code and a detail. Every step keeps its own `StepStats`: documents in, out and
dropped per code, the lines it removed per code, and its CPU time. So what a run removed,
why, and what each stage cost are counted where it happens, and a new document-level rule
is one small `DocumentRule` subclass (see `textlake.rules`), with its counts for free.

A step that raises does not sink the shard: the document is dropped with
`internal_error` and the exception as its detail.
"""

from __future__ import annotations

import dataclasses
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import ClassVar, TypeVar

from textlake.reasons import LINE_STAGE, Reason, Stage
from textlake.schema import QUARANTINED, REJECTED


@dataclasses.dataclass(frozen=True)
class Drop:
    """Why a document (or file) goes no further: the deciding stage, a reason code, a human detail."""

    stage: Stage
    code: Reason
    detail: str

    @property
    def status(self) -> str:
        """The ledger status: not a usable text file (rejected), or decoded and then refused (quarantined)."""
        return REJECTED if self.stage in (Stage.DISCOVER, Stage.READ, Stage.DECODE) else QUARANTINED

    @property
    def reason(self) -> str:
        """The ledger's reason: the stage, then the detail (a read failure names itself: "unreadable: …")."""
        return self.detail if self.stage is Stage.READ else f"{self.stage}: {self.detail}"


@dataclasses.dataclass
class StepStats:
    """What one step did over a run (or a chunk, a shard): merged by adding."""

    step: str
    stage: str
    docs_in: int = 0
    docs_out: int = 0
    dropped: Counter = dataclasses.field(default_factory=Counter)  # reason code -> documents
    lines_dropped: Counter = dataclasses.field(default_factory=Counter)  # reason code -> lines
    cpu_seconds: float = 0.0

    def merge(self, other: StepStats) -> None:
        self.docs_in += other.docs_in
        self.docs_out += other.docs_out
        self.dropped.update(other.dropped)
        self.lines_dropped.update(other.lines_dropped)
        self.cpu_seconds += other.cpu_seconds

    def as_dict(self) -> dict:
        return {
            "step": self.step,
            "stage": self.stage,
            "docs_in": self.docs_in,
            "docs_out": self.docs_out,
            "dropped": dict(sorted(self.dropped.items())),
            "lines_dropped": dict(sorted(self.lines_dropped.items())),
            "cpu_seconds": round(self.cpu_seconds, 4),
        }

    @classmethod
    def from_dict(cls, data: dict) -> StepStats:
        return cls(
            data["step"],
            data["stage"],
            data["docs_in"],
            data["docs_out"],
            Counter(data["dropped"]),
            Counter(data["lines_dropped"]),
            data["cpu_seconds"],
        )


Doc = TypeVar("Doc")


class Step:
    """One stage of the document chain. Subclasses set `name`, `stage` and `doing`, and write `process`."""

    name: ClassVar[str]
    stage: ClassVar[Stage]
    doing: ClassVar[str]  # what the step is doing, for the detail of an internal error

    def __init__(self, **settings) -> None:
        """`settings` become attributes of the step (a template, a limit, the gazetteer …)."""
        self.__dict__.update(settings)
        self.stats = StepStats(self.name, self.stage)

    def process(self, doc: Doc) -> Doc | Drop:
        raise NotImplementedError

    def __call__(self, doc: Doc) -> Doc | Drop:
        self.stats.docs_in += 1
        started = time.process_time()
        try:
            result = self.process(doc)
        except Exception as exc:  # noqa: BLE001 - one page that breaks a step must not sink the shard
            result = Drop(self.stage, Reason.INTERNAL_ERROR, f"internal error while {self.doing}: {type(exc).__name__}: {exc}")
        self.stats.cpu_seconds += time.process_time() - started
        if isinstance(result, Drop):
            self.stats.dropped[result.code] += 1
        else:
            self.stats.docs_out += 1
        return result


class DocumentRule(Step):
    """A document-level filter: `check` returns a `Drop` to refuse the document, None to keep it."""

    def check(self, doc: Doc) -> Drop | None:
        raise NotImplementedError

    def process(self, doc: Doc) -> Doc | Drop:
        return self.check(doc) or doc


class Chain:
    """Steps in order. A dropped document stops; the lines a kept one lost are credited to their steps.

    A line's reason says which stage removed it (`reasons.LINE_STAGE`: furniture is
    cleaning's verdict, a line's place on the page segmentation's), so the line counts
    of the steps add up to the documents' `n_dropped_lines`.
    """

    def __init__(self, steps: Sequence[Step]):
        self.steps = list(steps)
        self._by_stage = {}
        for step in self.steps:
            self._by_stage.setdefault(step.stage, step)

    def run(self, doc: Doc) -> Doc | Drop:
        for step in self.steps:
            result = step(doc)
            if isinstance(result, Drop):
                return result
            doc = result
        for code in dropped_line_codes(doc):
            self._by_stage[LINE_STAGE[code]].stats.lines_dropped[code] += 1
        return doc

    def stats(self) -> list[StepStats]:
        return [step.stats for step in self.steps]


def dropped_line_codes(doc) -> Iterable[Reason]:
    segments = getattr(doc, "segments", None)
    return (d.reason for d in segments.dropped) if segments is not None else ()


def merge_stats(runs: Iterable[Iterable[StepStats | dict]]) -> list[StepStats]:
    """Stats of the same steps from several chunks or shards, added up, in chain order."""
    merged: dict[str, StepStats] = {}
    for stats in runs:
        for entry in stats:
            entry = entry if isinstance(entry, StepStats) else StepStats.from_dict(entry)
            if entry.step in merged:
                merged[entry.step].merge(entry)
            else:
                merged[entry.step] = StepStats.from_dict(entry.as_dict())
    return list(merged.values())


def format_steps(stats: Sequence[StepStats]) -> str:
    """One compact table: a line per step with what came in, went on, was dropped and why, and its CPU time."""

    def reasons(counter: Counter) -> str:
        return ", ".join(f"{code} {n}" for code, n in sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))) or "-"

    rows = [("step", "stage", "in", "out", "dropped", "lines dropped", "cpu s")]
    rows += [
        (
            s.step,
            str(s.stage),
            f"{s.docs_in:,}",
            f"{s.docs_out:,}",
            reasons(s.dropped),
            reasons(s.lines_dropped),
            f"{s.cpu_seconds:.2f}",
        )
        for s in stats
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    right = {2, 3, 6}
    lines = []
    for row in rows:
        cells = (cell.rjust(w) if i in right else cell.ljust(w) for i, (cell, w) in enumerate(zip(row, widths, strict=True)))
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)
