"""Test settings: the same as base, with fast hashing and media in a temporary folder."""

import tempfile
from pathlib import Path

from .base import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = tempfile.mkdtemp(prefix="eldercare-media-")  # noqa: F811
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Tasks run inline in tests; the tests marked `services` start a real worker on the real broker.
CELERY_TASK_ALWAYS_EAGER = True
# The test client's login() passes no request, which django-axes needs; the lockout tests turn it on.
AXES_ENABLED = False
# Throttling is on in every environment; the suite makes many requests from one address and user id
# within a minute, so the rates are lifted here (tests/security checks throttling with its own rates).
REST_FRAMEWORK = {  # noqa: F405
    **REST_FRAMEWORK,  # noqa: F405
    "DEFAULT_THROTTLE_RATES": {"anon": "100000/minute", "user": "100000/minute"},
}
# Tests travel in time with a signed-in client; the 30-minute idle expiry of base would sign them out
# (tests/security checks the expiry with the base value).
SESSION_COOKIE_AGE = 14 * 24 * 3600
EXPORT_ROOT = Path(tempfile.mkdtemp(prefix="eldercare-exports-"))
# The cache stays in this process's memory whatever REDIS_URL says: tests clear it between cases, and
# the Redis database they are given is the broker's (clearing it would drop a running worker's
# queue). tests/security/test_tokens.py checks the shared Redis cache on its own key prefix.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "eldercare-tests"}}
# A real worker in another process would not see this process's mark (tests/rollups/test_drain_wake.py
# turns it on where one process plays both parts).
RECOUNT_WAKE_COALESCING = False
# Between transactional tests Django empties every table with one TRUNCATE, the audit log's included,
# which its trigger refuses (core migration 0006) unless a superuser's session says it means it.
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":  # noqa: F405
    DATABASES["default"].setdefault("OPTIONS", {})  # noqa: F405
    DATABASES["default"]["OPTIONS"]["options"] = "-c eldercare.allow_audit_truncate=on"  # noqa: F405
# Login failures in the database, as in the embedded set-up (the cache is this process's memory).
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
