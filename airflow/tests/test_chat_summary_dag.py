"""Loads airflow/dags/chat_summary.py against stand-ins for the few Airflow names it imports.

No Airflow install is needed: the stand-ins record what the DAG file asks for
(schedule, catchup, retries, the command and its environment), which is what
this file decides; Airflow's own behaviour is Airflow's to test.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import types
import unittest
from datetime import datetime, timedelta, timezone
from pathlib import Path
from unittest import mock

DAG_FILE = Path(__file__).resolve().parents[1] / "dags" / "chat_summary.py"


class FakeDAG:
    current: FakeDAG | None = None

    def __init__(self, dag_id, **kwargs):
        self.dag_id = dag_id
        self.kwargs = kwargs
        self.tasks = []

    def __enter__(self):
        FakeDAG.current = self
        return self

    def __exit__(self, *exc):
        FakeDAG.current = None


class FakeOperator:
    def __init__(self, task_id, **kwargs):
        self.task_id = task_id
        self.kwargs = kwargs
        FakeDAG.current.tasks.append(self)


class BashOperator(FakeOperator):
    pass


class DockerOperator(FakeOperator):
    pass


class CronDataIntervalTimetable:
    def __init__(self, cron, timezone):
        self.cron = cron
        self.timezone = timezone


def module(name, **attrs):
    made = types.ModuleType(name)
    made.__dict__.update(attrs)
    return made


def airflow3(version="3.3.2"):
    return {
        "airflow": module("airflow", __version__=version),
        "airflow.sdk": module("airflow.sdk", DAG=FakeDAG, CronDataIntervalTimetable=CronDataIntervalTimetable),
        "airflow.providers.standard.operators.bash": module("bash", BashOperator=BashOperator),
        "airflow.providers.docker.operators.docker": module("docker", DockerOperator=DockerOperator),
    }


def airflow2(version="2.10.5"):
    """The Airflow 2 layout: no airflow.sdk, operators and timetables at their old paths."""
    return {
        "airflow": module("airflow", __version__=version, DAG=FakeDAG),
        "airflow.timetables.interval": module("interval", CronDataIntervalTimetable=CronDataIntervalTimetable),
        "airflow.operators.bash": module("bash", BashOperator=BashOperator),
        "airflow.providers.docker.operators.docker": module("docker", DockerOperator=DockerOperator),
    }


def load_dag(modules, env=None):
    """Parses the DAG file as the scheduler would, with `env` as the only PARLEY_* settings."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("PARLEY_")}
    with mock.patch.dict(sys.modules, modules), mock.patch.dict(os.environ, {**clean, **(env or {})}, clear=True):
        spec = importlib.util.spec_from_file_location("chat_summary_under_test", DAG_FILE)
        loaded = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(loaded)
    return loaded.dag


def render(template, ds):
    """What Airflow's Jinja makes of the command for a run whose ds is `ds`; nothing else may be templated."""
    assert template.count("{{") == 1 and "{{ ds }}" in template, template
    return template.replace("{{ ds }}", ds)


class ChatSummaryDagTest(unittest.TestCase):
    def test_runs_daily_at_0030_utc_from_a_fixed_start_with_catchup(self):
        dag = load_dag(airflow3())
        self.assertEqual(dag.dag_id, "parley_chat_summary")
        schedule = dag.kwargs["schedule"]
        self.assertIsInstance(schedule, CronDataIntervalTimetable)
        self.assertEqual((schedule.cron, schedule.timezone), ("30 0 * * *", "UTC"))
        self.assertEqual(dag.kwargs["start_date"], datetime(2026, 11, 21, tzinfo=timezone.utc))
        self.assertIs(dag.kwargs["catchup"], True)
        self.assertEqual(dag.kwargs["max_active_runs"], 1)

    def test_retries_three_times_with_capped_exponential_backoff(self):
        args = load_dag(airflow3()).kwargs["default_args"]
        self.assertEqual(args["retries"], 3)
        self.assertEqual(args["retry_delay"], timedelta(minutes=2))
        self.assertEqual(args["max_retry_delay"], timedelta(minutes=30))
        self.assertEqual(args["execution_timeout"], timedelta(hours=1))

    def test_backoff_is_a_multiplier_from_airflow_3_2_and_a_flag_before(self):
        backoff = lambda version: load_dag(airflow3(version)).kwargs["default_args"]["retry_exponential_backoff"]
        self.assertEqual(backoff("3.3.2"), 2.0)
        self.assertEqual(backoff("3.2.0rc1"), 2.0)
        self.assertIs(backoff("3.1.7"), True)
        self.assertIs(backoff("3.0.0"), True)
        self.assertIs(load_dag(airflow2()).kwargs["default_args"]["retry_exponential_backoff"], True)

    def test_docker_runner_by_default_runs_the_job_in_the_parley_image(self):
        dag = load_dag(airflow3())
        self.assertEqual(len(dag.tasks), 1)
        task = dag.tasks[0]
        self.assertIsInstance(task, DockerOperator)
        self.assertEqual(task.task_id, "summarize_day")
        self.assertEqual(task.kwargs["image"], "parley")
        self.assertEqual(render(task.kwargs["command"], "2026-03-14"), "node server/dist/jobs/chat-summary-main.js --date 2026-03-14")
        self.assertEqual(task.kwargs["docker_url"], "unix://var/run/docker.sock")
        self.assertIsNone(task.kwargs["network_mode"])
        self.assertIs(task.kwargs["mount_tmp_dir"], False)
        self.assertEqual(task.kwargs["environment"], {
            "DATABASE_URL": "{{ var.value.parley_database_url }}",
            "MONGO_URL": "{{ var.value.get('parley_mongo_url', '') }}",
        })

    def test_docker_runner_takes_image_daemon_and_network_from_the_environment(self):
        env = {"PARLEY_RUNNER": "docker", "PARLEY_IMAGE": "registry.example/parley:1.2", "PARLEY_DOCKER_URL": "tcp://docker:2375", "PARLEY_DOCKER_NETWORK": "parley_default"}
        task = load_dag(airflow3(), env).tasks[0]
        self.assertEqual((task.kwargs["image"], task.kwargs["docker_url"], task.kwargs["network_mode"]), ("registry.example/parley:1.2", "tcp://docker:2375", "parley_default"))

    def test_bash_runner_runs_the_installed_job_for_the_runs_day(self):
        task = load_dag(airflow3(), {"PARLEY_RUNNER": "bash"}).tasks[0]
        self.assertIsInstance(task, BashOperator)
        self.assertEqual(render(task.kwargs["bash_command"], "2026-03-14"), "node /opt/parley/server/dist/jobs/chat-summary-main.js --date 2026-03-14")
        self.assertEqual(set(task.kwargs["env"]), {"DATABASE_URL", "MONGO_URL"})
        self.assertIs(task.kwargs["append_env"], True)
        other = load_dag(airflow3(), {"PARLEY_RUNNER": "bash", "PARLEY_HOME": "/srv/parley"}).tasks[0]
        self.assertEqual(render(other.kwargs["bash_command"], "2027-01-01"), "node /srv/parley/server/dist/jobs/chat-summary-main.js --date 2027-01-01")

    def test_loads_with_the_airflow_2_import_paths(self):
        dag = load_dag(airflow2(), {"PARLEY_RUNNER": "bash"})
        self.assertEqual(dag.kwargs["schedule"].cron, "30 0 * * *")
        self.assertIsInstance(dag.tasks[0], BashOperator)

    def test_an_unknown_runner_fails_the_parse_with_one_clear_message(self):
        with self.assertRaisesRegex(ValueError, r"^PARLEY_RUNNER must be docker or bash, got 'k8s'$"):
            load_dag(airflow3(), {"PARLEY_RUNNER": "k8s"})


if __name__ == "__main__":
    unittest.main()
