"""The textlake_ui plugin inside a real `airflow api-server`: pages, files, refusals, and its UI links.

The server runs from its own AIRFLOW_HOME in a temporary folder, with TEXTLAKE_CONFIG naming
an output that holds a published run (so Data Docs exist) and a corpus report.
"""

from __future__ import annotations

import http.client
import json
import os
import posixpath
import re
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
    run_pipeline(
        PipelineConfig.from_overrides({"input": str(landing), "output": str(output), "workers": 1}),
        run_id="ui-test",
        progress_bar=False,
    )
    build_report(str(output))
    (output / "_quality" / "secret.txt").write_text("outside the served folders")
    os.symlink("/etc", output / "_reports" / "escape")
    config = base / "textlake.yaml"
    config.write_text(f"input: {landing}\noutput: {output}\n")

    port = _free_port()
    env = {
        **os.environ,
        "AIRFLOW_HOME": str(home),
        "TEXTLAKE_CONFIG": str(config),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(ROOT / "plugins"),
        "AIRFLOW__CORE__DAGS_FOLDER": str(base / "no-dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__API__PORT": str(port),
        "AIRFLOW__API__WORKERS": "1",
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{port}/execution/",
        "AIRFLOW__API_AUTH__JWT_SECRET": "t" * 64,
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": "admin:admin",
        "AIRFLOW__LOGGING__LOGGING_LEVEL": "WARNING",
    }
    env.pop("AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS", None)
    home.mkdir()
    subprocess.run([AIRFLOW, "db", "migrate"], env=env, check=True, capture_output=True, timeout=180)
    log = open(base / "api-server.log", "w")
    proc = subprocess.Popen(
        [AIRFLOW, "api-server", "--port", str(port), "--workers", "1"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
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
        status, _, body = _request(
            port,
            "POST",
            "/auth/token",
            json.dumps({"username": "admin", "password": password}),
            {"Content-Type": "application/json"},
        )
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


# what a page loads by itself (links a reader clicks, <a href>, may go anywhere)
_LOADS = re.compile(r"<(?:script|img)\b[^>]*\bsrc=[\"']([^\"']+)|<link\b[^>]*\bhref=[\"']([^\"']+)", re.I)


def _data_docs_pages(output: Path) -> list[str]:
    site = output / "_quality" / "gx" / "uncommitted" / "data_docs" / "local_site"
    return sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html"))


@pytest.mark.integration
def test_data_docs_load_nothing_from_the_network(server):
    """Every script, style, font and image of every Data Docs page comes from this server."""
    port, token = server["port"], server["token"]
    pages = _data_docs_pages(server["output"])
    assert any(p.startswith("validations/") for p in pages) and "index.html" in pages
    fetched: dict[str, int] = {}
    for page in pages:
        status, _, body = _get(port, f"/textlake/data-docs/{page}", token, cookie=True)
        assert status == 200, page
        for src, href in _LOADS.findall(body.decode()):
            url = src or href
            assert not re.match(r"(?:https?:)?//", url), f"{page} loads {url} from the network"
            target = posixpath.normpath(posixpath.join("/textlake/data-docs", posixpath.dirname(page), url.split("?")[0]))
            if target not in fetched:
                status, headers, content = _get(port, target, token)
                fetched[target] = status
                assert status == 200, f"{page}: {url} -> {target} answered {status}"
                if target.endswith((".css", ".js")):
                    assert len(content) > 100 and headers["content-type"].startswith(
                        ("text/css", "text/javascript", "application/javascript")
                    )
    assert any("bootstrap-table.min.js" in t for t in fetched) and any("jquery.min.js" in t for t in fetched)
    status, _, css = _get(port, "/textlake/data-docs-assets/@fortawesome/fontawesome-free/css/all.min.css", token)
    for font in set(re.findall(r"url\(([^)]+\.woff2)\)", css.decode())):  # the fonts the icons' stylesheet loads
        assert (
            _get(port, posixpath.normpath(f"/textlake/data-docs-assets/@fortawesome/fontawesome-free/css/{font}"), token)[0]
            == 200
        ), font
    assert _get(port, "/textlake/data-docs-assets/vega/package.json", token)[0] == 200
    assert _get(port, "/textlake/data-docs-assets/d3-array/package.json", token)[0] == 404  # not a page asset
    assert _get(port, "/textlake/data-docs-assets/jquery/../../../../etc/passwd", token)[0] in (400, 404)


@pytest.mark.integration
def test_each_validation_names_its_run_and_dataset(server):
    port, token = server["port"], server["token"]
    validations = [p for p in _data_docs_pages(server["output"]) if p.startswith("validations/")]
    assert {p.split("/")[1] for p in validations} >= {"documents", "segments", "comments"}
    for page in validations:
        assert page.split("/")[2] == "ui-test", page  # the run id is GX's run name
        body = _get(port, f"/textlake/data-docs/{page}", token, cookie=True)[2].decode()
        assert f"Data asset: {page.split('/')[1]}" in re.sub(r"<[^>]+>|\s+", " ", body).replace("  ", " ")
        assert "__none__" not in body
    index = _get(port, "/textlake/data-docs/index.html", token, cookie=True)[2].decode()
    assert index.count("ui-test") >= len(validations)  # the validation list, with the run's name


@pytest.mark.integration
@pytest.mark.parametrize(
    "path",
    [
        "/textlake/data-docs/../../secret.txt",
        "/textlake/data-docs/%2e%2e/%2e%2e/secret.txt",
        "/textlake/data-docs/..%2f..%2fsecret.txt",
        "/textlake/reports/../../../../../../etc/passwd",
        "/textlake/reports/%2e%2e%2f%2e%2e%2fdocuments",
        "/textlake/reports//etc/passwd",
        "/textlake/reports/escape/passwd",
        "/textlake/reports/nothing-here.html",
    ],
)
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


CHROMIUM, CHROMEDRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")


@pytest.mark.integration
@pytest.mark.skipif(
    not (CHROMIUM.exists() and CHROMEDRIVER.exists()), reason="needs Debian's chromium and chromium-driver packages"
)
def test_data_docs_render_styled_with_no_network(server):
    """Headless Chromium that can resolve no host but this one: the validation list fills, Bootstrap styles apply."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
        f"--user-data-dir={server['output']}/.chromium",
    ):
        options.add_argument(flag)
    browser = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    try:
        base = f"http://127.0.0.1:{server['port']}"
        browser.get(f"{base}/textlake/data-docs-assets/jquery/package.json")  # a page of this origin, to hold the cookie
        browser.add_cookie({"name": "_token", "value": server["token"], "path": "/"})
        browser.get(f"{base}/textlake/data-docs/index.html")
        rows = lambda: browser.execute_script(  # noqa: E731
            "return Array.from(document.querySelectorAll('.bootstrap-table tbody tr')).map(r => r.innerText)"
        )
        deadline = time.monotonic() + 30
        while not any("ui-test" in r for r in rows()) and time.monotonic() < deadline:
            time.sleep(0.5)
        listed = [r for r in rows() if "ui-test" in r]
        validations = [p for p in _data_docs_pages(server["output"]) if p.startswith("validations/")]
        assert len(listed) == len(validations), rows()
        assert {d for d in ("documents", "segments", "comments") if any(d in r for r in listed)} == {
            "documents",
            "segments",
            "comments",
        }
        assert browser.execute_script("return getComputedStyle(document.body).fontFamily").startswith(
            "-apple-system"
        )  # Bootstrap's
        assert browser.execute_script("return typeof jQuery.fn.bootstrapTable") == "function"
    finally:
        browser.quit()
