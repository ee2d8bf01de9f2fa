"""Settings for Asesor MYPE: one module, driven by environment variables.

A ``.env`` file beside ``manage.py`` is read if present. The defaults are secure (no DEBUG,
HTTPS-only cookies, HSTS, SSL redirect); ``make run`` keeps DEBUG off (the product's own error
pages, static files collected and served by WhiteNoise) and switches HTTPS off for
http://127.0.0.1 with ``DJANGO_SECURE=0``; ``DJANGO_DEBUG=1`` is for a developer's own runs.
With neither ``DATABASE_URL`` nor a broker configured the product runs on one machine: SQLite
and kombu's filesystem transport under ``ASESOR_DATA_DIR``.
"""

import ipaddress
import secrets
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
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
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_celery_beat",
    "core",
    "businesses",
    "forecasting",
    "feedback",
    "portal",
]

MIDDLEWARE = [
    "portal.metrics.RequestMetricsMiddleware",  # first: counts and times every answer
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Pages gzipped, not the API (core/compression.py); after WhiteNoise, which serves its own
    # precompressed static files. Pages shrink four- to sevenfold (bench/page_weight.py).
    "core.compression.PageGZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "core.database_busy.DatabaseBusyMiddleware",  # SQLite "database is locked": 503, not 500
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",  # request.user.is_verified(), for the next one
    # A session that needs a second factor and has not given it reaches nothing else (pages,
    # downloads, the session API, the admin): core/two_factor.py.
    "core.two_factor.TwoFactorMiddleware",
    # A market analyst reaches the opportunity map and aggregated statistics only
    # (core/analysts.py).
    "core.analysts.AnalystScopeMiddleware",
    "core.audit.AuditActorMiddleware",  # who acts, for the audit log's receivers
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # django-axes must come last: it turns a locked-out login into the lockout response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

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
                "core.roles.role_context",
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
# Persistent connections, checked before reuse: a new one per request cost PostgreSQL a
# connection set-up and SQLite its opening PRAGMAs (about a millisecond of an API forecast).
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DATABASE_CONN_MAX_AGE", default=60))
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if (
    env("DATABASE_POOLER", default="") == "transaction"
    and "postgresql" in (DATABASES["default"]["ENGINE"])
):
    # Behind PgBouncer in transaction pooling (README, Scaling): each transaction may get
    # another server connection, so no server-side cursors (``iterator()`` would open one) and
    # no prepared statements (psycopg prepares a query after its fifth run on a connection).
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
    DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = None
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

# Password reset mail: written to files under ASESOR_DATA_DIR/mail unless an SMTP (or other)
# backend is configured (EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend, EMAIL_HOST…).
EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = env("EMAIL_FILE_PATH", default=str(DATA_DIR / "mail"))
EMAIL_HOST = env("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Asesor MYPE <no-responder@localhost>")
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT", default=3 * 24 * 3600)
# Reset mail per user and per address: at most this many within the window (seconds), counted
# in the store every process shares (core.counters); past it the requester sees the same page.
PASSWORD_RESET_MAIL_LIMIT = env.int("PASSWORD_RESET_MAIL_LIMIT", default=3)
PASSWORD_RESET_MAIL_WINDOW = env.int("PASSWORD_RESET_MAIL_WINDOW_SECONDS", default=3600)

# Caseload alerts: a business nobody requested advice for (or visited) in this many days.
ALERT_NO_ADVICE_DAYS = env.int("ASESOR_ALERT_NO_ADVICE_DAYS", default=90)
ALERT_NO_VISIT_DAYS = env.int("ASESOR_ALERT_NO_VISIT_DAYS", default=60)
# A business whose last record is this many months (or more) before the registry's latest month
# has no recent data: its forecast is withheld, with the reason (businesses.freshness).
STALE_AFTER_MONTHS = env.int("ASESOR_STALE_AFTER_MONTHS", default=6)
CASELOAD_PAGE_SIZE = env.int("ASESOR_CASELOAD_PAGE_SIZE", default=50)
# Statistical disclosure control of every published market figure (businesses/disclosure.py,
# README "Market statistics and disclosure control"): contributors the reader does not hold,
# the (2, k) dominance rule's k and the p % rule's p, in percent.
DISCLOSURE_MIN_CONTRIBUTORS = env.int("ASESOR_DISCLOSURE_MIN_CONTRIBUTORS", default=5)
DISCLOSURE_DOMINANCE_K = env.float("ASESOR_DISCLOSURE_DOMINANCE_K", default=85)
DISCLOSURE_P_PERCENT = env.float("ASESOR_DISCLOSURE_P_PERCENT", default=10)

AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.5)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# The client's address as the API-key failure limit sees it (X-Forwarded-For only from
# TRUSTED_PROXIES; core.client_address).
AXES_CLIENT_IP_CALLABLE = "core.client_address.client_address"
AXES_RESET_ON_SUCCESS = True
# The portal's own page, in the user's language, with the wait and the way out (password
# reset, which lifts the lock: portal/account_views.py); 429 as before.
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"

# Two-factor authentication (TOTP) for stewards and superusers on every path (pages, downloads,
# the session API, the admin): on unless ASESOR_ADMIN_2FA=0, which only `make run` (the local
# demo) sets and `check --deploy` warns about. Users who enrol an app of their own accord are
# asked for it whatever this says. See core/two_factor.py.
ADMIN_2FA = env.bool("ASESOR_ADMIN_2FA", default=True)
OTP_TOTP_ISSUER = "Asesor MYPE"

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
    # Hashed names + gzip/brotli copies, cached for a year by browsers (core/staticfiles.py).
    "staticfiles": {
        "BACKEND": "core.staticfiles.HashedStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# --- Security (secure unless DJANGO_SECURE=0, which only `make run` and tests set: plain-HTTP
# cookies and no redirect to HTTPS, whatever DEBUG is) -------------------------------------
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
# Schedules live in the database (django-celery-beat), editable in the admin; the nightly
# re-scoring, the sweeper and the market-data pulls are created by a portal data migration.
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"

# --- Operations: sweeper, worker liveness, retraining, health and metrics -----------------
# portal.tasks.jobs_sweep fails a training run or prediction job whose worker is gone (no
# liveness beat for WORKER_LOST_SECONDS, and the broker had time to redeliver it) or that showed
# no sign of life for JOBS_STALE_SECONDS, and one still queued after JOBS_QUEUED_MAX_SECONDS.
WORKER_HEARTBEAT_SECONDS = env.int("WORKER_HEARTBEAT_SECONDS", default=30)
WORKER_LOST_SECONDS = env.int("WORKER_LOST_SECONDS", default=120)
# With no worker beat for WORKER_ABSENT_SECONDS (at least two beats; 0 switches the check off),
# requests for fresh work are refused at once (portal message, API 503), /readyz says so and
# polled advice / prediction jobs still queued end failed with the reason. A web process reports
# no absence in its first WORKER_START_GRACE_SECONDS (make run starts web and worker together).
WORKER_ABSENT_SECONDS = env.int("WORKER_ABSENT_SECONDS", default=60)
WORKER_START_GRACE_SECONDS = env.int("WORKER_START_GRACE_SECONDS", default=60)
JOBS_STALE_SECONDS = env.int("JOBS_STALE_SECONDS", default=CELERY_TASK_TIME_LIMIT + 300)
JOBS_QUEUED_MAX_SECONDS = env.int("JOBS_QUEUED_MAX_SECONDS", default=6 * 3600)
# Retrain (both models, promoted only if they beat production) after an import that created or
# changed at least this share of the stored monthly records (0 switches it off).
RETRAIN_AFTER_IMPORT_SHARE = env.float("RETRAIN_AFTER_IMPORT_SHARE", default=0.05)
# /metrics answers only these client addresses, or a request with "Authorization: Bearer
# <METRICS_TOKEN>" when a token is set. Under gunicorn set PROMETHEUS_MULTIPROC_DIR.
METRICS_ALLOWED_IPS = env.list("METRICS_ALLOWED_IPS", default=["127.0.0.1", "::1"])
METRICS_TOKEN = env("METRICS_TOKEN", default="")
# Probes and scrapers speak plain HTTP inside the network: no redirect to HTTPS for these.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]

# --- Models and artifacts -------------------------------------------------------------------
MODEL_STORE_DIR = Path(env("ASESOR_MODEL_STORE", default=str(DATA_DIR / "models")))
# Keys the HMAC of every stored artifact; defaults to SECRET_KEY-derived material.
MODEL_SIGNING_KEY = env("ASESOR_MODEL_SIGNING_KEY", default=None) or SECRET_KEY
# The data scientists' dataset (feedback.dataset): the key of the businesses' pseudonyms (HMAC
# SHA-256 over the RUC; unset: derived from SECRET_KEY) and where the export archives are kept.
DATASET_KEY = env("ASESOR_DATASET_KEY", default=None)
DATASET_EXPORT_DIR = Path(env("ASESOR_DATASET_EXPORT_DIR", default=str(DATA_DIR / "datasets")))
# Estimator parameters by kind over the engine's defaults, e.g. '{"forecaster": {"n_jobs": 1}}'.
MODEL_PARAMETERS = env.json("ASESOR_MODEL_PARAMETERS", default={})
# A candidate is promoted automatically when its primary held-out score beats production's by
# this much (forecaster: skill over seasonal naive at h=1; growth: ROC-AUC).
PROMOTION_MARGIN = env.float("ASESOR_PROMOTION_MARGIN", default=0.01)
# Advisors' feedback in the growth classifier's training (sample weights; 0 leaves it out):
# a growth-label override replaces the computed label with this weight; a recorded outcome with
# a sales change labels its advice's cut-off (grows if the change reaches the growth rate) with
# this weight, only where the data cannot compute the label yet (see feedback.selectors).
FEEDBACK_OVERRIDE_WEIGHT = env.float("ASESOR_OVERRIDE_LABEL_WEIGHT", default=1.0)
FEEDBACK_OUTCOME_WEIGHT = env.float("ASESOR_OUTCOME_LABEL_WEIGHT", default=0.5)
# How often serving code asks which version is in production (a promotion is seen this fast).
MODEL_REFRESH_SECONDS = env.float("ASESOR_MODEL_REFRESH_SECONDS", default=5)
# Each worker process loads the production models and builds its scoring snapshot when it
# starts (forecasting.tasks.scoring_warm_at_start), so the first advice does not wait for it.
SCORING_WARM_AT_START = env.bool("ASESOR_SCORING_WARM", default=True)
# Each web and worker process loads the production models and builds their serving form (the
# fused booster) when it starts (forecasting.warm), so the first API call does not wait ~1 s.
SERVING_WARM_AT_START = env.bool("ASESOR_SERVING_WARM", default=True)

# --- Market data sources (businesses.sources) ----------------------------------------------
# Pulls go only to these hosts (exact names, or ".example.org" for a domain and its subdomains);
# an address that resolves to a private, loopback or reserved network is refused (SSRF) unless
# MARKET_SOURCES_ALLOW_PRIVATE is set, which only the tests do. Plain http likewise.
MARKET_SOURCES_ALLOWED_HOSTS = env.list(
    "MARKET_SOURCES_ALLOWED_HOSTS", default=["estadisticas.bcrp.gob.pe", "www2.sunat.gob.pe"]
)
MARKET_SOURCES_ALLOW_PRIVATE = env.bool("MARKET_SOURCES_ALLOW_PRIVATE", default=False)
MARKET_SOURCES_ALLOW_HTTP = env.bool("MARKET_SOURCES_ALLOW_HTTP", default=False)
MARKET_SOURCES_TIMEOUT = env.float("MARKET_SOURCES_TIMEOUT", default=30)  # connect / each read
MARKET_SOURCES_DEADLINE = env.float("MARKET_SOURCES_DEADLINE", default=120)  # whole answer
MARKET_SOURCES_MAX_BYTES = env.int("MARKET_SOURCES_MAX_BYTES", default=20 * 1024 * 1024)
MARKET_SOURCES_RETRIES = env.int("MARKET_SOURCES_RETRIES", default=2)  # per request, backoff
# The SUNAT padrón source alone downloads a file this large (the zip is some hundreds of MB), to a
# temporary file in SUNAT_PADRON_TMP_DIR (the system's temporary directory when empty), within
# this deadline for the whole download (inside the worker's soft time limit, with the read).
SUNAT_PADRON_MAX_BYTES = env.int("SUNAT_PADRON_MAX_BYTES", default=2 * 1024 * 1024 * 1024)
SUNAT_PADRON_DEADLINE = env.float("SUNAT_PADRON_DEADLINE", default=1800)
SUNAT_PADRON_TMP_DIR = env.str("SUNAT_PADRON_TMP_DIR", default="")
# Backtests read the market values known at each cut-off: a value received (pulled, imported or
# revised) by the end of the cut-off month plus these days, Lima time (forecasting.history).
MARKET_DATA_CUTOFF_LAG_DAYS = env.int("MARKET_DATA_CUTOFF_LAG_DAYS", default=0)

# --- REST framework -------------------------------------------------------------------------
# Partner systems send `Authorization: Api-Key <prefix>.<secret>` (hashed at rest, revocable,
# expiring: businesses.models.PartnerAPIKey); portal users use their session. The API key
# comes first so that a request without credentials gets 401 with a WWW-Authenticate header,
# not 403.
REST_FRAMEWORK = {
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "businesses.api_auth.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_THROTTLE_CLASSES": [
        "businesses.api_auth.ApiKeyRateThrottle",
        "businesses.api_auth.SessionUserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "api_key": env("API_THROTTLE_KEY", default="600/min"),
        "user": env("API_THROTTLE_USER", default="300/min"),
        "bulk": env("API_THROTTLE_BULK", default="30/min"),
    },
    # orjson: at 100 rows the standard library's encoder costs as much as the prediction
    "DEFAULT_RENDERER_CLASSES": ["core.api_renderers.ApiJSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["core.api_parsers.LimitedJSONParser"],
    "DEFAULT_PAGINATION_CLASS": "core.api_pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "core.api_errors.api_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "core.api_errors.ErrorDocumentingAutoSchema",
}
# Failed API-key attempts per client address (django-axes does not see API keys): past the
# limit, a wrong key from that address gets 429 until the window has passed; a valid key is
# always served (held only to its own rate). Counted in core.counters (Redis, else the database).
# The address is REMOTE_ADDR; X-Forwarded-For is read only when the request comes from one of
# TRUSTED_PROXIES (addresses or networks, e.g. "127.0.0.1" for an nginx on the same machine).
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])
for _proxy in TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_proxy.strip(), strict=False)
    except ValueError as _error:
        message = f"TRUSTED_PROXIES: {_proxy!r} is not an address or network"
        raise ImproperlyConfigured(message) from _error

API_KEY_FAILURE_LIMIT = env.int("API_KEY_FAILURE_LIMIT", default=20)
API_KEY_FAILURE_WINDOW = env.int("API_KEY_FAILURE_WINDOW_SECONDS", default=15 * 60)
# Seconds a web process reuses a key it has read (businesses/partners.py): a revoked key, a
# deactivated partner or user is refused everywhere within this time; 0 reads the key every time.
API_KEY_CACHE_SECONDS = env.int("API_KEY_CACHE_SECONDS", default=5)
# Seconds a process reuses the active support programmes it has read (businesses/programmes.py):
# a steward's change reaches every process's advice within this time; 0 reads them every time.
PROGRAMMES_CACHE_SECONDS = env.int("PROGRAMMES_CACHE_SECONDS", default=60)
API_KEY_DEFAULT_LIFETIME_DAYS = env.int("API_KEY_DEFAULT_LIFETIME_DAYS", default=365)
API_BULK_MAX_ROWS = env.int("API_BULK_MAX_ROWS", default=5000)
# Prediction jobs (forecasting.predictions.jobs): businesses per chunk task, threads of the
# job's first step (the whole-panel group statistics), days a finished job's results are kept.
PREDICTION_CHUNK_SIZE = env.int("PREDICTION_CHUNK_SIZE", default=10_000)
PREDICTION_START_THREADS = env.int("PREDICTION_START_THREADS", default=2)
# businesses per part of the start step's panel read: bounds a worker's memory at any panel size
PREDICTION_START_PART_SIZE = env.int("PREDICTION_START_PART_SIZE", default=50_000)
PREDICTION_RESULTS_KEEP_DAYS = env.int("PREDICTION_RESULTS_KEEP_DAYS", default=14)
# Businesses per request of forecasts for businesses not in the registry (POST
# /api/v1/forecasts/batch/).
API_FORECAST_MAX_BUSINESSES = env.int("API_FORECAST_MAX_BUSINESSES", default=500)

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
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "core.api_schema.strings_without_nul",  # what DRF's text fields refuse, said
    ],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "SatisfactionEnum": "businesses.models.Satisfaction",
        "SizeClassEnum": "businesses.models.SizeClass",
        "PredictionJobStatusEnum": "forecasting.models.PredictionJob.Status",
        "AdviceStatusEnum": "forecasting.models.Advice.Status",
        "ModelVersionStatusEnum": "forecasting.models.ModelVersion.Status",
    },
}

# The cache: Redis when configured (shared by every web worker), else this process's memory
# (one-machine runs). Throttle and failed-key counters do not depend on it (core.counters: Redis,
# else the database).
if REDIS_URL:
    CACHES = {
        # Degrades to "no cache" while Redis is down (core.cache): pages and the API keep serving.
        "default": {
            "BACKEND": "core.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},  # the owner report's PDF: no per-step INFO lines
    },
}

FORMAT_MODULE_PATH = ["config.formats"]
