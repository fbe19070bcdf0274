"""The Airflow side of textlake, shared by its DAGs: task defaults, the run's configuration, outcomes.

Not a plugin: a module the DAG files import. The plugins folder is on `sys.path` in every
Airflow component (dag-processor, scheduler, workers, `airflow dags test`), which is
why it lives here rather than in `include/textlake`, which never imports Airflow.

Outcomes a textlake task can have besides success, and how they show in the UI:

- a refused configuration (a location outside the allowed roots, an unknown parameter):
  one ERROR line saying what is wrong and which setting fixes it, then the task fails at
  once, with no traceback and no retry, since retrying cannot mend it;
- nothing to do (the plan found nothing new): the task is skipped, its log says why, and
  a skipped publish emits no Asset event;
- anything else: the traceback, and the task's retries.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
from collections.abc import Iterator
from typing import Any

from airflow.sdk import BaseHook, get_current_context
from airflow.sdk.definitions.retry_policy import ExceptionRetryPolicy, RetryAction, RetryRule
from airflow.sdk.exceptions import AirflowSkipException

from textlake.config import ConfigError, PipelineConfig

log = logging.getLogger("textlake")


class RunRefused(SystemExit):
    """The task ends without a traceback (Airflow logs `Task exited`), and the retry policy fails it."""


RETRY_POLICY = ExceptionRetryPolicy(
    rules=[
        RetryRule(
            exception=RunRefused, action=RetryAction.FAIL, reason="the run's configuration is refused; retrying cannot mend it"
        )
    ]
)


def task_defaults(timeout: dt.timedelta) -> dict[str, Any]:
    """Every textlake task: retried twice with exponential back-off, bounded in time, config errors final."""
    return {
        "owner": "data-platform",
        "retries": 2,
        "retry_delay": dt.timedelta(seconds=30),
        "retry_exponential_backoff": True,
        "execution_timeout": timeout,
        "retry_policy": RETRY_POLICY,
    }


@contextlib.contextmanager
def outcome() -> Iterator[None]:
    """Turn the core library's refusals into the task outcomes described above."""
    from textlake.pipeline import NothingStaged

    try:
        yield
    except ConfigError as exc:
        log.error("configuration refused: %s", exc)
        raise RunRefused(2) from None
    except NothingStaged as exc:
        skip(str(exc))


def skip(reason: str) -> None:
    """Skip the task, saying why where the log is read (Airflow keeps its own line in a folded group)."""
    log.info("skipped: %s", reason)
    raise AirflowSkipException(reason) from None


def refuse(message: str) -> None:
    """Refuse the run with one clear line (inside `outcome()`)."""
    raise ConfigError(message)


def run_config(params: dict[str, Any], known: set[str] | None = None) -> PipelineConfig:
    """The run's configuration from the DAG's params, checked against the allowed roots.

    `known` are the keys the form accepts: anything else in the run's conf is refused
    (a typo must not silently fall back to a default). Credentials come from the
    configured Airflow connection, never from the repository.
    """
    if known is not None:
        unknown = sorted(set(get_current_context()["dag_run"].conf or {}) - known)
        if unknown:
            refuse(f"unknown parameter(s) {unknown} in the run's conf; the form accepts {sorted(known)}")
    config = PipelineConfig.from_overrides(params)
    return config.with_storage_credentials(BaseHook.get_connection)
