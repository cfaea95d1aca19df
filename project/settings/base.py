"""Settings shared by every environment, driven by environment variables.

With nothing set the project runs on SQLite with Celery in eager mode, so a newcomer needs
nothing but Python. `DATABASE_URL` switches to PostgreSQL and `REDIS_URL` (or
`CELERY_BROKER_URL`) to a real broker; production differs only by environment.
"""

import datetime as dt
import os
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

import eldercare
from eldercare.core.logging import logging_config

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-insecure-key-change-me-in-production")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")

INSTALLED_APPS = [
    # django.contrib.admin, with the scoped admin site (eldercare.core.admin.EldercareAdminSite) as admin.site.
    "eldercare.accounts.apps.EldercareAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    # API tokens (django-rest-knox): stored hashed, expiring (accounts.ApiToken, accounts.tokens).
    "knox",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "axes",
    "eldercare.core",
    "eldercare.accounts",
    "eldercare.areas",
    "eldercare.providers",
    "eldercare.recipients",
    "eldercare.beds",
    "eldercare.visits",
    "eldercare.applications",
    "eldercare.fees",
    "eldercare.rollups",
    "eldercare.api",
    "eldercare.dashboards",
    "eldercare.exports",
    "eldercare.confirmations",
    "eldercare.demo",
    "eldercare.mobile",
    "eldercare.imports",
]

MIDDLEWARE = [
    # First: every answer, redirects included, gets a request id and an access line.
    "eldercare.core.logging.RequestLogMiddleware",
    # /health/ and /health/live/ answer here, before host validation and the HTTPS redirect (load balancers).
    "eldercare.core.health.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into its lockout response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "project.urls"
WSGI_APPLICATION = "project.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                # ELDERCARE_VERSION, shown in the admin footer (templates/admin/base_site.html).
                "project.context_processors.version",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
SQLITE_PATH = os.environ.get("SQLITE_PATH", str(BASE_DIR / "db.sqlite3"))
if os.environ.get("DATABASE_URL"):
    DATABASES = {"default": dj_database_url.parse(os.environ["DATABASE_URL"], conn_max_age=60)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": SQLITE_PATH,
            "OPTIONS": {
                # WAL lets the dev server read while a command writes; IMMEDIATE takes the write
                # lock at BEGIN so two writers queue instead of failing with "database is locked".
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# A read replica (PostgreSQL streaming replication) for the heavy reads of dashboards and exports:
# with DATABASE_REPLICA_URL set, GET pages under these paths, their streamed bodies and these tasks
# read the programme's records (these apps) from it; everything else stays on the primary
# (project/db_routers.py says why).
DATABASE_REPLICA_URL = os.environ.get("DATABASE_REPLICA_URL", "")
DATABASE_REPLICA_PATHS = ["/dashboards/", "/exports/"]
DATABASE_REPLICA_APPS = ["areas", "providers", "recipients", "beds", "visits", "rollups", "dashboards"]
DATABASE_REPLICA_TASKS = ["eldercare.exports.tasks.run_export_task"]
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = {
        **dj_database_url.parse(DATABASE_REPLICA_URL, conn_max_age=60),
        # Tests read the replica through the test database itself.
        "TEST": {"MIRROR": "default"},
    }
    DATABASE_ROUTERS = ["project.db_routers.ReplicaRouter"]
    MIDDLEWARE.insert(MIDDLEWARE.index("axes.middleware.AxesMiddleware"), "project.db_routers.ReplicaReadsMiddleware")

# --- Cache: login failures and API request rates, counted where every process sees them ----------
# CACHE_URL (or else REDIS_URL) puts the cache in Redis, shared by every gunicorn worker on every
# machine; give it its own database number (redis://redis:6379/1) to keep it apart from the broker's
# queues. With neither set (the embedded set-up, one process) it is in local memory.
CACHE_URL = os.environ.get("CACHE_URL") or os.environ.get("REDIS_URL") or ""
if CACHE_URL:
    CACHES = {
        "default": {
            # Django's Redis cache that answers "nothing counted" when Redis is down, rather than a 500
            # for every request (eldercare.accounts.cache says why).
            "BACKEND": "eldercare.accounts.cache.FailOpenRedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": "eldercare",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "eldercare"}}

# --- Authentication ---------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    # django-axes counts failed logins and locks out repeated guessing before the real check runs.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    # Model permissions follow the role (eldercare.accounts.scoping), not per-user permission rows.
    "eldercare.accounts.backends.RolePermissionBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = float(os.environ.get("AXES_COOLOFF_HOURS", "1"))  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# Failures are counted in the shared cache when there is one (Redis, above), in the database otherwise
# (one table every process sees; a local-memory cache would count per process). The audit log keeps
# each failed login and lockout either way.
AXES_HANDLER = "axes.handlers.cache.AxesCacheHandler" if CACHE_URL else "axes.handlers.database.AxesDatabaseHandler"
AXES_CACHE = "default"
# A locked account gets 429 and the lockout message on every login path: the admin's page, and JSON
# on the API's token endpoint (eldercare.accounts.lockout).
AXES_HTTP_RESPONSE_CODE = 429
AXES_LOCKOUT_CALLABLE = "eldercare.accounts.lockout.lockout_response"
AXES_LOCKOUT_TEMPLATE = "accounts/lockout.html"
# The same client address as the audit log: REMOTE_ADDR, or what the trusted proxies saw.
AXES_CLIENT_IP_CALLABLE = "eldercare.core.audit.client_ip"
# Reverse proxies in front of the application that append to X-Forwarded-For (0: none; the client's
# own X-Forwarded-For is then ignored, so a forged header cannot dodge the lockout).
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))
# Sessions end after this many seconds without a request, and when the browser closes.
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_IDLE_SECONDS", str(30 * 60)))
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# API tokens (POST /api/v1/auth/token/): a token expires after API_TOKEN_IDLE_HOURS without a request
# and API_TOKEN_MAX_DAYS after it was issued, whatever its use; a user holds at most
# API_TOKEN_LIMIT_PER_USER (a new one revokes the oldest). Only a digest of each is stored.
API_TOKEN_IDLE_HOURS = float(os.environ.get("API_TOKEN_IDLE_HOURS", "12"))
API_TOKEN_MAX_DAYS = float(os.environ.get("API_TOKEN_MAX_DAYS", "7"))
API_TOKEN_LIMIT_PER_USER = int(os.environ.get("API_TOKEN_LIMIT_PER_USER", "10"))
KNOX_TOKEN_MODEL = "accounts.ApiToken"
# knox's own migrations would create its default token table, which nothing uses (ours replaces it)
# and which Django's flush would not know to empty; without them no such table is made.
MIGRATION_MODULES = {"knox": None}
REST_KNOX = {
    "TOKEN_TTL": dt.timedelta(hours=API_TOKEN_IDLE_HOURS),
    "AUTO_REFRESH": True,
    "AUTO_REFRESH_MAX_TTL": dt.timedelta(days=API_TOKEN_MAX_DAYS),
    # A token's idle expiry is written at most once a minute, not on every request.
    "MIN_REFRESH_INTERVAL": 60,
    "TOKEN_LIMIT_PER_USER": API_TOKEN_LIMIT_PER_USER,
    "AUTH_HEADER_PREFIX": "Token",
}
LOGIN_URL = "admin:login"
# After login each role lands on the dashboard of its scope (provider staff on the admin).
LOGIN_REDIRECT_URL = "dashboards:landing"

# --- Internationalisation: Chinese first, English second ---------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", str(BASE_DIR / "media")))

# --- Photos, and where uploaded files are stored (eldercare.visits.photos; docs/operations.md) ----
# An upload larger than this is refused while it is read; one declaring more pixels (or a longer
# side) is refused before it is decoded; a smaller side means it shows nothing. Photos are stored
# scaled down to PHOTO_STORED_MAX_EDGE on their longer side.
PHOTO_MAX_BYTES = int(os.environ.get("PHOTO_MAX_BYTES", str(10 * 1024 * 1024)))
PHOTO_MAX_PIXELS = int(os.environ.get("PHOTO_MAX_PIXELS", "50000000"))
PHOTO_MAX_EDGE = int(os.environ.get("PHOTO_MAX_EDGE", "12000"))
PHOTO_MIN_EDGE = int(os.environ.get("PHOTO_MIN_EDGE", "64"))
PHOTO_STORED_MAX_EDGE = int(os.environ.get("PHOTO_STORED_MAX_EDGE", "2560"))
# Exports link each photo to its image on this site: the address people open the site at (e.g.
# https://eldercare.example.gov.cn). Empty: the link is the path alone.
PHOTO_LINK_BASE_URL = os.environ.get("PHOTO_LINK_BASE_URL", "")
# STORAGE_BACKEND=filesystem (MEDIA_ROOT, the default) or s3: any S3-compatible object store (AWS,
# MinIO, Aliyun OSS, Tencent COS) through django-storages. The bucket stays private: photos are
# served only by the application's scoped views, never by a public or signed bucket URL. Keys come
# from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY in the environment (django-storages reads them).
STORAGE_BACKEND = os.environ.get("STORAGE_BACKEND", "filesystem").strip().lower()
if STORAGE_BACKEND == "s3":
    if not os.environ.get("AWS_STORAGE_BUCKET_NAME"):
        raise ImproperlyConfigured("STORAGE_BACKEND=s3 needs AWS_STORAGE_BUCKET_NAME (and the AWS_* variables).")
    UPLOADED_FILES_STORAGE = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ["AWS_STORAGE_BUCKET_NAME"],
            "endpoint_url": os.environ.get("AWS_S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("AWS_S3_REGION_NAME") or None,
            # "path" for MinIO and most self-hosted stores; virtual-host style otherwise.
            "addressing_style": os.environ.get("AWS_S3_ADDRESSING_STYLE") or None,
            "location": os.environ.get("AWS_LOCATION", "media"),
            "signature_version": "s3v4",
            # Evidence is never overwritten: a file of the same name is stored under a new name.
            "file_overwrite": False,
        },
    }
elif STORAGE_BACKEND == "filesystem":
    UPLOADED_FILES_STORAGE = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
else:
    raise ImproperlyConfigured(f"STORAGE_BACKEND must be filesystem or s3, not {STORAGE_BACKEND!r}.")
STORAGES = {
    "default": UPLOADED_FILES_STORAGE,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# --- Celery -----------------------------------------------------------------------------------
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL") or os.environ.get("REDIS_URL") or ""
# Without a broker every task runs inline, so the embedded set-up needs no Redis.
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
# A broker that does not answer must not hold a request: connecting gives up after half a second
# (core.queue publishes once, without retries; the recount queue's tick catches up on lost wake-ups).
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 300, "socket_connect_timeout": 0.5}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Apps: `Authorization: Token ...`, expiring and revocable (eldercare.accounts.tokens).
        "eldercare.accounts.tokens.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",  # the browser; CSRF enforced on writes
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # Throttling (security): per client address before login, per user after, counted in the cache
    # (CACHES above: shared by every process when it is Redis).
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": os.environ.get("API_THROTTLE_ANON", "60/minute"),
        "user": os.environ.get("API_THROTTLE_USER", "600/minute"),
    },
    # --- REST API (eldercare.api) ---
    # drf-spectacular's, with descriptions written for API users only (eldercare.api.schema).
    "DEFAULT_SCHEMA_CLASS": "eldercare.api.schema.EldercareAutoSchema",
    "DEFAULT_PAGINATION_CLASS": "eldercare.api.pagination.StandardPagination",
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "EXCEPTION_HANDLER": "eldercare.api.exceptions.api_exception_handler",
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "eldercare API",
    # For API users, translated when the schema is generated: Chinese by default, English with
    # Accept-Language: en. Operations describe themselves in each app's apis.py.
    "DESCRIPTION": _(
        "The API of the Home and Community Basic Elderly Care Service Improvement Action "
        "(居家和社区基本养老服务提升行动): pilot areas, recipients and their capability assessments, providers "
        "and caregivers, family care beds, home-care visits and their exceptions, and progress. Log in with "
        "POST /api/v1/auth/token/ (JSON) and send `Authorization: Token <token>` with every request; a token "
        "expires after a period without requests and after a fixed lifetime. You see only the records within "
        "your role's scope: any other record answers 404, as if it did not exist. Messages are in Chinese by "
        "default; send `Accept-Language: en` for English (this description too)."
    ),
    "TAGS": [
        {"name": "auth", "description": _("Logging in and out with API tokens")},
        {"name": "areas", "description": _("Pilot areas (项目地区)")},
        {"name": "recipients", "description": _("Recipients (服务对象)")},
        {"name": "assessments", "description": _("Capability assessments (老年人能力评估)")},
        {"name": "providers", "description": _("Providers (服务机构)")},
        {"name": "caregivers", "description": _("Caregivers (服务人员)")},
        {"name": "beds", "description": _("Family care beds (家庭养老床位)")},
        {"name": "visits", "description": _("Home-care visits (居家养老上门服务)")},
        {"name": "exceptions", "description": _("Exceptions flagged for review (异常)")},
        {"name": "progress", "description": _("Progress toward the targets")},
    ],
    # The application's one version (pyproject.toml), also in the admin footer and /health/.
    "VERSION": eldercare.__version__,
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v[0-9]+",
    "COMPONENT_SPLIT_REQUEST": True,
    # Served from drf_spectacular_sidecar's static files: the docs work with no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Every operation's 400/401/403/404/429 with the error bodies (eldercare.api.schema).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "eldercare.api.schema.declare_error_responses",
    ],
    "ENUM_NAME_OVERRIDES": {
        "BedStatusEnum": "eldercare.beds.models.BedStatus",
        "WithdrawalReasonEnum": "eldercare.beds.models.WithdrawalReason",
        "VisitStatusEnum": "eldercare.visits.models.VisitStatus",
        "ExceptionStatusEnum": "eldercare.visits.models.ExceptionStatus",
        "BulkItemStatusEnum": "eldercare.visits.bulk.ITEM_STATUSES",
        "ApplicationKindEnum": "eldercare.applications.models.ApplicationKind",
        "ApplicationStateEnum": "eldercare.applications.models.ApplicationState",
    },
}

# --- Logs -------------------------------------------------------------------------------------
# Everything to stderr: readable lines by default, one JSON object a line with LOG_FORMAT=json (for a
# log collector). Each line carries the request id; the access line adds user id, path, status and
# duration, never names, ID numbers or query strings (eldercare.core.logging).
LOG_FORMAT = os.environ.get("LOG_FORMAT", "text")
LOGGING = logging_config(log_format=LOG_FORMAT, level=os.environ.get("LOG_LEVEL", "INFO"))

# --- Health (/health/, eldercare.core.health) ----------------------------------------------------
# name -> check; each returns {"status": "ok" | "not_configured" | "warning" | "failing", ...}.
HEALTH_CHECKS = {
    "database": "eldercare.core.health.check_database",
    "database_replica": "eldercare.core.health.check_database_replica",
    "broker": "eldercare.core.health.check_broker",
    "recount_queue": "eldercare.core.health.check_recount_queue",
    "nightly_reconcile": "eldercare.rollups.health.check_last_reconcile",
    "export_disk": "eldercare.core.health.check_export_disk",
}
# Failing when the recount queue's oldest entry waited longer (ten beat ticks of 30 s: no worker or no beat).
HEALTH_RECOUNT_QUEUE_MAX_AGE_SECONDS = float(os.environ.get("HEALTH_RECOUNT_QUEUE_MAX_AGE_SECONDS", "300"))
# A warning (not a failure: figures stay current through the queue) when the last nightly reconcile
# finished longer ago than this: it runs at 02:00, so 26 h allows for a long run.
HEALTH_RECONCILE_STALE_HOURS = float(os.environ.get("HEALTH_RECONCILE_STALE_HOURS", "26"))
# Failing below this much free space where exports are written (EXPORT_ROOT).
HEALTH_EXPORT_MIN_FREE_MB = int(os.environ.get("HEALTH_EXPORT_MIN_FREE_MB", "1024"))
# A warning when the read replica (DATABASE_REPLICA_URL) replays further behind the primary than this.
HEALTH_REPLICA_MAX_LAG_SECONDS = float(os.environ.get("HEALTH_REPLICA_MAX_LAG_SECONDS", "60"))
# Connecting to the broker gives up after this long (a probe must answer within the balancer's timeout).
HEALTH_BROKER_TIMEOUT_SECONDS = float(os.environ.get("HEALTH_BROKER_TIMEOUT_SECONDS", "1"))

# --- Roll-ups and verification ----------------------------------------------------------------
# The periodic re-check looks at visits this many days back (late entries can overlap them).
VISIT_RECHECK_DAYS = int(os.environ.get("VISIT_RECHECK_DAYS", "8"))
# The durable recount queue (core.RecountRequest): drained by this task when a write wakes it, and
# at least every RECOUNT_QUEUE_TICK_SECONDS by beat, so a lost wake-up delays figures by one tick.
RECOUNT_DRAIN_TASK = "eldercare.rollups.tasks.drain_recount_queue_task"
RECOUNT_QUEUE_TICK_SECONDS = float(os.environ.get("RECOUNT_QUEUE_TICK_SECONDS", "30"))
# While a drain waits in the broker, writes send no further wake-up (eldercare.core.queue). The mark
# is kept in the cache, so only when every web process and worker shares it (Redis).
RECOUNT_WAKE_COALESCING = bool(CACHE_URL)
# Visits of the nightly deep check (verify_rollups --deep --sample N): re-derived from raw inputs.
NIGHTLY_DEEP_SAMPLE = int(os.environ.get("NIGHTLY_DEEP_SAMPLE", "20000"))
CELERY_BEAT_SCHEDULE = {
    "drain-recount-queue": {
        "task": RECOUNT_DRAIN_TASK,
        "schedule": RECOUNT_QUEUE_TICK_SECONDS,
        # A tick that waited longer than the next one is worthless: drop it rather than pile up.
        "options": {"expires": RECOUNT_QUEUE_TICK_SECONDS},
    },
    "nightly-reconcile": {
        "task": "eldercare.rollups.tasks.reconcile_task",
        "schedule": crontab(hour=2, minute=0),
    },
    "purge-expired-exports": {
        "task": "eldercare.exports.tasks.purge_expired_exports_task",
        "schedule": crontab(hour=3, minute=30),
    },
}
# A broker outage must not stall the request that logs a visit: give up publishing quickly.
CELERY_TASK_PUBLISH_RETRY = True
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}
CELERY_BROKER_CONNECTION_TIMEOUT = 2
# Results are kept only where a result store is configured (the worker tests use Redis).
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND") or None
CELERY_RESULT_EXPIRES = 3600

# --- Dashboards -------------------------------------------------------------------------------
# Colour bands: a figure is "behind" below this share of the progress expected at this point of
# the cycle, and "far behind" below the second one.
DASHBOARD_BEHIND_RATIO = float(os.environ.get("DASHBOARD_BEHIND_RATIO", "0.9"))
DASHBOARD_FAR_BEHIND_RATIO = float(os.environ.get("DASHBOARD_FAR_BEHIND_RATIO", "0.7"))
# Satisfaction is a floor, not a pace: "behind" within this many points under the target.
DASHBOARD_SATISFACTION_MARGIN = float(os.environ.get("DASHBOARD_SATISFACTION_MARGIN", "5"))
# Rows shown in an area's at-risk list (the total is always shown).
DASHBOARD_AT_RISK_LIMIT = int(os.environ.get("DASHBOARD_AT_RISK_LIMIT", "100"))

# --- Auditor exports --------------------------------------------------------------------------
# Export files live outside MEDIA_ROOT (only the download view serves them) and are removed
# this many days after they were written.
EXPORT_ROOT = Path(os.environ.get("EXPORT_ROOT", str(BASE_DIR / "var" / "exports")))
EXPORT_RETENTION_DAYS = int(os.environ.get("EXPORT_RETENTION_DAYS", "7"))
# A TrueType CJK font embedded in PDF exports (Debian: fonts-wqy-microhei); .ttc needs the index.
EXPORT_CJK_FONT = os.environ.get("EXPORT_CJK_FONT", "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
EXPORT_CJK_FONT_INDEX = int(os.environ.get("EXPORT_CJK_FONT_INDEX", "0"))
# CSV exports expected to stay under this many rows stream straight to the browser; larger ones run as jobs.
EXPORT_INLINE_MAX_ROWS = int(os.environ.get("EXPORT_INLINE_MAX_ROWS", "20000"))
