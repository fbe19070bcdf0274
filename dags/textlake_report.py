"""
### textlake_report: the corpus report, rebuilt whenever documents are published

Runs after every publish of **textlake_ingest** (it is scheduled on the
`textlake_documents` Asset) and writes a corpus report with plots next to the data:
`<output>/_reports/<run>/index.html`, with `<output>/_reports/latest/` always pointing
at the newest one.

| plot | shows |
|---|---|
| documents per source per day | rows in `documents` by `ingest_date` and `source` |
| lengths | distributions of `n_chars` and `n_sentences` |
| boilerplate share | `n_dropped_lines / (n_dropped_lines + title + n_paragraphs)`, per source and per document |
| languages | documents per language (CLD2) |
| quarantine and rejections | `files.reason` and `quarantine.reason`, grouped |
| near-duplicate clusters | sizes of `near_dup_cluster` groups and the largest clusters |

The numbers behind the plots are written as CSV and Parquet beside the page
(`summary_by_source_day.csv`, …) for dashboards.

**Which output.** Asset events batch: one run reads *every* triggering event and
builds one report per distinct output named in the events' `extra["location"]`.
A run started by hand (Trigger button, `airflow dags test`, `dag.test()`) has no
triggering events and reports on the **output** parameter instead.

The report is also linked from the DAG pages ("Corpus report", "Data quality") by the
`textlake_ui` plugin, which serves it at `/textlake/`.
"""

from __future__ import annotations

import datetime as dt
import logging

import pendulum
from airflow.sdk import Asset, Param, dag, get_current_context, task

from textlake import layout
from textlake.config import PipelineConfig, asset_uri
from textlake_airflow import outcome, run_config, task_defaults

log = logging.getLogger("textlake")
DEFAULTS = PipelineConfig.from_overrides(check=False)  # checked per run, never at parse time
# The same Asset the ingest DAG's publish task emits (same name and URI, so one Asset).
DOCUMENTS = Asset(name="textlake_documents", uri=asset_uri(f"{DEFAULTS.output}/documents"), group="textlake")
REPORT = Asset(
    name="textlake_report", uri=asset_uri(str(layout.reports_root(DEFAULTS.work_dir) / layout.LATEST_REPORT)), group="textlake"
)


@dag(
    dag_id="textlake_report",
    schedule=[DOCUMENTS],
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    doc_md=__doc__,
    params={
        "output": Param(
            DEFAULTS.output,
            type="string",
            minLength=1,
            title="Output location",
            description="Datasets to report on, for runs started by hand; asset-triggered runs use the "
            "locations in their triggering events.",
        ),
    },
    tags=["textlake", "report"],
    default_args=task_defaults(timeout=dt.timedelta(minutes=30)),
)
def textlake_report():
    @task(outlets=[REPORT])
    def build() -> list[dict]:
        """Read all triggering asset events (they batch) and build one report per output they name."""
        from textlake import report
        from textlake.pipeline import run_token

        context = get_current_context()
        events = [(event.asset.uri, event.extra) for batch in context["triggering_asset_events"].values() for event in batch]
        outputs = report.outputs_from_events(events) or [context["params"]["output"]]
        log.info("%d triggering event(s); reporting on %s", len(events), outputs)
        results = []
        for output in outputs:
            with outcome():
                config = run_config({"output": output})  # the allowed roots apply here too
            result = report.build_report(
                config.output,
                report_dir=str(layout.reports_root(config.work_dir) / run_token(context["run_id"])),
                options=config.storage_options,
            )
            log.info("report: %s %s", result["index"], result["headline"])
            results.append({k: result[k] for k in ("index", "latest", "headline", "run_ids")})
        context["outlet_events"][REPORT].extra = {
            "run_id": run_token(context["run_id"]),
            "location": results[-1]["latest"] or results[-1]["index"],
            "reports": [r["index"] for r in results],
            "documents": sum(r["headline"]["documents"] for r in results),
        }
        return results

    build()


textlake_report()
