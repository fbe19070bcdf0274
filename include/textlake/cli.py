"""`python -m textlake run --input PATH --output PATH`: the pipeline without Airflow.

Same configuration keys as the DAG's trigger form, same core functions, a progress
bar, and a JSON summary (plan, validation, published row counts per dataset and
ledger status) on stdout.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path

from textlake.config import ConfigError, PipelineConfig
from textlake.params import add_flags, overrides_from

# Commands import their modules when they run: the shard pool's workers import this module
# again as their main module, and should carry only what a shard needs (not pandas, GX, …).


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="textlake", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="ingest new raw text files and publish the datasets")
    add_flags(run)  # the trigger form's parameters, by the same names
    run.add_argument("--config", help="YAML with defaults (default: include/config/textlake.yaml)")
    run.add_argument("--run-id", help="name of the run (default: cli__<UTC timestamp>)")
    run.add_argument("--no-progress", action="store_true", help="no progress bar")
    synth = commands.add_parser("synth", help="write synthetic raw pages for load tests and benchmarks")
    synth.add_argument("--out", required=True, help="folder to write the pages into (one subfolder per site)")
    synth.add_argument("--size-mb", type=float, default=100, help="raw text to write (default 100)")
    synth.add_argument("--seed", type=int, default=0)
    synth.add_argument("--huge-file-mb", type=float, default=0, help="also write one file of this size")
    compact = commands.add_parser("compact", help="merge partitions' many small files into few (atomic)")
    compact.add_argument("--output", help="the datasets' folder (default: the configured output)")
    compact.add_argument("--min-files", type=int, default=8, help="compact partitions with at least this many files")
    compact.add_argument("--config", help="YAML with defaults (default: include/config/textlake.yaml)")
    report = commands.add_parser("report", help="build the corpus report (plots, CSV/Parquet tables, HTML)")
    report.add_argument("--output", help="the datasets' folder (default: the configured output)")
    report.add_argument(
        "--report-dir", dest="report_dir", help="default: <output>/_reports/<UTC timestamp>; latest/ points at it"
    )
    report.add_argument("--config", help="YAML with defaults (default: include/config/textlake.yaml)")
    summary = commands.add_parser("summary", help="rows per published dataset and files per ledger status")
    summary.add_argument("--output", help="the datasets' folder (default: the configured output)")
    summary.add_argument("--config", help="YAML with defaults (default: include/config/textlake.yaml)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "synth":
        from textlake.synth import write_corpus

        print(json.dumps(write_corpus(Path(args.out), args.size_mb, seed=args.seed, huge_file_mb=args.huge_file_mb)))
        return 0
    overrides = (
        overrides_from(args) if args.command == "run" else {k: getattr(args, k) for k in ("output",) if getattr(args, k, None)}
    )
    for key in ("input", "output"):  # relative to where the command runs, as users expect
        if overrides.get(key) and "://" not in overrides[key]:
            overrides[key] = str(Path(overrides[key]).resolve())
    if overrides.get("input") and "://" not in overrides["input"] and not Path(overrides["input"]).is_dir():
        print(f"textlake: the input folder {overrides['input']} does not exist", file=sys.stderr)
        return 2
    try:
        config = PipelineConfig.from_overrides(
            overrides, path=args.config, check=args.command not in ("summary", "report"), trusted=("input", "output")
        )
    except (ConfigError, FileNotFoundError) as exc:
        print(f"textlake: {exc}", file=sys.stderr)
        return 2
    if args.command == "summary":
        from textlake.pipeline import dataset_counts

        result = dataset_counts(config.output, config.storage_options)
    elif args.command == "report":
        from textlake.report import build_report  # matplotlib: only when asked for

        result = build_report(config.output, report_dir=args.report_dir, options=config.storage_options)
    elif args.command == "compact":
        from textlake.compact import compact

        result = compact(config.output, min_files=args.min_files)
    else:
        from textlake.pipeline import run_pipeline

        # each step's summary, as a task log shows it, on stderr beside the progress bar
        logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
        logging.getLogger("great_expectations").setLevel(logging.WARNING)
        result = run_pipeline(config, run_id=args.run_id, progress_bar=not args.no_progress)
    print(json.dumps(result, indent=2, default=str))
    return 0


def run() -> None:
    """The `textlake` command: `main`, then an exit that skips the interpreter's teardown.

    Arrow's I/O threads can still be releasing Python-backed files (fsspec, S3) when the
    interpreter finalises, and then abort the process after its work is done and printed
    ("terminate called without an active exception", apache/arrow#34314, #39162): about one
    `textlake summary` on S3 in 30. Everything the command writes is closed by then and its
    process pools are shut down, so only the output streams need flushing.
    """
    code = main()
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    run()
