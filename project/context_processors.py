"""Template context shared by every page: the running version (shown in the admin footer)."""

from django.http import HttpRequest

import eldercare


def version(request: HttpRequest) -> dict:
    return {"ELDERCARE_VERSION": eldercare.__version__}
