"""Logs: one readable line by default, one JSON object a line with `LOG_FORMAT=json`.

Every line written while a request (or a Celery task it queued) is served carries the request id,
so one search finds everything a request did. The access line of a request adds the user id,
method, path, status and duration. It never carries a name, an ID number or a query string
(searches and filters may hold resident ID numbers): people are their numeric user id, pages their
path. Celery tasks log their id, the sizes of their arguments (never the values) and duration
(`project/celery.py`).

`logging_config()` builds the LOGGING setting; `project/settings/base.py` calls it with the
environment's LOG_FORMAT and LOG_LEVEL, and gunicorn's own lines use it too (`deploy/gunicorn.conf.py`).
"""

import contextvars
import logging
import re
import time
import uuid

from django.core.signals import request_finished
from pythonjsonlogger.json import JsonFormatter as BaseJsonFormatter

# The id of the request (or task) being served; "-" outside one (a command, beat, a worker's start-up).
request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")

# The reverse proxy's id (nginx: `proxy_set_header X-Request-ID $request_id`) is kept so its access
# log and ours join up; anything else a client sends there is replaced (no log injection).
REQUEST_ID_HEADER = "HTTP_X_REQUEST_ID"
RESPONSE_ID_HEADER = "X-Request-ID"
_ACCEPTED_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")

# Load balancers ask for /health/ every few seconds, and a page load fetches several static files:
# their successful answers log at DEBUG.
QUIET_PATH_PREFIXES = ("/health/", "/static/")

# Paths that carry a secret (the older person's confirmation link, /confirm/<token>/): written with the
# secret replaced, by the access line and by every other record that names the path (Django's
# "Not Found: ..." warnings). Pairs of (pattern, replacement).
REDACTED_PATHS = ((re.compile(r"/confirm/(?!cards/)[^/\s]+/"), "/confirm/<token>/"),)

LOG_FORMATS = ("text", "json")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"

access_logger = logging.getLogger("eldercare.request")


def new_request_id() -> str:
    return uuid.uuid4().hex


class RequestIdFilter(logging.Filter):
    """Stamp every record with the current request id (a record's own `request_id` extra wins)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id_var.get()
        return True


def redact_path(text: str) -> str:
    """The text with every secret-bearing path (REDACTED_PATHS) replaced by its placeholder."""
    for pattern, replacement in REDACTED_PATHS:
        text = pattern.sub(replacement, text)
    return text


class RedactPathsFilter(logging.Filter):
    """Keep secrets in paths out of every log line: the message, its arguments and a `path` extra."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact_path(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact_path(arg) if isinstance(arg, str) else arg for arg in record.args)
        if isinstance(getattr(record, "path", None), str):
            record.path = redact_path(record.path)
        return True


class JsonFormatter(BaseJsonFormatter):
    """One JSON object a line: time (UTC, ISO 8601), level, logger, message, request_id and extras."""

    def __init__(self, **kwargs):
        kwargs.setdefault("rename_fields", {"levelname": "level", "name": "logger"})
        kwargs.setdefault("timestamp", "time")
        kwargs.setdefault("json_ensure_ascii", False)  # Chinese messages stay readable
        super().__init__(["levelname", "name", "message"], **kwargs)

    def process_log_record(self, log_data):
        # Extras that are objects (Django's `request` on its warnings) are written as their text,
        # which names the path: redacted like the message.
        for key, value in log_data.items():
            if isinstance(value, str):
                log_data[key] = redact_path(value)
            elif not isinstance(value, int | float | bool | type(None) | list | dict):
                log_data[key] = redact_path(str(value))
        return super().process_log_record(log_data)


def logging_config(*, log_format: str = "text", level: str = "INFO") -> dict:
    """The LOGGING setting: everything to stderr, as text lines or JSON lines."""
    log_format = (log_format or "text").strip().lower()
    if log_format not in LOG_FORMATS:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured(f"LOG_FORMAT must be one of {', '.join(LOG_FORMATS)}, not {log_format!r}")
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {
            "request_id": {"()": "eldercare.core.logging.RequestIdFilter"},
            "redact_paths": {"()": "eldercare.core.logging.RedactPathsFilter"},
        },
        "formatters": {
            "text": {"format": TEXT_FORMAT},
            "json": {"()": "eldercare.core.logging.JsonFormatter"},
        },
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": log_format,
                "filters": ["request_id", "redact_paths"],
            },
        },
        "root": {"handlers": ["console"], "level": level.upper()},
        "loggers": {
            # runserver's own line per request repeats the access line below: keep its warnings only.
            "django.server": {"handlers": ["console"], "level": "WARNING", "propagate": False},
        },
    }


class RequestLogMiddleware:
    """Give each request an id (X-Request-ID, both ways) and write its access line when it is answered.

    First in MIDDLEWARE, so redirects and answers of the middleware below it are logged too. The
    duration is until the response is handed to the server (a streamed export goes on after it).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.META.get(REQUEST_ID_HEADER, "")
        request_id = incoming if _ACCEPTED_REQUEST_ID.match(incoming) else new_request_id()
        request.request_id = request_id
        # Kept until the response is closed (`forget_request_id`): Django's own "Not Found" line and
        # a streamed export's lines come after this middleware has returned.
        request_id_var.set(request_id)
        started = time.perf_counter()
        response = self.get_response(request)
        response[RESPONSE_ID_HEADER] = request_id
        self.log(request, response, duration_ms=(time.perf_counter() - started) * 1000)
        return response

    @staticmethod
    def log(request, response, *, duration_ms: float) -> None:
        status = response.status_code
        if status >= 500:
            level = logging.WARNING
        elif status < 400 and request.path.startswith(QUIET_PATH_PREFIXES):
            level = logging.DEBUG
        else:
            level = logging.INFO
        if not access_logger.isEnabledFor(level):
            return
        user_id = _user_id(request)
        access_logger.log(
            level,
            "%s %s %s %.0f ms user %s",
            request.method,
            redact_path(request.path),
            status,
            duration_ms,
            user_id if user_id is not None else "-",
            extra={
                "method": request.method,
                "path": redact_path(request.path),  # never the query string
                "status": status,
                "duration_ms": round(duration_ms, 1),
                "user_id": user_id,
            },
        )


def forget_request_id(**kwargs) -> None:
    request_id_var.set("-")


request_finished.connect(forget_request_id, dispatch_uid="eldercare.core.logging.forget_request_id")


def _user_id(request) -> int | None:
    """The signed-in user's primary key, or None (anonymous, or answered before authentication)."""
    user = getattr(request, "user", None)
    try:
        return user.pk if user is not None and user.is_authenticated else None
    except Exception:  # an unreadable session must not lose the access line
        return None
