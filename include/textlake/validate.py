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
import logging
import os
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds

from textlake.config import PROJECT_ROOT

SUITES = PROJECT_ROOT / "include" / "gx" / "expectations"

# dataset -> (columns read from staging, long text column replaced by its length)
_PROJECTIONS = {
    "documents": (["doc_id", "source_name", "title", "published_date", "language", "n_paragraphs", "n_sentences",
                   "n_comments", "n_chars", "n_dropped_lines", "ingested_at"], "title"),
    "segments": (["doc_id", "seq", "kind", "char_start", "char_end"], "text"),
    "comments": (["doc_id", "comment_seq", "depth"], "text"),
    "mentions": (["doc_id", "entity_id", "char_start", "char_end"], "mention"),
}


class ValidationFailed(RuntimeError):
    """A batch-level expectation failed: the run must not be published."""


@dataclasses.dataclass
class ValidationReport:
    quarantined: dict[str, str]  # doc_id -> "<dataset>: <expectation> on <column>"
    batch_failures: list[str]
    checked_rows: dict[str, int]
    data_docs: str

    def as_dict(self) -> dict:
        return dataclasses.asdict(self)


def staged_frame(staging_dir: str, dataset: str):
    """A pandas projection of one staged dataset across all shards, or None when empty."""
    files = sorted(Path(staging_dir, "shards").glob(f"*/{dataset}/source=*/*.parquet"))
    if not files:
        return None
    columns, long_text = _PROJECTIONS[dataset]
    wanted = list(dict.fromkeys([*columns, long_text]))
    table = ds.dataset([str(f) for f in files], format="parquet").to_table(columns=wanted)
    table = table.append_column(f"{long_text}_chars", pc.utf8_length(table[long_text]).cast(pa.int64()))
    if long_text not in columns:
        table = table.drop_columns([long_text])
    if dataset == "documents":
        # GX compares dates with the suite's JSON bounds only as numbers: check the year.
        year = pc.year(table["published_date"]).cast(pa.int32())
        table = table.drop_columns(["title", "published_date"]).append_column("published_year", year)
    return table.to_pandas()


def data_docs_index(output: str) -> Path:
    return Path(output) / "_quality" / "gx" / "uncommitted" / "data_docs" / "local_site" / "index.html"


def quality_context(output: str):
    """The output's GX file context, with the contract's suites copied in; quiet in task logs."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    logging.getLogger("great_expectations").setLevel(logging.WARNING)  # before the import: 200+ INFO lines otherwise
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    root = Path(output) / "_quality"
    root.mkdir(parents=True, exist_ok=True)
    context = gx.get_context(mode="file", project_root_dir=str(root))
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    for suite in SUITES.glob("*.json"):
        shutil.copyfile(suite, root / "gx" / "expectations" / suite.name)
    return gx, context


def validate_staged(staging_dir: str, output: str) -> ValidationReport:
    """Run every suite on the staged run; raise nothing, report everything."""
    gx, context = quality_context(output)
    from great_expectations.checkpoint import UpdateDataDocsAction

    source = context.data_sources.add_or_update_pandas("textlake_staging")
    quarantined: dict[str, str] = {}
    failures: list[str] = []
    checked: dict[str, int] = {}
    for dataset in _PROJECTIONS:
        frame = staged_frame(staging_dir, dataset)
        checked[dataset] = 0 if frame is None else len(frame)
        if frame is None:
            continue
        asset = source.add_dataframe_asset(dataset) if dataset not in source.get_asset_names() else source.get_asset(dataset)
        batch = asset.add_batch_definition_whole_dataframe("staged") if "staged" not in [b.name for b in asset.batch_definitions] else asset.get_batch_definition("staged")
        suite = context.suites.get(dataset)
        definition = context.validation_definitions.add_or_update(gx.ValidationDefinition(name=f"{dataset}_staged", data=batch, suite=suite))
        checkpoint = context.checkpoints.add_or_update(gx.Checkpoint(
            name=f"{dataset}_staged", validation_definitions=[definition],
            actions=[UpdateDataDocsAction(name="data_docs")],
            result_format={"result_format": "COMPLETE", "unexpected_index_column_names": ["doc_id"]}))
        result = checkpoint.run(batch_parameters={"dataframe": frame})
        for run_result in result.run_results.values():
            for check in run_result.results:
                if check.success:
                    continue
                config = check.expectation_config
                column = config.kwargs.get("column") or config.kwargs.get("column_A") or "table"
                label = f"{dataset}: {config.type} on {column}"
                if (config.meta or {}).get("level") == "row":
                    for hit in check.result.get("unexpected_index_list") or []:
                        quarantined.setdefault(hit["doc_id"], label)
                else:
                    failures.append(f"{label} (unexpected {check.result.get('unexpected_count', 'n/a')}; "
                                    f"sample {check.result.get('partial_unexpected_list', [])[:5]})")
    return ValidationReport(quarantined, failures, checked, str(data_docs_index(output)))


def raise_on_batch_failure(report: ValidationReport) -> None:
    if report.batch_failures:
        raise ValidationFailed(
            "batch-level expectations failed, nothing was published: " + "; ".join(report.batch_failures)
            + f". Data Docs: file://{report.data_docs}")
