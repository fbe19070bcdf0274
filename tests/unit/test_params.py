"""One table of run parameters: the trigger form, the CLI flags and the README say the same."""

from __future__ import annotations

import argparse
import re

from tests.conftest import ROOT
from textlake.config import PipelineConfig
from textlake.params import RUN_PARAMS, add_flags, form_params, overrides_from


def test_every_parameter_is_a_setting_with_a_typed_schema_title_and_description():
    defaults = PipelineConfig.from_overrides(check=False)
    forms = form_params(defaults)
    assert list(forms) == [p.name for p in RUN_PARAMS]
    for p in RUN_PARAMS:
        assert hasattr(defaults, p.name), p.name
        assert forms[p.name]["type"] in ("string", "number", "integer", "boolean", "array")
        assert forms[p.name]["title"] and forms[p.name]["description"]
    assert forms["patterns"]["default"] == ["**/*.txt", "**/*.txt.gz"]  # JSON, not a tuple


def test_the_cli_takes_every_parameter_by_the_same_name():
    parser = argparse.ArgumentParser()
    add_flags(parser)
    args = parser.parse_args(
        [
            "--input",
            "in",
            "--patterns",
            "*.txt",
            "a/**/*.txt.gz",
            "--shard-target-mb",
            "16",
            "--max-shards",
            "4",
            "--workers",
            "1",
            "--min-body-chars",
            "40",
            "--source-from",
            "text",
            "--audit-removed",
        ]
    )
    assert overrides_from(args) == {
        "input": "in",
        "patterns": ["*.txt", "a/**/*.txt.gz"],
        "shard_target_mb": 16.0,
        "max_shards": 4,
        "workers": 1,
        "min_body_chars": 40,
        "source_from": "text",
        "audit_removed": True,
    }
    assert overrides_from(parser.parse_args([])) == {}  # an absent flag keeps the configured default


def test_the_readme_table_lists_the_parameters_in_order_with_their_types_and_defaults():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Trigger parameters", 1)[1].split("\n## ", 1)[0]
    rows = [
        [c.strip() for c in re.split(r"(?<!\\)\|", line.strip().strip("|"))]
        for line in section.splitlines()
        if line.startswith("| `")
    ]
    assert [r[0].strip("`") for r in rows] == [p.name for p in RUN_PARAMS]
    defaults = PipelineConfig.from_overrides(check=False)
    for (name, kind, default, _), p in zip(rows, RUN_PARAMS, strict=True):
        words = {"string": "string", "number": "number", "integer": "integer", "boolean": "boolean", "array": "array"}
        assert kind.startswith(words[p.schema["type"]]) or all(f"`{v}`" in kind for v in p.schema.get("enum", ["?"])), (
            name,
            kind,
        )
        value = getattr(defaults, p.name)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            assert re.sub(r"[`,]", "", default) == f"{value:g}", (name, default)
        elif isinstance(value, bool):
            assert default == f"{value}".lower(), (name, default)
