"""The caregiver's phone page (/m/): the page, its sign-in page, the web app manifest and the service worker.

Signing in: the phone uses the API's token (POST /api/v1/auth/token/, kept in IndexedDB), not the
browser session. A visit lasts 30 minutes or more with the screen off, and an installed app is closed
between visits; the session ends after 30 idle minutes and when the browser closes, so a caregiver
would sign in again at the end of nearly every visit, and an offline morning would end signed out. The
token lasts a working day without use (API_TOKEN_IDLE_HOURS) and at most API_TOKEN_MAX_DAYS, is revoked
from the page (sign out), by its user for a lost phone (revoke-all) or by an administrator, and goes
through the same lockout as every login path (django-axes: 429 with the reason). Sent in a header,
never a cookie, it needs no CSRF token. The pages below hold no personal data and need no sign-in: the
script reads the people from /m/api/today/ with the token. A strict Content-Security-Policy (scripts
from this site only, none inline) keeps other script away from the token.
"""

import hashlib
import json
from functools import lru_cache

from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import get_template
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import get_language
from django.views.decorators.http import require_safe

import eldercare

from .catalogue import is_english, phrases

# The page's scripts, styles and icons (eldercare/mobile/static/mobile/), all kept by the service worker.
ASSETS = (
    "app.css",
    "app.js",
    "api.js",
    "dom.js",
    "geo.js",
    "i18n.js",
    "login.js",
    "photo.js",
    "store.js",
    "sync.js",
    "views.js",
    "icon-192.png",
    "icon-512.png",
)
TEMPLATES = ("mobile/base.html", "mobile/app.html", "mobile/login.html", "mobile/sw.js")
DATA_CACHE = "eldercare-mobile-data"
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' blob: data:",
        "connect-src 'self'",
        "manifest-src 'self'",
        "worker-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    ]
)


def _read(path: str | None) -> bytes:
    if not path:
        return b""
    with open(path, "rb") as handle:
        return handle.read()


def _fingerprint() -> str:
    """A short hash of every file the worker keeps: a change to any gives a new worker and new copies."""
    digest = hashlib.sha256(eldercare.__version__.encode())
    for name in ASSETS:
        digest.update(_read(finders.find(f"mobile/{name}")))
    for name in TEMPLATES:
        digest.update(_read(str(get_template(name).origin.name)))
    return digest.hexdigest()[:16]


_cached_fingerprint = lru_cache(maxsize=1)(_fingerprint)


def version() -> str:
    # While developing, files change under a running server; in production they change with a deploy.
    return _fingerprint() if settings.DEBUG else _cached_fingerprint()


def _urls() -> dict:
    visit = reverse("api:visit-detail", kwargs={"pk": 0}).replace("/0/", "/{id}/")
    return {
        "app": reverse("mobile:app"),
        "login": reverse("mobile:login"),
        "today": reverse("mobile:today"),
        "serviceWorker": reverse("mobile:service-worker"),
        "token": reverse("api:token"),
        "revoke": reverse("api:token-revoke"),
        "bulk": reverse("api:visit-bulk"),
        "visit": visit,
        # POST kind (start|end) and image, multipart: 201 stored, 200 the same photo again, 409 another one.
        # The API's documented address under the visit's own (its route's name is the photos module's affair).
        "photos": f"{visit}photos/",
    }


def _page(request: HttpRequest, template: str) -> HttpResponse:
    context = {
        "phrases": phrases(),
        "config": {"urls": _urls(), "dataCache": DATA_CACHE},
        "lang": "en" if is_english() else "zh-CN",
    }
    response = render(request, template, context)
    response["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    # Always asked of the server when there is a network; the service worker keeps a copy for offline.
    response["Cache-Control"] = "no-cache"
    return response


@require_safe
def app(request: HttpRequest) -> HttpResponse:
    return _page(request, "mobile/app.html")


@require_safe
def login(request: HttpRequest) -> HttpResponse:
    return _page(request, "mobile/login.html")


@require_safe
def manifest(request: HttpRequest) -> HttpResponse:
    words = phrases()
    app_url = reverse("mobile:app")
    body = {
        "name": words["app_name"],
        "short_name": words["app_short_name"],
        "description": words["app_description"],
        "lang": "en" if is_english() else "zh-CN",
        "start_url": app_url,
        "scope": app_url,
        "display": "standalone",
        "orientation": "portrait",
        "background_color": "#ffffff",
        "theme_color": "#0f766e",
        "icons": [
            {"src": static(f"mobile/icon-{size}.png"), "sizes": f"{size}x{size}", "type": "image/png", "purpose": "any"}
            for size in (192, 512)
        ],
    }
    response = JsonResponse(body, content_type="application/manifest+json", json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = "no-cache"
    return response


def _shell() -> list[str]:
    """What the worker keeps at install: both pages, the manifest and every asset under the URL the page
    asks for (in production the hashed name of the entry points, and the plain names their imports use)."""
    urls = [reverse("mobile:app"), reverse("mobile:login"), reverse("mobile:manifest")]
    for name in ASSETS:
        urls += [static(f"mobile/{name}"), f"{settings.STATIC_URL}mobile/{name}"]
    return list(dict.fromkeys(urls))


@require_safe
def service_worker(request: HttpRequest) -> HttpResponse:
    """The worker, at /m/sw.js so that its scope is /m/; never cached, so a new version is found at once."""
    context = {
        "version_json": json.dumps(f"{version()}-{get_language()}"),
        "data_cache_json": json.dumps(DATA_CACHE),
        "shell_json": json.dumps(_shell()),
        "pages_json": json.dumps([reverse("mobile:app"), reverse("mobile:login")]),
        "today_json": json.dumps(reverse("mobile:today")),
        "static_prefix_json": json.dumps(f"{settings.STATIC_URL}mobile/"),
    }
    response = render(request, "mobile/sw.js", context, content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "no-cache, max-age=0"
    return response
