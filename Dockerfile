# syntax=docker/dockerfile:1
# The textlake image: the official Airflow 3.3.2 image, the pinned requirements and the project.
# docker-compose.yaml builds it (`build: .`); on its own: docker build -t textlake-airflow:3.3.2 .

# The scripts, styles and fonts of the Great Expectations Data Docs pages, exactly as locked, so
# the UI plugin serves them with no internet (plugins/textlake_ui.py).
FROM node:20-bookworm-slim AS data-docs-assets
WORKDIR /assets
COPY plugins/data_docs_assets/package.json plugins/data_docs_assets/package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund

FROM apache/airflow:3.3.2-python3.11

# The project root in the image. Relative paths in include/config/*.yaml resolve against it,
# and docker-compose.yaml mounts the data folder (landing input + output) at ${TEXTLAKE_HOME}/data.
ENV TEXTLAKE_HOME=/opt/textlake \
    TEXTLAKE_DATA_DOCS_ASSETS=/opt/textlake/data-docs-assets \
    GX_ANALYTICS_ENABLED=False

USER root
RUN mkdir -p /opt/textlake/data \
    && chown -R airflow:0 /opt/textlake \
    && chmod -R g+rwX /opt/textlake
USER airflow

# 1. Every dependency, exactly as locked. Airflow is pinned to the image's own version so the
#    install can neither upgrade nor downgrade it. Rebuilt only when requirements.txt changes.
COPY --chown=airflow:0 requirements.txt /opt/textlake/requirements.txt
RUN uv pip install --no-cache --compile-bytecode \
        "apache-airflow==${AIRFLOW_VERSION}" -r /opt/textlake/requirements.txt

# 2. The core package, editable and without dependencies (all installed above): `textlake` is
#    importable everywhere, finds include/config and include/gx beside it, and a bind-mounted
#    ./include (docker-compose.yaml) takes effect without a rebuild.
COPY --chown=airflow:0 pyproject.toml README.md /opt/textlake/
COPY --chown=airflow:0 include /opt/textlake/include
RUN uv pip install --no-cache --no-deps -e /opt/textlake

# 3. The Data Docs assets, then the DAGs and the UI plugin where Airflow looks by default, so the
#    image runs without bind mounts.
COPY --from=data-docs-assets --chown=airflow:0 /assets/node_modules /opt/textlake/data-docs-assets/node_modules
COPY --chown=airflow:0 dags /opt/airflow/dags
COPY --chown=airflow:0 plugins /opt/airflow/plugins
