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

# The checkout (or image folder) holding include/config and include/gx; TEXTLAKE_HOME
# names it when the package is installed elsewhere than in that checkout.
PROJECT_ROOT = Path(os.environ.get("TEXTLAKE_HOME") or Path(__file__).resolve().parents[2]).resolve()
DEFAULT_CONFIG = PROJECT_ROOT / "include" / "config" / "textlake.yaml"
SOURCE_MODES = ("auto", "path", "text")


class ConfigError(ValueError):
    """A run configuration that must be refused before any work starts."""


class OutsideAllowedRoots(ConfigError):
    """A location outside `allowed_roots`: only the deployment's settings can widen them."""


@dataclasses.dataclass(frozen=True)
class PipelineConfig:
    input: str
    output: str
    patterns: tuple[str, ...] = ("**/*.txt", "**/*.txt.gz")
    shard_target_mb: float = 64
    max_shards: int = 32
    workers: int = 0
    shard_pool: str = "default_pool"
    max_parallel_shards: int = 16
    max_file_mb: float = 256
    settle_seconds: float = 0
    schedule: str | None = None  # when the ingest DAG picks files up by itself: cron or an Airflow preset
    retention_days: float = 30  # validation results, Data Docs pages and reports older than this are pruned
    min_body_chars: int = 80
    source_from: str = "auto"
    template_min_docs: int = 3
    audit_removed: bool = False
    gazetteer: str | None = None
    allowed_roots: tuple[str, ...] = (".",)
    allowed_schemes: tuple[str, ...] = ("file",)
    staging: str | None = None
    storage_options: dict = dataclasses.field(default_factory=dict)
    storage_conn_id: str | None = None

    @classmethod
    def from_overrides(
        cls,
        overrides: dict[str, Any] | None = None,
        path: str | Path | None = None,
        check: bool = True,
        trusted: tuple[str, ...] = (),
    ) -> PipelineConfig:
        """Defaults from YAML (allowed roots from the environment), then `overrides`.

        Unknown keys and bad values are refused. The DAG and the CLI pass only run
        parameters here, never the allowed roots, so a run cannot widen them.
        `trusted` names the override keys whose locations a person typed at a shell (the
        CLI's explicit paths): they are allowed as given, for the shell already reaches them,
        while the allowed roots keep guarding the DAG's form and the YAML defaults.
        `check=False` skips the value checks, for showing defaults (the DAG's form)
        where a refusal would break parsing rather than fail a run.
        """
        path = Path(path or os.environ.get("TEXTLAKE_CONFIG") or DEFAULT_CONFIG)
        values = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        if os.environ.get("TEXTLAKE_ALLOWED_ROOTS"):
            values["allowed_roots"] = os.environ["TEXTLAKE_ALLOWED_ROOTS"].split(os.pathsep)
            widen = (
                "TEXTLAKE_ALLOWED_ROOTS, set in the environment of the processes running the tasks, replaces "
                "allowed_roots: change it there and restart them (the scheduler or workers)"
            )
        else:
            widen = f"edit allowed_roots (allowed_schemes for URIs) in {path}; it is read at every run, so no restart is needed"
        values.update({k: v for k, v in (overrides or {}).items() if v is not None})
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ConfigError(f"unknown setting(s): {', '.join(unknown)}; known: {', '.join(sorted(known))}")
        for key in ("input", "output", "staging"):
            if values.get(key):
                refuse_parent_steps(key, str(values[key]))
                values[key] = resolve_location(str(values[key]))
        if values.get("gazetteer"):
            values["gazetteer"] = resolve_location(str(values["gazetteer"]))
        values["patterns"] = tuple(values.get("patterns", cls.patterns))
        values["allowed_roots"] = tuple(
            r if "://" in r else resolve_location(r) for r in values.get("allowed_roots", cls.allowed_roots)
        )
        values["allowed_schemes"] = tuple(values.get("allowed_schemes", cls.allowed_schemes))
        typed = [values[key] for key in trusted if (overrides or {}).get(key)]
        values["allowed_roots"] += tuple(typed)
        values["allowed_schemes"] += tuple(
            sorted({t.split("://", 1)[0] for t in typed if "://" in t} - set(values["allowed_schemes"]))
        )
        config = cls(**values)
        if check:
            try:
                config.check()
            except OutsideAllowedRoots as exc:
                raise OutsideAllowedRoots(f"{exc}; to allow it, {widen}") from None
        return config

    def check(self) -> None:
        if self.source_from not in SOURCE_MODES:
            raise ConfigError(f"source_from must be one of {SOURCE_MODES}, got {self.source_from!r}")
        for name in ("shard_target_mb", "max_file_mb"):
            if getattr(self, name) <= 0:
                raise ConfigError(f"{name} must be positive")
        if self.max_shards < 1 or self.max_parallel_shards < 1 or self.workers < 0 or self.template_min_docs < 2:
            raise ConfigError("max_shards >= 1, max_parallel_shards >= 1, workers >= 0 and template_min_docs >= 2 are required")
        if not self.patterns:
            raise ConfigError("at least one file pattern is required")
        for key in ("input", "output", "staging"):
            if getattr(self, key):
                check_allowed(key, getattr(self, key), self.allowed_roots, self.allowed_schemes)
        if is_uri(self.output) and (not self.staging or is_uri(self.staging)):
            raise ConfigError(
                "an output on object storage needs `staging`: a local folder shared by the workers, "
                "for the run's staged files, source profiles and quality results"
            )

    def with_storage_credentials(self, get_connection) -> PipelineConfig:
        """Credentials of `storage_conn_id` added to the storage options, in memory only.

        `get_connection` is Airflow's `BaseHook.get_connection` (passed in, so this module
        needs no Airflow); the connection is read through its plain fields.
        """
        if not self.storage_conn_id:
            return self
        conn = get_connection(self.storage_conn_id)
        secrets = storage_options_from_connection(conn.conn_type, conn.login, conn.password, conn.extra_dejson)
        return dataclasses.replace(self, storage_options={**self.storage_options, **secrets})

    @property
    def work_dir(self) -> str:
        """Local folder for staging, source profiles, locks and quality results."""
        return self.staging if is_uri(self.output) else self.output

    @property
    def worker_count(self) -> int:
        return self.workers or os.cpu_count() or 1


def storage_options_from_connection(conn_type: str, login: str | None, password: str | None, extra: dict) -> dict:
    """fsspec storage options from an Airflow connection's fields (plain data: no Airflow import here).

    An `aws` connection maps to s3fs options (login/password as key/secret, `endpoint_url`
    and `region_name` from the extra); any other type passes its extra through as options.
    """
    if conn_type != "aws":
        return dict(extra)
    client = {k: extra[k] for k in ("endpoint_url", "region_name") if extra.get(k)}
    options = {k: v for k, v in (("key", login), ("secret", password)) if v}
    return {**options, **({"client_kwargs": client} if client else {})}


def asset_uri(location: str) -> str:
    """An Airflow Asset URI for a local folder or an object-store location."""
    return location if is_uri(location) else f"file://{location}"


def is_uri(location: str | None) -> bool:
    return bool(location) and "://" in location and not location.startswith("file://")


def resolve_location(location: str) -> str:
    """Local paths become absolute (relative ones against the project root); URIs pass through."""
    if location.startswith("file://"):
        location = location[len("file://") :]
    if "://" in location:
        return location
    path = Path(location).expanduser()
    return str(path if path.is_absolute() else (PROJECT_ROOT / path).resolve())


def refuse_parent_steps(key: str, location: str) -> None:
    """`..` has no business in a landing or output location: it is how paths escape their roots."""
    path = location.split("://", 1)[-1]
    if ".." in path.replace("\\", "/").split("/"):
        raise ConfigError(f"{key} {location!r} is refused: '..' is not allowed in locations")


def check_allowed(key: str, location: str, roots: tuple[str, ...], schemes: tuple[str, ...]) -> None:
    """Refuse locations outside the configured roots; local paths are judged after following links."""
    if "://" in location:
        scheme = location.split("://", 1)[0].lower()
        prefixes = [r for r in roots if "://" in r]
        if scheme not in schemes:
            raise OutsideAllowedRoots(
                f"{key} {location!r} is refused: scheme {scheme!r} is not in allowed_schemes {list(schemes)}"
            )
        if prefixes and not any(location.startswith(p.rstrip("/") + "/") or location == p for p in prefixes):
            raise OutsideAllowedRoots(f"{key} {location!r} is refused: not under an allowed root {prefixes}")
        return
    real = Path(os.path.realpath(location))
    local_roots = [Path(os.path.realpath(r)) for r in roots if "://" not in r]
    if not any(real == root or root in real.parents for root in local_roots):
        raise OutsideAllowedRoots(
            f"{key} {location!r} is refused: it resolves to {real}, outside the allowed roots {[str(r) for r in local_roots]}"
        )
