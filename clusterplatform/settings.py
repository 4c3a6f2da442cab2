"""One settings module, configured from the environment.

With nothing set the platform runs on SQLite with Celery tasks executed eagerly in-process
(``make run`` on a fresh machine). ``DATABASE_URL`` switches to PostgreSQL, ``REDIS_URL`` makes
Redis the Celery broker, result backend and cache.
"""

from pathlib import Path

import environ
from celery.schedules import crontab

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
# A development key only; `manage.py check --deploy` rejects it, so production must set one.
SECRET_KEY = env("SECRET_KEY", default="django-insecure-development-key-change-me")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_countries",
    "django_htmx",
    "rules.apps.AutodiscoverRulesConfig",
    "axes",
    "clusterplatform.accounts",
    "clusters",
    "matchmaking",
    "events",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into a 429 page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "clusterplatform.urls"
WSGI_APPLICATION = "clusterplatform.wsgi.application"
ASGI_APPLICATION = "clusterplatform.asgi.application"

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
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL", default="")

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": env("CACHE_URL", default=REDIS_URL),
            "KEY_PREFIX": "cp",
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "clusters:my-organisations"
LOGOUT_REDIRECT_URL = "home"

# Login throttling (django-axes): lock a username + IP pair after repeated failures.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.25)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_FORM_FIELD = "username"
AXES_LOCKOUT_TEMPLATE = "registration/lockout.html"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Export files and uploaded import files: shared by web and workers (a shared volume or an
# object-storage backend in STORAGES when they run on different machines).
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(BASE_DIR / "media")))
MEDIA_URL = "media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": env(
            "STATICFILES_BACKEND",
            default="django.contrib.staticfiles.storage.StaticFilesStorage",
        )
    },
}

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
# Absolute links in e-mails (digests, notifications) point here.
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Cluster Platform <noreply@localhost>")

# Security: safe defaults everywhere, HTTPS-only settings switched on by HTTPS=1 in production.
HTTPS = env.bool("HTTPS", default=False)
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if HTTPS else None
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

COUNTRIES_OVERRIDE = {"XK": "Kosovo"}
# Optional NUTS-2 geometry for the map's region view (see static/vendor/geo/README.md).
NUTS2_GEOMETRY_FILE = env("NUTS2_GEOMETRY_FILE", default="")
COUNTRIES_FIRST = []

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_PAGINATION_CLASS": "clusterplatform.pagination.PageNumberPagination",
    "PAGE_SIZE": 25,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env("API_THROTTLE_ANON", default="120/minute"),
        "user": env("API_THROTTLE_USER", default="1200/minute"),
    },
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Cluster Collaboration Platform API",
    "DESCRIPTION": "Organisation profiles, reference taxonomies and (later) partner search, "
    "suggestions, events and partnerships.",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Country, target-country and (later) filter fields share one enum in the schema.
    # Stable component names: a new app's enum of the same field name must not rename these.
    "ENUM_NAME_OVERRIDES": {
        "CountryEnum": "django_countries.countries",
        "KindEnum": "clusters.models.OrganisationKind",
        "EventStatusEnum": "events.models.EventStatus",
        "MeetingRequestStatusEnum": "events.models.MeetingRequest.Status",
        "RegistrationStatusEnum": "events.models.Registration.Status",
        "MeetingStatusEnum": "events.models.Meeting.Status",
        "ScheduleRunStatusEnum": "events.models.ScheduleRun.Status",
        "PartnershipTypeEnum": "clusters.models.PartnershipType",
        "PartnershipPhaseEnum": "clusters.models.PartnershipPhase",
        "PartnershipRoleEnum": "clusters.models.PartnershipMember.Role",
        "ImpactReportStatusEnum": "clusters.models.ImpactReport.Status",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "clusterplatform.schema.drop_backend_integer_bounds",
    ],
}

# Partner suggestions: blend sentence embeddings into the text match (pip install .[embeddings],
# matchmaking/engine_blend.py). "auto": on when the extra is installed; "off" turns it off.
MATCHMAKING_EMBEDDINGS = env("MATCHMAKING_EMBEDDINGS", default="auto")

# Celery: Redis when REDIS_URL is set, otherwise an in-memory broker with eager execution so
# that `make run` needs no services.
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or "cache+memory://"
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Exports over this many rows run as a Celery task; finished export files are kept this many days.
EXPORT_SYNC_LIMIT = env.int("EXPORT_SYNC_LIMIT", default=5000)
EXPORT_KEEP_DAYS = env.int("EXPORT_KEEP_DAYS", default=7)
# Imports: files up to this many rows are checked and written in the request, larger ones by
# a worker; limits on what an upload may hold; uploaded files are deleted after this many days.
IMPORT_INLINE_ROWS = env.int("IMPORT_INLINE_ROWS", default=2000)
IMPORT_MAX_ROWS = env.int("IMPORT_MAX_ROWS", default=50_000)
IMPORT_MAX_BYTES = env.int("IMPORT_MAX_BYTES", default=20 * 1024 * 1024)
IMPORT_KEEP_DAYS = env.int("IMPORT_KEEP_DAYS", default=30)

CELERY_BEAT_SCHEDULE: dict = {
    # Delete finished exports (and their files) older than EXPORT_KEEP_DAYS.
    "purge-old-exports": {
        "task": "clusters.exports.tasks.purge_old_exports",
        "schedule": crontab(minute=30, hour=3),
    },
    # Delete uploaded import files older than IMPORT_KEEP_DAYS (the job rows stay).
    "purge-old-import-files": {
        "task": "clusters.imports.tasks.purge_old_import_files",
        "schedule": crontab(minute=40, hour=3),
    },
    # Weekly e-mail digests of saved searches; idempotent (one per search and ISO week).
    "saved-search-digests": {
        "task": "clusters.tasks.send_saved_search_digests",
        "schedule": crontab(minute=0, hour=7, day_of_week="mon"),
    },
    # Nightly full recompute of partner suggestions (joins a run already in progress).
    "suggestions-nightly": {
        "task": "matchmaking.tasks.nightly_recompute",
        "schedule": crontab(minute=30, hour=2),
    },
    # Unanswered meeting requests expire (the shortest allowed answer time is 15 minutes);
    # receivers are warned before.
    "meeting-requests-expiry": {
        "task": "events.tasks.expire_meeting_requests",
        "schedule": crontab(minute="*/5"),
    },
    # Reminders before meetings (each event says how long before; sent once).
    "meeting-reminders": {
        "task": "events.tasks.send_meeting_reminders",
        "schedule": crontab(minute="*"),
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}
