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
    refused = textlake("run", "--input", "/proc", "--output", str(tmp_path))
    assert refused.returncode == 2 and "textlake:" in refused.stderr and not refused.stdout
