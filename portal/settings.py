"""Settings for Asesor MYPE: one module, driven by environment variables.

A ``.env`` file beside ``manage.py`` is read if present. The defaults are secure (no DEBUG,
HTTPS-only cookies, HSTS, SSL redirect); ``make run`` switches the development conveniences on
with ``DJANGO_DEBUG=1 DJANGO_SECURE=0``. With neither ``DATABASE_URL`` nor a broker configured the
product runs on one machine: SQLite and kombu's filesystem transport under ``ASESOR_DATA_DIR``.
"""

import secrets
from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DATA_DIR = Path(env("ASESOR_DATA_DIR", default=str(BASE_DIR / "var")))
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _installation_secret(path: Path) -> str:
    """A strong random secret kept in the data directory, made on first start.

    Lets a fresh checkout run without hand configuration and without a committed key;
    production sets DJANGO_SECRET_KEY instead.
    """
    if not path.exists():
        path.write_text(secrets.token_urlsafe(64))
        path.chmod(0o600)
    return path.read_text().strip()


DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env("DJANGO_SECRET_KEY", default=None) or _installation_secret(DATA_DIR / "secret_key")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework_api_key",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "portal",
    "businesses",
    "forecasting",
    "feedback",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # django-axes must come last: it turns a locked-out login into the lockout response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"
ASGI_APPLICATION = "portal.asgi.application"

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
                "portal.roles.role_context",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{DATA_DIR / 'asesor.sqlite3'}")
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web server and the worker share the file: WAL lets readers and one writer overlap,
    # IMMEDIATE transactions and a timeout make a busy writer wait instead of failing.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 30,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # Tests use a file, not memory, so that a worker process can see what a test commits.
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test-asesor.sqlite3")}
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DATABASE_CONN_MAX_AGE", default=60))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Authentication -------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.5)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = "es-pe"
LANGUAGES = [("es", _("Spanish")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "America/Lima"
USE_I18N = True
USE_TZ = True

# --- Static files ---------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = Path(env("DJANGO_STATIC_ROOT", default=str(DATA_DIR / "static")))
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# --- Security (secure unless DJANGO_SECURE=0, which only `make run` and tests set) ----------
SECURE = env.bool("DJANGO_SECURE", default=not DEBUG)
SECURE_SSL_REDIRECT = SECURE
SESSION_COOKIE_SECURE = SECURE
CSRF_COOKIE_SECURE = SECURE
SECURE_HSTS_SECONDS = 31536000 if SECURE else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE
SECURE_HSTS_PRELOAD = SECURE
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=10 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = env.int("FILE_UPLOAD_MAX_MEMORY_SIZE", default=2 * 1024 * 1024)

# --- Celery ---------------------------------------------------------------------------------
REDIS_URL = env("REDIS_URL", default=None)
BROKER_DIR = DATA_DIR / "broker"
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=None) or REDIS_URL or "filesystem://"
if CELERY_BROKER_URL.startswith("filesystem://"):
    BROKER_DIR.mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR),
        "data_folder_out": str(BROKER_DIR),
        "control_folder": str(DATA_DIR / "broker-control"),
        "store_processed": False,
    }
else:
    # A task held by a dead worker comes back after this many seconds (Redis default: 1 hour).
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600)
    }
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=3300)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=3600)
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_TASK_IGNORE_RESULT = True  # job state lives in our own models, not a result backend
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_QUEUE", default="asesor")

# --- Models and artifacts -------------------------------------------------------------------
MODEL_STORE_DIR = Path(env("ASESOR_MODEL_STORE", default=str(DATA_DIR / "models")))
# Keys the HMAC of every stored artifact; defaults to SECRET_KEY-derived material.
MODEL_SIGNING_KEY = env("ASESOR_MODEL_SIGNING_KEY", default=None) or SECRET_KEY
# Estimator parameters by kind over the engine's defaults, e.g. '{"forecaster": {"n_jobs": 1}}'.
MODEL_PARAMETERS = env.json("ASESOR_MODEL_PARAMETERS", default={})
# A candidate is promoted automatically when its primary held-out score beats production's by
# this much (forecaster: skill over seasonal naive at h=1; growth: ROC-AUC).
PROMOTION_MARGIN = env.float("ASESOR_PROMOTION_MARGIN", default=0.01)
# How often serving code asks which version is in production (a promotion is seen this fast).
MODEL_REFRESH_SECONDS = env.float("ASESOR_MODEL_REFRESH_SECONDS", default=5)

# --- REST framework -------------------------------------------------------------------------
# Partner systems send `Authorization: Api-Key <prefix>.<secret>` (hashed at rest, revocable,
# expiring: portal.models.PartnerAPIKey); portal users use their session. The API key comes first
# so that a request without credentials gets 401 with a WWW-Authenticate header, not 403.
REST_FRAMEWORK = {
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "portal.api_auth.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_THROTTLE_CLASSES": [
        "portal.api_auth.ApiKeyRateThrottle",
        "portal.api_auth.SessionUserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "api_key": env("API_THROTTLE_KEY", default="600/min"),
        "user": env("API_THROTTLE_USER", default="300/min"),
        "bulk": env("API_THROTTLE_BULK", default="30/min"),
    },
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["portal.api_parsers.LimitedJSONParser"],
    "DEFAULT_PAGINATION_CLASS": "portal.api_pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "portal.api_errors.api_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "portal.api_errors.ErrorDocumentingAutoSchema",
}
# Failed API-key attempts per client IP (django-axes does not see API keys): past the limit,
# every API-key request from that IP gets 429 until the window has passed.
API_KEY_FAILURE_LIMIT = env.int("API_KEY_FAILURE_LIMIT", default=20)
API_KEY_FAILURE_WINDOW = env.int("API_KEY_FAILURE_WINDOW_SECONDS", default=15 * 60)
API_KEY_DEFAULT_LIFETIME_DAYS = env.int("API_KEY_DEFAULT_LIFETIME_DAYS", default=365)
API_BULK_MAX_ROWS = env.int("API_BULK_MAX_ROWS", default=5000)

SPECTACULAR_SETTINGS = {
    "TITLE": "Asesor MYPE API",
    "DESCRIPTION": (
        "The partner REST API of Asesor MYPE (PRODUCE). Authenticate with "
        "`Authorization: Api-Key <key>`; every answer is scoped to the businesses your key may "
        "see, and a business outside that scope is answered with 404. Errors share one shape: "
        '`{"error": {"code", "message", "details": [{"path", "row", "field", "message"}]}}`, '
        "in the language of the Accept-Language header (es, en)."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "SatisfactionEnum": "businesses.models.Satisfaction",
        "SizeClassEnum": "businesses.models.SizeClass",
    },
}

# Throttle counters and the failed-key counter live in the cache: Redis when configured (shared
# by every web worker), else this process's memory (one-machine runs).
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
    },
}

FORMAT_MODULE_PATH = ["portal.formats"]
