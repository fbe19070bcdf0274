"""A real Airflow deployment, run natively for the tests: its processes, its REST API, waiting on it.

Each process runs in its own process group with a log file, so a test can read what a
component printed and stop it with everything it started (task runners, forkservers,
uvicorn workers), which `airflow standalone` and the workers leave behind on SIGTERM.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT

AIRFLOW = str(Path(sys.executable).with_name("airflow"))
DAG_ID = "textlake_ingest"


class Stack:
    """The processes of one Airflow deployment, each in its own process group, logging to files."""

    def __init__(self, home: Path, env: dict[str, str]):
        self.home, self.env = home, env
        self.procs: dict[str, tuple[subprocess.Popen, Path]] = {}

    def start(self, name: str, *args: str, env: dict[str, str] | None = None) -> None:
        log = self.home / f"{name}.log"
        handle = open(log, "wb")
        proc = subprocess.Popen(
            [AIRFLOW, *args],
            env={**self.env, **(env or {})},
            cwd=self.home,
            stdin=subprocess.DEVNULL,
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # own session = own process group
        handle.close()
        self.procs[name] = (proc, log)

    def run(self, name: str, *args: str, timeout: float) -> None:
        self.start(name, *args)
        proc, log = self.procs[name]
        try:
            code = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            pytest.fail(f"`airflow {' '.join(args)}` took more than {timeout} s\n{self.tail(name)}")
        if code != 0:
            pytest.fail(f"`airflow {' '.join(args)}` exited with {code}\n{self.tail(name)}")

    def check_alive(self) -> None:
        for name, (proc, _) in self.procs.items():
            if name != "db-migrate" and proc.poll() is not None:
                pytest.fail(f"{name} exited with {proc.returncode}\n{self.tail(name)}")

    def tail(self, name: str, lines: int = 40) -> str:
        text = self.procs[name][1].read_text(errors="replace").splitlines()[-lines:]
        return f"--- {name} (last {len(text)} lines of {self.procs[name][1]}) ---\n" + "\n".join(text)

    def tails(self) -> str:
        return "\n".join(self.tail(name) for name in self.procs)

    def stop(self, grace: float = 15) -> None:
        """SIGTERM every process group, then SIGKILL whatever is left of them."""
        groups = [proc.pid for proc, _ in self.procs.values()]
        for pgid in groups:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pgid, signal.SIGTERM)
        deadline = time.monotonic() + grace
        for proc, _ in self.procs.values():
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        for pgid in groups:  # children (task runners, forkservers, uvicorn workers) share the group
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pgid, signal.SIGKILL)
        for proc, _ in self.procs.values():
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=5)


class Api:
    """The api-server's REST API, authenticated as the simple auth manager's admin."""

    def __init__(self, base: str):
        self.base, self.token = base, None

    def call(self, method: str, path: str, body: dict | None = None, timeout: float = 30):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base + path, data=data, method=method)
        request.add_header("Content-Type", "application/json")
        if self.token:
            request.add_header("Authorization", f"Bearer {self.token}")
        with urllib.request.urlopen(request, timeout=timeout) as response:
            payload = response.read()
        return json.loads(payload) if payload else None

    def login(self) -> None:
        self.token = self.call("GET", "/auth/token")["access_token"]  # SIMPLE_AUTH_MANAGER_ALL_ADMINS


def wait(what: str, probe, stack: Stack, timeout: float, every: float = 2):
    """Poll `probe` until it returns something truthy; fail after `timeout` or when a process died."""
    deadline, last = time.monotonic() + timeout, None
    while time.monotonic() < deadline:
        stack.check_alive()
        try:
            result = probe()
            if result:
                return result
        except (urllib.error.URLError, OSError, ValueError, KeyError) as exc:
            last = exc
        time.sleep(every)
    pytest.fail(f"timed out after {timeout} s waiting for {what} (last error: {last!r})")


def free_port(avoid: tuple[int, ...] = (8080, 8793, 8794)) -> int:
    """A free local port that is none of Airflow's defaults (a `make ui` may be running beside the tests)."""
    while True:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port not in avoid:
            return port


class Deployment:
    """What an operator does with a running deployment, through its REST API."""

    def __init__(self, stack: Stack, api: Api, tmp: Path):
        self.stack, self.api, self.tmp = stack, api, tmp

    def trigger(self, conf: dict) -> str:
        run = self.api.call("POST", f"/api/v2/dags/{DAG_ID}/dagRuns", {"logical_date": None, "conf": conf})
        return run["dag_run_id"]

    def run_state(self, run_id: str) -> str:
        return self.api.call("GET", f"/api/v2/dags/{DAG_ID}/dagRuns/{urllib.parse.quote(run_id, safe='')}")["state"]

    def wait_for_run(self, run_id: str, timeout: float) -> str:
        def finished():
            state = self.run_state(run_id)
            return state if state in ("success", "failed") else None

        return wait(f"run {run_id}", finished, self.stack, timeout, every=3)

    def task_instances(self, run_id: str) -> list[dict]:
        path = f"/api/v2/dags/{DAG_ID}/dagRuns/{urllib.parse.quote(run_id, safe='')}/taskInstances?limit=100"
        return self.api.call("GET", path)["task_instances"]

    def asset_events(self, run_id: str) -> list[dict]:
        quoted = urllib.parse.quote(run_id, safe="")
        return self.api.call("GET", f"/api/v2/assets/events?source_dag_id={DAG_ID}&source_run_id={quoted}&limit=50")[
            "asset_events"
        ]

    def task_log(self, run_id: str, task_id: str) -> str:
        """Every attempt's log of a task (all map indexes), read where the workers wrote them."""
        logs = self.stack.home / "logs" / f"dag_id={DAG_ID}" / f"run_id={run_id}" / f"task_id={task_id}"
        return "\n".join(p.read_text(errors="replace") for p in sorted(logs.rglob("*.log")))

    def runs(self) -> list[dict]:
        return self.api.call("GET", f"/api/v2/dags/{DAG_ID}/dagRuns?limit=100&order_by=run_after")["dag_runs"]

    def task_events(self, run_id: str, task_id: str) -> list[dict]:
        """The task's log as the UI shows it: one JSON event per line."""
        return [json.loads(line) for line in self.task_log(run_id, task_id).splitlines() if line.startswith("{")]


STARTUP_TIMEOUT = 180


@contextlib.contextmanager
def standalone_deployment(tmp: Path, config: str) -> Iterator[Deployment]:
    """`airflow standalone` as `make ui` starts it (Makefile), on ports of its own, with `config` as TEXTLAKE_CONFIG."""
    home = tmp / "airflow-home"
    home.mkdir()
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "TEXTLAKE_"))}
    env.update(
        {
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags"),
            "AIRFLOW__CORE__PLUGINS_FOLDER": str(ROOT / "plugins"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "True",
            "AIRFLOW__LOGGING__LOGGING_LEVEL": "INFO",
            "AIRFLOW__API__PORT": str(port),
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://localhost:{port}/execution/",
            "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(free_port()),
            "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": str(free_port()),
            "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_urlsafe(64),
            "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
            "GX_ANALYTICS_ENABLED": "False",
            "TEXTLAKE_CONFIG": config,
            "PATH": f"{Path(AIRFLOW).parent}{os.pathsep}{os.environ.get('PATH', '')}",  # standalone starts `airflow …`
        }
    )
    stack = Stack(home, env)
    api = Api(f"http://localhost:{port}")
    try:
        stack.start("standalone", "standalone")
        wait("the api-server", lambda: api.call("GET", "/api/v2/monitor/health", timeout=5), stack, STARTUP_TIMEOUT)
        api.login()
        wait(
            f"the dag-processor to serialize {DAG_ID}", lambda: api.call("GET", f"/api/v2/dags/{DAG_ID}"), stack, STARTUP_TIMEOUT
        )
        yield Deployment(stack, api, tmp)
    except BaseException:
        print(stack.tails())
        raise
    finally:
        stack.stop()
