"""Static checks of the Celery stack: docker-compose.yaml, Dockerfile, .env.example, .dockerignore.

No Docker engine needed (nor available in CI): the files are parsed and cross-checked
against each other, against the Compose Specification schema and against what the DAG
and the core package expect. tests/integration/test_celery_topology.py runs the same
topology natively.
"""

from __future__ import annotations

import copy
import re
import subprocess
import sys
from pathlib import PurePosixPath

import pytest
import yaml

from tests.conftest import ROOT

COMPOSE = ROOT / "docker-compose.yaml"
DOCKERFILE = ROOT / "Dockerfile"
ENV_EXAMPLE = ROOT / ".env.example"
DOCKERIGNORE = ROOT / ".dockerignore"
README = ROOT / "README.md"

AIRFLOW_SERVICES = (
    "airflow-apiserver",
    "airflow-scheduler",
    "airflow-dag-processor",
    "airflow-triggerer",
    "airflow-worker",
    "airflow-init",
)
REQUIRED_SERVICES = ("postgres", "redis", *AIRFLOW_SERVICES, "flower")
# ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?error}, ${VAR?error}, ${VAR:+alt}; never $${...} (escaped)
INTERPOLATION = re.compile(r"(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([^}]*))?\}")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def services(compose) -> dict:
    return compose["services"]


def interpolate(value: str) -> str:
    """Compose's interpolation with every variable unset: defaults apply, the rest become ''."""
    return INTERPOLATION.sub(lambda m: m.group(3) if m.group(2) in (":-", "-") else "", value)


def volume_mounts(service: dict) -> list[tuple[str, str]]:
    """(source, container target) of each mount, in short or long syntax, sources interpolated."""
    mounts = []
    for volume in service.get("volumes", []):
        if isinstance(volume, str):
            source, target = interpolate(volume).split(":")[:2]
        else:
            source, target = interpolate(volume.get("source", "")), volume["target"]
        mounts.append((source, target))
    return mounts


def is_bind(source: str) -> bool:
    return source.startswith((".", "/", "~"))


def host_path(service: dict, container_path: str):
    """The host file behind a container path, through the service's bind mounts (None if unmounted)."""
    best = None
    for source, target in volume_mounts(service):
        if is_bind(source) and PurePosixPath(container_path).is_relative_to(target):
            if best is None or len(target) > len(best[1]):
                best = (source, target)
    if best is None:
        return None
    relative = PurePosixPath(container_path).relative_to(best[1])
    return (ROOT / best[0] / relative).resolve()


def environment(service: dict) -> dict[str, str]:
    env = service.get("environment", {})
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {k: "" if v is None else str(v) for k, v in env.items()}


def env_example() -> dict[str, str]:
    values = {}
    for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip()
    return values


# --- the file itself ---------------------------------------------------------------------------


def test_compose_parses_with_the_official_shape(compose, services):
    assert "x-airflow-common" in compose, "the x-airflow-common anchor of the official file is gone"
    common = compose["x-airflow-common"]
    assert common["build"] == "."
    assert common["env_file"]
    for name in AIRFLOW_SERVICES:
        assert services[name].get("build") == ".", f"{name} does not use the x-airflow-common anchor"


def test_compose_matches_the_compose_specification(compose):
    import jsonschema
    from check_jsonschema.builtin_schemas import get_builtin_schema

    validator = jsonschema.Draft202012Validator(get_builtin_schema("vendor.compose-spec"))
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(compose)]
    assert errors == []
    broken = copy.deepcopy(compose)  # the schema is strict enough to catch a typical mistake
    broken["services"]["airflow-worker"]["depends_on"]["redis"]["condition"] = "service_up"
    broken["services"]["redis"]["healthchek"] = broken["services"]["redis"].pop("healthcheck")
    assert len(list(validator.iter_errors(broken))) >= 2


def test_check_jsonschema_cli_accepts_the_compose_file():
    """The command from the docs, as a reviewer would run it."""
    result = subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.compose-spec", str(COMPOSE)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


# --- services and their wiring -----------------------------------------------------------------


def test_every_service_of_the_stack_is_present(services):
    missing = [name for name in REQUIRED_SERVICES if name not in services]
    assert missing == []
    assert services["postgres"]["image"].startswith("postgres:16")
    assert services["redis"]["image"].startswith("redis:7.2")
    assert "flower" in services["flower"].get("profiles", []), "flower is optional: behind a profile"
    assert services["airflow-worker"]["command"] == "celery worker"


def test_every_service_the_docs_name_exists(services):
    names = set(re.findall(r"(?<![\w./-])airflow-[a-z]+(?:-[a-z]+)*", README.read_text(encoding="utf-8")))
    names -= {"airflow-common"}  # the YAML anchor, not a service
    assert names, "the docs name no compose service"
    assert sorted(names - set(services)) == []


def test_depends_on_targets_exist_and_are_checkable(services):
    for name, service in services.items():
        depends = service.get("depends_on", {})
        targets = depends.items() if isinstance(depends, dict) else ((d, {}) for d in depends)
        for target, spec in targets:
            assert target in services, f"{name} depends on unknown service {target}"
            condition = (spec or {}).get("condition", "service_started")
            if condition == "service_healthy":
                assert "healthcheck" in services[target], f"{name} waits for {target} to be healthy; it has no healthcheck"
            if condition == "service_completed_successfully":
                assert services[target].get("restart") in (None, "no"), f"{target} is a one-off: it must not restart"


def test_named_volumes_are_declared(compose, services):
    declared = set(compose.get("volumes") or {})
    used = {source for service in services.values() for source, _ in volume_mounts(service) if source and not is_bind(source)}
    assert sorted(used - declared) == []
    assert "postgres-db-volume" in used


def test_workers_scale_out(services):
    worker = services["airflow-worker"]
    assert "container_name" not in worker and "ports" not in worker, "--scale airflow-worker=N needs no fixed name or port"
    assert environment(worker)["DUMB_INIT_SETSID"] == "0"


def test_apiserver_port_health_and_execution_api_url_agree(services):
    api = services["airflow-apiserver"]
    assert api["command"] == "api-server"
    container_ports = {str(p).rsplit(":", 1)[-1] for p in api["ports"]}
    assert container_ports == {"8080"}
    assert "http://localhost:8080/api/v2/monitor/health" in api["healthcheck"]["test"]
    url = environment(api)["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"]
    assert url == "http://airflow-apiserver:8080/execution/", "workers must reach the api-server by service name and port"


@pytest.mark.parametrize("name", AIRFLOW_SERVICES)
def test_airflow_services_get_the_settings_the_dag_needs(services, name):
    env = environment(services[name])
    assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    assert env["AIRFLOW__CORE__LOAD_EXAMPLES"].lower() == "false"
    assert env["GX_ANALYTICS_ENABLED"].lower() == "false"
    assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].startswith("postgresql+psycopg2://")
    assert env["AIRFLOW__CELERY__RESULT_BACKEND"].startswith("db+postgresql://")
    assert env["AIRFLOW__CELERY__BROKER_URL"].startswith("redis://")
    assert env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"].startswith("http://airflow-apiserver:")
    for secret in ("AIRFLOW__CORE__FERNET_KEY", "AIRFLOW__API_AUTH__JWT_SECRET"):
        assert INTERPOLATION.fullmatch(env[secret]), f"{secret} must come from .env, never be written here"
    config = host_path(services[name], env["TEXTLAKE_CONFIG"])
    assert config == ROOT / "include" / "config" / "textlake.compose.yaml"
    assert config.is_file()


# --- the data volume and the compose config ----------------------------------------------------


@pytest.fixture(scope="module")
def compose_config():
    """The compose config as the containers load it: TEXTLAKE_ALLOWED_ROOTS is not set there."""
    from textlake.config import PipelineConfig

    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("TEXTLAKE_ALLOWED_ROOTS", raising=False)
        return PipelineConfig.from_overrides(path=ROOT / "include" / "config" / "textlake.compose.yaml")


def test_compose_config_is_a_complete_valid_config(compose_config):
    defaults = yaml.safe_load((ROOT / "include" / "config" / "textlake.yaml").read_text(encoding="utf-8"))
    ours = yaml.safe_load((ROOT / "include" / "config" / "textlake.compose.yaml").read_text(encoding="utf-8"))
    expected = {key for key, value in defaults.items() if value not in (None, {}, [])}  # null/empty: optional, off
    assert sorted(expected - set(ours)) == [], "the compose config sets every key the default config sets"
    assert compose_config.input.startswith("/") and compose_config.output.startswith("/")
    assert compose_config.allowed_roots == ("/opt/textlake/data",), "runs may touch the data volume only"
    assert compose_config.schedule == "*/5 * * * *" and compose_config.settle_seconds == 60, "the landing folder runs itself"


@pytest.mark.parametrize("name", [s for s in AIRFLOW_SERVICES if s != "airflow-init"] + ["airflow-init"])
def test_input_and_output_live_on_the_shared_data_volume(services, compose_config, name):
    mounts = volume_mounts(services[name])
    for location in (compose_config.input, compose_config.output):
        holders = [(s, t) for s, t in mounts if PurePosixPath(location).is_relative_to(t)]
        assert holders, f"{name} does not mount {location}"
        source, target = max(holders, key=lambda m: len(m[1]))
        assert target == "/opt/textlake/data" and is_bind(source), f"{location} is not on the data volume in {name}"
        assert not (ROOT / source).resolve().is_relative_to(ROOT / "include"), "data must stay out of the code mounts"


def test_init_creates_the_data_folders(services, compose_config):
    script = "\n".join(services["airflow-init"]["command"])
    assert "/opt/textlake/data/{landing,textlake}" in script
    assert compose_config.input == "/opt/textlake/data/landing"
    assert compose_config.output == "/opt/textlake/data/textlake"


def test_the_code_mounts_match_the_image_layout(services):
    mounts = dict((t, s) for s, t in volume_mounts(services["airflow-worker"]))
    assert (ROOT / mounts["/opt/airflow/dags"]).resolve() == ROOT / "dags"
    assert (ROOT / mounts["/opt/textlake/include"]).resolve() == ROOT / "include"
    assert (ROOT / mounts["/opt/airflow/plugins"]).resolve() == ROOT / "plugins"
    assert "/opt/airflow/logs" in mounts


# --- .env.example ------------------------------------------------------------------------------


def test_env_example_lists_every_variable_without_a_default():
    text = COMPOSE.read_text(encoding="utf-8")
    required = {m.group(1) for m in INTERPOLATION.finditer(text) if m.group(2) in (None, ":?", "?")}
    assert {"FERNET_KEY", "AIRFLOW__API_AUTH__JWT_SECRET", "_AIRFLOW_WWW_USER_PASSWORD", "AIRFLOW_UID"} <= required
    assert sorted(required - set(env_example())) == []


def test_env_example_commits_no_secret():
    values = env_example()
    for secret in ("FERNET_KEY", "AIRFLOW__API_AUTH__JWT_SECRET", "_AIRFLOW_WWW_USER_PASSWORD"):
        assert values[secret] == "", f"{secret} must stay empty in .env.example"
    text = ENV_EXAMPLE.read_text(encoding="utf-8")
    assert "Fernet.generate_key" in text and "secrets.token_urlsafe" in text, "say how to generate the keys"


# --- Dockerfile and .dockerignore --------------------------------------------------------------


def dockerfile_instructions() -> list[tuple[str, str]]:
    joined = re.sub(r"\\\n", " ", DOCKERFILE.read_text(encoding="utf-8"))
    out = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            out.append((word.upper(), " ".join(rest.split())))
    return out


def test_image_is_the_pinned_airflow_with_the_locked_requirements():
    instructions = dockerfile_instructions()
    pinned = re.search(r"^apache-airflow==(\S+)$", (ROOT / "requirements.txt").read_text(), re.M).group(1)
    stages = [rest for word, rest in instructions if word == "FROM"]
    assert stages[-1] == f"apache/airflow:{pinned}-python3.11"  # the image is the last stage
    copies = [rest for word, rest in instructions if word == "COPY"]
    runs = [rest for word, rest in instructions if word == "RUN"]
    assert any("requirements.txt" in c.split()[:-1] for c in copies), "requirements.txt is not copied into the image"
    assert any(re.search(r"\bpip install\b.*-r \S*requirements\.txt", r) for r in runs), (
        "the image does not install requirements.txt"
    )
    assert any(re.search(r"\bpip install\b.*--no-deps -e /opt/textlake\b", r) for r in runs), "textlake is not installed"


def test_dockerfile_copies_only_what_a_fresh_clone_has():
    """COPY sources must be tracked files (an empty folder is not in a clone) not excluded by .dockerignore."""
    ignored = [line.strip() for line in DOCKERIGNORE.read_text().splitlines() if line.strip() and not line.startswith("#")]
    try:
        tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.splitlines()
    except (OSError, subprocess.CalledProcessError):
        tracked = None  # not a git checkout: fall back to what is on disk
    for word, rest in dockerfile_instructions():
        if word == "COPY" and "--from=" not in rest:  # a build stage's files are not the repository's
            sources = [s for s in rest.split()[:-1] if not s.startswith("--")]
            for source in sources:
                assert source not in ignored, f"COPY {source}: excluded by .dockerignore"
                if tracked is None:
                    assert (ROOT / source).exists(), f"COPY {source}: not in the repository"
                else:
                    assert any(t == source or t.startswith(source.rstrip("/") + "/") for t in tracked), (
                        f"COPY {source}: no tracked file there, so a fresh clone cannot build the image"
                    )


def test_the_image_serves_the_data_docs_assets_from_the_lock():
    instructions = dockerfile_instructions()
    runs = [rest for word, rest in instructions if word == "RUN"]
    copies = [rest for word, rest in instructions if word == "COPY"]
    assert any(re.match(r"npm ci\b", r) for r in runs), "the assets must come from package-lock.json (npm ci)"
    assert any("plugins/data_docs_assets/package-lock.json" in c for c in copies)
    env = " ".join(rest for word, rest in instructions if word == "ENV")
    folder = re.search(r"TEXTLAKE_DATA_DOCS_ASSETS=(\S+)", env).group(1)
    assert any(c.startswith("--from=data-docs-assets") and c.endswith(f"{folder}/node_modules") for c in copies)


def test_the_locked_celery_executor_imports():
    """The image installs requirements.txt over Airflow's own pins, so the lock decides whether the
    scheduler and the workers can start: celery 5.7.0 dropped `celery.backends.database.retry`,
    which apache-airflow-providers-celery 3.26.0 imports (requirements.in pins celery 5.6.3)."""
    code = "import airflow.providers.celery.executors.celery_executor_utils, airflow.providers.celery.cli.celery_command"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr[-3000:]


def test_dockerignore_keeps_local_state_and_secrets_out():
    ignored = {line.strip() for line in DOCKERIGNORE.read_text().splitlines() if line.strip() and not line.startswith("#")}
    assert {".venv", "data", ".airflow", ".git", ".env"} <= ignored
