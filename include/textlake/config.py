"""Run configuration: YAML defaults in `include/config/`, overridden per run.

The DAG's params and the CLI's flags carry the same names as the YAML keys, so one
`PipelineConfig.from_overrides` call turns either into a validated configuration.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Any

import yaml

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_CONFIG = PROJECT_ROOT / "include" / "config" / "textlake.yaml"
SOURCE_MODES = ("auto", "path", "text")


class ConfigError(ValueError):
    """A run configuration that must be refused before any work starts."""


@dataclasses.dataclass(frozen=True)
class PipelineConfig:
    input: str
    output: str
    patterns: tuple[str, ...] = ("**/*.txt", "**/*.txt.gz")
    shard_target_mb: float = 64
    max_shards: int = 32
    workers: int = 0
    max_file_mb: float = 256
    min_body_chars: int = 80
    source_from: str = "auto"
    template_min_docs: int = 3
    debug_trace: bool = False

    @classmethod
    def from_overrides(cls, overrides: dict[str, Any] | None = None, path: str | Path | None = None) -> PipelineConfig:
        """Defaults from YAML, then `overrides`; unknown keys and bad values are refused."""
        path = Path(path or os.environ.get("TEXTLAKE_CONFIG") or DEFAULT_CONFIG)
        values = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        values.update({k: v for k, v in (overrides or {}).items() if v is not None})
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ConfigError(f"unknown setting(s): {', '.join(unknown)}; known: {', '.join(sorted(known))}")
        values["input"] = resolve_location(str(values["input"]))
        values["output"] = resolve_location(str(values["output"]))
        values["patterns"] = tuple(values.get("patterns", cls.patterns))
        config = cls(**values)
        config.check()
        return config

    def check(self) -> None:
        if self.source_from not in SOURCE_MODES:
            raise ConfigError(f"source_from must be one of {SOURCE_MODES}, got {self.source_from!r}")
        for name in ("shard_target_mb", "max_file_mb"):
            if getattr(self, name) <= 0:
                raise ConfigError(f"{name} must be positive")
        if self.max_shards < 1 or self.workers < 0 or self.template_min_docs < 2:
            raise ConfigError("max_shards >= 1, workers >= 0 and template_min_docs >= 2 are required")
        if not self.patterns:
            raise ConfigError("at least one file pattern is required")

    @property
    def worker_count(self) -> int:
        return self.workers or os.cpu_count() or 1

    def as_dict(self) -> dict[str, Any]:
        return {**dataclasses.asdict(self), "patterns": list(self.patterns)}


def resolve_location(location: str) -> str:
    """Local paths become absolute (relative ones against the project root); URIs pass through."""
    if "://" in location:
        return location
    path = Path(location).expanduser()
    return str(path if path.is_absolute() else (PROJECT_ROOT / path).resolve())
