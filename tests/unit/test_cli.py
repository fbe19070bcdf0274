import json
import os
import subprocess
import sys
from pathlib import Path

INCLUDE = str(Path(__file__).resolve().parents[2] / "include")


def textlake(*args):
    env = {**os.environ, "PYTHONPATH": INCLUDE}
    return subprocess.run([sys.executable, "-m", "textlake", *args], capture_output=True, text=True, env=env, timeout=120)


def test_the_command_flushes_its_output_and_keeps_its_exit_code(tmp_path):
    # The command leaves through os._exit (see cli.run): its output and status must survive that.
    done = textlake("summary", "--output", str(tmp_path))
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["documents"] == 0
    refused = textlake("run", "--input", str(tmp_path / "no-such-folder"), "--output", str(tmp_path))
    assert refused.returncode == 2 and "does not exist" in refused.stderr and not refused.stdout


def test_the_cli_trusts_the_paths_typed_at_the_shell_while_the_form_stays_guarded(tmp_path, monkeypatch):
    import pytest

    from textlake.config import OutsideAllowedRoots, PipelineConfig

    landing, lake, guarded = tmp_path / "landing", tmp_path / "lake", tmp_path / "guarded"
    (landing / "site.example").mkdir(parents=True)
    guarded.mkdir()
    body = "The harbour authority confirmed on Monday that the north pier will close for repairs until March. " * 3
    (landing / "site.example" / "pier.txt").write_text(f"Pier to close\n\n{body}\n", encoding="utf-8")
    monkeypatch.setenv("TEXTLAKE_ALLOWED_ROOTS", str(guarded))
    done = textlake("run", "--input", str(landing), "--output", str(lake), "--no-progress")
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(textlake("summary", "--output", str(lake)).stdout)["documents"] == 1
    with pytest.raises(OutsideAllowedRoots, match="outside the allowed roots"):  # what the DAG's form passes
        PipelineConfig.from_overrides({"input": str(landing), "output": str(lake)})
