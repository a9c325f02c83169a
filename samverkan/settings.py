"""Settings for Samverkan, read from the environment.

Development (the default) runs on the embedded SQLite database with console e-mail.
Production is `SAMVERKAN_ENV=production`: it refuses to start without a real SECRET_KEY
and ALLOWED_HOSTS and turns on secure cookies and HSTS. See README.md.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name, default=None):
    return os.environ.get(name, default)


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default=""):
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


ENVIRONMENT = env("SAMVERKAN_ENV", "development")
PRODUCTION = ENVIRONMENT == "production"
DEBUG = env_bool("DEBUG", not PRODUCTION)

SECRET_KEY = env("SECRET_KEY")
if not SECRET_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured("SECRET_KEY must be set in production.")
    SECRET_KEY = "development-only-secret-key-not-for-production"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "" if PRODUCTION else "127.0.0.1,localhost,testserver")
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set in production.")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "axes",
    "ninja",
    "core",
    "discharge",
    "meetings",
    "fees",
    "contact",
    "forums",
    "django_tasks",
    "django_tasks_db",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # django-csp's, with the site's policy built once (core/middleware.py).
    "core.middleware.SitePolicyCSPMiddleware",
    # Static files are answered here, cacheable; every response after it is marked no-store.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "core.middleware.NoStoreMiddleware",
    # Django's session, CSRF, login and messages middleware, passed by for a call to the API with an
    # API key, which is authenticated by the key alone (core.middleware.api_key_of: the rule).
    "core.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "core.middleware.CsrfViewMiddleware",
    "core.middleware.AuthenticationMiddleware",
    "core.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "core.middleware.ActorMiddleware",
    # The reads a page logs, written in one INSERT before its response leaves (core/audit.py).
    "core.audit.AuditReadsMiddleware",
    "core.middleware.NotPermittedMiddleware",
    # Axes last, as its documentation asks: it turns lockouts into responses.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "samverkan.urls"
WSGI_APPLICATION = "samverkan.wsgi.application"

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
                "core.context_processors.shell",
            ],
        },
    },
    # The rows of the long lists of the busiest pages (core/rows.py), from each app's jinja2/ folder.
    # Pages themselves are Django templates; this engine renders only what core.rows.rows_html asks.
    {
        "NAME": "rows",
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {"environment": "core.rows.environment"},
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"), conn_max_age=60
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers work while one writer writes; IMMEDIATE takes the write lock at the
        # start of a transaction so concurrent writers wait instead of failing mid-way.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env_bool("DATABASE_POOL", PRODUCTION):
    # PostgreSQL through psycopg's connection pool (issue 14): each worker process keeps its connections
    # open and hands them to requests, instead of one connection per request (persistent connections,
    # CONN_MAX_AGE, must be off with a pool). Size it by the worker's threads: a sync gunicorn worker
    # serves one request at a time, so a small pool suffices; max_size bounds the connections of a
    # worker (PostgreSQL's max_connections must cover workers x DATABASE_POOL_MAX_SIZE on every server).
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": int(env("DATABASE_POOL_MIN_SIZE", "1")),
        "max_size": int(env("DATABASE_POOL_MAX_SIZE", "4")),
        "timeout": int(env("DATABASE_POOL_TIMEOUT", "10")),
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Statements run through core.db.prepared_cursor (the compiled reads: the API key, the patient,
    # the access check; the audit INSERT) are prepared on the server after this many runs on a
    # connection, and PostgreSQL plans them once per connection instead of on every run (issue 14).
    # Django's own statements bind their values on the client and are never prepared. 0: never. With
    # PgBouncer in transaction mode between, it must keep prepared statements (max_prepared_statements,
    # PgBouncer 1.21 and later), or set 0.
    DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = (
        int(env("DATABASE_PREPARE_THRESHOLD", "5")) or None)
# A PostgreSQL streaming replica for the follow-up pages, the invoice basis and the reports
# (core/db_router.py, docs/deployment.md). Tests never create a database on it: it mirrors "default".
if env("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = dj_database_url.parse(env("DATABASE_REPLICA_URL"), conn_max_age=60)
    if "pool" in DATABASES["default"].get("OPTIONS", {}):
        DATABASES["replica"]["CONN_MAX_AGE"] = 0
        DATABASES["replica"]["OPTIONS"] = {"pool": dict(DATABASES["default"]["OPTIONS"]["pool"])}
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["core.db_router.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Authentication -------------------------------------------------------------------------
AUTH_USER_MODEL = "core.User"
AUTHENTICATION_BACKENDS = [
    # Axes counts failures and refuses locked-out usernames before the password is checked.
    "axes.backends.AxesStandaloneBackend",
    # Django's ModelBackend, with the user of each request read by a compiled statement.
    "core.backends.ModelBackend",
]
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
LOGIN_URL = "core:login"
LOGIN_REDIRECT_URL = "core:home"

AXES_FAILURE_LIMIT = int(env("LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(env("LOGIN_LOCKOUT_MINUTES", "15")))
# By the pair of username and client address: five wrong passwords lock that username from that
# address only, so a stranger cannot lock a colleague out of their own machine, and a typing
# colleague does not lock out the whole hospital behind one NAT address. See docs/decisions.md.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# The client address is REMOTE_ADDR. Behind reverse proxies that each append to X-Forwarded-For,
# set TRUSTED_PROXY_COUNT to their number; the header is never trusted otherwise (anyone can send it).
TRUSTED_PROXY_COUNT = int(env("TRUSTED_PROXY_COUNT", "0"))
AXES_CLIENT_IP_CALLABLE = "core.views.auth.client_ip"
AXES_RESET_ON_SUCCESS = True
AXES_ENABLE_ACCESS_FAILURE_LOG = False
AXES_VERBOSE = False
AXES_LOCKOUT_CALLABLE = "core.views.auth.locked_out"

# Django's database sessions (table core_session), read with the user and acting membership by one
# compiled statement (core/sessions.py).
SESSION_ENGINE = "core.sessions"
SESSION_COOKIE_AGE = int(env("SESSION_HOURS", "10")) * 3600
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

# How long an emergency access (nödåtkomst) opens a record before it must be stated again.
EMERGENCY_ACCESS_HOURS = int(env("EMERGENCY_ACCESS_HOURS", "4"))
# How long audit events are kept; nothing deletes them before this (PDL: at least as long as the
# data they describe). The application itself never deletes them.
AUDIT_RETENTION_YEARS = int(env("AUDIT_RETENTION_YEARS", "10"))

# --- Security in production -----------------------------------------------------------------
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(env("SECURE_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_FAILURE_VIEW = "core.views.errors.csrf_failure"
# Content-Security-Policy (django-csp): the pages load scripts, styles and images from this site
# only, with no inline script or style; nothing may frame them. The video room opens in a new tab
# at VIDEO_BASE_URL, so it needs no frame-src. img-src allows data: for Swagger UI's icons.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    },
}
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- Language and time ----------------------------------------------------------------------
# Swedish only, written straight into the source: no translation catalogues of our own (see
# docs/decisions.md, issue 11). USE_I18N stays on for Django's own Swedish: month and day names in
# the `date` filter, form and validation messages.
LANGUAGE_CODE = "sv"
LANGUAGES = [("sv", "Svenska")]
TIME_ZONE = "Europe/Stockholm"
USE_I18N = True
USE_TZ = True

# --- Static files ---------------------------------------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# --- Forum attachments (bilagor) -------------------------------------------------------------------
# On disk, outside the database and outside every served directory: only the download view hands
# them out, as attachments (forums/views.py).
FORUM_FILES_ROOT = env("FORUM_FILES_ROOT", str(BASE_DIR / "var" / "forum-files"))

# --- E-mail ---------------------------------------------------------------------------------
EMAIL_BACKEND = env(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend" if PRODUCTION else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = int(env("EMAIL_PORT", "25"))
EMAIL_HOST_USER = env("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_FILE_PATH = env("EMAIL_FILE_PATH", str(BASE_DIR / "var" / "mail"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "Samverkan <noreply@samverkan.invalid>")

# --- Background tasks (core/tasks.py, meetings/tasks.py; docs/decisions.md "Background tasks") --------
# Mail leaves through tasks, enqueued when the action's transaction commits. The database backend
# (django-tasks-db on the django-tasks backport of Django 6's Tasks API) keeps the queue in this
# database: no extra service, and `manage.py db_worker` runs the tasks. /readyz reports 503 when a
# task has waited longer than TASK_MAX_WAIT_SECONDS (no worker, or a worker that cannot keep up).
TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
    }
}
TASK_MAX_WAIT_SECONDS = int(env("TASK_MAX_WAIT_SECONDS", "300"))
# --- end of background tasks ---------------------------------------------------------------

# --- Logging and health checks (samverkan/logs.py, core/views/health.py; README "Running in production") ----
# LOG_FORMAT=json: one JSON object per line. LOG_REQUESTS (on in production): one line per request
# with the URL pattern, never the path's ids or the query string; run gunicorn without its access log.
from samverkan.logs import logging_config  # noqa: E402 (kept inside this block)

LOG_FORMAT = env("LOG_FORMAT", "plain")
LOG_REQUESTS = env_bool("LOG_REQUESTS", PRODUCTION)
LOGGING = logging_config(LOG_FORMAT, env("LOG_LEVEL", "INFO"))
MIDDLEWARE.insert(0, "samverkan.logs.RequestLogMiddleware")
# Probes reach the application over plain HTTP behind the proxy; everything else is redirected to HTTPS.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
# --- end of logging and health checks -------------------------------------------------------

NINJA_PAGINATION_PER_PAGE = 50

# Video visits (meetings.video): the provider class and, for the default Jitsi Meet, its server and
# optional token authentication.
VIDEO_PROVIDER = env("VIDEO_PROVIDER", "meetings.video.JitsiMeet")
VIDEO_BASE_URL = env("VIDEO_BASE_URL", "https://meet.jit.si")
VIDEO_JWT_APP_ID = env("VIDEO_JWT_APP_ID", "")
VIDEO_JWT_SECRET = env("VIDEO_JWT_SECRET", "")
# The address people reach Samverkan at, for links in e-mail.
SITE_URL = env("SITE_URL", "http://127.0.0.1:8000")
# Follow-up of video visits: the goal for the share of held visits by video, in per cent (seed 001:
# Jämtland Härjedalen's political goal, 10 %).
VIDEO_SHARE_GOAL_PERCENT = int(env("VIDEO_SHARE_GOAL_PERCENT", "10"))

# --- Login with e-ID through OpenID Connect (issue 15) ------------------------------------------
# Two providers at most, each turned on by its issuer: staff log in through the region's identity
# provider (SITHS card via the national IdP) and are matched by their HSA-id; residents log in
# through an e-ID broker (BankID, Freja) and are matched by their personal identity number. Each
# needs a client registered at the provider with the redirect URI
# <site>/logga-in/e-id/personal/klar/ or <site>/logga-in/e-id/invanare/klar/. See docs/decisions.md.
# Password login stays for the demo; a deployment that logs in with e-ID only sets it off.
PASSWORD_LOGIN_ENABLED = env_bool("PASSWORD_LOGIN_ENABLED", True)
OIDC_PROVIDERS = {}
for _kind, _claim, _scopes in (
    # The HSA-id claim's name differs between identity providers: set it to the one the region's IdP
    # releases for the employee's HSA-id (its SAML attribute is employeeHsaId).
    ("staff", env("OIDC_STAFF_HSA_CLAIM", "employeeHsaId"), env("OIDC_STAFF_SCOPES", "openid profile")),
    # The Swedish OIDC profile's claim and scope for the personal identity number.
    ("resident", env("OIDC_RESIDENT_PNR_CLAIM", "https://id.oidc.se/claim/personalIdentityNumber"),
     env("OIDC_RESIDENT_SCOPES", "openid profile https://id.oidc.se/scope/naturalPersonNumber")),
):
    # Kept exactly as configured: the ID token's "iss" must equal it, trailing slash and all.
    _issuer = env(f"OIDC_{_kind.upper()}_ISSUER", "")
    if _issuer:
        _client_id = env(f"OIDC_{_kind.upper()}_CLIENT_ID", "")
        _client_secret = env(f"OIDC_{_kind.upper()}_CLIENT_SECRET", "")
        if not _client_id or not _client_secret:
            raise ImproperlyConfigured(f"OIDC_{_kind.upper()}_ISSUER needs OIDC_{_kind.upper()}_CLIENT_ID and _CLIENT_SECRET.")
        if PRODUCTION and not _issuer.startswith("https://"):
            raise ImproperlyConfigured(f"OIDC_{_kind.upper()}_ISSUER must be an https:// address in production.")
        OIDC_PROVIDERS[_kind] = {"issuer": _issuer, "client_id": _client_id, "client_secret": _client_secret,
                                 "claim": _claim, "scopes": _scopes}
