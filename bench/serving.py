"""The app served over HTTP for the measurements that need it: gunicorn on loopback, as in production.

Two workers with four threads each (gthread): the machine's two cores are shared with PostgreSQL
and the client. Used by the API ingest measurement (bench.measure.ingest) and the load test.
"""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
            return
        time.sleep(0.3)
    raise RuntimeError(f"nothing answers on 127.0.0.1:{port}")


def environment(database_url: str, broker: str) -> dict:
    """The served app's environment: the benchmark database, production settings, the given broker."""
    env = {key: value for key, value in os.environ.items() if key not in {"REDIS_URL", "CELERY_BROKER_URL"}}
    env.update(
        DATABASE_URL=database_url,
        DJANGO_SETTINGS_MODULE="project.settings.base",
        CELERY_BROKER_URL=broker,
        ALLOWED_HOSTS="127.0.0.1,localhost",
        PYTHONPATH=str(ROOT),
    )
    return env


def stop(process: subprocess.Popen | None, name: str, log) -> None:
    """SIGTERM, then wait: gunicorn finishes the requests it is serving before it exits."""
    if process is None or process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        log(f"  {name} did not stop in 30 s; killing it")
        process.kill()
        process.wait()


def start_gunicorn(env: dict, log_path: Path) -> tuple[subprocess.Popen, int]:
    port = free_port()
    process = subprocess.Popen(
        [str(BIN / "gunicorn"), "project.wsgi:application", "--bind", f"127.0.0.1:{port}"]
        + ["--workers", "2", "--threads", "4", "--worker-class", "gthread", "--log-level", "warning"],
        cwd=ROOT,
        env=env,
        stdout=open(log_path, "w"),  # noqa: SIM115 - closed with the process
        stderr=subprocess.STDOUT,
    )
    return process, port


@contextlib.contextmanager
def gunicorn(env: dict, log_path: Path, *, log=print) -> Iterator[tuple[subprocess.Popen, str]]:
    """Serve the app; yield the process and its base URL; stop it (gracefully) on exit."""
    process, port = start_gunicorn(env, log_path)
    try:
        wait_for_port(port)
        yield process, f"http://127.0.0.1:{port}"
    finally:
        stop(process, "gunicorn", log)
