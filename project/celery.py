import contextlib
import json
import logging
import os
import time

from celery import Celery
from celery.signals import before_task_publish, setup_logging, task_postrun, task_prerun
from django.conf import settings

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings.dev")

app = Celery("eldercare")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

task_logger = logging.getLogger("eldercare.tasks")

# The message header that carries the id of the request that queued a task into the worker's log lines.
REQUEST_ID_HEADER = "eldercare_request_id"
# task id -> (perf_counter at start, what to undo when it ends: request id, replica reads).
_running: dict[str, tuple[float, contextlib.ExitStack]] = {}


@setup_logging.connect
def keep_django_logging(**kwargs):
    """Workers and beat log through Django's LOGGING (text or JSON lines), not Celery's own set-up."""
    from django.utils.log import configure_logging

    configure_logging(settings.LOGGING_CONFIG, settings.LOGGING)


@before_task_publish.connect
def pass_the_request_id(headers=None, **kwargs):
    from eldercare.core.logging import request_id_var

    request_id = request_id_var.get()
    if headers is not None and request_id != "-":
        headers[REQUEST_ID_HEADER] = request_id


def argument_sizes(args, kwargs) -> dict:
    """What a task's log line says about its arguments: how many and how big, never their values."""

    def size(value):
        return len(value) if isinstance(value, list | tuple | set | dict) else 1

    try:
        encoded = len(json.dumps([args, kwargs], default=str))
    except (TypeError, ValueError):
        encoded = None
    return {
        "args_count": len(args or ()),
        "arg_sizes": [size(value) for value in args or ()],
        "kwarg_sizes": {key: size(value) for key, value in (kwargs or {}).items()},
        "args_bytes": encoded,
    }


@task_prerun.connect
def log_task_start(task_id=None, task=None, args=None, kwargs=None, **extra):
    from eldercare.core.logging import request_id_var
    from project.db_routers import replica_enabled, replica_reads

    undo = contextlib.ExitStack()
    # From the message header in a worker; inline (eager) tasks keep the request's own id.
    request_id = getattr(task.request, REQUEST_ID_HEADER, None)
    if request_id:
        token = request_id_var.set(request_id)
        undo.callback(request_id_var.reset, token)
    # Export jobs read the programme's records from the read replica, when there is one.
    if task.name in settings.DATABASE_REPLICA_TASKS and replica_enabled():
        undo.enter_context(replica_reads())
    _running[task_id] = (time.perf_counter(), undo)
    task_logger.debug(
        "Task %s %s started", getattr(task, "name", "?"), task_id, extra={"task_id": task_id, "task": task.name}
    )


@task_postrun.connect
def log_task_end(task_id=None, task=None, args=None, kwargs=None, state=None, **extra):
    started, undo = _running.pop(task_id, (None, None))
    duration_ms = (time.perf_counter() - started) * 1000 if started is not None else None
    level = logging.INFO if state in (None, "SUCCESS") else logging.WARNING
    task_logger.log(
        level,
        "Task %s %s %s in %s ms",
        task.name,
        task_id,
        state,
        f"{duration_ms:.0f}" if duration_ms is not None else "?",
        extra={
            "task_id": task_id,
            "task": task.name,
            "state": state,
            "duration_ms": round(duration_ms, 1) if duration_ms is not None else None,
            **argument_sizes(args, kwargs),
        },
    )
    if undo is not None:
        undo.close()
