# syntax=docker/dockerfile:1
# The textlake image: the official Airflow 3.3.2 image, the pinned requirements and the project.
# docker-compose.yaml builds it (`build: .`); on its own: docker build -t textlake-airflow:3.3.2 .
FROM apache/airflow:3.3.2-python3.11

# The project root in the image. Relative paths in include/config/*.yaml resolve against it,
# and docker-compose.yaml mounts the data folder (landing input + output) at ${TEXTLAKE_HOME}/data.
ENV TEXTLAKE_HOME=/opt/textlake \
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

# 3. The DAGs and the UI plugin where Airflow looks by default, so the image runs without bind mounts.
COPY --chown=airflow:0 dags /opt/airflow/dags
COPY --chown=airflow:0 plugins /opt/airflow/plugins
