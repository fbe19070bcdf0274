"""Stage 5: Great Expectations over each staged run, before anything is published.

The suites in `include/gx/expectations/` are the contract, kept in the repo. Results
and Data Docs belong to the data, not to the code: each output folder has its own
GX file context under `<output>/_quality/`, seeded with the contract's suites on
every run, so the repository stays read-only at run time. Each expectation says
in its `meta.level` what a failure means: `row` expectations send the offending
documents to quarantine with the expectation as the reason; `batch` expectations
stop the publish and fail the task, because they mean the run itself is wrong.
Validation sees column projections (lengths instead of long texts), which keeps
it a small fraction of the run.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from textlake import layout
from textlake.config import PROJECT_ROOT

SUITES = PROJECT_ROOT / "include" / "gx" / "expectations"

# dataset -> (columns read from staging, long text column replaced by its length)
_PROJECTIONS = {
    "documents": (
        [
            "doc_id",
            "source_name",
            "title",
            "published_date",
            "language",
            "n_paragraphs",
            "n_sentences",
            "n_comments",
            "n_chars",
            "n_dropped_lines",
            "ingested_at",
        ],
        "title",
    ),
    "segments": (["doc_id", "seq", "kind", "char_start", "char_end"], "text"),
    "comments": (["doc_id", "comment_seq", "depth"], "text"),
    "mentions": (["doc_id", "entity_id", "char_start", "char_end"], "mention"),
    "removed": (["doc_id", "line_no", "stage", "reason_code"], "text"),
}


# Rows handed to Great Expectations at once. Validation memory is bounded by this, not by
# the run: about 100 MB of pandas per 250,000 segment rows.
BATCH_ROWS = 250_000
SCAN_ROWS = 65_536  # rows per record batch read; long texts are dropped batch by batch


class ValidationFailed(RuntimeError):
    """A batch-level expectation failed: the run must not be published."""


@dataclasses.dataclass
class ValidationReport:
    quarantined: dict[str, str]  # doc_id -> "<dataset>: <expectation> on <column>"
    batch_failures: list[str]
    checked_rows: dict[str, int]
    data_docs: str
    expectations: int = 0  # expectations evaluated, over every dataset and batch
    cpu_seconds: float = 0.0

    def as_dict(self) -> dict:
        return dataclasses.asdict(self)


def staged_files(staging_dir: str, dataset: str) -> list[Path]:
    return sorted(Path(staging_dir, "shards").glob(f"*/{dataset}/source=*/*.parquet"))


def staged_frames(staging_dir: str, dataset: str, max_rows: int) -> Iterator:
    """Pandas projections of one staged dataset across all shards, at most `max_rows` rows each.

    Long texts are read one record batch at a time and kept only as their lengths, so
    the memory of validation depends on `max_rows`, not on the size of the run.
    """
    files = staged_files(staging_dir, dataset)
    if not files:
        return
    columns, long_text = _PROJECTIONS[dataset]
    wanted = list(dict.fromkeys([*columns, long_text]))
    pending: list[pa.Table] = []
    rows = 0
    # File by file, row group by row group: a dataset scanner reads ahead in the background
    # (600 MB of text for a 300 MB run), which is exactly the memory this avoids.
    batches = (batch for path in files for batch in pq.ParquetFile(path).iter_batches(batch_size=SCAN_ROWS, columns=wanted))
    for batch in batches:
        pending.append(_project(pa.Table.from_batches([batch]), dataset, columns, long_text))
        rows += batch.num_rows
        if rows >= max_rows:
            yield pa.concat_tables(pending).to_pandas()
            pending, rows = [], 0
    if pending:
        yield pa.concat_tables(pending).to_pandas()


def _project(table: pa.Table, dataset: str, columns: list[str], long_text: str) -> pa.Table:
    table = table.append_column(f"{long_text}_chars", pc.utf8_length(table[long_text]).cast(pa.int64()))
    if long_text not in columns:
        table = table.drop_columns([long_text])
    if dataset == "documents":
        # GX compares dates with the suite's JSON bounds only as numbers: check the year.
        year = pc.year(table["published_date"]).cast(pa.int32())
        table = table.drop_columns(["title", "published_date"]).append_column("published_year", year)
    return table


def duplicated_ids(staging_dir: str) -> int:
    """Documents whose doc_id another staged batch holds too: GX sees one batch at a time."""
    files = [str(f) for f in staged_files(staging_dir, "documents")]
    ids = ds.dataset(files, format="parquet").to_table(columns=["doc_id"])["doc_id"]
    return len(ids) - pc.count_distinct(ids).as_py()


def data_docs_index(output: str) -> Path:
    return layout.data_docs_site(output) / "index.html"


def quality_context(output: str):
    """The output's GX file context, with the contract's suites copied in; quiet in task logs."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    logging.getLogger("great_expectations").setLevel(logging.WARNING)  # before the import: 200+ INFO lines otherwise
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    root = layout.quality_root(output)
    root.mkdir(parents=True, exist_ok=True)
    context = gx.get_context(mode="file", project_root_dir=str(root))
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    for suite in SUITES.glob("*.json"):
        shutil.copyfile(suite, root / "gx" / "expectations" / suite.name)
    return gx, context


def validate_staged(staging_dir: str, output: str, run_id: str) -> ValidationReport:
    """Run every suite on the staged run, batch by batch; raise nothing, report everything.

    Each stored validation result names its run (`run_id` as GX's run name) and its dataset
    (as the data asset, which GX leaves empty for in-memory batches), so a Data Docs page can
    be traced to the Airflow run that wrote it.
    """
    gx, context = quality_context(output)
    from great_expectations.core.run_identifier import RunIdentifier

    source = context.data_sources.add_or_update_pandas("textlake_staging")
    quarantined: dict[str, str] = {}
    failures: list[str] = []
    checked: dict[str, int] = {}
    evaluated = 0
    for dataset in _PROJECTIONS:
        checked[dataset] = 0
        asset = source.add_dataframe_asset(dataset) if dataset not in source.get_asset_names() else source.get_asset(dataset)
        batch = (
            asset.add_batch_definition_whole_dataframe("staged")
            if "staged" not in [b.name for b in asset.batch_definitions]
            else asset.get_batch_definition("staged")
        )
        suite = context.suites.get(dataset)
        definition = context.validation_definitions.add_or_update(
            gx.ValidationDefinition(name=f"{dataset}_staged", data=batch, suite=suite)
        )
        checkpoint = context.checkpoints.add_or_update(
            gx.Checkpoint(
                name=f"{dataset}_staged",
                validation_definitions=[definition],
                result_format={"result_format": "COMPLETE", "unexpected_index_column_names": ["doc_id"]},
            )
        )
        for n, frame in enumerate(staged_frames(staging_dir, dataset, BATCH_ROWS), start=1):
            checked[dataset] += len(frame)
            run = RunIdentifier(run_name=run_id, run_time=dt.datetime.now(dt.UTC))
            result = checkpoint.run(batch_parameters={"dataframe": frame}, run_id=run)
            for key, run_result in result.run_results.items():
                evaluated += len(run_result.results)
                for check in run_result.results:
                    if not check.success:
                        _settle_failure(dataset, check, quarantined, failures)
                run_result.meta["batch_spec"] = {**(run_result.meta.get("batch_spec") or {}), "data_asset_name": dataset}
                run_result.meta["textlake"] = {"run_id": run_id, "dataset": dataset, "batch": n, "rows": len(frame)}
                context.validation_results_store.set(key, run_result)
    if checked["documents"] > BATCH_ROWS and (duplicates := duplicated_ids(staging_dir)):
        failures.append(f"documents: doc_id unique across batches (unexpected {duplicates})")
    context.build_data_docs()  # once per run: rebuilding after every batch costs more than validating it
    return ValidationReport(quarantined, failures, checked, str(data_docs_index(output)), evaluated)


def _settle_failure(dataset: str, check, quarantined: dict[str, str], failures: list[str]) -> None:
    """Row-level failures quarantine their documents; batch-level ones stop the publish."""
    config = check.expectation_config
    column = config.kwargs.get("column") or config.kwargs.get("column_A") or "table"
    label = f"{dataset}: {config.type} on {column}"
    if (config.meta or {}).get("level") == "row":
        for hit in check.result.get("unexpected_index_list") or []:
            quarantined.setdefault(hit["doc_id"], label)
    else:
        failures.append(
            f"{label} (unexpected {check.result.get('unexpected_count', 'n/a')}; "
            f"sample {check.result.get('partial_unexpected_list', [])[:5]})"
        )


def raise_on_batch_failure(report: ValidationReport) -> None:
    if report.batch_failures:
        raise ValidationFailed(
            "batch-level expectations failed, nothing was published: "
            + "; ".join(report.batch_failures)
            + f". Data Docs: file://{report.data_docs}"
        )
