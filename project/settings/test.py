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
