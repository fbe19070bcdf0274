"""Files written before a column was added read alongside new ones, as the README shows."""

from __future__ import annotations

import os
import re
import shutil
import time
from pathlib import Path

import pyarrow.parquet as pq

from tests.interop.conftest import Published

README = Path(__file__).resolve().parents[2] / "README.md"


def readme_snippet() -> str:
    section = README.read_text(encoding="utf-8").split("### Files written before a column was added", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    return code.replace('ROOT = "data/textlake"\n', "")


def test_a_ledger_of_old_and_new_files_reads_by_column_name(published: Published, tmp_path):
    root = tmp_path / "out"
    shutil.copytree(published.root / "files", root / "files")
    old, new = sorted((root / "files").rglob("*.parquet"))[:2]
    table = pq.read_table(old)
    pq.write_table(table.drop_columns(["reason_code"]), old)  # as a textlake before the column wrote it
    os.utime(new, (time.time() + 5, time.time() + 5))  # the newer file, as a later run writes it
    env = {"ROOT": str(root)}
    exec(readme_snippet(), env)
    rows = table.num_rows + pq.read_metadata(new).num_rows
    assert sum(n for _, n in env["codes"]) == rows
    assert env["ledger"].num_rows == len(env["ledger_pd"]) == env["ledger_pl"].height == rows
    for frame in (env["ledger"].to_pandas(), env["ledger_pd"], env["ledger_pl"].to_pandas()):
        old_rows = frame[frame["run_id"] == table["run_id"][0].as_py()]
        assert len(old_rows) == table.num_rows and old_rows["reason_code"].isna().all()
    assert env["ledger"].schema.field("reason_code").nullable
