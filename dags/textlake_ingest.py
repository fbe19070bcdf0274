"""
### textlake_ingest: raw web-page text files → clean, segmented, validated Parquet

Picks up new raw `.txt` / `.txt.gz` files under **input**, and publishes six
Hive-partitioned Parquet datasets under **output** (`<output>/<dataset>/ingest_date=…/`):

| dataset | one row per |
|---|---|
| `documents` | kept document: title, published date, language, cleaned body, counts |
| `segments` | title, paragraph, sentence (with offsets into `body`) and comment |
| `comments` | reader comment, with author and reply depth |
| `mentions` | mention of a gazetteer entity in a body, with offsets |
| `files` | input file seen: the ledger, with status and reason |
| `quarantine` | anything refused by decoding, cleaning or validation, with the reason |

**Flow.** `plan` discovers files and skips content the ledger already holds →
`process_shard` (mapped, one task per shard of about `shard_target_mb`, each using a
process pool) decodes, cleans, segments and enriches → `validate` runs the Great
Expectations suites in `include/gx/` (row failures go to quarantine, batch failures
stop the run) → `publish` swaps the new files in atomically and emits one Asset event
per dataset with its row counts.

**When.** On demand (Trigger), and on the `schedule` of the YAML when it sets one (the compose
stack picks its landing folder up every five minutes). Files still being written wait for a
later run (`settle_seconds`). Rerunning is safe: nothing already in the ledger is processed or
published twice.
A run that finds nothing new skips `validate` and `publish`: no Asset event, no report run.
Every task logs a summary of what it did (files, documents kept and dropped by reason,
expectations, rows per dataset). A refused configuration (say, an input outside the
allowed roots) fails the task at once with one line naming the setting that fixes it.
Every parameter of the trigger form is documented below it; the defaults live in
`include/config/textlake.yaml`. See the README for the data dictionary.
"""

from __future__ import annotations

import datetime as dt

import pendulum
from airflow.sdk import Asset, AssetAlias, Param, dag, get_current_context, task

from textlake import layout
from textlake.config import PipelineConfig, asset_uri
from textlake.params import form_params
from textlake_airflow import outcome, run_config, skip, task_defaults

DEFAULTS = PipelineConfig.from_overrides(check=False)  # checked per run: a bad setting fails a run, not the parse
ASSETS = {
    name: Asset(name=f"textlake_{name}", uri=asset_uri(f"{DEFAULTS.output}/{name}"), group="textlake")
    for name in layout.ALWAYS_PUBLISHED
}
# The `removed` dataset is published only by runs that audit removals: its events go through an alias.
REMOVED = AssetAlias(name="textlake_removed_audit", group="textlake")

PARAMS = {name: Param(**spec) for name, spec in form_params(DEFAULTS).items()}  # include/textlake/params.py


def config() -> PipelineConfig:
    context = get_current_context()
    return run_config({key: context["params"][key] for key in PARAMS}, known=set(PARAMS))


@dag(
    dag_id="textlake_ingest",
    schedule=DEFAULTS.schedule,  # `schedule` in the YAML: None (runs on demand), cron or a preset
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    doc_md=__doc__,
    params=PARAMS,
    tags=["textlake", "ingest"],
    default_args=task_defaults(timeout=dt.timedelta(hours=2)),
)
def textlake_ingest():
    @task
    def plan() -> list[str]:
        """Discover input, settle known content; returns one manifest path per shard."""
        from textlake import pipeline

        context = get_current_context()
        run_after = context["dag_run"].run_after  # never logical_date: it is None for UI runs
        with outcome():
            return pipeline.plan(config(), context["run_id"], run_after.astimezone(dt.UTC))["manifests"]

    @task(
        map_index_template="{{ shard_label }}", pool=DEFAULTS.shard_pool, max_active_tis_per_dagrun=DEFAULTS.max_parallel_shards
    )
    def process_shard(manifest: str) -> dict:
        """Decode, clean, segment and enrich one shard into staging."""
        from pathlib import Path

        from textlake import pipeline

        get_current_context()["shard_label"] = Path(manifest).stem
        with outcome(), pipeline.shard_pools():
            return pipeline.run_shard(config(), manifest)

    @task(trigger_rule="none_failed")
    def validate(shards: list) -> dict:
        """Great Expectations on the staged run; batch-level failures fail this task."""
        from textlake import pipeline

        with outcome():
            return pipeline.validate(config(), get_current_context()["run_id"])

    @task(outlets=[*ASSETS.values(), REMOVED], trigger_rule="none_failed")
    def publish(report: dict) -> dict:
        """Atomic publish; one Asset event per dataset with its row counts and what the run removed."""
        from textlake import pipeline

        context = get_current_context()
        with outcome():
            settings = config()
            if pipeline.finished_counts(settings, context["run_id"]) is not None:
                skip("the run is published already; its Asset events were emitted then")
            counts = pipeline.publish(settings, context["run_id"])
            removed = pipeline.removal_totals(settings, context["run_id"])
        for name, asset in ASSETS.items():
            context["outlet_events"][asset].extra = {
                "run_id": pipeline.run_token(context["run_id"]),
                "location": f"{settings.output}/{name}",
                **counts[name],
                **removed,
            }
        if counts.get("removed", {}).get("rows"):
            location = f"{settings.output}/removed"
            context["outlet_events"][REMOVED].add(
                Asset(name="textlake_removed", uri=asset_uri(location), group="textlake"),
                extra={"run_id": pipeline.run_token(context["run_id"]), "location": location, **counts["removed"]},
            )
        return counts

    manifests = plan()
    publish(validate(process_shard.expand(manifest=manifests)))


textlake_ingest()
