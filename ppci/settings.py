"""Settings for the PPCI Case Book.

One module, configured from the environment. Production is the default: with no
environment at all, DEBUG is off and every transport-security setting is on. To look at the
portal on this machine as visitors see it, set ``PPCI_LOCAL=1`` (the README's run command
does); for development with Django's debugging pages, ``DEBUG=1``.
"""

import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def envbool(name, default):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def envint(name, default):
    value = os.environ.get(name)
    return int(value) if value else default


def envlist(name, default):
    value = os.environ.get(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


DEBUG = envbool("DEBUG", False)
# A server on this machine only (the README's run command): the pages as visitors get them,
# DEBUG off with the friendly 404 and 500 pages, but over plain HTTP on the loopback
# interface, with the static files read from the source tree (no collectstatic), and only
# loopback host names. ``check --deploy`` reports each transport setting it turns off.
LOCAL = envbool("PPCI_LOCAL", False)
LOOPBACK_HOSTS = ["127.0.0.1", "localhost", "[::1]"]


def local_secret_key():
    """A key for local work, generated on first use and kept outside the repository, in the
    user's configuration folder (a key of its own for each process where that folder cannot
    be written)."""
    path = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config") / "ppci" / "key"
    try:
        return path.read_text().strip()
    except OSError:
        pass
    key = secrets.token_urlsafe(50)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fresh = path.with_name(f".key.{os.getpid()}")
        fresh.write_text(key)
        fresh.chmod(0o600)
        os.replace(fresh, path)
        return path.read_text().strip()
    except OSError:
        return key


# Production sets SECRET_KEY; without it, a key generated for this machine serves local work,
# and ``check --deploy`` reports an error.
SECRET_KEY = os.environ.get("SECRET_KEY") or local_secret_key()
SECRET_KEY_FROM_ENVIRONMENT = bool(os.environ.get("SECRET_KEY"))

# Load balancers ask /health/ over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^health/$"]

ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", LOOPBACK_HOSTS)
if LOCAL:
    ALLOWED_HOSTS = [host for host in ALLOWED_HOSTS if host in LOOPBACK_HOSTS] or LOOPBACK_HOSTS
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "modeltranslation",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django_countries",
    "django_filters",
    # History and recovery, admin login protection (see their sections below).
    "reversion",
    # django-axes, under a name in the staff member's language.
    "ppci.lib.apps.LoginLockoutConfig",
    # Shared helpers first, then the apps built on them.
    "ppci.lib",
    "casebook",
    "partners",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy and Permissions-Policy on every response, static files included.
    "ppci.lib.security.SecurityPolicyMiddleware",
    # Outside LocaleMiddleware, so that its language redirects are covered as well.
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # A statement stopped for its time (PG_STATEMENT_TIMEOUT, SQLITE_STATEMENT_TIMEOUT)
    # becomes a 503 page in the visitor's language, not a server error.
    "ppci.lib.timeouts.StatementTimeoutMiddleware",
    # After every middleware that shapes a response, so that they also handle the pages it
    # serves from the cache.
    "ppci.lib.pagecache.PageCacheMiddleware",
    # Turns a locked-out admin login into the lockout page; last, as django-axes requires.
    "axes.middleware.AxesMiddleware",
]

# Compress pages (whitenoise already serves static files pre-compressed). Django's GZip
# middleware pads each response with random bytes against BREACH-style attacks.
MIDDLEWARE.insert(
    MIDDLEWARE.index("whitenoise.middleware.WhiteNoiseMiddleware") + 1,
    "django.middleware.gzip.GZipMiddleware",
)
# A Server-Timing header with each response's SQL queries and time (ppci/lib/servertiming.py),
# for measuring: off by default, since it tells anyone what a page costs. Just inside
# whitenoise, which answers static files before it, and outside compression, which it times.
SERVER_TIMING = envbool("SERVER_TIMING", False)
if SERVER_TIMING:
    MIDDLEWARE.insert(
        MIDDLEWARE.index("whitenoise.middleware.WhiteNoiseMiddleware") + 1,
        "ppci.lib.servertiming.ServerTimingMiddleware",
    )

ROOT_URLCONF = "ppci.urls"
WSGI_APPLICATION = "ppci.wsgi.application"

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
                "ppci.context_processors.site",
            ],
            # {% url %} reverses each view once per language (ppci/lib/urltag.py).
            "builtins": ["ppci.lib.urltag"],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=envint("CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
# Planner settings for this app's PostgreSQL connections. The default costs assume spinning
# disks, and so prefer scanning a whole table to a thousand index lookups that take a
# millisecond on an SSD; and a page's short queries lose more to starting parallel workers
# than they gain, while the other requests need the cores. Empty keeps the server's setting
# (for a pooler that refuses startup options, say).
PG_OPTIONS = {
    "random_page_cost": os.environ.get("PG_RANDOM_PAGE_COST", "1.1"),
    "max_parallel_workers_per_gather": os.environ.get("PG_MAX_PARALLEL_WORKERS_PER_GATHER", "0"),
    # The last backstop: no statement runs longer than this (milliseconds), below gunicorn's
    # 30 s worker timeout, so that a runaway query ends as an error, not a killed worker.
    "statement_timeout": os.environ.get("PG_STATEMENT_TIMEOUT", "20000"),
    # Compiling a query to machine code pays off for analytics; the list's counts over a
    # hundred thousand initiatives cost enough to trigger it, and then lose 100 ms or more
    # to compiling a query that runs once.
    "jit": os.environ.get("PG_JIT", "off"),
}
# A case's page sends its reads as statements prepared once in each connection's server
# session (ppci/lib/prepared.py), which PostgreSQL then does not plan again on each visit.
# Off behind a pooler that gives each transaction another server session (PgBouncer's
# transaction mode).
PG_PREPARED_STATEMENTS = envbool("PG_PREPARED_STATEMENTS", True)
# Parallel workers for the one statement of a search that matches and ranks every initiative
# (a common word at network scale); 0 for none.
SEARCH_PARALLEL_WORKERS = envint("PG_SEARCH_PARALLEL_WORKERS", 2)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    options = " ".join(
        f"-c {name}={value if value.isalpha() else float(value) if '.' in value else int(value)}"
        for name, value in PG_OPTIONS.items()
        if value
    )
    if options:
        DATABASES["default"].setdefault("OPTIONS", {})["options"] = options
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite used as a server's database: readers never wait for the writer (WAL); a write
    # transaction takes the lock when it starts (IMMEDIATE), so two staff saves queue up
    # instead of one failing with "database is locked" halfway; and a writer waits up to
    # SQLITE_BUSY_TIMEOUT seconds for the lock. Reads see the file through memory mapped
    # from the system's file cache (mmap_size, the first SQLITE_MMAP_SIZE bytes), not
    # through a read() and a copy of each page into SQLite's own small cache of 2 MB.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": envint("SQLITE_BUSY_TIMEOUT", 20),
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                f"PRAGMA mmap_size={envint('SQLITE_MMAP_SIZE', 256 * 1024 * 1024)};"
            ),
        }
    )
    # The last backstop, as PostgreSQL's statement_timeout is: a statement still running
    # after this many milliseconds is interrupted (see ppci/lib/timeouts.py); 0 for none.
    SQLITE_STATEMENT_TIMEOUT = envint("SQLITE_STATEMENT_TIMEOUT", 20000)
    # A file, not memory, so that the browser tests' live server threads share it; beside
    # the database it tests (".test-db.sqlite3" for the default one).
    _database_file = Path(DATABASES["default"]["NAME"])
    DATABASES["default"]["TEST"] = {
        "NAME": str(_database_file.with_name(f".test-{_database_file.stem}.sqlite3"))
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Password validators: every staff password is checked by all four of Django's. ---
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Admin login protection (django-axes). ---
# Five failed logins from one address, or for one user name, lock further attempts for the
# cool-off time; the lockout is logged (logger "ppci.security") and shown as a page in both
# languages. `manage.py axes_reset_username NAME` / `axes_reset_ip ADDRESS` lift a lock.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_ENABLED = True
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=envint("AXES_COOLOFF_MINUTES", 30))
AXES_LOCKOUT_PARAMETERS = ["ip_address", "username"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "ppci.lib.security.lockout_response"
AXES_CLIENT_IP_CALLABLE = "ppci.lib.security.client_ip"
# Behind N reverse proxies that append to X-Forwarded-For, the client is the Nth from the end.
TRUSTED_PROXY_COUNT = envint("TRUSTED_PROXY_COUNT", 0)

# Internationalisation: Spanish first, English second. Every public page lives under a
# language prefix; model texts fall back to the other language where one is missing.
LANGUAGE_CODE = "es"
LANGUAGES = [("es", _("Spanish")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Where the portal's number formats differ from Django's (ppci/formats/es: “100.000”).
FORMAT_MODULE_PATH = ["ppci.formats"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

MODELTRANSLATION_DEFAULT_LANGUAGE = "es"
MODELTRANSLATION_LANGUAGES = ("es", "en")
MODELTRANSLATION_FALLBACK_LANGUAGES = {"default": ("es", "en")}

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or LOCAL
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG or LOCAL

# Transport and cookie security: on unless DEBUG or LOCAL, each can be overridden.
PLAIN_HTTP = DEBUG or LOCAL
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", not PLAIN_HTTP)
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 0 if PLAIN_HTTP else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = envbool("SESSION_COOKIE_SECURE", not PLAIN_HTTP)
CSRF_COOKIE_SECURE = envbool("CSRF_COOKIE_SECURE", not PLAIN_HTTP)
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
# The admin's language switch sets this cookie; it is remembered for a year.
LANGUAGE_COOKIE_AGE = 365 * 24 * 60 * 60
X_FRAME_OPTIONS = "DENY"

# --- Security headers and Content-Security-Policy (django-csp). ---
# The public pages load nothing but their own stylesheet, icon and (none yet) scripts: no
# inline style or script anywhere, no plugins, no <base>, no framing.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
# Django's admin (with its history and recovery pages) runs under the same policy: its
# scripts and styles are all files, so it needs no looser one.
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"

LOGIN_URL = "admin:login"

# --- E-mail: the review workflow's notifications, kept in an outbox and sent after commit. ---
# The console backend prints them; set EMAIL_BACKEND (and EMAIL_HOST, …) to send for real.
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = envint("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = envint("EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "PPCI Case Book <casebook@localhost>")
# Days after which the contact details of proposers and correction senders are erased
# (erase_contact_details, run daily from cron); the privacy notice says so.
PERSONAL_DATA_DAYS = envint("PERSONAL_DATA_DAYS", 365)
# The portal's own address, for links in e-mails: never taken from a request's Host.
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# --- Logging: everything to the console (gunicorn passes it on); security events always. ---
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
    "loggers": {
        # Admin lockouts and refused logins, whatever LOG_LEVEL says.
        "ppci.security": {"level": "INFO"},
        "axes": {"level": "WARNING"},
    },
}

# Caches: local memory in one process by default; Redis (Django's own backend) when
# REDIS_URL is set, which production needs as soon as more than one process serves pages,
# so that they share the page cache's generation and the correction form's rate limit.
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            # Django's Redis backend, made to fail soft: an error is logged and the request
            # served uncached (short socket timeouts, a breaker); see ppci/lib/cache.py.
            "BACKEND": "ppci.lib.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "ppci"),
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "OPTIONS": {"MAX_ENTRIES": 5000},
        }
    }
# Public pages are kept this many seconds at most (0 turns the page cache off); a change to
# anything they show replaces them at once, whatever this says. A page larger than
# PAGE_CACHE_MAX_BYTES is never kept.
PAGE_CACHE_SECONDS = envint("PAGE_CACHE_SECONDS", 3600)
PAGE_CACHE_MAX_BYTES = envint("PAGE_CACHE_MAX_BYTES", 512 * 1024)
# The query parameters public pages read (the lists' filters, sort and page; the comparison's
# cases; a sitemap section's page, p); a public address with any other is redirected to the
# address without it.
PAGE_QUERY_PARAMETERS = frozenset(
    {
        "q", "theme", "sector", "kind", "programming", "funding", "issue", "scale",
        "country", "city", "year_from", "year_to", "evidence", "method", "sort", "page", "i",
        "gap", "p",
    }
)  # fmt: skip

# bench/benchmark.py measures pages against a view that renders the base template and
# touches no database; it exists only when this is set.
BENCHMARK_CEILING_VIEW = envbool("BENCHMARK_CEILING_VIEW", False)
# The public initiative list answers from an index of the published case book kept in memory
# (casebook/listindex.py); off, it counts and pages in the database on every request.
LIST_INDEX = envbool("LIST_INDEX", True)
# "background": after a change of content the database answers the list while a thread
# builds the new index; "inline": the first request after a change builds it (the tests).
LIST_INDEX_BUILD = os.environ.get("LIST_INDEX_BUILD", "background")
# The list's index keeps the matches of a search (and their scores) for the content's
# generation, so that a search refined by filters, sorts and pages is not matched again;
# off, every request matches its search (a benchmark of first visits turns it off).
SEARCH_MEMO = envbool("SEARCH_MEMO", True)

# Listing pages.
INITIATIVES_PER_PAGE = envint("INITIATIVES_PER_PAGE", 12)
PARTNERS_PER_PAGE = envint("PARTNERS_PER_PAGE", 24)
CITIES_PER_PAGE = envint("CITIES_PER_PAGE", 250)
