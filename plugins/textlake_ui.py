"""textlake in the Airflow UI: the corpus report and the Great Expectations Data Docs.

A FastAPI app mounted by the API server at `/textlake/` serves, read-only, from the
configured output (`PipelineConfig.from_overrides(check=False)`, i.e. the YAML named by
`TEXTLAKE_CONFIG`, else `include/config/textlake.yaml`):

    /textlake/                      small index page: links, report history, where the files live
    /textlake/report                redirect to the newest corpus report
    /textlake/reports/<path>        <work_dir>/_reports/   (latest/, <run>/ …; see textlake.report)
    /textlake/data-docs/<path>      <work_dir>/_quality/gx/uncommitted/data_docs/local_site/
    /textlake/data-docs-assets/<path>  the scripts, styles and fonts those pages load (see below)

`<work_dir>` is the output folder (or the `staging` folder for outputs on object storage).

Data Docs pages load jQuery, Bootstrap, bootstrap-table, Vega and Font Awesome from CDNs,
which a deployment behind a firewall cannot reach: the pages stay unstyled and their
validation list empty. `make setup` and the image install those exact packages from npm
(`plugins/data_docs_assets/package-lock.json`) into `<sys.prefix>/share/textlake/data-docs/`
(the image: `TEXTLAKE_DATA_DOCS_ASSETS`), and every Data Docs page is served with each CDN
address replaced by the installed file.
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
import os
import re
import sys
from pathlib import Path

from airflow.plugins_manager import AirflowPlugin
from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response

from textlake import layout

PREFIX = "/textlake"

ASSETS = (
    Path(os.environ.get("TEXTLAKE_DATA_DOCS_ASSETS") or Path(sys.prefix) / "share" / "textlake" / "data-docs") / "node_modules"
)

# Every address the Data Docs pages load (great_expectations/render/view/templates), and the
# installed file (below ASSETS) served instead. tests/integration/test_ui_plugin.py fails when a
# page loads anything else from the network, e.g. after a Great Expectations upgrade.
OFFLINE_ASSETS = dict(
    [
        ("https://code.jquery.com/jquery-3.7.1.min.js", "jquery/dist/jquery.min.js"),
        # Bootstrap 4.3.1 asks for popper.js ^1.14.7; the pages name 1.12.9.
        ("https://cdnjs.cloudflare.com/ajax/libs/popper.js/1.12.9/umd/popper.min.js", "popper.js/dist/umd/popper.min.js"),
        ("https://stackpath.bootstrapcdn.com/bootstrap/4.3.1/js/bootstrap.min.js", "bootstrap/dist/js/bootstrap.min.js"),
        ("https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css", "bootstrap/dist/css/bootstrap.min.css"),
        (
            "https://cdn.jsdelivr.net/npm/@forevolve/bootstrap-dark@1.1.0/dist/css/bootstrap-prefers-dark.css",
            "@forevolve/bootstrap-dark/dist/css/bootstrap-prefers-dark.css",
        ),
        ("https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.js", "bootstrap-table/dist/bootstrap-table.min.js"),
        ("https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.css", "bootstrap-table/dist/bootstrap-table.min.css"),
        (
            "https://unpkg.com/bootstrap-table@1.19.1/dist/extensions/filter-control/bootstrap-table-filter-control.min.js",
            "bootstrap-table/dist/extensions/filter-control/bootstrap-table-filter-control.min.js",
        ),
        # the pages name 1.19.0 for the extension's styles and 1.19.1 for everything else
        (
            "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.min.css",
            "bootstrap-table/dist/extensions/filter-control/bootstrap-table-filter-control.min.css",
        ),
        (
            "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.css",
            "bootstrap-table/dist/extensions/filter-control/bootstrap-table-filter-control.css",
        ),
        (
            "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/js/bootstrap-datepicker.min.js",
            "bootstrap-datepicker/dist/js/bootstrap-datepicker.min.js",
        ),
        (
            "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/css/bootstrap-datepicker.min.css",
            "bootstrap-datepicker/dist/css/bootstrap-datepicker.min.css",
        ),
        ("https://cdn.jsdelivr.net/npm/vega@5", "vega/build/vega.min.js"),
        ("https://cdn.jsdelivr.net/npm/vega-lite@5", "vega-lite/build/vega-lite.min.js"),
        ("https://cdn.jsdelivr.net/npm/vega-embed@6", "vega-embed/build/vega-embed.min.js"),
        (
            "https://cdnjs.cloudflare.com/ajax/libs/font-awesome/6.6.0/css/all.min.css",
            "@fortawesome/fontawesome-free/css/all.min.css",
        ),
    ]
)
# The logo, fetched from GX's bucket with the data context's id attached: the site has its own copy.
_GX_LOGO = re.compile(r"https://great-expectations-web-assets\.s3\.[^\"'\s]*/logo-long\.png[^\"'\s]*")
_SITE_STATIC = re.compile(r"""((?:src|href)=["'])(?:\./|\.\./)*static/""")
_ASSET_URLS = re.compile("|".join(re.escape(url) for url in sorted(OFFLINE_ASSETS, key=len, reverse=True)))
# Only the installed packages the table names are served (Font Awesome's CSS loads its fonts beside it).
_ASSET_PACKAGES = frozenset("/".join(f.split("/")[:2]) if f.startswith("@") else f.split("/")[0] for f in OFFLINE_ASSETS.values())


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


_HEADERS = {"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"}


def _serve(root: Path, path: str, cache: str = "no-cache") -> FileResponse:
    found = served_file(root, path)
    if found is None:
        raise HTTPException(status_code=404, detail="not found")
    return FileResponse(found, headers={**_HEADERS, "Cache-Control": cache})


@app.get("/", response_class=HTMLResponse)
def index() -> str:
    """Links to the newest report, the report history and the Data Docs."""
    base = work_dir()
    reports = layout.reports_root(base)
    latest = reports / layout.LATEST_REPORT / "index.html"
    history = (
        sorted(
            (
                p
                for p in reports.glob("*/index.html")
                if not p.parent.name.startswith(".") and p.parent.name != layout.LATEST_REPORT
            ),
            key=lambda p: p.stat().st_mtime,
            reverse=True,
        )[:30]
        if reports.is_dir()
        else []
    )
    docs = layout.data_docs_site(base) / "index.html"

    def stamp(path: Path) -> str:
        return dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC).strftime("%Y-%m-%d %H:%M UTC")

    report_line = (
        f"<a href='reports/latest/index.html'>Corpus report</a> <span>(built {stamp(latest)})</span>"
        if latest.is_file()
        else "Corpus report: none yet. It is built by the <code>textlake_report</code> DAG after each publish."
    )
    docs_line = (
        f"<a href='data-docs/index.html'>Data quality (Great Expectations Data Docs)</a> <span>(updated {stamp(docs)})</span>"
        if docs.is_file()
        else "Data quality: no Data Docs yet. They are built by each <code>textlake_ingest</code> run."
    )
    items = (
        "".join(
            f"<li><a href='reports/{html.escape(p.parent.name)}/index.html'>{html.escape(p.parent.name)}</a> "
            f"<span>{stamp(p)}</span></li>"
            for p in history
        )
        or "<li>none</li>"
    )
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
    return _serve(layout.reports_root(work_dir()), path)


@app.get("/data-docs/{path:path}")
def data_docs(path: str) -> Response:
    found = served_file(layout.data_docs_site(work_dir()), path)
    if found is None:
        raise HTTPException(status_code=404, detail="not found")
    if found.suffix != ".html":
        return FileResponse(found, headers=_HEADERS)
    # links relative to the page's address, so a UI served below a path prefix works too
    return HTMLResponse(offline_page(found.read_text(encoding="utf-8"), "../" * path.count("/")), headers=_HEADERS)


def offline_page(page: str, to_site: str) -> str:
    """A Data Docs page that loads every script, style and image from this server.

    The site's own `static/` folder is addressed from the page's real depth too: GX counts
    one level short on validation pages, which breaks their favicon.
    """
    page = _ASSET_URLS.sub(lambda m: f"{to_site}../data-docs-assets/{OFFLINE_ASSETS[m.group(0)]}", page)
    page = _GX_LOGO.sub(f"{to_site}static/images/logo-long.png", page)
    return _SITE_STATIC.sub(rf"\1{to_site}static/", page)


@app.get("/data-docs-assets/{path:path}")
def data_docs_assets(path: str) -> FileResponse:
    parts = path.split("/")
    package = "/".join(parts[:2]) if path.startswith("@") else parts[0]
    if package not in _ASSET_PACKAGES:
        raise HTTPException(status_code=404, detail="not found")
    return _serve(ASSETS, path, cache="public, max-age=86400")  # versioned files: safe to keep


class TextlakeUIPlugin(AirflowPlugin):
    name = "textlake_ui"
    fastapi_apps = [{"app": app, "url_prefix": PREFIX, "name": "textlake reports and data quality"}]
    # href is relative to the UI's base URL (no leading slash), so a base_url below a path prefix works.
    external_views = [
        {
            "name": "Corpus report",
            "href": "textlake/reports/latest/index.html",
            "destination": "dag",
            "url_route": "textlake-report",
        },
        {
            "name": "Data quality (Data Docs)",
            "href": "textlake/data-docs/index.html",
            "destination": "dag",
            "url_route": "textlake-data-docs",
        },
        {"name": "textlake", "href": "textlake/", "destination": "nav", "category": "browse", "url_route": "textlake"},
    ]
