"""gunicorn settings for the web process (compose and systemd): `gunicorn -c deploy/gunicorn.conf.py project.wsgi`.

Sync workers: each request is a short database round trip or a streamed file, and a worker per core
pair keeps PostgreSQL connections bounded (each worker holds one, CONN_MAX_AGE 60 s). Scale out with
more web machines behind the proxy rather than many workers on one (docs/operations.md).
"""

import multiprocessing
import os

from eldercare.core.logging import logging_config

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", str(multiprocessing.cpu_count() * 2 + 1)))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
# A request slower than this is killed and logged: dashboards answer in well under a second, inline
# CSV exports stay under EXPORT_INLINE_MAX_ROWS, bigger ones run as Celery jobs.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then, so a slow leak never grows without bound.
max_requests = 2000
max_requests_jitter = 200
# The worker heartbeat on tmpfs: a container's overlay file system can stall it.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
# The proxy's X-Forwarded-* are read by Django (SECURE_PROXY_SSL_HEADER, TRUSTED_PROXY_COUNT), not here.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
# Django writes one access line per request (with request id, user id and duration); gunicorn's own
# lines (start, worker restarts, timeouts) go to stderr in the same format, text or JSON.
accesslog = None
errorlog = "-"
logconfig_dict = logging_config(
    log_format=os.environ.get("LOG_FORMAT", "text"), level=os.environ.get("LOG_LEVEL", "INFO")
)
# Listed, so that dictConfig replaces the plain-text handler gunicorn gives its own loggers.
for _name in ("gunicorn.error", "gunicorn.access"):
    logconfig_dict["loggers"][_name] = {"handlers": ["console"], "level": "INFO", "propagate": False}
# No control socket: nothing here uses `gunicornc`, and the default lives in a home folder that a
# service user may not have.
control_socket_disable = True
