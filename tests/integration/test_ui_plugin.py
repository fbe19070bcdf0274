"""The textlake_ui plugin inside a real `airflow api-server`: pages, files, refusals, and its UI links.

The server runs from its own AIRFLOW_HOME in a temporary folder, with TEXTLAKE_CONFIG naming
an output that holds a published run (so Data Docs exist) and a corpus report.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
AIRFLOW = str(Path(sys.executable).with_name("airflow"))


def test_importing_the_plugin_is_light():
    """Every Airflow component imports the plugins folder, workers included."""
    probe = textwrap.dedent(f"""
        import importlib.util, sys
        spec = importlib.util.spec_from_file_location("textlake_ui", {str(ROOT / "plugins" / "textlake_ui.py")!r})
        spec.loader.exec_module(importlib.util.module_from_spec(spec))
        print(",".join(m for m in ("pandas", "pyarrow", "matplotlib", "great_expectations") if m in sys.modules))
    """)
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "", f"importing the plugin imported {out}"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    from textlake.config import PipelineConfig
    from textlake.pipeline import run_pipeline
    from textlake.report import build_report
    from textlake.synth import write_corpus

    base = tmp_path_factory.mktemp("ui")
    landing, output, home = base / "landing", base / "out", base / "home"
    write_corpus(landing, size_mb=0.02, seed=5, sites=2, gzip_share=0)
    run_pipeline(PipelineConfig.from_overrides({"input": str(landing), "output": str(output), "workers": 1}),
                 run_id="ui-test", progress_bar=False)
    build_report(str(output))
    (output / "_quality" / "secret.txt").write_text("outside the served folders")
    os.symlink("/etc", output / "_reports" / "escape")
    config = base / "textlake.yaml"
    config.write_text(f"input: {landing}\noutput: {output}\n")

    port = _free_port()
    env = {**os.environ, "AIRFLOW_HOME": str(home), "TEXTLAKE_CONFIG": str(config),
           "AIRFLOW__CORE__PLUGINS_FOLDER": str(ROOT / "plugins"), "AIRFLOW__CORE__DAGS_FOLDER": str(base / "no-dags"),
           "AIRFLOW__CORE__LOAD_EXAMPLES": "False", "AIRFLOW__API__PORT": str(port), "AIRFLOW__API__WORKERS": "1",
           "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{port}/execution/",
           "AIRFLOW__API_AUTH__JWT_SECRET": "t" * 64, "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": "admin:admin",
           "AIRFLOW__LOGGING__LOGGING_LEVEL": "WARNING"}
    env.pop("AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS", None)
    home.mkdir()
    subprocess.run([AIRFLOW, "db", "migrate"], env=env, check=True, capture_output=True, timeout=180)
    log = open(base / "api-server.log", "w")
    proc = subprocess.Popen([AIRFLOW, "api-server", "--port", str(port), "--workers", "1"], env=env, stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 150
        while True:
            try:
                if _get(port, "/api/v2/monitor/health")[0] == 200:
                    break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"api-server did not come up:\n{(base / 'api-server.log').read_text()[-3000:]}")
            time.sleep(1)
        password = json.loads((home / "simple_auth_manager_passwords.json.generated").read_text())["admin"]
        status, _, body = _request(port, "POST", "/auth/token", json.dumps({"username": "admin", "password": password}),
                                   {"Content-Type": "application/json"})
        assert status in (200, 201), body
        yield {"port": port, "token": json.loads(body)["access_token"], "output": output}
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        log.close()


def _request(port: int, method: str, path: str, body: str | None = None, headers: dict | None = None):
    """Raw HTTP, so paths such as `/../` reach the server exactly as written."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


def _get(port: int, path: str, token: str | None = None, cookie: bool = False):
    headers = {}
    if token and cookie:
        headers["Cookie"] = f"_token={token}"  # what the browser sends from the UI (and into its iframes)
    elif token:
        headers["Authorization"] = f"Bearer {token}"
    return _request(port, "GET", path, headers=headers)


@pytest.mark.integration
def test_pages_need_an_airflow_login(server):
    assert _get(server["port"], "/textlake/")[0] == 401
    assert _get(server["port"], "/textlake/reports/latest/index.html")[0] == 401


@pytest.mark.integration
def test_index_report_png_and_data_docs(server):
    port, token = server["port"], server["token"]
    status, _, body = _get(port, "/textlake/", token, cookie=True)
    assert status == 200 and b"reports/latest/index.html" in body and b"data-docs/index.html" in body

    status, headers, _ = _get(port, "/textlake/report", token)
    assert status == 307 and headers["location"] == "reports/latest/index.html"

    status, headers, page = _get(port, "/textlake/reports/latest/index.html", token, cookie=True)
    assert status == 200 and headers["content-type"].startswith("text/html")
    assert b"textlake corpus report" in page and b"ui-test" in page
    status, headers, png = _get(port, "/textlake/reports/latest/documents_per_source_day.png", token)
    assert status == 200 and headers["content-type"] == "image/png" and png[:8] == PNG_MAGIC
    status, _, csv = _get(port, "/textlake/reports/latest/summary_by_source_day.csv", token)
    assert status == 200 and csv.startswith(b'"ingest_date","source","documents"')

    status, _, docs = _get(port, "/textlake/data-docs/index.html", token, cookie=True)
    assert status == 200 and b"Data Docs" in docs
    assert _get(port, "/textlake/data-docs/", token)[0] == 200


@pytest.mark.integration
@pytest.mark.parametrize("path", [
    "/textlake/data-docs/../../secret.txt",
    "/textlake/data-docs/%2e%2e/%2e%2e/secret.txt",
    "/textlake/data-docs/..%2f..%2fsecret.txt",
    "/textlake/reports/../../../../../../etc/passwd",
    "/textlake/reports/%2e%2e%2f%2e%2e%2fdocuments",
    "/textlake/reports//etc/passwd",
    "/textlake/reports/escape/passwd",
    "/textlake/reports/nothing-here.html",
])
def test_nothing_outside_the_served_folders(server, path):
    status, _, body = _get(server["port"], path, server["token"])
    assert status in (400, 404), (path, status)
    assert b"outside the served folders" not in body and b"root:" not in body


@pytest.mark.integration
def test_plugin_and_its_ui_links_are_registered(server):
    status, _, body = _get(server["port"], "/api/v2/plugins", server["token"])
    assert status == 200
    plugin = next(p for p in json.loads(body)["plugins"] if p["name"] == "textlake_ui")
    assert [a["url_prefix"] for a in plugin["fastapi_apps"]] == ["/textlake"]
    views = {v["name"]: v for v in plugin["external_views"]}
    assert views["Corpus report"]["destination"] == "dag"
    assert views["Corpus report"]["href"] == "textlake/reports/latest/index.html"
    assert views["Data quality (Data Docs)"]["destination"] == "dag"
    assert views["textlake"]["destination"] == "nav"
    status, _, body = _get(server["port"], "/api/v2/plugins/importErrors", server["token"])
    assert status == 200 and json.loads(body)["total_entries"] == 0
