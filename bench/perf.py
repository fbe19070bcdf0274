"""Throughput, memory and stage costs of textlake on a synthetic corpus, against its I/O floor.

usage: .venv/bin/python bench/perf.py [--size-mb 100] [--huge-file-mb 25] [--workers 0] [--keep]
                                      [--json out.json] [--datatrove] [--profile] [--compare prev.json]

One run, on the same files (written by `textlake.synth` into a temporary folder):

1. I/O floor: list, read, gunzip + UTF-8 decode every file and write one zstd Parquet of
   (path, text) with pyarrow, in one process. The least any ingest of these files costs.
2. The pipeline through its CLI (`textlake run --no-progress`) in a subprocess: wall time,
   peak RSS summed over the whole process tree (CLI, forkserver, pool workers), sampled
   with psutil every 50 ms, CPU of the tree and utilisation of the machine's cores, the
   wall time of each pipeline step (plan, shards, validate, publish), and the run's own
   statistics of every step of the document chain: documents in and out, drops, and the
   CPU time each step spent, summed over the pool's workers (what every run records in
   its manifest; nothing is patched or timed from outside).
3. DAG parse time: a fresh interpreter imports `airflow.sdk`, then executes
   dags/textlake_ingest.py; also checks that the DAG file imports no pandas, pyarrow or GX.
4. `--datatrove`: datatrove's C4 + Gopher + FineWeb quality filters on the sample, in a
   separate venv (default /tmp/dtvenv, never in requirements.txt), per-core comparison.
5. `--profile`: py-spy (from /tmp/pyspyvenv, PATH or --py-spy) on a single-core loop of the
   shard worker functions over the sample; top functions by own and inclusive time.

MB are 10^6 bytes of decoded text (the unit of `textlake synth --size-mb`); CPU seconds are
user + system. Prints a table; `--json` writes every number.
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import gzip
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "include"))

DAG_FILE = REPO / "dags" / "textlake_ingest.py"
HEAVY_MODULES = ("pandas", "pyarrow", "great_expectations")
TARGETS = {
    "mb_per_s_per_core_min": 5.0,  # text MB per CPU second of the whole process tree
    "floor_ratio_max": 8.0,  # below 1 GB of text
    "floor_ratio_max_1gb": 6.0,  # at 1 GB and above
    "per_core_vs_datatrove_min": 20.0,
    "peak_rss_mb_max": 1000.0,
    "fixed_cpu_s_max": 3.0,  # a small run's CPU beyond its per-MB share of a large one (--compare)
    "dag_parse_s_max": 0.3,
    "linear_tolerance": 0.15,
}
SMALL_RUN_MB = 20  # a run this small measures the fixed start-up cost against a larger --compare run
SAMPLE_MAX_FILE = 5_000_000  # files above this stay out of the datatrove and profile sample (the huge file)
DEFAULT_DTVENV = Path("/tmp/dtvenv")
MB = 1e6


def log(msg: str) -> None:
    print(f"[perf {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def loadavg() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def cpu_now() -> float:
    t = os.times()
    return t.user + t.system


# --------------------------------------------------------------------------- corpus


def list_corpus(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file() and (p.name.endswith(".txt") or p.name.endswith(".txt.gz")))


def text_bytes(path: Path) -> bytes:
    data = path.read_bytes()
    return gzip.decompress(data) if path.name.endswith(".gz") else data


def generate(out: Path, size_mb: float, seed: int, huge_file_mb: float, real: bool = False) -> dict:
    from textlake.synth import write_corpus

    t0 = time.perf_counter()
    if real:
        from realpages import write_real_corpus

        counts = write_real_corpus(out, size_mb, seed=seed)
        if huge_file_mb:
            counts["bytes"] += write_corpus(out / "huge", 0, seed=seed, huge_file_mb=huge_file_mb)["bytes"]
    else:
        counts = write_corpus(out, size_mb, seed=seed, huge_file_mb=huge_file_mb)
    files = list_corpus(out)
    return {
        "dir": str(out),
        "files": len(files),
        "text_bytes": counts["bytes"],
        "largest_file_mb": round(max(p.stat().st_size for p in files) / MB, 2),
        "disk_bytes": sum(p.stat().st_size for p in files),
        "gzip_files": sum(p.name.endswith(".gz") for p in files),
        "huge_file_mb": huge_file_mb,
        "seed": seed,
        "kind": "real pages, recombined" if real else "synthetic",
        "generate_s": round(time.perf_counter() - t0, 2),
    }


def describe_existing(root: Path) -> dict:
    files = list_corpus(root)
    return {
        "dir": str(root),
        "files": len(files),
        "text_bytes": sum(len(text_bytes(p)) for p in files),
        "largest_file_mb": round(max(p.stat().st_size for p in files) / MB, 2),
        "disk_bytes": sum(p.stat().st_size for p in files),
        "gzip_files": sum(p.name.endswith(".gz") for p in files),
        "huge_file_mb": None,
        "seed": None,
        "generate_s": None,
    }


def pick_sample(files: list[Path], sample_mb: float) -> list[Path]:
    """Every k-th file (all sites represented), up to `sample_mb` of text; huge files left out."""
    small = [p for p in files if p.stat().st_size <= SAMPLE_MAX_FILE]
    if not small:
        return []
    total = sum(p.stat().st_size for p in small)
    stride = max(1, int(total / (sample_mb * MB)))
    sample, size = [], 0
    for offset in range(stride):
        for p in small[offset::stride]:
            if size >= sample_mb * MB:
                return sample
            sample.append(p)
            size += p.stat().st_size
    return sample


# --------------------------------------------------------------------------- 1. I/O floor


def io_floor(root: Path, out: Path) -> dict:
    """List, read, decode and write everything once: the least any ingest costs."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pa.schema([("path", pa.string()), ("text", pa.string())])
    load0 = loadavg()
    t0, c0 = time.perf_counter(), cpu_now()
    files = list_corpus(root)
    n_bytes = 0
    paths: list[str] = []
    texts: list[str] = []
    buffered = 0
    with pq.ParquetWriter(out, schema, compression="zstd", compression_level=3) as writer:
        for p in files:
            text = text_bytes(p).decode("utf-8")
            paths.append(str(p.relative_to(root)))
            texts.append(text)
            buffered += len(text)
            n_bytes += len(text)
            if buffered >= 32_000_000:
                writer.write_table(pa.table({"path": paths, "text": texts}, schema=schema))
                paths, texts, buffered = [], [], 0
        if paths:
            writer.write_table(pa.table({"path": paths, "text": texts}, schema=schema))
    wall, cpu = time.perf_counter() - t0, cpu_now() - c0
    return {
        "wall_s": round(wall, 3),
        "cpu_s": round(cpu, 3),
        "files": len(files),
        "text_mb": round(n_bytes / MB, 2),
        "mb_per_s": round(n_bytes / MB / wall, 2),
        "parquet_mb": round(out.stat().st_size / MB, 2),
        "loadavg_before": load0,
        "loadavg_after": loadavg(),
    }


# --------------------------------------------------------------------------- 2. pipeline via its CLI


def chain_table(steps: list[dict], text_bytes: int) -> dict:
    """The run's own step statistics: CPU per step (all workers), its MB/s and share of the run's steps."""
    total = sum(s["cpu_seconds"] for s in steps)
    rows = [
        {
            "step": s["step"],
            "stage": s["stage"],
            "docs_in": s["docs_in"],
            "docs_out": s["docs_out"],
            "dropped": sum(s["dropped"].values()),
            "lines_dropped": sum(s["lines_dropped"].values()),
            "cpu_s": s["cpu_seconds"],
            "mb_per_s": round(text_bytes / MB / s["cpu_seconds"], 2) if s["cpu_seconds"] else None,
            "share": round(s["cpu_seconds"] / total, 4) if total else 0.0,
        }
        for s in steps
    ]
    return {"steps": rows, "cpu_s": round(total, 3), "mb_per_s_per_core": round(text_bytes / MB / total, 2) if total else None}


def bench_env(work: Path) -> dict:
    env = dict(os.environ)
    roots = [str(work), str(REPO), tempfile.gettempdir()]
    if env.get("TEXTLAKE_ALLOWED_ROOTS"):
        roots.append(env["TEXTLAKE_ALLOWED_ROOTS"])
    env["TEXTLAKE_ALLOWED_ROOTS"] = os.pathsep.join(roots)
    env.setdefault("GX_ANALYTICS_ENABLED", "False")
    # as `make` sets them: the DAG files import the Airflow side of textlake from the plugins folder
    env.setdefault("AIRFLOW__CORE__DAGS_FOLDER", str(REPO / "dags"))
    env.setdefault("AIRFLOW__CORE__PLUGINS_FOLDER", str(REPO / "plugins"))
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO / "include"), env.get("PYTHONPATH")]))
    return env


def monitor_tree(proc, interval: float = 0.05) -> dict:
    """Sample RSS and CPU of `proc` and all its descendants until it exits."""
    import psutil

    cpu_by_proc: dict[tuple[int, float], float] = {}
    peak_rss, peak_at, peak_procs, max_procs, samples = 0, 0.0, 0, 0, 0
    max_single = peak_pss = 0
    t0 = time.perf_counter()
    root = psutil.Process(proc.pid)
    while proc.poll() is None:
        tick = time.perf_counter()
        try:
            tree = [root, *root.children(recursive=True)]
        except psutil.Error:
            tree = [root]
        rss = 0
        alive = 0
        for p in tree:
            try:
                with p.oneshot():
                    mem = p.memory_info().rss
                    times = p.cpu_times()
                    key = (p.pid, p.create_time())
            except psutil.Error:
                continue
            rss += mem
            alive += 1
            max_single = max(max_single, mem)
            cpu_by_proc[key] = times.user + times.system
        if samples % 10 == 0:  # PSS (shared pages split between processes) is dearer to read: every ~0.5 s
            pss = 0
            for p in tree:
                try:
                    pss += p.memory_full_info().pss
                except (psutil.Error, AttributeError):
                    pass
            peak_pss = max(peak_pss, pss)
        samples += 1
        max_procs = max(max_procs, alive)
        if rss > peak_rss:
            peak_rss, peak_at, peak_procs = rss, tick - t0, alive
        time.sleep(max(0.0, interval - (time.perf_counter() - tick)))
    return {
        "peak_rss_mb": round(peak_rss / MB, 1),
        "peak_at_s": round(peak_at, 2),
        "procs_at_peak": peak_procs,
        "max_procs": max_procs,
        "max_single_rss_mb": round(max_single / MB, 1),
        "samples": samples,
        "peak_pss_mb_sampled_0_5s": round(peak_pss / MB, 1),
        "sampled_cpu_s": round(sum(cpu_by_proc.values()), 3),
        "processes_seen": len(cpu_by_proc),
    }


def run_pipeline_cli(corpus: Path, out: Path, work: Path, workers: int) -> dict:
    import psutil

    env = bench_env(work)
    argv = [
        sys.executable,
        "-m",
        "textlake",
        "run",
        "--input",
        str(corpus),
        "--output",
        str(out),
        "--workers",
        str(workers),
        "--no-progress",
        "--run-id",
        "perf",
    ]
    load0 = loadavg()
    ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    machine0 = psutil.cpu_times()
    with open(work / "cli-stdout.json", "w") as stdout, open(work / "cli-stderr.log", "w") as stderr:
        t0 = time.perf_counter()
        proc = psutil.Popen(argv, stdout=stdout, stderr=stderr, env=env, cwd=str(REPO))
        tree = monitor_tree(proc)
        rc = proc.wait()
        wall = time.perf_counter() - t0
    ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    machine1 = psutil.cpu_times()
    idle = (machine1.idle - machine0.idle) + (getattr(machine1, "iowait", 0) - getattr(machine0, "iowait", 0))
    machine_busy = sum(machine1) - sum(machine0) - idle
    if rc != 0 or not (work / "cli-stdout.json").read_text().strip():
        raise RuntimeError(
            f"textlake run failed (exit {rc}{', no summary printed' if rc == 0 else ''}); "
            f"see {work / 'cli-stderr.log'}:\n" + (work / "cli-stderr.log").read_text()[-3000:]
        )
    reaped = (ru1.ru_utime - ru0.ru_utime) + (ru1.ru_stime - ru0.ru_stime)
    # Both are lower bounds: sampling misses each process's last <50 ms, rusage misses
    # descendants nobody waited for. The larger one is the closer.
    tree_cpu = max(tree["sampled_cpu_s"], reaped)
    summary = json.loads((work / "cli-stdout.json").read_text())
    by_step = summary["wall_s"]
    n_cores = cores()
    return {
        "wall_s": round(wall, 3),
        "tree_cpu_s": round(tree_cpu, 3),
        "reaped_children_cpu_s": round(reaped, 3),
        "cpu_utilisation": round(tree_cpu / (wall * n_cores), 3),
        "cores": n_cores,
        "workers_arg": workers,
        "machine_busy_cpu_s": round(machine_busy, 1),
        "other_processes_cpu_s": round(max(0.0, machine_busy - tree_cpu), 1),
        **tree,
        "ru_maxrss_children_mb": round(ru1.ru_maxrss * 1024 / MB, 1),
        "steps_wall_s": by_step,
        "startup_s": round(wall - sum(by_step.values()), 3),  # interpreter, imports, teardown
        "gx_share": round(by_step.get("validate", 0.0) / wall, 4),
        "chain": chain_table(summary["steps"], summary["plan"]["bytes_to_process"]),
        "summary": summary,
        "loadavg_before": load0,
        "loadavg_after": loadavg(),
    }


# --------------------------------------------------------------------------- 3. DAG parse

_PARSE_SCRIPT = r"""
import json, sys, time
t0 = time.perf_counter()
import airflow.sdk
t1 = time.perf_counter()
heavy = %(heavy)r
before = {m for m in heavy if m in sys.modules}
path = sys.argv[1]
t = time.perf_counter()
code = compile(open(path, encoding="utf-8").read(), path, "exec")
exec(code, {"__name__": "unusual_prefix_textlake_ingest", "__file__": path})
parse = time.perf_counter() - t
after = {m for m in heavy if m in sys.modules}
print(json.dumps({"airflow_sdk_import_s": round(t1 - t0, 3), "parse_s": round(parse, 4),
                  "heavy_before_dag": sorted(before), "heavy_added_by_dag": sorted(after - before)}))
"""


def _parse_one(path: Path, runs: int, script: Path, env: dict) -> dict:
    results = []
    for _ in range(runs):
        out = subprocess.run(
            [sys.executable, str(script), str(path)], capture_output=True, text=True, env=env, cwd=str(REPO), timeout=300
        )
        if out.returncode != 0:
            return {"error": out.stderr[-2000:]}
        results.append(json.loads(out.stdout.strip().splitlines()[-1]))
    parse = [r["parse_s"] for r in results]
    return {
        "runs": runs,
        "parse_s_median": round(statistics.median(parse), 4),
        "parse_s_max": round(max(parse), 4),
        "airflow_sdk_import_s_median": round(statistics.median(r["airflow_sdk_import_s"] for r in results), 3),
        "heavy_added_by_dag": sorted({m for r in results for m in r["heavy_added_by_dag"]}),
        "heavy_before_dag": sorted({m for r in results for m in r["heavy_before_dag"]}),
    }


def dag_parse(runs: int, work: Path) -> dict:
    """dags/textlake_ingest.py (the target), and every other DAG file beside it for information."""
    env = bench_env(work)
    home = work / "airflow-home"
    home.mkdir(parents=True, exist_ok=True)
    env.update(
        {
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__DAGS_FOLDER": str(REPO / "dags"),
            "AIRFLOW__LOGGING__LOGGING_LEVEL": "WARNING",
        }
    )
    script = work / "dag_parse_timed.py"
    script.write_text(_PARSE_SCRIPT % {"heavy": HEAVY_MODULES})
    result = _parse_one(DAG_FILE, runs, script, env)
    others = {p.name: _parse_one(p, runs, script, env) for p in sorted(DAG_FILE.parent.glob("*.py")) if p != DAG_FILE}
    if others:
        result["other_dag_files"] = others
    return result


# --------------------------------------------------------------------------- 5. datatrove

_DATATROVE_SCRIPT = r"""
import gzip, json, os, sys, time
files = json.load(open(sys.argv[1]))
t0, c0 = time.perf_counter(), time.process_time()
from datatrove.data import Document
from datatrove.pipeline.filters import (C4QualityFilter, FineWebQualityFilter, GopherQualityFilter,
                                        GopherRepetitionFilter)
# FineWeb's recipe order and settings for these four filters.
steps = [GopherRepetitionFilter(), GopherQualityFilter(), C4QualityFilter(filter_no_terminal_punct=False),
         FineWebQualityFilter()]
def documents():
    for n, path in enumerate(files):
        data = open(path, "rb").read()
        if path.endswith(".gz"):
            data = gzip.decompress(data)
        yield Document(text=data.decode("utf-8"), id=str(n), metadata={"path": path})
stream = documents()
for step in steps:
    stream = step.run(stream, 0, 1)
kept = kept_bytes = 0
for doc in stream:
    kept += 1
    kept_bytes += len(doc.text.encode("utf-8"))
wall, cpu = time.perf_counter() - t0, time.process_time() - c0
per_step = {}
for step in steps:
    stats = step.stats.to_dict() if hasattr(step.stats, "to_dict") else {}
    per_step[step.name] = {"time_s": round((stats.get("time_stats") or {}).get("total", 0.0), 3),
                           "forwarded": (stats.get("stats") or {}).get("forwarded"),
                           "dropped": (stats.get("stats") or {}).get("dropped")}
from importlib.metadata import version
print(json.dumps({"version": version("datatrove"), "wall_s": round(wall, 3), "cpu_s": round(cpu, 3),
                  "kept_documents": kept, "kept_mb": round(kept_bytes / 1e6, 3), "steps": per_step}))
"""


def datatrove_bench(sample: list[Path], sample_mb: float, work: Path, python: Path) -> dict:
    """datatrove's quality filters on (part of) the sample, one process, in its own venv."""
    if not python.exists():
        return {
            "error": f"{python} not found: create it with `python3 -m venv /tmp/dtvenv && "
            f"/tmp/dtvenv/bin/pip install 'datatrove[processing]' spacy` (never in requirements.txt)"
        }
    files, size = [], 0
    for p in sample:
        if size >= sample_mb * MB:
            break
        files.append(str(p))
        size += len(text_bytes(p))
    listing = work / "datatrove-files.json"
    listing.write_text(json.dumps(files))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    env.update(
        {
            "HF_HUB_OFFLINE": "1",
            "HF_DATASETS_OFFLINE": "1",
            "TRANSFORMERS_OFFLINE": "1",
            "DATATROVE_COLORIZE_LOGS": "0",
            "LOGURU_LEVEL": "WARNING",
        }
    )
    load0 = loadavg()
    try:
        out = subprocess.run(
            [str(python), "-c", _DATATROVE_SCRIPT, str(listing)],
            capture_output=True,
            text=True,
            env=env,
            cwd=str(work),
            timeout=3600,
        )
    except subprocess.TimeoutExpired:
        return {"error": "datatrove did not finish within an hour"}
    if out.returncode != 0:
        return {"error": f"datatrove failed (exit {out.returncode}): " + out.stderr.strip()[-1500:]}
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result.update(
        {
            "files": len(files),
            "text_mb": round(size / MB, 2),
            "mb_per_s_per_core": round(size / MB / result["cpu_s"], 3),
            "docs_per_s_per_core": round(len(files) / result["cpu_s"], 1),
            "loadavg_before": load0,
            "loadavg_after": loadavg(),
        }
    )
    return result


# --------------------------------------------------------------------------- 5. profile


def _worker_loop(corpus: Path, listing: Path, work: Path) -> None:
    """What one pool worker does, on one core: both passes of a shard over the sample."""
    from textlake.config import PipelineConfig
    from textlake.discover import InputFile
    from textlake.shard import RunContext, process_shard

    paths = [Path(p) for p in json.loads(listing.read_text())]
    files = [InputFile(uri=f"file://{p}", relative=p.relative_to(corpus).as_posix(), size=p.stat().st_size) for p in paths]
    config = PipelineConfig.from_overrides({"input": str(corpus), "output": str(work / "profile-out"), "workers": 1})
    ctx = RunContext(run_id="profile", ingested_at=dt.datetime.now(dt.UTC), config=config)
    process_shard(files, str(work / "profile-stage" / "shards" / "shard-00000"), ctx, {}, None)


def _validate_loop(stage: Path, output: Path) -> None:
    """The validate step alone on a staged run (what the pipeline's validate task runs)."""
    from textlake.validate import validate_staged

    validate_staged(str(stage), str(output), "bench")


def find_py_spy(explicit: str | None) -> str | None:
    for candidate in (explicit, shutil.which("py-spy"), "/tmp/pyspyvenv/bin/py-spy", str(REPO / ".venv/bin/py-spy")):
        if candidate and Path(candidate).exists():
            return candidate
    return None


def _frame_name(frame: str) -> str:
    """'segment_page (textlake/segment.py:260)' -> 'textlake/segment.py:segment_page'."""
    name, _, where = frame.rpartition(" (")
    file = where.rstrip(")").rsplit(":", 1)[0]
    for marker in ("/include/", "site-packages/", "/lib/python3"):
        if marker in file:
            file = file.split(marker, 1)[1]
    return f"{file}:{name}"


def summarize_profile(raw: Path, root: str, anchors: tuple[str, ...], depth: int = 1, top: int = 25) -> dict:
    """Own and inclusive shares per function, and per call below the `anchors` frames.

    Only samples under the `root` function count, and imports are set apart: they are a
    per-process fixed cost, not a cost per MB.
    """
    own: collections.Counter[str] = collections.Counter()
    inclusive: collections.Counter[str] = collections.Counter()
    steps: collections.Counter[str] = collections.Counter()
    total = imports = 0
    for line in raw.read_text(encoding="utf-8", errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        frames = [_frame_name(f) for f in stack.split(";") if f]
        if not any(f.endswith(f":{root}") for f in frames):
            continue
        n = int(count)
        if any(f.endswith((":_find_and_load", ":_call_with_frames_removed")) for f in frames):
            imports += n
            continue
        total += n
        own[frames[-1]] += n
        for f in set(frames):
            inclusive[f] += n
        for i, f in enumerate(frames):
            if f.endswith(tuple(f":{a}" for a in anchors)):
                below = [x.split(":")[-1] for x in frames[i + 1 : i + 1 + depth]] or ["(own)"]
                steps[" > ".join([f.split(":")[-1], *below])] += n
                break
    if not total:
        return {"samples": 0, "import_samples": imports, "error": f"no samples under {root}"}
    focus = [k for k in inclusive if not k.startswith(("<frozen", "threading", "concurrent/")) and "perf.py:" not in k]
    return {
        "samples": total,
        "import_samples": imports,
        "by_step": [{"step": k, "share": round(v / total, 4)} for k, v in steps.most_common(top)],
        "top_own": [{"function": k, "share": round(v / total, 4)} for k, v in own.most_common(top)],
        "top_inclusive": [
            {"function": k, "share": round(inclusive[k] / total, 4)}
            for k in sorted(focus, key=inclusive.__getitem__, reverse=True)[:top]
        ],
    }


def _py_spy(py_spy: str, raw: Path, args: list[str], work: Path) -> str | None:
    cmd = [
        py_spy,
        "record",
        "--format",
        "raw",
        "--rate",
        "200",
        "--nonblocking",
        "-o",
        str(raw),
        "--",
        sys.executable,
        str(Path(__file__).resolve()),
        *args,
    ]
    out = subprocess.run(cmd, capture_output=True, text=True, env=bench_env(work), cwd=str(REPO))
    if out.returncode != 0 or not raw.exists():
        return f"py-spy failed (exit {out.returncode}): {out.stderr.strip()[-1500:]}"
    return None


def profile_run(py_spy: str, corpus: Path, sample: list[Path], work: Path) -> dict:
    """py-spy over the shard worker loop on the sample, then over the validate step on what it staged."""
    listing = work / "profile-files.json"
    listing.write_text(json.dumps([str(p) for p in sample]))
    result: dict = {"tool": f"py-spy ({py_spy})"}
    raw = work / "profile-worker.txt"
    error = _py_spy(py_spy, raw, ["--_worker-loop", str(corpus), str(listing), str(work)], work)
    result["worker"] = (
        {"error": error}
        if error
        else {"raw": str(raw), **summarize_profile(raw, "_worker_loop", ("observe_chunk", "segment_chunk"))}
    )
    if error:
        return result
    raw = work / "profile-validate.txt"
    error = _py_spy(py_spy, raw, ["--_validate-loop", str(work / "profile-stage"), str(work / "profile-gx")], work)
    result["validate"] = (
        {"error": error}
        if error
        else {"raw": str(raw), **summarize_profile(raw, "_validate_loop", ("validate_staged",), depth=2)}
    )
    return result


# --------------------------------------------------------------------------- report


def evaluate(report: dict, compare: dict | None) -> dict:
    pipe = report["pipeline"]
    targets: dict = {}
    if "error" in pipe:
        for name in ("MB/s per core >= 5", "wall vs I/O floor", "peak RSS <= 1 GB"):
            targets[name] = {"value": None, "limit": None, "met": None, "note": "the pipeline run failed"}
        pipe = None
    if pipe:
        targets.update(_pipeline_targets(report, pipe))
    dag = report.get("dag_parse") or {}
    if "parse_s_median" in dag:
        targets["DAG parse <= 0.3 s, no heavy imports"] = {
            "value": dag["parse_s_median"],
            "limit": TARGETS["dag_parse_s_max"],
            "met": dag["parse_s_median"] <= TARGETS["dag_parse_s_max"] and not dag["heavy_added_by_dag"],
            "note": f"heavy modules added by the DAG file: {dag['heavy_added_by_dag'] or 'none'}",
        }
    if compare and pipe and "mb_per_s" in compare.get("derived", {}):
        size, other = report["corpus"]["text_bytes"] / MB, compare["corpus"]["text_bytes"] / MB
        if size <= SMALL_RUN_MB < other:
            share = compare["pipeline"]["tree_cpu_s"] / other * size
            fixed = round(pipe["tree_cpu_s"] - share, 2)
            targets["fixed start-up <= 3 CPU s"] = {
                "value": fixed,
                "limit": TARGETS["fixed_cpu_s_max"],
                "met": fixed <= TARGETS["fixed_cpu_s_max"],
                "note": f"{pipe['tree_cpu_s']} CPU s for {size:.0f} MB, {share:.2f} s its share of the {other:.0f} MB run",
            }
            return targets
        a, b = report["derived"]["mb_per_s"], compare["derived"]["mb_per_s"]
        rel = a / b - 1
        targets["cost linear"] = {
            "value": round(rel, 3),
            "limit": TARGETS["linear_tolerance"],
            "met": abs(rel) <= TARGETS["linear_tolerance"],
            "note": f"{a} MB/s at {report['corpus']['text_bytes'] / MB:.0f} MB vs {b} MB/s at "
            f"{compare['corpus']['text_bytes'] / MB:.0f} MB",
        }
    return targets


def _pipeline_targets(report: dict, pipe: dict) -> dict:
    targets = {}
    size = report["corpus"]["text_bytes"] / MB
    per_core = report["derived"]["mb_per_s_per_core"]
    targets["MB/s per core >= 5"] = {
        "value": per_core,
        "limit": TARGETS["mb_per_s_per_core_min"],
        "met": per_core >= TARGETS["mb_per_s_per_core_min"],
        "note": f"{size:.0f} MB of {report['corpus'].get('kind', 'given')} text over {pipe['tree_cpu_s']} CPU s of the tree",
    }
    limit = TARGETS["floor_ratio_max_1gb"] if size >= 1000 else TARGETS["floor_ratio_max"]
    targets["wall vs I/O floor"] = {
        "value": report["derived"]["floor_ratio"],
        "limit": limit,
        "met": report["derived"]["floor_ratio"] <= limit,
        "note": f"<= {limit:g}x at {size:.0f} MB; {pipe['cores']} cores, --workers {pipe['workers_arg']}",
    }
    ratio = report["derived"].get("per_core_vs_datatrove")
    targets["per-core >= 20x datatrove"] = {
        "value": ratio,
        "limit": TARGETS["per_core_vs_datatrove_min"],
        "met": None if ratio is None else ratio >= TARGETS["per_core_vs_datatrove_min"],
    }
    targets["peak RSS <= 1 GB"] = {
        "value": pipe["peak_rss_mb"],
        "limit": TARGETS["peak_rss_mb_max"],
        "met": pipe["peak_rss_mb"] <= TARGETS["peak_rss_mb_max"],
        "note": f"largest file {report['corpus']['largest_file_mb']} MB",
    }
    return targets


def fmt(v, nd=2) -> str:
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:,.{nd}f}"
    return str(v)


def print_report(r: dict) -> None:
    c, floor, pipe, d = r["corpus"], r["io_floor"], r["pipeline"], r["derived"]
    out = []
    out.append(
        f"textlake perf  {r['meta']['utc']}  {r['meta']['cores']} cores  git {r['meta']['git']}  "
        f"load avg at start {r['meta']['loadavg_start']}, at end {r['meta']['loadavg_end']}"
    )
    out.append(
        f"corpus: {c['files']:,} files, {c['text_bytes'] / MB:,.1f} MB text ({c['disk_bytes'] / MB:,.1f} MB on disk, "
        f"{c['gzip_files']} gzip), largest file {c['largest_file_mb']} MB"
    )
    out.append("")
    out.append(f"{'':34}{'wall s':>9}{'MB/s':>9}{'docs/s':>9}{'CPU s':>9}{'CPU util':>10}{'peak RSS MB':>13}")
    out.append(
        f"{'I/O floor (1 process)':34}{fmt(floor['wall_s']):>9}"
        f"{fmt(floor['mb_per_s']):>9}{fmt(round(floor['files'] / floor['wall_s'])):>9}{fmt(floor['cpu_s']):>9}"
        f"{'':>10}{'':>13}"
    )
    if "error" in pipe:
        out.append(f"pipeline: FAILED: {pipe['error'][-1500:]}")
    else:
        out.append(
            f"{'pipeline (CLI, --workers ' + str(pipe['workers_arg']) + ')':34}{fmt(pipe['wall_s']):>9}"
            f"{fmt(d['mb_per_s']):>9}{fmt(d['docs_per_s'], 0):>9}{fmt(pipe['tree_cpu_s']):>9}"
            f"{pipe['cpu_utilisation']:>9.0%} {fmt(pipe['peak_rss_mb'], 0):>12}"
        )
        out.append(
            f"pipeline / floor: {d['floor_ratio']:.2f}x   per core: {d['mb_per_s_per_core']:.2f} MB/s "
            f"(text MB / tree CPU s)   processes at peak RSS: {pipe['procs_at_peak']} "
            f"(largest single {pipe['max_single_rss_mb']:.0f} MB; peak PSS sum "
            f"{pipe['peak_pss_mb_sampled_0_5s']:.0f} MB, sampled every 0.5 s)"
        )
        out.append(
            f"other processes on the machine used {pipe['other_processes_cpu_s']:.0f} CPU s during the run "
            f"({pipe['other_processes_cpu_s'] / (pipe['wall_s'] * pipe['cores']):.0%} of its cores)"
        )
        steps = pipe["steps_wall_s"]
        out.append(
            "pipeline steps (wall s): "
            + ", ".join(f"{k} {v:.2f} ({v / pipe['wall_s']:.0%})" for k, v in steps.items())
            + f", interpreter+imports {pipe['startup_s']:.2f}"
        )
    chain = pipe.get("chain")
    if chain:
        out.append("")
        out.append("the run's steps (its manifest: CPU summed over the pool's workers; MB/s = text MB / step CPU s):")
        out.append(
            f"  {'step':16}{'stage':10}{'in':>9}{'out':>9}{'dropped':>9}{'lines out':>11}{'CPU s':>9}{'MB/s':>10}{'share':>8}"
        )
        worst = max(chain["steps"], key=lambda x: x["cpu_s"])["step"]
        for st in chain["steps"]:
            mark = "  <- most CPU" if st["step"] == worst else ""
            out.append(
                f"  {st['step']:16}{st['stage']:10}{st['docs_in']:>9,}{st['docs_out']:>9,}{st['dropped']:>9,}"
                f"{st['lines_dropped']:>11,}{fmt(st['cpu_s'], 2):>9}{fmt(st['mb_per_s']):>10}{st['share']:>8.1%}{mark}"
            )
        out.append(
            f"  {'all steps':16}{'':10}{'':>9}{'':>9}{'':>9}{'':>11}{fmt(chain['cpu_s'], 2):>9}"
            f"{fmt(chain['mb_per_s_per_core']):>10}"
        )
    dtv = r.get("datatrove")
    if dtv is not None:
        out.append("")
        if "error" in dtv:
            out.append(f"datatrove: not measured: {dtv['error']}")
        else:
            out.append(
                f"datatrove {dtv['version']} C4+Gopher+FineWeb filters, 1 process, {dtv['files']:,} files / "
                f"{dtv['text_mb']:.1f} MB: {dtv['cpu_s']:.1f} CPU s, {dtv['mb_per_s_per_core']:.3f} MB/s per core, "
                f"kept {dtv['kept_documents']} docs"
            )
            out.append(f"per-core throughput textlake / datatrove: {fmt(d.get('per_core_vs_datatrove'), 1)}x")
    dag = r.get("dag_parse")
    if dag:
        out.append("")
        if "error" in dag:
            out.append(f"DAG parse: error: {dag['error'][-500:]}")
        else:
            out.append(
                f"DAG parse (fresh interpreter, after `import airflow.sdk`, {dag['runs']} runs): median "
                f"{dag['parse_s_median']:.3f} s, max {dag['parse_s_max']:.3f} s; airflow.sdk import "
                f"{dag['airflow_sdk_import_s_median']:.2f} s; heavy modules added by the DAG: "
                f"{dag['heavy_added_by_dag'] or 'none'} (already loaded by airflow.sdk: {dag['heavy_before_dag'] or 'none'})"
            )
            for name, other in dag.get("other_dag_files", {}).items():
                if "error" in other:
                    out.append(f"  also {name}: error: {other['error'][-300:]}")
                else:
                    out.append(
                        f"  also {name}: median {other['parse_s_median']:.3f} s, heavy modules added: "
                        f"{other['heavy_added_by_dag'] or 'none'}"
                    )
    prof = r.get("profile")
    if prof:
        out.append("")
        if "error" in prof:
            out.append(f"profile: not measured: {prof['error']}")
        for part, title in (("worker", "shard worker loop on the sample"), ("validate", "validate step on its staged output")):
            p = (prof or {}).get(part)
            if not p:
                continue
            if "error" in p:
                out.append(f"profile of the {title}: not measured: {p['error']}")
                continue
            out.append(
                f"profile of the {title} ({p['samples']} samples; {p['import_samples']} more in imports, "
                f"left out; {prof['tool']}):"
            )
            out.append("  by call:")
            for row in p["by_step"][:12]:
                out.append(f"    {row['share']:>6.1%}  {row['step']}")
            out.append("  inclusive:")
            for row in p["top_inclusive"][:15]:
                out.append(f"    {row['share']:>6.1%}  {row['function']}")
            out.append("  own time:")
            for row in p["top_own"][:15]:
                out.append(f"    {row['share']:>6.1%}  {row['function']}")
    out.append("")
    out.append("targets:")
    for name, t in r["targets"].items():
        state = "n/a" if t["met"] is None else ("MET" if t["met"] else "MISSED")
        note = f"  ({t['note']})" if t.get("note") else ""
        out.append(f"  {state:7} {name}: {fmt(t['value'], 3)} (limit {t['limit']}){note}")
    print("\n".join(out))


def git_rev() -> str:
    try:
        rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"], cwd=REPO, capture_output=True, text=True
        ).stdout.strip()
        return (rev + ("+dirty" if dirty else "")) if rev else "?"
    except OSError:
        return "?"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog=__doc__.split("\n\n", 1)[1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ap.add_argument("--size-mb", type=float, default=100, help="corpus size in MB of text (default 100)")
    ap.add_argument("--huge-file-mb", type=float, default=0, help="also write one file of this size")
    ap.add_argument("--real", action="store_true", help="real pages (the dev gold sets' pages, recombined) instead of synthetic")
    ap.add_argument("--workers", type=int, default=0, help="--workers of the pipeline run (0 = every core)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--sample-mb", type=float, default=20, help="sample for --datatrove and --profile (default 20)")
    ap.add_argument("--corpus", type=Path, help="use this corpus instead of generating one (kept)")
    ap.add_argument("--workdir", type=Path, help="where the corpus and outputs go (default: a new folder in /tmp)")
    ap.add_argument("--keep", action="store_true", help="keep the corpus and outputs")
    ap.add_argument("--json", type=Path, help="write every number to this file")
    ap.add_argument("--datatrove", action="store_true", help="also measure datatrove's quality filters")
    ap.add_argument("--datatrove-mb", type=float, default=10, help="text datatrove filters (default 10, from the sample)")
    ap.add_argument("--datatrove-python", type=Path, default=DEFAULT_DTVENV / "bin" / "python")
    ap.add_argument("--profile", action="store_true", help="py-spy profile of the shard worker loop on the sample")
    ap.add_argument("--py-spy", help="path of the py-spy binary")
    ap.add_argument("--dag-parse-runs", type=int, default=3, help="fresh interpreters for the DAG parse (0 = skip)")
    ap.add_argument("--compare", type=Path, help="an earlier --json report: checks that MB/s stayed level (linear cost)")
    ap.add_argument("--_worker-loop", nargs=3, dest="worker_loop", help=argparse.SUPPRESS)
    ap.add_argument("--_validate-loop", nargs=2, dest="validate_loop", help=argparse.SUPPRESS)
    return ap.parse_args(argv)


def main(argv: list[str] | None = None) -> dict:
    args = parse_args(argv)
    if args.worker_loop:
        _worker_loop(*(Path(p) for p in args.worker_loop))
        return {}
    if args.validate_loop:
        _validate_loop(*(Path(p) for p in args.validate_loop))
        return {}
    work = Path(tempfile.mkdtemp(prefix="textlake-perf-", dir=str(args.workdir) if args.workdir else None))
    log(f"work folder {work}")
    os.environ["TEXTLAKE_ALLOWED_ROOTS"] = bench_env(work)["TEXTLAKE_ALLOWED_ROOTS"]  # the profile's in-process loop
    report: dict = {
        "meta": {
            "utc": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC"),
            "cores": cores(),
            "python": platform.python_version(),
            "git": git_rev(),
            "loadavg_start": loadavg(),
            "argv": sys.argv[1:] if argv is None else argv,
        }
    }
    try:
        if args.corpus:
            corpus = args.corpus.resolve()
            report["corpus"] = describe_existing(corpus)
        else:
            corpus = work / "corpus"
            log(f"generating {args.size_mb} MB (huge file {args.huge_file_mb} MB)")
            report["corpus"] = generate(corpus, args.size_mb, args.seed, args.huge_file_mb, args.real)
        files = list_corpus(corpus)
        sample = pick_sample(files, args.sample_mb)

        log("I/O floor")
        report["io_floor"] = io_floor(corpus, work / "floor.parquet")
        log("pipeline via the CLI")
        try:
            report["pipeline"] = run_pipeline_cli(corpus, work / "out", work, args.workers)
        except RuntimeError as exc:  # still measure the rest; the exit status says it failed
            log(str(exc))
            report["pipeline"] = {"error": str(exc)[-3000:]}
        if args.dag_parse_runs:
            log("DAG parse")
            report["dag_parse"] = dag_parse(args.dag_parse_runs, work)
        if args.datatrove:
            log("datatrove")
            report["datatrove"] = datatrove_bench(sample, args.datatrove_mb, work, args.datatrove_python)
        if args.profile:
            py_spy = find_py_spy(args.py_spy)
            log("profile")
            report["profile"] = (
                profile_run(py_spy, corpus, sample, work)
                if py_spy
                else {
                    "error": "py-spy not found: python3 -m venv /tmp/pyspyvenv && /tmp/pyspyvenv/bin/pip "
                    "install py-spy (or pass --py-spy)"
                }
            )

        text_mb = report["corpus"]["text_bytes"] / MB
        pipe = report["pipeline"]
        derived = {}
        if "error" not in pipe:
            derived = {
                "mb_per_s": round(text_mb / pipe["wall_s"], 2),
                "docs_per_s": round(report["corpus"]["files"] / pipe["wall_s"], 1),
                "floor_ratio": round(pipe["wall_s"] / report["io_floor"]["wall_s"], 2),
                "mb_per_s_per_core": round(text_mb / pipe["tree_cpu_s"], 2),
            }
        dtv = report.get("datatrove") or {}
        if "mb_per_s_per_core" in dtv and derived:
            derived["per_core_vs_datatrove"] = round(derived["mb_per_s_per_core"] / dtv["mb_per_s_per_core"], 1)
        report["derived"] = derived
        report["meta"]["loadavg_end"] = loadavg()
        compare = json.loads(args.compare.read_text()) if args.compare else None
        report["targets"] = evaluate(report, compare)
        if args.json:
            args.json.parent.mkdir(parents=True, exist_ok=True)
            args.json.write_text(json.dumps(report, indent=2, default=str))
        print_report(report)
        if "error" in report["pipeline"]:
            raise SystemExit(1)
        return report
    finally:
        if args.keep:
            log(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
