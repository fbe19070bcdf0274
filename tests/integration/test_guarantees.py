"""Nothing lost, nothing twice: fault injection, retries, concurrent runs and hostile input.

Every test compares what the datasets hold against a clean run of the same input, and
checks that readers never meet a partial file.
"""

from __future__ import annotations

import codecs
import gzip
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.dataset as ds
import pytest

from tests.conftest import ROOT
from textlake import synth
from textlake.config import PipelineConfig
from textlake.pipeline import run_pipeline
from textlake.synth import write_corpus

RUN = "manual__2026-11-21T12:00:00+00:00"
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


def drive(input_dir, output, steps, kill_at="none", run_id=RUN):
    proc = subprocess.run(
        [sys.executable, "-m", "tests.integration.fault_driver", str(input_dir), str(output), run_id, steps, kill_at],
        capture_output=True,
        text=True,
        env=ENV,
        cwd=ROOT,
        timeout=300,
    )
    if kill_at == "none":
        assert proc.returncode == 0, proc.stderr[-3000:]
        return json.loads(proc.stdout.strip().splitlines()[-1])
    return proc.returncode


def snapshot(output: Path) -> dict:
    """Every dataset's rows, order-free; reading also proves no partial file is visible."""
    state = {}
    for name in ("documents", "segments", "comments", "files", "quarantine"):
        root = output / name
        if not root.exists():
            state[name] = []
            continue
        table = ds.dataset(root, format="parquet", partitioning="hive").to_table()
        state[name] = sorted(json.dumps(row, sort_keys=True, default=str) for row in table.to_pylist())
    return state


def stray_files(output: Path) -> list[str]:
    """Anything inside a dataset folder that is not a published Parquet part file."""
    return [
        str(p)
        for name in ("documents", "segments", "comments", "files", "quarantine")
        if (output / name).exists()
        for p in (output / name).rglob("*")
        if p.is_file() and not (p.name.startswith("part-") and p.suffix == ".parquet")
    ]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    root = tmp_path_factory.mktemp("landing")
    write_corpus(root, size_mb=0.25, seed=7, sites=3)
    (root / "broken").mkdir()
    (root / "broken" / "empty.txt").write_bytes(b"")
    return root


@pytest.fixture(scope="module")
def clean_run(corpus, tmp_path_factory):
    output = tmp_path_factory.mktemp("clean")
    counts = drive(corpus, output, "plan,shards,validate,publish")
    return snapshot(output), counts


def test_clean_run_accounts_for_every_file(corpus, clean_run):
    state, _ = clean_run
    inputs = [p for p in corpus.rglob("*") if p.is_file()]
    ledger = [json.loads(r) for r in state["files"]]
    assert sorted(r["source_uri"] for r in ledger) == sorted(str(p) for p in inputs)
    assert {r["status"] for r in ledger} == {"published", "rejected"}
    assert all(r["reason"] for r in ledger if r["status"] != "published")


def test_sigkill_at_every_publish_side_effect_then_retry(corpus, clean_run, tmp_path):
    expected, counts = clean_run
    staged = tmp_path / "staged"
    drive(corpus, staged, "plan,shards,validate")
    assert counts["publish"] >= 10
    # Every side effect would take minutes of process start-ups; a spread of ~15 covers each phase.
    kill_points = sorted(
        {1, 2, counts["publish"] - 1, counts["publish"], *range(3, counts["publish"], max(1, counts["publish"] // 12))}
    )
    for n in kill_points:
        output = tmp_path / f"kill-{n}"
        shutil.copytree(staged, output, symlinks=True)
        assert drive(corpus, output, "publish", f"publish:{n}") == -signal.SIGKILL
        during = snapshot(output)  # readable right after the crash
        for name, rows in during.items():
            assert rows in ([], expected[name]), f"{name} half-published after a kill at side effect {n}"
        assert stray_files(output) == []
        drive(corpus, output, "publish")  # the task's retry
        assert snapshot(output) == expected, f"retry after a kill at publish side effect {n} differs from a clean run"
        assert not (output / "_staging").exists() or not any((output / "_staging").iterdir()), list(
            (output / "_staging").rglob("*")
        )[:5]
        shutil.rmtree(output)


def test_sigkill_inside_a_shard_then_retry(corpus, clean_run, tmp_path):
    expected, counts = clean_run
    for n in (1, counts["shards"] // 2, counts["shards"] - 1):
        output = tmp_path / f"shard-kill-{n}"
        drive(corpus, output, "plan")
        assert drive(corpus, output, "shards", f"shards:{n}") == -signal.SIGKILL
        assert snapshot(output)["documents"] == []
        drive(corpus, output, "shards,validate,publish")
        assert snapshot(output) == expected


def test_rerunning_every_step_of_a_published_run_adds_nothing(corpus, clean_run, tmp_path):
    expected, _ = clean_run
    drive(corpus, tmp_path, "plan,shards,validate,publish")
    drive(corpus, tmp_path, "plan,shards,validate,publish")  # "clear" the whole run and run it again
    assert snapshot(tmp_path) == expected


def test_killed_cli_run_then_a_new_run_publishes_each_file_once(corpus, clean_run, tmp_path):
    expected, _ = clean_run
    rng = random.Random(3)
    for _ in range(3):
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "textlake",
                "run",
                "--input",
                str(corpus),
                "--output",
                str(tmp_path),
                "--no-progress",
                "--workers",
                "1",
            ],
            env=ENV,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(rng.uniform(0.5, 4.0))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        assert stray_files(tmp_path) == []
    subprocess.run(
        [sys.executable, "-m", "textlake", "run", "--input", str(corpus), "--output", str(tmp_path), "--no-progress"],
        env=ENV,
        check=True,
        capture_output=True,
    )
    state = snapshot(tmp_path)
    strip = lambda rows: sorted({json.loads(r)["doc_id"] for r in rows})  # noqa: E731 - run ids differ between runs
    assert strip(state["documents"]) == strip(expected["documents"])
    assert len(state["documents"]) == len(expected["documents"])
    assert sorted(json.loads(r)["source_uri"] for r in state["files"]) == sorted(
        json.loads(r)["source_uri"] for r in expected["files"]
    )


def test_two_concurrent_runs_over_the_same_input(corpus, clean_run, tmp_path):
    expected, _ = clean_run
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "textlake",
                "run",
                "--input",
                str(corpus),
                "--output",
                str(tmp_path),
                "--no-progress",
                "--workers",
                "1",
                "--run-id",
                f"concurrent-{i}",
            ],
            env=ENV,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in (1, 2)
    ]
    for proc in procs:
        assert proc.wait(timeout=300) == 0, proc.stderr.read()[-2000:]
    state = snapshot(tmp_path)
    assert len(state["documents"]) == len(expected["documents"])
    assert len(state["segments"]) == len(expected["segments"])
    assert len(state["files"]) == len(expected["files"])  # one ledger row per input file, whichever run wrote it


HOSTILE = {
    "empty.txt": (b"", "rejected", "empty file"),
    "blank.txt": (b"  \n\t \r\n", "rejected", "only whitespace"),
    "image.txt": (bytes(range(256)) * 40, "rejected", "binary content"),
    "truncated.txt.gz": (gzip.compress(bytes(range(32, 127)) * 400)[:200], "rejected", "truncated gzip"),
}


def hostile_landing(root: Path) -> dict[str, tuple[str, str | None]]:
    """Builds the hostile folder; returns relative path -> (status, reason fragment)."""
    site = synth.site(1)
    article = lambda n: synth.page(n, site, random.Random(n))  # noqa: E731 - a distinct real-looking page each
    expected = {}
    for name, (data, status, reason) in HOSTILE.items():
        (root / name).write_bytes(data)
        expected[name] = (status, reason)
    variants = {
        "utf16 with bom.txt": codecs.BOM_UTF16_LE + article(1).replace("the", "thé").encode("utf-16-le"),
        "cp1252 café.txt": article(2).replace("Support", "Café “Support”").encode("cp1252"),
        "mojibake.txt": article(3).replace("harbour", "harbour’s").encode("utf-8").decode("cp1252").encode("utf-8"),
        "crlf.txt": article(4).replace("\n", "\r\n").encode(),
        "nul bytes.txt": article(5).replace("council", "coun\x00cil").encode(),
        "packed.txt.gz": gzip.compress(article(6).encode()),
        "données/年報/نص عربي.txt": (
            "عنوان الخبر\n\n" + "قال المجلس إن أعمال الميناء ستستأنف يوم الاثنين بعد إضراب استمر أسبوعين. " * 8
        ).encode(),
        "/".join(f"d{i}" for i in range(30)) + "/deep.txt": article(7).encode(),
        "one-line.txt": " ".join(synth._sentence(random.Random(i)) for i in range(25_000)).encode(),  # ~3 MB, one line
    }
    for name, data in variants.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)
        expected[name] = ("published", None)
    with open(root / "big.txt", "w", encoding="utf-8") as out:  # 25 MB: one page after another
        n = 100
        while out.tell() < 25_000_000:
            out.write(article(n))
            n += 1
    expected["big.txt"] = ("published", None)
    outside = root.parent / "outside-secret.txt"
    outside.write_text("not yours")
    os.symlink(outside, root / "link-out.txt")
    expected["link-out.txt"] = ("rejected", "symbolic link to outside the input root")
    return expected


def test_hostile_input_never_fails_the_run(tmp_path):
    landing = tmp_path / "landing"
    landing.mkdir()
    expected = hostile_landing(landing)
    config = PipelineConfig.from_overrides(
        {"input": str(landing), "output": str(tmp_path / "out"), "workers": 2, "min_body_chars": 20}
    )
    summary = run_pipeline(config, run_id="hostile", progress_bar=False)
    ledger = {
        Path(r["source_uri"]).relative_to(landing).as_posix(): r
        for r in ds.dataset(tmp_path / "out" / "files", format="parquet", partitioning="hive").to_table().to_pylist()
    }
    assert sorted(ledger) == sorted(expected)
    for name, (status, reason) in expected.items():
        assert ledger[name]["status"] == status, (name, ledger[name])
        if reason:
            assert reason in ledger[name]["reason"], (name, ledger[name]["reason"])
    assert summary["published"]["files"]["rows"] == len(expected)
    docs = (
        ds.dataset(tmp_path / "out" / "documents", format="parquet", partitioning="hive")
        .to_table(columns=["source_uri", "title", "body", "encoding"])
        .to_pylist()
    )
    for doc in docs:
        assert "\ufffd" not in doc["body"] and "\x00" not in doc["body"], doc["source_uri"]
    by_name = {Path(d["source_uri"]).name: d for d in docs}
    assert "thé" in by_name["utf16 with bom.txt"]["body"]
    assert by_name["cp1252 café.txt"]["encoding"] == "cp1252" and "Ã" not in by_name["cp1252 café.txt"]["body"]
    assert "harbour’s" in by_name["mojibake.txt"]["body"] and "â€" not in by_name["mojibake.txt"]["body"]
    assert by_name["mojibake.txt"]["encoding"].endswith("+repaired")
    assert "\r" not in by_name["crlf.txt"]["body"]
    assert "council" in by_name["nul bytes.txt"]["body"]


def test_cli_rerun_of_a_published_run_id_is_a_no_op(corpus, clean_run, tmp_path):
    expected, _ = clean_run
    args = [sys.executable, "-m", "textlake", "run", "--input", str(corpus), "--output", str(tmp_path), "--run-id", "same"]
    for _ in range(2):  # with the progress bar, as a user runs it
        subprocess.run(args, env=ENV, check=True, capture_output=True)
    assert len(snapshot(tmp_path)["documents"]) == len(expected["documents"])
