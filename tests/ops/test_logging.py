"""Logs: LOG_FORMAT=json gives one JSON object a line with request id, user id, path, status and duration;
tasks log their id, argument sizes and duration; the default stays readable text; no names or ID numbers."""

import io
import json
import logging.config
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model

from eldercare.core.logging import logging_config

ROOT = Path(__file__).resolve().parent.parent.parent
ID_NUMBER = "11010519491231002X"


@pytest.fixture
def capture_logs():
    """Configure logging as LOG_FORMAT says, into a buffer; restore the test settings' logging after."""

    def configure(log_format: str) -> io.StringIO:
        buffer = io.StringIO()
        config = logging_config(log_format=log_format, level="INFO")
        config["handlers"]["console"]["stream"] = buffer
        logging.config.dictConfig(config)
        return buffer

    yield configure
    logging.config.dictConfig(settings.LOGGING)


def json_lines(buffer: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in buffer.getvalue().splitlines() if line.strip()]


@pytest.fixture
def named_user(db):
    return get_user_model().objects.create_superuser(
        "wangfang", "wang@example.invalid", "a-long-password-1", first_name="芳", last_name="王"
    )


def test_json_lines_carry_the_request_id_user_id_path_status_and_duration(client, named_user, capture_logs):
    logs = capture_logs("json")
    client.force_login(named_user)

    response = client.get(f"/admin/?q={ID_NUMBER}")

    lines = json_lines(logs)  # every line parses, or this fails
    access = [line for line in lines if line["logger"] == "eldercare.request"]
    assert len(access) == 1
    line = access[0]
    assert line["request_id"] == response["X-Request-ID"]
    assert line["user_id"] == named_user.pk
    assert line["path"] == "/admin/"
    assert line["method"] == "GET"
    assert line["status"] == 200
    assert isinstance(line["duration_ms"], int | float) and line["duration_ms"] >= 0
    assert line["level"] == "INFO" and "time" in line


def test_log_lines_hold_no_names_no_id_numbers_and_no_query_strings(client, named_user, capture_logs):
    logs = capture_logs("json")
    client.force_login(named_user)
    client.get(f"/admin/recipients/recipient/?q={ID_NUMBER}")
    client.get(f"/dashboards/national/?search={ID_NUMBER}")

    text = logs.getvalue()
    assert text
    for personal in (ID_NUMBER, "wangfang", "王", "芳", "wang@example.invalid"):
        assert personal not in text


def test_the_proxy_request_id_is_kept_and_a_forged_one_is_replaced(client, db, capture_logs):
    logs = capture_logs("json")
    kept = client.get("/health/", HTTP_X_REQUEST_ID="0f1e2d3c4b5a69788796a5b4c3d2e1f0")
    forged = client.get("/health/", HTTP_X_REQUEST_ID='x" injected\nline')

    assert kept["X-Request-ID"] == "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
    assert forged["X-Request-ID"] != 'x" injected\nline' and len(forged["X-Request-ID"]) == 32
    assert "injected" not in logs.getvalue()


def test_anonymous_requests_log_no_user_id(client, db, capture_logs):
    logs = capture_logs("json")
    client.get("/admin/login/")
    access = [line for line in json_lines(logs) if line["logger"] == "eldercare.request"]
    assert access and all(line["user_id"] is None for line in access)


def test_lines_written_during_a_request_carry_its_request_id(client, db, capture_logs):
    logs = capture_logs("json")
    response = client.get("/no-such-page/")

    lines = json_lines(logs)
    not_found = [line for line in lines if line["logger"] == "django.request"]
    assert not_found and not_found[0]["request_id"] == response["X-Request-ID"]


def test_tasks_log_their_id_argument_sizes_and_duration(db, capture_logs):
    from project.celery import app

    @app.task(name="tests.ops.sized_task")
    def sized_task(ids, day):
        return len(ids)

    logs = capture_logs("json")
    result = sized_task.apply(args=[[11, 12, 13], "2023-08-01"])

    task_lines = [line for line in json_lines(logs) if line["logger"] == "eldercare.tasks"]
    assert len(task_lines) == 1
    line = task_lines[0]
    assert line["task_id"] == result.id
    assert line["task"] == "tests.ops.sized_task"
    assert line["state"] == "SUCCESS"
    assert line["args_count"] == 2 and line["arg_sizes"] == [3, 1]
    assert line["args_bytes"] > 0 and line["duration_ms"] >= 0
    assert "2023-08-01" not in json.dumps(line) and "[11, 12, 13]" not in json.dumps(line)


def test_the_default_format_is_readable_text(client, db, capture_logs):
    logs = capture_logs("text")
    response = client.get("/admin/login/")
    line = next(line for line in logs.getvalue().splitlines() if "eldercare.request" in line)
    assert f"[{response['X-Request-ID']}]" in line
    assert "GET /admin/login/ 302" in line and "user -" in line
    with pytest.raises(json.JSONDecodeError):
        json.loads(line)


def test_log_format_json_in_the_environment_switches_a_fresh_process_to_json_lines(tmp_path):
    """The setting as an operator sets it: LOG_FORMAT=json in the environment of a new process."""
    script = (
        "import django; django.setup()\n"
        "from django.test import Client\n"
        "print(Client().get('/health/live/').status_code)\n"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "project.settings.test",
        "LOG_FORMAT": "json",
        "LOG_LEVEL": "DEBUG",
        "SQLITE_PATH": str(tmp_path / "db.sqlite3"),
    }
    env.pop("DATABASE_URL", None)
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )

    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stderr.splitlines() if line.strip()]
    access = [line for line in lines if line["logger"] == "eldercare.request"]
    assert access and access[0]["path"] == "/health/live/" and access[0]["status"] == 200
    assert access[0]["request_id"] and access[0]["duration_ms"] >= 0


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_logs_json_task_lines_carrying_the_request_id_that_queued_them(capfd):
    """A task queued while serving a request: the worker's line for it carries that request's id."""
    from eldercare.core.logging import request_id_var
    from eldercare.rollups.tasks import drain_recount_queue_task
    from tests.services import WorkerProcess, celery_publishing_to, require_real_services, wait_until

    broker = require_real_services()
    request_id = "feedc0ffee0123456789abcdef012345"
    seen: list[str] = []

    def task_line():
        seen.extend(capfd.readouterr().err.splitlines())
        lines = [json.loads(line) for line in seen if line.startswith("{")]
        return next((line for line in lines if line["logger"] == "eldercare.tasks"), None)

    with celery_publishing_to(broker):
        worker = WorkerProcess(broker, concurrency=1, env={"LOG_FORMAT": "json", "LOG_LEVEL": "INFO"}).start()
        try:
            token = request_id_var.set(request_id)
            try:
                drain_recount_queue_task.apply_async()
            finally:
                request_id_var.reset(token)
            line = wait_until(task_line, timeout=60, what="the worker's task line")
        finally:
            worker.stop()

    assert line["task"] == drain_recount_queue_task.name
    assert line["request_id"] == request_id
    assert line["state"] == "SUCCESS" and line["duration_ms"] >= 0 and line["task_id"]
    # Every line the worker wrote through logging is one JSON object (Celery's included).
    assert all(json.loads(line) for line in seen if line.startswith("{"))
    assert any(json.loads(line)["logger"].startswith("celery") for line in seen if line.startswith("{"))


def test_the_confirmation_link_secret_never_reaches_a_log_line(client, db, capture_logs):
    """The card's token is the key to a person's visits: the access line and Django's 404 warning
    both name the path, and both write it as /confirm/<token>/."""
    buffer = capture_logs("json")
    secret = "c2VjcmV0LWtleS1vZi1hLWNhcmQ:forgedSignature123"
    assert client.get(f"/confirm/{secret}/").status_code == 404
    text = buffer.getvalue()
    assert secret not in text and "forgedSignature123" not in text
    paths = [line.get("path") for line in json_lines(buffer) if line.get("path")]
    assert "/confirm/<token>/" in paths
    assert any(
        "/confirm/<token>/" in line["message"] for line in json_lines(buffer) if line["logger"] == "django.request"
    )
