"""Settings for every environment; production differs only by environment variables."""

import os
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)

# The development key exists so that `make run` works out of the box; it is refused without DEBUG.
_DEV_SECRET_KEY = "dev-only-insecure-key-delay-desk-never-use-in-production"  # noqa: S105
# Read as is: django-environ treats a value starting with "$" as a reference to another variable,
# and a random key may well start with one.
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set the SECRET_KEY environment variable "
            "(or DEBUG=1 for local development)."
        )
    SECRET_KEY = _DEV_SECRET_KEY
elif SECRET_KEY == _DEV_SECRET_KEY and not DEBUG:
    raise ImproperlyConfigured("The development SECRET_KEY may only be used with DEBUG=1.")

ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "django_q",
    "django_ratelimit",
    # Base layer first, faces last: imports point down only (docs/architecture.md).
    "apps.core",
    "apps.accounts",
    "apps.notifications",
    "apps.shipments",
    "apps.tickets",
    "apps.compensation",
    "apps.feedback",
    "apps.portal",
    "apps.api",
    "apps.desk",
    "apps.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
# A webhook batch of 1,000 events with Korean text is about 4 MB; forms stay far below this.
DATA_UPLOAD_MAX_MEMORY_SIZE = 8 * 1024 * 1024
WSGI_APPLICATION = "config.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "desk:login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "apps.desk.context_processors.desk",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
# Default: a SQLite file, so a clean checkout runs with nothing installed. WAL lets readers
# proceed beside a writer; IMMEDIATE takes the write lock at BEGIN, because in the default
# deferred mode two concurrent writers fail with "database is locked" instead of waiting.
DATABASES = {"default": env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
_db = DATABASES["default"]
if _db["ENGINE"] == "django.db.backends.sqlite3":
    _db["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000;"
        ),
        **_db.get("OPTIONS", {}),
    }
elif _db["ENGINE"] == "django.db.backends.postgresql":
    # No JIT: our queries are short, and compiling them cost more than running them (the
    # managers' dashboard: 3 s of JIT for a 0.2 s query).
    _db.setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
    # Persistent connections with a health check: one connection per web/worker thread,
    # reused across requests. DB_POOL=1 switches to psycopg's pool instead.
    if env.bool("DB_POOL", default=False):
        _db["CONN_MAX_AGE"] = 0
        _db.setdefault("OPTIONS", {})["pool"] = {
            "min_size": env.int("DB_POOL_MIN", default=2),
            "max_size": env.int("DB_POOL_MAX", default=10),
        }
    else:
        _db["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
        _db["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and rate limits --------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "delaydesk",
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "delaydesk",
        }
    }

# django-ratelimit counts in the default cache. Django's own RedisCache increments atomically but
# is not on the library's list (W001); without REDIS_URL the in-process cache serves a single
# process, the embedded default (E003). Production sets REDIS_URL so every web process shares it.
SILENCED_SYSTEM_CHECKS = ["django_ratelimit.W001"] + (
    [] if REDIS_URL else ["django_ratelimit.E003"]
)

# --- Task queue -------------------------------------------------------------------------------
# django-q2 on its ORM broker everywhere: it claims a task with a conditional UPDATE (safe across
# clusters) and re-runs a task whose worker died, where the Redis broker loses it. Delivery is
# therefore at least once: tasks are idempotent, timeout < retry, attempts are finite.
Q_CLUSTER = {
    "name": "delaydesk",
    "orm": "default",
    "workers": env.int("Q_WORKERS", default=2),
    "timeout": env.int("Q_TIMEOUT", default=60),
    "retry": env.int("Q_RETRY", default=90),
    "max_attempts": env.int("Q_MAX_ATTEMPTS", default=5),
    "ack_failures": True,
    "catch_up": False,
    "save_limit": 1000,
    "label": "Tasks",
}
if Q_CLUSTER["timeout"] >= Q_CLUSTER["retry"]:
    raise ImproperlyConfigured("Q_TIMEOUT must be smaller than Q_RETRY.")

# --- Passwords, i18n, time --------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("ko", _("Korean"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="Asia/Seoul")
USE_I18N = True
FORMAT_MODULE_PATH = ["config.formats"]
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles"))
MEDIA_ROOT = env.str("MEDIA_ROOT", default=str(BASE_DIR / "media"))
MEDIA_URL = "media/"

# --- Email and SMS ----------------------------------------------------------------------------
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Delay Desk <desk@delaydesk.example>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Who writes the words of a notification, by its subject type (base layer → domain by name).
NOTIFICATION_RENDERERS = {
    "shipment": "apps.shipments.telling.shipment_message",
    "ticket": "apps.tickets.telling.ticket_message",
    "draft": "apps.tickets.telling.draft_message",
    "offer": "apps.compensation.telling.offer_message",
    "survey": "apps.feedback.telling.survey_message",
}
# Who mints the private link a message carries, by subject type (links are never stored).
NOTIFICATION_LINKS = {
    "ticket": "apps.tickets.telling.ticket_link_mint",
    "draft": "apps.tickets.telling.draft_link_mint",
    "offer": "apps.compensation.telling.offer_link_mint",
    "survey": "apps.feedback.telling.survey_link_mint",
}
# Called with ticket_id= after a ticket is resolved (commit done): the satisfaction survey.
TICKET_RESOLVED_HOOKS: list[str] = ["apps.feedback.services.survey_schedule"]
SMS_GATEWAY_URL = env.str("SMS_GATEWAY_URL", default="")
SMS_GATEWAY_TOKEN = os.environ.get("SMS_GATEWAY_TOKEN", "")
SMS_BACKEND = env.str("SMS_BACKEND", default="apps.notifications.sms.ConsoleSmsBackend")

# --- API --------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["apps.api.permissions.ModelPermissions"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "apps.api.exceptions.exception_handler",
    "DEFAULT_PAGINATION_CLASS": "apps.api.pagination.KeysetPagination",
    "PAGE_SIZE": 50,
}
SPECTACULAR_SETTINGS = {
    # Swagger UI from our own origin (drf-spectacular-sidecar): /api/docs/ works offline.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "TITLE": "Delay Desk API",
    "DESCRIPTION": "Shipments, tracking events, tickets and compensation for integrations.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
}

# --- Security ---------------------------------------------------------------------------------
# Secure by default whenever DEBUG is off; each can be relaxed by its variable (e.g. behind a
# proxy that terminates TLS and redirects itself, SECURE_SSL_REDIRECT=0).
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env.bool("BEHIND_TLS_PROXY", default=False) else None
)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
# Customer links carry their access token in the path: a Referer carries only the origin, never
# the path. (no-referrer would also blank the Origin of our own form posts, which CSRF refuses.)
SECURE_REFERRER_POLICY = "strict-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True

# --- Product settings -------------------------------------------------------------------------
DELAYDESK = {
    # Base URL used in links sent to customers (emails, SMS, printed demo links).
    "SITE_URL": env.str("SITE_URL", default="http://127.0.0.1:8000"),
    "STALE_SCAN_HOURS": env.int("STALE_SCAN_HOURS", default=48),
    "TICKET_LINK_DAYS_AFTER_CLOSE": env.int("TICKET_LINK_DAYS_AFTER_CLOSE", default=30),
    # Deal new tickets round-robin to agents on duty (least open tickets first).
    "AUTO_ASSIGN": env.bool("AUTO_ASSIGN", default=False),
    # Customers' attachments: images and PDF, at most this many bytes each.
    "ATTACHMENT_MAX_BYTES": env.int("ATTACHMENT_MAX_BYTES", default=5 * 1024 * 1024),
    "QUIET_HOURS": env.str("QUIET_HOURS", default="21:00-08:00"),
    # Customer parcel lookups: per client address and per tracking number.
    "LOOKUP_RATE_PER_CLIENT": env.str("LOOKUP_RATE_PER_CLIENT", default="20/10m"),
    "LOOKUP_RATE_PER_PARCEL": env.str("LOOKUP_RATE_PER_PARCEL", default="10/h"),
    # The general contact form, per email address (a confirmation email is sent each time).
    "CONTACT_RATE_PER_EMAIL": env.str("CONTACT_RATE_PER_EMAIL", default="5/h"),
    # Compensation: how long a customer has to answer an issued offer; how long a proposal may
    # wait for a manager; the approval threshold and per-order cap of agents' manual offers.
    "OFFER_ANSWER_DAYS": env.int("OFFER_ANSWER_DAYS", default=14),
    "OFFER_PROPOSAL_DAYS": env.int("OFFER_PROPOSAL_DAYS", default=7),
    "MANUAL_OFFER_APPROVAL_THRESHOLD": env.int("MANUAL_OFFER_APPROVAL_THRESHOLD", default=0),
    "MANUAL_OFFER_CAP": env.int("MANUAL_OFFER_CAP", default=50000),
    # Satisfaction survey: sent this long after resolution; its link works this many days.
    "SURVEY_DELAY_MINUTES": env.int("SURVEY_DELAY_MINUTES", default=60),
    "SURVEY_VALID_DAYS": env.int("SURVEY_VALID_DAYS", default=14),
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Customer links carry tokens in their paths: log lines show /t/<redacted>/ instead.
    "filters": {"redact_token_paths": {"()": "apps.core.logging.RedactTokenPaths"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["redact_token_paths"],
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # Django's defaults give these their own (unfiltered) handlers: route them through ours.
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}
