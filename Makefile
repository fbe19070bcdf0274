# textlake: everyday commands. `make demo` and `make test` are the README's quick start.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(CURDIR)/$(VENV)/bin
UV_VERSION := 0.13.9

# The embedded default: Airflow on SQLite in ./.airflow, DAGs from ./dags, data in ./data.
export AIRFLOW_HOME ?= $(CURDIR)/.airflow
export AIRFLOW__CORE__DAGS_FOLDER ?= $(CURDIR)/dags
export AIRFLOW__CORE__PLUGINS_FOLDER ?= $(CURDIR)/plugins
export AIRFLOW__CORE__LOAD_EXAMPLES ?= False
export AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION ?= False
export AIRFLOW__LOGGING__LOGGING_LEVEL ?= WARNING
export GX_ANALYTICS_ENABLED ?= False
# pyspark (test tooling in the dev venv, imported by Great Expectations) warns about pandas 3 on every run.
export PYTHONWARNINGS ?= ignore::FutureWarning:pyspark.sql.connect.utils
export PATH := $(BIN):$(PATH)

.PHONY: setup demo test ui clean bench bench-quality train-line-model

setup: $(VENV)/.installed

# The Data Docs pages' scripts and styles, from npm (plugins/textlake_ui.py serves them offline).
DATA_DOCS_ASSETS := $(VENV)/share/textlake/data-docs

$(VENV)/.installed: requirements.txt requirements-dev.txt pyproject.toml plugins/data_docs_assets/package-lock.json
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet "uv==$(UV_VERSION)"
	$(BIN)/uv pip install --python $(BIN)/python --compile-bytecode --quiet -r requirements-dev.txt
	$(BIN)/uv pip install --python $(BIN)/python --compile-bytecode --quiet --no-deps -e .
	@command -v npm > /dev/null || { echo "npm (Node.js) is needed to install the Data Docs assets"; exit 1; }
	mkdir -p $(DATA_DOCS_ASSETS)
	cp plugins/data_docs_assets/package.json plugins/data_docs_assets/package-lock.json $(DATA_DOCS_ASSETS)/
	npm ci --prefix $(DATA_DOCS_ASSETS) --ignore-scripts --no-audit --no-fund --loglevel=error
	touch $@

# Set up, then run the main DAG end to end on the demo corpus (output in ./data/textlake).
demo: setup
	$(BIN)/airflow db migrate > /dev/null
	$(BIN)/airflow dags test textlake_ingest
	$(BIN)/textlake summary

# Set up, then lint, check the formatting and run the test suite (CI runs exactly this).
test: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest

# The Airflow UI on http://localhost:8080 with the same set-up (trigger form included). Task logs at
# INFO, so each task's summary (files, documents kept and dropped, expectations, rows) shows in the UI.
ui: setup
	AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS=True AIRFLOW__LOGGING__LOGGING_LEVEL=INFO $(BIN)/airflow standalone

# Throughput, memory and per-stage costs on a synthetic corpus (bench/README.md), e.g.
# make bench BENCH_ARGS="--size-mb 100 --datatrove --json /tmp/perf.json"
BENCH_ARGS ?=
bench: setup
	$(BIN)/python bench/perf.py $(BENCH_ARGS)

# Cleaning quality on the gold set; predictions go to QUALITY_PRED.
QUALITY_PRED ?= /tmp/textlake-quality-pred
QUALITY_ARGS ?=
bench-quality: setup
	$(BIN)/python bench/quality.py --pred $(QUALITY_PRED) $(QUALITY_ARGS)

clean:
	rm -rf $(VENV) .airflow data .pytest_cache

# Refit the line model on the dev gold sets in ../shared and write include/config/line_model.json.
train-line-model: setup
	$(BIN)/python bench/train_line_model.py
