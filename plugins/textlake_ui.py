"""textlake in the Airflow UI: the corpus report and the Great Expectations Data Docs.

A FastAPI app mounted by the API server at `/textlake/` serves, read-only, from the
configured output (`PipelineConfig.from_overrides(check=False)`, i.e. the YAML named by
`TEXTLAKE_CONFIG`, else `include/config/textlake.yaml`):

    /textlake/                      small index page: links, report history, where the files live
    /textlake/report                redirect to the newest corpus report
    /textlake/reports/<path>        <work_dir>/_reports/   (latest/, <run>/ …; see textlake.report)
    /textlake/data-docs/<path>      <work_dir>/_quality/gx/uncommitted/data_docs/local_site/

`<work_dir>` is the output folder (or the `staging` folder for outputs on object storage).
Requests must carry an Airflow login (the UI's session cookie or a bearer token): the
pages show sample values from the data. Paths are resolved and must stay inside the
served folder; `..` and anything escaping it get 404.

`external_views` put "Corpus report" and "Data quality (Data Docs)" tabs on the DAG
pages, and a "textlake" entry in the Browse menu.

Plugins are imported by every Airflow component (workers included), so this module
imports nothing heavy: FastAPI and the YAML config only.
"""

from __future__ import annotations

import datetime as dt
import html
from pathlib import Path

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse

from airflow.plugins_manager import AirflowPlugin

PREFIX = "/textlake"
DATA_DOCS = Path("_quality") / "gx" / "uncommitted" / "data_docs" / "local_site"  # textlake.validate.data_docs_index
REPORTS = "_reports"


def work_dir() -> Path:
    """Where the run's local files live; read per request so a changed YAML needs no restart."""
    from textlake.config import PipelineConfig

    return Path(PipelineConfig.from_overrides(check=False).work_dir)


def served_file(root: Path, relative: str) -> Path | None:
    """`relative` inside `root` as an existing file (a folder means its index.html); None if it escapes or is absent."""
    if "\x00" in relative or ".." in relative.replace("\\", "/").split("/"):
        return None
    base = root.resolve()
    candidate = (base / relative.lstrip("/")).resolve()  # follows links, e.g. _reports/latest
    if not candidate.is_relative_to(base):
        return None
    if candidate.is_dir():
        candidate = candidate / "index.html"
    return candidate if candidate.is_file() else None


async def require_login(request: Request):
    """The caller's Airflow user (bearer token or the UI's cookie), as for the REST API; 401/403 otherwise."""
    from airflow.api_fastapi.core_api.security import bearer_scheme, get_user

    return await get_user(request, None, await bearer_scheme(request))


app = FastAPI(title="textlake", docs_url=None, redoc_url=None, openapi_url=None, dependencies=[Depends(require_login)])


def _serve(root: Path, path: str) -> FileResponse:
    found = served_file(root, path)
    if found is None:
        raise HTTPException(status_code=404, detail="not found")
    return FileResponse(found, headers={"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"})


@app.get("/", response_class=HTMLResponse)
def index() -> str:
    """Links to the newest report, the report history and the Data Docs."""
    base = work_dir()
    reports = base / REPORTS
    latest = reports / "latest" / "index.html"
    history = sorted((p for p in reports.glob("*/index.html") if not p.parent.name.startswith(".") and p.parent.name != "latest"),
                     key=lambda p: p.stat().st_mtime, reverse=True)[:30] if reports.is_dir() else []
    docs = base / DATA_DOCS / "index.html"

    def stamp(path: Path) -> str:
        return dt.datetime.fromtimestamp(path.stat().st_mtime, dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")

    report_line = (f"<a href='reports/latest/index.html'>Corpus report</a> <span>(built {stamp(latest)})</span>"
                   if latest.is_file()
                   else "Corpus report: none yet. It is built by the <code>textlake_report</code> DAG after each publish.")
    docs_line = (f"<a href='data-docs/index.html'>Data quality (Great Expectations Data Docs)</a> "
                 f"<span>(updated {stamp(docs)})</span>" if docs.is_file()
                 else "Data quality: no Data Docs yet. They are built by each <code>textlake_ingest</code> run.")
    items = "".join(f"<li><a href='reports/{html.escape(p.parent.name)}/index.html'>{html.escape(p.parent.name)}</a> "
                    f"<span>{stamp(p)}</span></li>" for p in history) or "<li>none</li>"
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>textlake</title>
<style>body{{font-family:system-ui,sans-serif;max-width:800px;margin:1.5rem auto;padding:0 1rem;color:#222}}
span{{color:#666;font-size:.9rem}}li{{margin:.3rem 0}}code{{background:#f4f4f4;padding:0 .2rem}}</style></head><body>
<h1>textlake</h1>
<ul><li>{report_line}</li><li>{docs_line}</li></ul>
<h2>Earlier reports</h2><ul>{items}</ul>
<p><span>Serving <code>{html.escape(str(base))}</code> (from the textlake configuration).</span></p>
</body></html>"""


@app.get("/report")
def report() -> RedirectResponse:
    """The newest corpus report."""
    return RedirectResponse(url="reports/latest/index.html", status_code=307)


@app.get("/reports/{path:path}")
def reports(path: str) -> FileResponse:
    return _serve(work_dir() / REPORTS, path)


@app.get("/data-docs/{path:path}")
def data_docs(path: str) -> FileResponse:
    return _serve(work_dir() / DATA_DOCS, path)


class TextlakeUIPlugin(AirflowPlugin):
    name = "textlake_ui"
    fastapi_apps = [{"app": app, "url_prefix": PREFIX, "name": "textlake reports and data quality"}]
    # href is relative to the UI's base URL (no leading slash), so a base_url below a path prefix works.
    external_views = [
        {"name": "Corpus report", "href": "textlake/reports/latest/index.html", "destination": "dag",
         "url_route": "textlake-report"},
        {"name": "Data quality (Data Docs)", "href": "textlake/data-docs/index.html", "destination": "dag",
         "url_route": "textlake-data-docs"},
        {"name": "textlake", "href": "textlake/", "destination": "nav", "category": "browse", "url_route": "textlake"},
    ]
