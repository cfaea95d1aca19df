"""Real PostgreSQL, Redis and Celery worker processes for the tests marked `services`.

Outside CI these tests skip with a reason when a service is missing; in CI (CI=true) they fail,
so a missing service can never pass silently.
"""

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent


def require(condition: bool, reason: str) -> None:
    if condition:
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI needs this service: {reason}")
    pytest.skip(reason)


def redis_url() -> str:
    return os.environ.get("REDIS_URL") or os.environ.get("CELERY_BROKER_URL") or ""


def redis_is_up(url: str) -> bool:
    if not url:
        return False
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except redis.exceptions.ConnectionError:
        return False


def require_real_services() -> str:
    require(connection.vendor == "postgresql", "needs PostgreSQL: set DATABASE_URL=postgres://…")
    url = redis_url()
    require(redis_is_up(url), "needs Redis: set REDIS_URL=redis://… to a running server")
    return url


@contextlib.contextmanager
def celery_publishing_to(broker: str, *, result_backend: str | None = None):
    """Make this process publish tasks to `broker` instead of running them inline, then restore."""
    from project.celery import app

    def reset_connections():
        # Celery caches its connection pools and result backend on first use.
        app._pool = None
        app.amqp._producer_pool = None
        app._backend_cache = None
        app._local = threading.local()

    saved = (app.conf.task_always_eager, app.conf.broker_url, app.conf.result_backend)
    app.conf.update(task_always_eager=False, broker_url=broker, result_backend=result_backend)
    reset_connections()
    try:
        yield app
    finally:
        app.conf.update(task_always_eager=saved[0], broker_url=saved[1], result_backend=saved[2])
        reset_connections()


class WorkerProcess:
    """A `celery worker` process on the test database, with the test process publishing to it."""

    def __init__(self, broker: str, concurrency: int = 2, *, beat: bool = False, env: dict | None = None):
        self.broker = broker
        self.concurrency = concurrency
        # With beat, the worker also runs the periodic schedule (the recount queue's tick among it).
        self.beat = beat
        self.extra_env = env or {}
        self.name = f"test-{uuid.uuid4().hex[:8]}@%h"
        self.process: subprocess.Popen | None = None

    def environment(self) -> dict:
        database = connection.settings_dict
        host = f"{database['HOST'] or '127.0.0.1'}:{database['PORT'] or 5432}"
        url = f"postgres://{database['USER'] or 'postgres'}@{host}/{database['NAME']}"
        return {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "project.settings.base",
            "DATABASE_URL": url,
            "CELERY_BROKER_URL": self.broker,
            "CELERY_RESULT_BACKEND": self.broker,
            "LOG_LEVEL": "WARNING",
            **self.extra_env,
        }

    def start(self) -> "WorkerProcess":
        from project.celery import app

        app.control.purge()
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "project",
                "worker",
                f"--concurrency={self.concurrency}",
                "--pool=prefork",
                "-n",
                self.name,
                "--without-gossip",
                "--without-mingle",
                "--loglevel=WARNING",
                *(["-B", f"--schedule={tempfile.mkdtemp(prefix='celerybeat-')}/schedule"] if self.beat else []),
            ],
            cwd=ROOT,
            env=self.environment(),
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("the celery worker exited during start-up")
            replies = app.control.ping(timeout=0.5)
            if any(self.hostname in reply for reply in replies):
                return self
        raise RuntimeError("the celery worker did not answer within 60 s")

    @property
    def hostname(self) -> str:
        import socket

        return self.name.replace("%h", socket.gethostname())

    def active_tasks(self) -> list[dict]:
        from project.celery import app

        replies = app.control.inspect(destination=[self.hostname], timeout=1).active() or {}
        return replies.get(self.hostname, [])

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def wait_until(predicate, *, timeout: float = 60, interval: float = 0.2, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


class PrivateRedis:
    """A `redis-server` of the test's own on a free port, to stop and start under a running worker."""

    def __init__(self):
        import socket

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> "PrivateRedis":
        self.process = subprocess.Popen(
            ["redis-server", "--bind", "127.0.0.1", "--port", str(self.port), "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        )
        wait_until(lambda: redis_is_up(self.url), timeout=20, what="the private redis-server")
        return self

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=20)
