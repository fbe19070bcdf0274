"""The distributed topology of docker-compose.yaml, run natively: CeleryExecutor on PostgreSQL and Redis.

No Docker engine is needed. The test starts, each in its own process group and with a
temporary AIRFLOW_HOME, the processes the compose stack runs as containers:

    airflow db migrate                  (airflow-init)
    airflow api-server                  (airflow-apiserver, on a free port)
    airflow scheduler                   (airflow-scheduler)
    airflow dag-processor               (airflow-dag-processor)
    airflow celery worker -H worker1@%h (airflow-worker, scaled to two)
    airflow celery worker -H worker2@%h

against a fresh PostgreSQL database and a dedicated Redis database number. It then drives
`textlake_ingest` the way an operator would, through the REST API (token, unpause,
trigger with `logical_date: null`), and checks that

- the run succeeds;
- the mapped `process_shard` instances ran on BOTH workers (task instance `hostname`;
  each worker reports its own name, as each container does in compose);
- the published Parquet holds one document per input file and a ledger of `published` rows;
- publish emitted one Asset event per dataset.

A second run does the same at a real size (several default-sized shards) with the form's
defaults but for input and output, so `workers` is the default: Celery's prefork pool runs
tasks in daemonic processes, which may not start a process pool, so each shard runs
in-process and says so in its log.

Everything started is stopped (SIGTERM, then SIGKILL of each process group) and the
database dropped, even when the test fails; process logs are printed on failure.
Skips only when PostgreSQL or Redis is not reachable. Override the servers with
TEXTLAKE_TEST_POSTGRES (default postgresql://postgres@127.0.0.1:5432) and
TEXTLAKE_TEST_REDIS (default redis://127.0.0.1:6379).
"""

from __future__ import annotations

import contextlib
import os
import random
import re
import secrets
import time
import uuid
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.integration.airflow_stack import DAG_ID, Api, Deployment, Stack, free_port, wait
from textlake import layout

pytestmark = pytest.mark.integration

POSTGRES = os.environ.get("TEXTLAKE_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432")
REDIS = os.environ.get("TEXTLAKE_TEST_REDIS", "redis://127.0.0.1:6379")
REDIS_DBS = range(15, 0, -1)  # a dedicated database number: the highest empty one, flushed afterwards
WORKERS = ("worker1", "worker2")
N_FILES = 40  # 40 pages of ~90 kB: about 3.6 MB, four shards of shard_target_mb=1
SOURCES = ("harbor-ledger", "valley-tribune", "northern-field-notes")
RUN_TIMEOUT = 360
REAL_SIZE_TIMEOUT = 1200
STARTUP_TIMEOUT = 180

# Each worker reports its own hostname on its task instances, as each container does in compose.
HOSTNAME_MODULE = """import os


def worker_name():
    return os.environ["TEXTLAKE_IT_WORKER_NAME"]
"""


# --- the landing folder ------------------------------------------------------------------------

_WORDS = (
    "council harbour vote budget residents school bridge river market workers union talks report "
    "official minister police court water power roads hospital farmers prices winter summer morning "
    "evening week month year contract pier ferry library clinic survey storm flood tide fishing "
    "orchard frost apricot growers inspectors engineers teachers nurses drivers volunteers"
).split()
_VERBS = ("said", "told reporters", "announced", "warned", "agreed", "argued", "confirmed", "estimated", "expects")
_NAMES = (
    "Marisol Okafor",
    "Renata Szabo",
    "Alan Whitcombe",
    "Helen Marsh",
    "Kwame Asante",
    "Greta Holm",
    "Omar Said",
    "Lina Haddad",
    "Tom Becker",
    "Ida Berg",
)
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October")


def _sentence(rng: random.Random) -> str:
    subject = f"{rng.choice(_NAMES)}, who follows the {rng.choice(_WORDS)} {rng.choice(_WORDS)},"
    words = " ".join(rng.choice(_WORDS) for _ in range(rng.randint(8, 18)))
    number = f" about {rng.randint(12, 9800):,} {rng.choice(_WORDS)}" if rng.random() < 0.4 else ""
    return f"{subject} {rng.choice(_VERBS)} that the {words}{number} would change by {rng.choice(_MONTHS)}."


def write_landing(landing: Path, n_files: int, target_bytes: int = 90_000) -> list[Path]:
    """Realistic raw pages: a site template (menu, donation and share lines), title, byline,
    date, many unique paragraphs and a short comment section. Unique, deterministic."""
    rng = random.Random(20261121)
    paths = []
    for n in range(n_files):
        source = SOURCES[n % len(SOURCES)]
        site = source.replace("-", " ").title()
        title = f"{' '.join(rng.choice(_WORDS) for _ in range(6)).capitalize()} ({n})"
        lines = [
            site,
            "Home | Local | Business | Opinion | Weather | Sport",
            "Subscribe  |  Sign in",
            "",
            title,
            "",
            f"By {rng.choice(_NAMES)}, Staff Writer",
            f"{rng.choice(_MONTHS)} {rng.randint(1, 28)}, 2026",
            "",
            f"Support {site}: independent local news since 1987.",
            "",
        ]
        size = sum(len(line) + 1 for line in lines)
        while size < target_bytes:
            paragraph = " ".join(_sentence(rng) for _ in range(rng.randint(3, 6)))
            lines += [paragraph, ""]
            size += len(paragraph) + 2
        lines += [
            "Share this article: Facebook | X | Email",
            f"© 2026 {site}. All rights reserved.",
            "",
            "Reader comments",
            "",
            rng.choice(_NAMES),
            "",
            _sentence(rng),
            "",
        ]
        path = landing / source / f"2026-03-{n:02d}-story-{n}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        paths.append(path)
    return paths


# --- servers ----------------------------------------------------------------------------------


def _postgres_admin():
    """An autocommit connection to the maintenance database, or a skip."""
    import psycopg2

    try:
        conn = psycopg2.connect(f"{POSTGRES}/postgres", connect_timeout=3)
    except psycopg2.OperationalError as exc:
        pytest.skip(f"PostgreSQL is not reachable at {POSTGRES} ({str(exc).strip()}); set TEXTLAKE_TEST_POSTGRES")
    conn.autocommit = True
    return conn


def _redis_db() -> int:
    """The first empty dedicated Redis database, or a skip."""
    import redis

    for db in REDIS_DBS:
        try:
            client = redis.Redis.from_url(f"{REDIS}/{db}", socket_connect_timeout=3)
            empty = client.dbsize() == 0
        except redis.exceptions.RedisError as exc:
            pytest.skip(f"Redis is not reachable at {REDIS} ({exc}); set TEXTLAKE_TEST_REDIS")
        if empty:
            return db
    pytest.skip(f"Redis databases {list(REDIS_DBS)} at {REDIS} are all in use")


def _celery_workers_ready(broker: str) -> set[str]:
    from celery import Celery

    app = Celery(broker=broker)
    try:
        replies = app.control.ping(timeout=1.0) or []
    finally:
        app.close()
    return {name.split("@", 1)[0] for reply in replies for name in reply}


# --- the deployment ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def deployment(tmp_path_factory):
    """The stack, started once for the module on a fresh database, Redis db and AIRFLOW_HOME;
    everything stopped and removed afterwards, whatever happened."""
    redis_db = _redis_db()
    admin = _postgres_admin()
    tmp = tmp_path_factory.mktemp("celery-topology")
    database = f"textlake_it_{uuid.uuid4().hex[:10]}"
    home, pylib = tmp / "airflow-home", tmp / "pylib"
    home.mkdir()
    pylib.mkdir()
    (pylib / "textlake_it_hostname.py").write_text(HOSTNAME_MODULE)
    port = free_port()
    from cryptography.fernet import Fernet

    db_url = f"{POSTGRES.split('://', 1)[1]}/{database}"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "TEXTLAKE_"))}
    env.update(
        {
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"postgresql+psycopg2://{db_url}",
            "AIRFLOW__CELERY__BROKER_URL": f"{REDIS}/{redis_db}",
            "AIRFLOW__CELERY__RESULT_BACKEND": f"db+postgresql://{db_url}",
            "AIRFLOW__CELERY__WORKER_CONCURRENCY": "1",
            "AIRFLOW__CORE__PARALLELISM": "4",
            "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags"),
            "AIRFLOW__CORE__PLUGINS_FOLDER": str(ROOT / "plugins"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "True",
            "AIRFLOW__CORE__FERNET_KEY": Fernet.generate_key().decode(),
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "True",
            "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_urlsafe(64),
            "AIRFLOW__API__HOST": "127.0.0.1",
            "AIRFLOW__API__PORT": str(port),
            "AIRFLOW__API__WORKERS": "1",
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{port}/execution/",
            "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
            "AIRFLOW__LOGGING__LOGGING_LEVEL": "INFO",
            "GX_ANALYTICS_ENABLED": "False",
            # The DAG's defaults live in the repository; the runs read and write in tmp.
            "TEXTLAKE_ALLOWED_ROOTS": os.pathsep.join([str(ROOT), str(tmp_path_factory.getbasetemp())]),
        }
    )
    stack = Stack(home, env)
    api = Api(f"http://127.0.0.1:{port}")
    try:
        with admin.cursor() as cur:
            cur.execute(f'CREATE DATABASE "{database}"')
        # airflow-init
        stack.run("db-migrate", "db", "migrate", timeout=240)
        # the long-running services; every worker names itself, as a container's hostname would
        stack.start("api-server", "api-server")
        stack.start("scheduler", "scheduler", "--skip-serve-logs")
        stack.start("dag-processor", "dag-processor")
        for name in WORKERS:
            stack.start(
                name,
                "celery",
                "worker",
                "-H",
                f"{name}@%h",
                "-c",
                "1",
                "--skip-serve-logs",
                "--pid",
                str(home / f"{name}.pid"),
                env={
                    "PYTHONPATH": str(pylib),
                    "TEXTLAKE_IT_WORKER_NAME": name,
                    "AIRFLOW__CORE__HOSTNAME_CALLABLE": "textlake_it_hostname.worker_name",
                },
            )
        wait("the api-server", lambda: api.call("GET", "/api/v2/monitor/health", timeout=5), stack, STARTUP_TIMEOUT)
        api.login()
        wait(
            f"the dag-processor to serialize {DAG_ID}", lambda: api.call("GET", f"/api/v2/dags/{DAG_ID}"), stack, STARTUP_TIMEOUT
        )
        broker = env["AIRFLOW__CELERY__BROKER_URL"]
        wait("both Celery workers", lambda: _celery_workers_ready(broker) >= set(WORKERS), stack, STARTUP_TIMEOUT)
        # what an operator does first: unpause (DAGs start paused, as in compose)
        assert api.call("PATCH", f"/api/v2/dags/{DAG_ID}", {"is_paused": False})["is_paused"] is False
        yield Deployment(stack, api, tmp)
    except BaseException:
        print(stack.tails())  # shown by pytest with the failure
        raise
    finally:
        stack.stop()
        with contextlib.suppress(Exception):
            import redis

            redis.Redis.from_url(f"{REDIS}/{redis_db}").flushdb()
        with admin.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        admin.close()


# --- the tests ---------------------------------------------------------------------------------


def test_shards_run_on_both_celery_workers(deployment):
    started = time.monotonic()
    landing, output = deployment.tmp / "landing", deployment.tmp / "output"
    inputs = write_landing(landing, N_FILES)
    try:
        conf = {
            "input": str(landing),
            "output": str(output),
            "shard_target_mb": 1,
            "max_shards": 8,
            "workers": 1,
            "source_from": "path",
        }
        run_id = deployment.trigger(conf)
        state = deployment.wait_for_run(run_id, RUN_TIMEOUT)
        tis = deployment.task_instances(run_id)
        summary = sorted((ti["task_id"], ti["map_index"], ti["state"], ti["hostname"], ti["try_number"]) for ti in tis)
        assert state == "success", f"run ended {state}: {summary}"

        # the shards were spread over both workers
        shards = [ti for ti in tis if ti["task_id"] == "process_shard"]
        assert len(shards) >= 3, summary
        assert all(ti["state"] == "success" for ti in tis), summary
        assert {ti["hostname"] for ti in shards} == set(WORKERS), f"process_shard did not run on both workers: {summary}"
        assert {ti["executor"] for ti in tis} <= {None, "CeleryExecutor"}, summary

        # the published data: one document per input file, every file published
        from textlake.pipeline import dataset_counts

        counts = dataset_counts(str(output))
        assert counts["documents"] == len(inputs) == N_FILES, counts
        assert counts["files"] == N_FILES and counts["files_by_status"] == {"published": N_FILES}, counts
        assert not (output / "_staging").exists() or not any((output / "_staging").iterdir())

        # publish announced every dataset
        assert len(deployment.asset_events(run_id)) == len(layout.ALWAYS_PUBLISHED)  # one Asset event per dataset
        print(
            f"\ncelery topology: {len(shards)} shards on {sorted({ti['hostname'] for ti in shards})}, "
            f"{counts['documents']} documents, run in {time.monotonic() - started:.0f} s"
        )
    except BaseException:
        print(deployment.stack.tails())
        raise


def test_a_real_size_run_with_the_default_workers(deployment, real_size_landing):
    """Several default-sized shards, `workers` as the form has it: each shard in-process on its worker."""
    landing, pages = real_size_landing
    output = deployment.tmp / "output-real-size"
    started = time.monotonic()
    run_id = deployment.trigger({"input": str(landing), "output": str(output)})
    try:
        state = deployment.wait_for_run(run_id, REAL_SIZE_TIMEOUT)
        tis = deployment.task_instances(run_id)
        summary = sorted((ti["task_id"], ti["map_index"], ti["state"], ti["hostname"], ti["try_number"]) for ti in tis)
        assert state == "success", f"run ended {state}: {summary}\n{deployment.task_log(run_id, 'process_shard')[-4000:]}"
        shards = [ti for ti in tis if ti["task_id"] == "process_shard"]
        assert len(shards) >= 3 and all(ti["try_number"] == 1 for ti in tis), summary
        assert {ti["hostname"] for ti in shards} == set(WORKERS), summary

        from textlake.pipeline import dataset_counts

        counts = dataset_counts(str(output))
        assert counts["documents"] == pages and counts["files_by_status"] == {"published": pages}, counts
        shard_log = [
            e for e in deployment.task_events(run_id, "process_shard") if str(e.get("logger", "")).startswith("textlake")
        ]
        if os.cpu_count() > 1:  # the default asks for a process per core; a daemonic worker says why it has one
            assert sum("running inside a daemonic process" in e["event"] for e in shard_log) == len(shards), shard_log
        kept = [int(m.group(1)) for e in shard_log if (m := re.search(r"(\d+) documents kept", e["event"]))]
        assert sum(kept) == pages and len(kept) == len(shards)
        print(f"\ncelery topology, real size: {pages} pages, {len(shards)} shards, run in {time.monotonic() - started:.0f} s")
    except BaseException:
        print(deployment.stack.tails())
        raise
