"""Wendao settings, read from environment variables (12-factor).

Every setting has an embedded default that needs no server: SQLite and a Whoosh index under
``var/``, Celery tasks run eagerly, email printed to the console. Production sets
``DJANGO_DEBUG=0``, ``SECRET_KEY``, ``DATABASE_URL``, ``CELERY_BROKER_URL`` and friends; see
``config/production.env.example``.
"""

import datetime
import os
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("WENDAO_VAR_DIR", BASE_DIR / "var"))


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", True)

SECRET_KEY = env("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DJANGO_DEBUG is off.")
    # Only ever used on a developer's machine: DEBUG refuses to start without a real key.
    SECRET_KEY = "insecure-development-key-wendao-do-not-use-in-production"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    # First, so that forum/templates/registration/* win over the admin's own password-reset
    # and logged-out pages, which would otherwise show the "Django site admin" look.
    "forum",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "haystack",
    "django_celery_beat",
    "django_htmx",
    "knowledge",
    "csp",
    "axes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "forum.middleware.MalformedInputMiddleware",
    "forum.middleware.PreferredLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "forum.limits.LimitReachedMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "forum.security.ContentSecurityPolicyMiddleware",  # django-csp's, with the policy built once
    # Last, as django-axes asks: turns a locked-out login into forum.security.locked_out's page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "config" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "forum.context_processors.site",
                "forum.notifications.context",
                "forum.page_cache.csrf_placeholder",  # last: it overrides csrf's token in kept pages
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
# Embedded default: one SQLite file in WAL mode, so readers never block the single writer, and
# a busy timeout so a second writer waits instead of failing with "database is locked".
DATABASE_URL = env("DATABASE_URL", f"sqlite:///{VAR_DIR / 'wendao.sqlite3'}")
if not env("DATABASE_URL"):
    # A fresh clone has no var/ yet, and SQLite will not create the folder for its file.
    VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": dj_database_url.parse(
        # A kept connection is checked before each request reuses it, so a restarted database
        # costs one failed check, not an error page.
        DATABASE_URL,
        conn_max_age=env_int("DB_CONN_MAX_AGE", 0),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
if env("TEST_DB_NAME"):
    # Lets several test runs share one PostgreSQL server without stepping on each other.
    DATABASES["default"]["TEST"] = {"NAME": env("TEST_DB_NAME")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "forum.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "forum:home"
LOGOUT_REDIRECT_URL = "forum:home"

# --- Languages ------------------------------------------------------------------------------
LANGUAGE_CODE = env("LANGUAGE_CODE", "en")
LANGUAGES = [("en", _("English")), ("zh-hans", _("Simplified Chinese"))]
LOCALE_PATHS = [BASE_DIR / "forum" / "locale"]
FORMAT_MODULE_PATH = ["config.formats"]  # counts read "12,345" in Chinese too
USE_I18N = True
TIME_ZONE = env("TIME_ZONE", "UTC")
USE_TZ = True

# --- Static files ---------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = Path(env("STATIC_ROOT", str(VAR_DIR / "staticfiles")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = "media/"

# --- Email ----------------------------------------------------------------------------------
EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "Wendao <noreply@localhost>")

# --- Cache ----------------------------------------------------------------------------------
CACHE_URL = env("CACHE_URL")
if CACHE_URL.startswith("redis"):
    CACHES = {"default": {"BACKEND": "config.cache.RedisCache", "LOCATION": CACHE_URL}}
else:
    # Per process; room for a busy question page's post fragments (forum/fragments.py), which
    # the default of 300 entries would keep evicting.
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "OPTIONS": {"MAX_ENTRIES": 20_000}}
    }
# Several sites (or benchmark runs) sharing one Redis keep apart with a prefix.
CACHES["default"]["KEY_PREFIX"] = env("CACHE_KEY_PREFIX")

# --- Celery ---------------------------------------------------------------------------------
# No broker configured means the embedded default: every task runs eagerly in the caller.
CELERY_BROKER_URL = env("CELERY_BROKER_URL")
# The test suite keeps tasks eager even with a broker, except in the tests that start a real
# worker (tests/worker.py), so ordinary tests need no worker running.
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", not CELERY_BROKER_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND") or None
# Faults (docs/deploy.md): tasks are idempotent and acknowledged only when they have finished,
# so a task whose worker is killed is delivered again; a pool child that dies hands its task
# back at once; a worker reserves one task at a time, so a crash strands no reserved backlog.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A task still running when the broker connection drops could not be acknowledged any more and
# will be delivered again, so stop it rather than run it twice.
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
# Redis has no acknowledgements of its own: a delivered message waits in an "unacked" set, and
# live workers put it back in its queue once it is older than the visibility timeout. So a killed
# worker's task runs again after at most this long (plus one sweep), and the timeout must be
# longer than the longest task (export, recompute), or a running task is delivered a second
# time (harmless, the tasks are idempotent, but wasted work).
_VISIBILITY_TIMEOUT = env_int("CELERY_VISIBILITY_TIMEOUT", 3600)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": _VISIBILITY_TIMEOUT,
    # How often each worker sweeps for such messages: a tenth of the timeout, between 1 and 60 s
    # (kombu's default sweeps about every 100 s whatever the timeout).
    "unacked_restore_interval": max(1, min(60, _VISIBILITY_TIMEOUT // 10)),
    "unacked_restore_throttle": 1,
}
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ROUTES = {"forum.tasks.search_*": {"queue": "search"}}
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TIMEZONE = TIME_ZONE

# --- Search ---------------------------------------------------------------------------------
# Embedded default: a Whoosh index on disk with jieba for Chinese (forum/search/backend.py).
# Elasticsearch/OpenSearch or Solr is a settings change: HAYSTACK_ENGINE, HAYSTACK_URL and
# HAYSTACK_INDEX_NAME (see docs/search.md).
WHOOSH_INDEX_PATH = env("WHOOSH_INDEX_PATH", str(VAR_DIR / "whoosh_index"))
HAYSTACK_CONNECTIONS = {
    "default": {
        "ENGINE": env("HAYSTACK_ENGINE", "forum.search.backend.WendaoWhooshEngine"),
        "PATH": WHOOSH_INDEX_PATH,
        "URL": env("HAYSTACK_URL"),
        "INDEX_NAME": env("HAYSTACK_INDEX_NAME", "wendao"),
        "TIMEOUT": env_int("HAYSTACK_TIMEOUT", 10),
        # Errors reach our code (and Celery's retries) instead of being logged and swallowed;
        # forum/search/service.py turns them into a message on the page.
        "SILENTLY_FAIL": False,
    }
}
HAYSTACK_SEARCH_RESULTS_PER_PAGE = 20

# --- REST API -------------------------------------------------------------------------------
# Who may do what is decided by forum.permissions inside the services (the same rules as the
# pages); DRF only refuses anonymous writes early. Tokens come first so that a request without
# credentials gets 401 with a challenge; session requests are CSRF-checked by DRF.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "forum.api.authentication.PersonalTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    # DRF's JSON, byte for byte, written by orjson (forum/api/renderers.py).
    "DEFAULT_RENDERER_CLASSES": ["forum.api.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "forum.api.schema.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "forum.api.pagination.Pagination",
    "EXCEPTION_HANDLER": "forum.api.exceptions.api_exception_handler",
    # Anonymous traffic is throttled per IP (scrapers, runaway scripts); signed-in use is bounded
    # by the posting and voting limits the database enforces.
    "DEFAULT_THROTTLE_CLASSES": ["rest_framework.throttling.AnonRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"anon": env("API_ANON_RATE", "120/minute")},
    # How many reverse proxies sit in front (their X-Forwarded-For entries are trusted); 0 = none.
    "NUM_PROXIES": env_int("NUM_PROXIES", 0),
    "UNICODE_JSON": True,
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Wendao API",
    "DESCRIPTION": "Product Q&A weighted by authority. Errors share one shape (see the Error schema); "
    "lists use cursor pagination. Authenticate with a personal token: Authorization: Bearer wd_…",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "RoleEnum": "forum.models.Role",
        "NotificationKindEnum": "forum.models.NotificationKind",
        "PostKindEnum": ["question", "answer"],
        "FlagReasonEnum": "forum.models.FlagReason",
        "ArticleStatusEnum": "knowledge.models.ArticleStatus",
        "CandidateStatusEnum": "knowledge.models.CandidateStatus",
        "CandidateReasonEnum": "knowledge.models.CandidateReason",
        "ExportStatusEnum": "knowledge.models.ExportStatus",
    },
    # Swagger UI and Redoc from the drf-spectacular-sidecar package: no CDN, works offline.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# --- Security (production) ------------------------------------------------------------------
# Sessions are read from the cache and written through to the database: a signed-in page view
# then costs no session query, and nothing is lost when the cache is flushed.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Content Security Policy (django-csp): scripts and styles only from our own static files (no
# inline <script>, no on*= handlers, no style="" in pages; htmx's own indicator <style> is off in
# base.html). Images may come from any HTTPS host because posts (and imported Stack Exchange
# posts) link pictures; they are sanitised by forum.rendering. /api/docs/ widens style-src and
# img-src for Swagger UI only (forum/security.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", "https:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}
# Login brute force (django-axes): five failures for one account from one address lock that pair
# out for 15 minutes; a success resets the count. forum.security.locked_out answers generically.
AUTHENTICATION_BACKENDS = ["forum.security.LoginAttemptBackend"]
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "forum.security.locked_out"
# The address is REMOTE_ADDR unless proxies are declared; otherwise a client could send any
# X-Forwarded-For and never be locked out.
AXES_IPWARE_PROXY_COUNT = env_int("NUM_PROXIES", 0) or None
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"] if AXES_IPWARE_PROXY_COUNT else ["REMOTE_ADDR"]
)
AXES_VERBOSE = False
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "WARNING")},
    "loggers": {"jieba": {"level": "WARNING"}},
}

# --- Wendao ---------------------------------------------------------------------------------
WENDAO = {
    # Posting limits that keep titles and bodies to what a page can show.
    "TITLE_MAX_LENGTH": 200,
    "BODY_MAX_LENGTH": 30000,
    "COMMENT_MAX_LENGTH": 600,
    "TAGS_MAX": 5,
    "PAGE_SIZE": env_int("WENDAO_PAGE_SIZE", 20),
    # Answers per question page (Stack Overflow shows 30); later ones are on ?page=2, ...
    "ANSWERS_PER_PAGE": env_int("WENDAO_ANSWERS_PER_PAGE", 30),
    # Readers without a session get question pages, product lists and the home page from a copy
    # at most this many seconds old (0: always rendered); a question's own changes show at once
    # (forum/page_cache.py).
    "ANONYMOUS_PAGE_SECONDS": env_int("WENDAO_ANONYMOUS_PAGE_SECONDS", 60),
    # Each process keeps this many posts' shared HTML in its own memory, before the shared cache
    # (forum/fragments.py; about 5 KiB each).
    "LOCAL_FRAGMENTS": env_int("WENDAO_LOCAL_FRAGMENTS", 3000),
    # Each process keeps the threads it read for question pages (every reader's, signed in or
    # not) until the question changes, and at most this many seconds for what a page shows from
    # outside its thread: names, authority, badges (forum/thread_cache.py; 0: read every time)...
    "THREAD_SECONDS": env_int("WENDAO_THREAD_SECONDS", 60),
    # ...and at most this many entries (a question and each page of its thread are one each: about
    # 10 KiB apiece on the cardano site, up to 300 KiB for a page of 30 long answers).
    "LOCAL_THREADS": env_int("WENDAO_LOCAL_THREADS", 1000),
    # Question views are added up in each process and written together once the oldest is this
    # many seconds old (forum/view_counts.py); 0 writes each view at once.
    "VIEW_COUNT_FLUSH_SECONDS": env_int("WENDAO_VIEW_COUNT_FLUSH_SECONDS", 0),
    # Where `make run` looks for the real Stack Exchange dumps to import as demo products.
    "STACKEXCHANGE_DATA_DIR": env("STACKEXCHANGE_DATA_DIR", str(BASE_DIR.parent / "shared" / "data" / "stackexchange")),
}

# --- Knowledge base (knowledge/conf.py documents each) ---------------------------------------
KNOWLEDGE = {
    # An accepted answer becomes a candidate above this authority-weighted score...
    "CANDIDATE_MIN_RANK_SCORE": float(env("KB_CANDIDATE_MIN_RANK_SCORE", "0.5")),
    # ...and with at least this many effective (weighted) votes.
    "CANDIDATE_MIN_EFFECTIVE_VOTES": float(env("KB_CANDIDATE_MIN_EFFECTIVE_VOTES", "3")),
    # Below this confidence the bot's answer counts as a miss, shown to the product's experts.
    "BOT_MISS_THRESHOLD": float(env("KB_BOT_MISS_THRESHOLD", "0.5")),
    # Where exported files go, and the absolute site address used in exported article links.
    "EXPORT_DIR": env("KB_EXPORT_DIR", str(VAR_DIR / "kb-exports")),
    "SITE_URL": env("SITE_URL", "http://127.0.0.1:8000"),
    # How often one address may ask the bot answer API without a token ("" for no limit).
    "BOT_ANON_RATE": env("KB_BOT_ANON_RATE", "600/minute"),
}

# --- Experts: trust levels, limits, flags, notifications (docs/experts.md) -------------------
# Trust levels, lowest first. A person reaches a level with at least this authority in the
# product (0-1000) and an account at least this many days old. Experts of the product and
# admins are above every level and not limited.
WENDAO_TRUST_LEVELS = [
    {"name": "new", "min_authority": 0, "min_account_days": 0},
    {"name": "basic", "min_authority": 150, "min_account_days": 1},
    {"name": "member", "min_authority": 350, "min_account_days": 7},
    {"name": "regular", "min_authority": 550, "min_account_days": 30},
]
WENDAO_LIMITS = {
    # Off only for bulk jobs run by operators (imports); pages and the API are always limited.
    "ENABLED": env_bool("WENDAO_LIMITS_ENABLED", True),
    # Per action: (actions per UTC day, minimum seconds between two) for each trust level above.
    # Defaults after Discourse (3 topics / 10 replies in a new user's first day, 120 s between a
    # new user's topics, 30 s between posts) and Stack Exchange (40 votes a day, ~10 flags a day
    # rising with reputation); Discourse's TL2/TL3 multipliers (1.5x, 2x) lift the rest.
    "question": [(5, 120), (10, 15), (15, 15), (20, 0)],
    "answer": [(10, 30), (30, 5), (45, 5), (60, 0)],
    "comment": [(20, 15), (50, 5), (75, 0), (100, 0)],
    "vote": [(20, 0), (40, 0), (60, 0), (80, 0)],
    "flag": [(5, 0), (10, 0), (20, 0), (50, 0)],
    # Links one post may contain, per trust level (None: no limit). Discourse: newuser_max_links 2.
    "max_links": [2, 10, None, None],
}
# Open flags that hide a post until an expert reviews it (Discourse: 3).
WENDAO_FLAGS_TO_HIDE = env_int("WENDAO_FLAGS_TO_HIDE", 3)
# The expert queue "answers worth endorsing": answers with at least this score, not yet endorsed.
WENDAO_ENDORSE_QUEUE_MIN_SCORE = env_int("WENDAO_ENDORSE_QUEUE_MIN_SCORE", 2)
# Absolute address of the site, for links in emails (unsubscribe, the post).
WENDAO_SITE_URL = env("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# When the daily digest goes out (UTC hour), by django-celery-beat's database scheduler.
WENDAO_DIGEST_HOUR = env_int("WENDAO_DIGEST_HOUR", 7)
CELERY_BEAT_SCHEDULE = {
    "notifications-daily-digest": {
        "task": "forum.tasks.notifications_send_digests",
        "schedule": crontab(hour=WENDAO_DIGEST_HOUR, minute=0),
    },
    # Articles past "valid until" back to review; accepted answers promoted after a recompute.
    "knowledge-daily-sweep": {"task": "knowledge.tasks.knowledge_sweep", "schedule": crontab(hour=3, minute=30)},
}
