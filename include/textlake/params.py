"""The run parameters: one table that becomes the DAG's trigger form and the CLI's flags.

Each parameter is a key of the configuration (`include/config/textlake.yaml` holds its
default) with a title, a description and a JSON schema. The DAG turns each into an
Airflow `Param` (the form checks values against the schema before a run is created);
`textlake run` turns each into a flag of the same name (`--shard-target-mb`, …). The
README's parameter table is checked against this one by the tests.
"""

from __future__ import annotations

import argparse
import dataclasses
from typing import Any

from textlake.config import PipelineConfig


@dataclasses.dataclass(frozen=True)
class RunParam:
    name: str
    title: str
    description: str
    schema: dict[str, Any]

    @property
    def flag(self) -> str:
        return "--" + self.name.replace("_", "-")


RUN_PARAMS: tuple[RunParam, ...] = (
    RunParam(
        "input",
        "Input location",
        "Folder or fsspec URI (file://, s3://…) holding the raw .txt / .txt.gz files; searched recursively.",
        {"type": "string", "minLength": 1},
    ),
    RunParam(
        "output",
        "Output location",
        "Folder receiving the datasets: <output>/<dataset>/ingest_date=YYYY-MM-DD/…",
        {"type": "string", "minLength": 1},
    ),
    RunParam(
        "patterns",
        "File patterns",
        "Glob patterns below the input; ** spans folders, * stays within one.",
        {"type": "array", "items": {"type": "string"}, "minItems": 1},
    ),
    RunParam(
        "settle_seconds",
        "Settling time (s)",
        "Files modified more recently than this wait for a later run (still being copied); temporary names "
        "(.part, .tmp, .crdownload, _COPYING_, dot-files) always wait.",
        {"type": "number", "minimum": 0},
    ),
    RunParam(
        "shard_target_mb",
        "Shard size (MB)",
        "Input bytes per mapped shard task.",
        {"type": "number", "minimum": 1, "maximum": 4096},
    ),
    RunParam(
        "max_shards",
        "Maximum shards",
        "Upper bound on mapped shard tasks; shards grow when the input is larger.",
        {"type": "integer", "minimum": 1, "maximum": 1024},
    ),
    RunParam(
        "workers",
        "Processes per shard",
        "Worker processes inside each shard task; 0 uses every core of the worker.",
        {"type": "integer", "minimum": 0, "maximum": 256},
    ),
    RunParam(
        "min_body_chars",
        "Minimum body length",
        "Documents with less main text after cleaning go to quarantine.",
        {"type": "integer", "minimum": 0},
    ),
    RunParam(
        "source_from",
        "Source from",
        'path: first folder below the input; text: the page\'s own naming ("Support X", "© X"); auto: path, else text.',
        {"type": "string", "enum": ["auto", "path", "text"]},
    ),
    RunParam(
        "audit_removed",
        "Audit removed lines",
        "Also publish the `removed` dataset: every line cleaning removed from a published document, with its reason code.",
        {"type": "boolean"},
    ),
)
NAMES = frozenset(p.name for p in RUN_PARAMS)


def form_params(defaults: PipelineConfig) -> dict[str, dict[str, Any]]:
    """The keyword arguments of each Airflow `Param` of the trigger form, defaults from the configuration."""
    forms = {}
    for p in RUN_PARAMS:
        default = getattr(defaults, p.name)
        forms[p.name] = {
            "default": list(default) if isinstance(default, tuple) else default,
            **p.schema,
            "title": p.title,
            "description": p.description,
        }
    return forms


def add_flags(parser: argparse.ArgumentParser) -> None:
    """The run parameters as flags; an absent flag leaves the configured default."""
    for p in RUN_PARAMS:
        kind = p.schema["type"]
        if kind == "boolean":
            parser.add_argument(p.flag, dest=p.name, action="store_true", default=None, help=p.description)
        elif kind == "array":
            parser.add_argument(p.flag, dest=p.name, nargs="+", metavar="GLOB", help=p.description)
        else:
            convert = {"string": str, "number": float, "integer": int}[kind]
            parser.add_argument(p.flag, dest=p.name, type=convert, choices=p.schema.get("enum"), help=p.description)


def overrides_from(args: argparse.Namespace) -> dict[str, Any]:
    return {p.name: getattr(args, p.name) for p in RUN_PARAMS if getattr(args, p.name, None) is not None}
