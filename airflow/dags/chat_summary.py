"""Parley's nightly chat summary: one run per UTC day, running the job for that day.

The job (server/dist/jobs/chat-summary-main.js) replaces the day's rows of
chat_daily_stats and daily_activity, so retries, re-runs and backfills are
harmless. Where it runs is chosen by PARLEY_RUNNER in the scheduler's and
workers' environment (read when the file is parsed):

  docker  (default) a DockerOperator starts the Parley image (PARLEY_IMAGE,
          default "parley") on the Docker daemon at PARLEY_DOCKER_URL, attached
          to PARLEY_DOCKER_NETWORK so it can reach the databases.
  bash    a BashOperator runs the job from a Parley installation at PARLEY_HOME
          (default /opt/parley) on the worker itself: what `docker compose
          --profile airflow up` does.

Either way the job gets DATABASE_URL from the Airflow Variable
parley_database_url (required) and MONGO_URL from parley_mongo_url (optional:
empty keeps messages in PostgreSQL). Variables may come from the UI, the CLI or
AIRFLOW_VAR_PARLEY_DATABASE_URL / AIRFLOW_VAR_PARLEY_MONGO_URL in the environment.
"""

from __future__ import annotations

import os
import re
from datetime import datetime, timedelta, timezone

import airflow

try:
    from airflow.sdk import DAG
except ImportError:  # Airflow 2
    from airflow import DAG
try:
    from airflow.sdk import CronDataIntervalTimetable
except ImportError:  # Airflow 2, and 3.0 whose SDK does not export timetables yet
    from airflow.timetables.interval import CronDataIntervalTimetable
try:
    from airflow.providers.standard.operators.bash import BashOperator
except ImportError:  # Airflow 2 without the standard provider
    from airflow.operators.bash import BashOperator

SCHEDULE = "30 0 * * *"
JOB = "server/dist/jobs/chat-summary-main.js"
JOB_ENV = {
    # Missing parley_database_url fails the task when it renders, instead of summarizing an empty embedded database.
    "DATABASE_URL": "{{ var.value.parley_database_url }}",
    "MONGO_URL": "{{ var.value.get('parley_mongo_url', '') }}",
}


def exponential_backoff(airflow_version: str) -> bool | float:
    """Airflow 3.2 turned retry_exponential_backoff into a multiplier (True would read as x1, no growth),
    and earlier releases accept only a bool."""
    major, minor = (int(part) for part in re.match(r"(\d+)\.(\d+)", airflow_version).groups())
    return 2.0 if (major, minor) >= (3, 2) else True


def summary_task(runner: str):
    """The one task: run the job for the run's day, {{ ds }}."""
    if runner == "bash":
        home = os.environ.get("PARLEY_HOME", "/opt/parley")
        return BashOperator(
            task_id="summarize_day",
            bash_command=f"node {home}/{JOB} --date {{{{ ds }}}}",
            env=JOB_ENV,
            # Keep PATH and the rest of the worker's environment; JOB_ENV wins where they overlap.
            append_env=True,
        )
    if runner == "docker":
        from airflow.providers.docker.operators.docker import DockerOperator

        return DockerOperator(
            task_id="summarize_day",
            image=os.environ.get("PARLEY_IMAGE", "parley"),
            command=f"node {JOB} --date {{{{ ds }}}}",
            environment=JOB_ENV,
            docker_url=os.environ.get("PARLEY_DOCKER_URL", "unix://var/run/docker.sock"),
            network_mode=os.environ.get("PARLEY_DOCKER_NETWORK") or None,
            auto_remove="success",
            # No host directory to share: the job writes nothing to disk, and a worker in a container has no host path to give.
            mount_tmp_dir=False,
        )
    raise ValueError(f"PARLEY_RUNNER must be docker or bash, got {runner!r}")


with DAG(
    dag_id="parley_chat_summary",
    description="Summarize each UTC day of Parley's messages into chat_daily_stats and daily_activity",
    # A data-interval timetable, pinned rather than left to [scheduler] create_cron_data_intervals
    # (Airflow 3 defaults to a trigger timetable whose ds is the run's own, unfinished day):
    # the 00:30 run of day D+1 covers day D, and its ds is D.
    schedule=CronDataIntervalTimetable(SCHEDULE, timezone="UTC"),
    # Parley's first release: catchup backfills every day since, each run replacing only its own day.
    start_date=datetime(2026, 11, 21, tzinfo=timezone.utc),
    catchup=True,
    # Backfills go one day at a time, so the databases never see a burst of summaries.
    max_active_runs=1,
    default_args={
        "owner": "parley",
        "retries": 3,
        "retry_delay": timedelta(minutes=2),
        "retry_exponential_backoff": exponential_backoff(airflow.__version__),
        "max_retry_delay": timedelta(minutes=30),
        "execution_timeout": timedelta(hours=1),
    },
    tags=["parley"],
) as dag:
    summary_task(os.environ.get("PARLEY_RUNNER", "docker"))
