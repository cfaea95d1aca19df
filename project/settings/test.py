"""Test settings: the same as base, with fast hashing and media in a temporary folder."""

import tempfile

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
