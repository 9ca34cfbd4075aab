"""Kinframe's one settings module.

Every value that differs between a laptop demo and a production deployment is read from the
environment, with a default that is safe for the embedded setup (SQLite, a private folder on disk,
email and SMS printed to the console, the sandbox card provider). The README lists every variable.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, SELF
from django.core.exceptions import ImproperlyConfigured

from kinframe.notify.email_url import EmailUrlError, email_settings
from kinframe.ops.logs import logging_config
from kinframe.ops.sentry import sentry_init

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent.parent


def env(name: str, default: str = "") -> str:
    """Read a setting; ``NAME_FILE`` (a path, as Docker and systemd secrets use) wins over ``NAME``."""
    file_path = os.environ.get(f"{name}_FILE")
    if file_path:
        return Path(file_path).read_text().strip()
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = env(name, "1" if default else "0").strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off", ""}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")


def env_int(name: str, default: int) -> int:
    value = env(name, str(default))
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from exc


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


# --- Core -------------------------------------------------------------------------------------------
DEBUG = env_bool("DEBUG", False)
DATA_DIR = Path(env("KINFRAME_DATA_DIR", str(PROJECT_DIR / "var")))
SECRET_KEY = env("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("Set SECRET_KEY (or SECRET_KEY_FILE); `make run` sets DEBUG=1.")
    SECRET_KEY = "insecure-development-key-never-use-in-production"
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SITE_URL = env("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
SITE_NAME = env("SITE_NAME", "Kinframe")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "ninja",  # serves the API docs page from its bundled static files, not a CDN
    "django_tasks",
    "django_tasks_db",
    # Domain apps: models, rules, transactions.
    "kinframe.accounts",
    "kinframe.audit",
    "kinframe.facilities",
    "kinframe.connections",
    "kinframe.credits",
    "kinframe.payments",
    "kinframe.photos",
    "kinframe.notify",
    "kinframe.content",
    "kinframe.custody",
    "kinframe.privacy",
    "kinframe.restrictions",
    "kinframe.ops",  # running it: health, metrics, backups, retention, the worker; no audience imports
    "kinframe.devices",
    "kinframe.reports",  # daily figures per facility, kept by `refresh_reports`
    "kinframe.investigations",  # photo search, a photo's story, case exports
    # Audience apps: pages and endpoints for one kind of user.
    "kinframe.sender",
    "kinframe.kiosk",
    "kinframe.console",
    "kinframe.api",
]

MIDDLEWARE = [
    "kinframe.ops.middleware.RequestTelemetryMiddleware",
    "kinframe.ops.middleware.OpsEndpointsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "kinframe.headers.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "kinframe.accounts.middleware.AccountLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "kinframe.accounts.middleware.AdminSecondFactorMiddleware",
    "kinframe.accounts.middleware.SecondFactorEnrolmentMiddleware",
    "kinframe.audit.middleware.RequestContextMiddleware",
    "kinframe.timezones.BrowserTimeZoneMiddleware",
    "kinframe.headers.PrivatePagesMiddleware",
]

ROOT_URLCONF = "kinframe.urls"
WSGI_APPLICATION = "kinframe.wsgi.application"
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
                "kinframe.context_processors.site",
                "kinframe.console.context_processors.console",
                "csp.context_processors.nonce",
            ],
        },
    },
]

# --- Database ----------------------------------------------------------------------------------------
# SQLite serves the web process and the task worker at once only with WAL, IMMEDIATE transactions
# (writers queue instead of failing with "database is locked") and a busy timeout.
SQLITE_OPTIONS = {
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
}
DATABASE_URL = env("DATABASE_URL", f"sqlite:///{DATA_DIR / 'kinframe.sqlite3'}")
# Each web thread keeps its connection between requests: opening one cost ~6 ms of a 17 ms page on
# PostgreSQL. The health check re-opens one that the server or a pooler closed meanwhile.
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL,
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
        conn_health_checks=env_bool("DB_CONN_HEALTH_CHECKS", True),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = SQLITE_OPTIONS
    if DATABASES["default"]["NAME"] != ":memory:":
        # A fresh clone has no var/ yet; SQLite creates the file but not its folder.
        Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    DATABASES["default"]["TEST"] = {"NAME": env("KINFRAME_TEST_SQLITE", "") or None}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Accounts ------------------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "sender:home"
LOGOUT_REDIRECT_URL = "/"

# django-allauth (owned by kinframe.accounts; see accounts/adapter.py and accounts/stages.py).
# A sender signs up with an email address and/or a mobile number and may act once ONE is verified
# (email by code, mobile by SMS code); they sign in by username, email or mobile number.
ACCOUNT_ADAPTER = "kinframe.accounts.adapter.AccountAdapter"
ACCOUNT_FORMS = {"signup": "kinframe.accounts.forms.SignupForm"}
ACCOUNT_LOGIN_METHODS = {"username", "email", "phone"}
# "email*" because allauth's verification by code requires it; accounts.forms.SignupForm makes
# the email optional (one contact, email or mobile, is required instead).
ACCOUNT_SIGNUP_FIELDS = ["username*", "email*", "phone", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED = True
ACCOUNT_EMAIL_VERIFICATION_SUPPORTS_RESEND = True
ACCOUNT_PHONE_VERIFICATION_SUPPORTS_RESEND = True
ACCOUNT_PHONE_VERIFICATION_CODE_FORMAT = {"numeric": True, "length": 6, "dashed": False}
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = f"[{SITE_NAME}] "
# allauth's rate limits (login failures, signups, codes; "verify_phone" caps SMS sends at one per
# 30 s per number and 3 a minute per IP). tests/settings.py turns them off.
# Second factors: an authenticator app (TOTP) or a security key / passkey (WebAuthn), with recovery
# codes. A passkey may also sign someone in on its own. Staff and operators enrol only through a
# one-time link from a facility admin or an operator (accounts.services.enrolment_link_issue),
# valid MFA_ENROLMENT_LINK_HOURS.
MFA_SUPPORTED_TYPES = ["totp", "webauthn", "recovery_codes"]
MFA_FORMS = {  # only to give the security key's name field a translated label
    "add_webauthn": "kinframe.accounts.forms.AddWebAuthnForm",
    "edit_webauthn": "kinframe.accounts.forms.EditWebAuthnForm",
}
MFA_PASSKEY_LOGIN_ENABLED = True
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = DEBUG  # `make run` serves plain http://127.0.0.1
MFA_TOTP_ISSUER = SITE_NAME
MFA_ENROLMENT_LINK_HOURS = env_int("MFA_ENROLMENT_LINK_HOURS", 24)

# --- Files ---------------------------------------------------------------------------------------------
# Photos are never at a public URL: the default storage is a private folder that no URL maps to,
# and photos are served by views that check who asks.
STATIC_URL = "/static/"
STATIC_ROOT = Path(env("STATIC_ROOT", str(DATA_DIR / "static")))
STATICFILES_DIRS = [BASE_DIR / "static"]
PRIVATE_MEDIA_ROOT = Path(env("PRIVATE_MEDIA_ROOT", str(DATA_DIR / "private")))
STORAGE_BACKEND = env("STORAGE_BACKEND", "local")  # local | s3
if STORAGE_BACKEND == "s3":
    _default_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env("S3_BUCKET"),
            "endpoint_url": env("S3_ENDPOINT_URL") or None,
            "region_name": env("S3_REGION") or None,
            "access_key": env("S3_ACCESS_KEY_ID") or None,
            "secret_key": env("S3_SECRET_ACCESS_KEY") or None,
            "default_acl": "private",
            "querystring_auth": True,
            "querystring_expire": 30,
            # Signature V4: AWS requires it in newer regions, and its URLs carry their lifetime.
            "signature_version": "s3v4",
            "file_overwrite": False,
        },
    }
elif STORAGE_BACKEND == "local":
    _default_storage = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": PRIVATE_MEDIA_ROOT, "base_url": None},
    }
else:
    raise ImproperlyConfigured("STORAGE_BACKEND must be 'local' or 's3'")
STORAGES = {
    "default": _default_storage,
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
# How a photo view hands the bytes to the web server: "" streams from Django, "x-accel" (nginx)
# or "x-sendfile" (Apache) hand off a path under PHOTO_SENDFILE_PREFIX.
PHOTO_SENDFILE = env("PHOTO_SENDFILE", "")
PHOTO_SENDFILE_PREFIX = env("PHOTO_SENDFILE_PREFIX", "/protected/")

# --- Photos --------------------------------------------------------------------------------------------
PHOTO_DEFAULT_PRICE = env_int("PHOTO_DEFAULT_PRICE", 100)
PHOTO_MAX_UPLOAD_BYTES = env_int("PHOTO_MAX_UPLOAD_BYTES", 25 * 1024 * 1024)
PHOTO_MAX_PIXELS = env_int("PHOTO_MAX_PIXELS", 100_000_000)
PHOTO_MAX_PER_SEND = env_int("PHOTO_MAX_PER_SEND", 10)
# A worker renews its claim on a photo while it works (every third of the timeout); a claim not
# renewed for this long belongs to a worker that died, and the reaper queues the photo again.
PHOTO_CLAIM_TIMEOUT_SECONDS = env_int("PHOTO_CLAIM_TIMEOUT_SECONDS", 60)
# How often each worker runs the reaper (stale claims, retries that are due, lost tasks).
PHOTO_REAPER_INTERVAL_SECONDS = env_int("PHOTO_REAPER_INTERVAL_SECONDS", 15)
# A photo that meets a storage or database error is retried, with growing pauses, for this long
# after it was sent; only then is it failed and refunded. A damaged image fails at once.
PHOTO_INFRA_RETRY_HOURS = env_int("PHOTO_INFRA_RETRY_HOURS", 24)
# How often a worker removes stored files that no photo names (left by a crash mid-write).
PHOTO_ORPHAN_SWEEP_SECONDS = env_int("PHOTO_ORPHAN_SWEEP_SECONDS", 3600)
# Reports compare review times (sending to decision) against this target.
REVIEW_TARGET_HOURS = env_int("REVIEW_TARGET_HOURS", 24)
# The most photos one case export may hold (the ZIP is built while the investigator waits).
CASE_EXPORT_MAX_PHOTOS = env_int("CASE_EXPORT_MAX_PHOTOS", 200)
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# --- Credits and payments -------------------------------------------------------------------------------
CREDITS_MIN_PURCHASE = env_int("CREDITS_MIN_PURCHASE", 500)
CREDITS_MAX_PURCHASE = env_int("CREDITS_MAX_PURCHASE", 50_000)
CREDITS_DAILY_LIMIT = env_int("CREDITS_DAILY_LIMIT", 100_000)
CREDITS_PACKS = [500, 1000, 2500, 5000]
PAYMENT_PROVIDER = env("PAYMENT_PROVIDER", "sandbox")  # sandbox | stripe
# Signs the sandbox's webhook callbacks. Never a value in the source: in DEBUG a fresh
# random secret each start, since the sandbox signs and checks its callbacks in the same process;
# otherwise it must be set when the sandbox takes payments, and the development key is refused.
PAYMENT_SANDBOX_SECRET = env("PAYMENT_SANDBOX_SECRET")
PAYMENT_PUBLIC_SECRETS = frozenset({"insecure-development-key-never-use-in-production"})
if not DEBUG:
    if PAYMENT_SANDBOX_SECRET in PAYMENT_PUBLIC_SECRETS or (
        PAYMENT_PROVIDER == "sandbox" and not PAYMENT_SANDBOX_SECRET
    ):
        raise ImproperlyConfigured(
            "Set PAYMENT_SANDBOX_SECRET to a random value (not the development key), "
            "or run with DEBUG=1 for a demo."
        )
elif not PAYMENT_SANDBOX_SECRET:
    import secrets

    PAYMENT_SANDBOX_SECRET = secrets.token_urlsafe(32)
STRIPE_SECRET_KEY = env("STRIPE_SECRET_KEY")
STRIPE_WEBHOOK_SECRET = env("STRIPE_WEBHOOK_SECRET")
STRIPE_API_BASE = env("STRIPE_API_BASE")  # tests point this at a local stand-in server

# --- Email and SMS ---------------------------------------------------------------------------------------
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "Kinframe <no-reply@kinframe.localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# smtp://host (plain, 25), smtp+tls://user:pass@host (STARTTLS, 587), smtps://user:pass@host
# (implicit TLS, 465); empty = console + outbox. See notify/email_url.py.
EMAIL_URL = env("EMAIL_URL", "")
if EMAIL_URL:
    try:
        _email = email_settings(EMAIL_URL)
    except EmailUrlError as exc:
        raise ImproperlyConfigured(str(exc)) from exc
    EMAIL_BACKEND = _email["EMAIL_BACKEND"]
    EMAIL_HOST = _email["EMAIL_HOST"]
    EMAIL_PORT = _email["EMAIL_PORT"]
    EMAIL_HOST_USER = _email["EMAIL_HOST_USER"]
    EMAIL_HOST_PASSWORD = _email["EMAIL_HOST_PASSWORD"]
    EMAIL_USE_TLS = _email["EMAIL_USE_TLS"]
    EMAIL_USE_SSL = _email["EMAIL_USE_SSL"]
    EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 20)
else:
    EMAIL_BACKEND = "kinframe.notify.backends.OutboxEmailBackend"
SMS_BACKEND = env("SMS_BACKEND", "console")  # console | twilio
TWILIO_ACCOUNT_SID = env("TWILIO_ACCOUNT_SID")
TWILIO_AUTH_TOKEN = env("TWILIO_AUTH_TOKEN")
TWILIO_FROM_NUMBER = env("TWILIO_FROM_NUMBER")
TWILIO_API_BASE = env("TWILIO_API_BASE", "https://api.twilio.com")

# --- Background tasks ---------------------------------------------------------------------------------
# The embedded default queues tasks in the database for `kinframe worker`; TASK_BACKEND=rq with
# REDIS_URL scales out to RQ workers on any number of hosts; tests run them at once ("immediate").
TASK_BACKEND = env("TASK_BACKEND", "database")
_task_backends = {
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
    "database": "django_tasks_db.DatabaseBackend",
    "rq": "django_tasks_rq.RQBackend",
}
if TASK_BACKEND not in _task_backends:
    raise ImproperlyConfigured(f"TASK_BACKEND must be one of {', '.join(_task_backends)}")
TASKS = {
    "default": {"BACKEND": _task_backends[TASK_BACKEND], "QUEUES": ["default", "photos", "email"]}
}
REDIS_URL = env("REDIS_URL", "redis://127.0.0.1:6379/0")
# RQ_QUEUES is always defined (the RQ backend reads it); the django_rq app, whose admin pages show
# the queues, is installed only with that backend: its dashboard model has no table to dump otherwise.
if TASK_BACKEND == "rq":
    INSTALLED_APPS.append("django_rq")
RQ_QUEUES = {name: {"URL": REDIS_URL} for name in TASKS["default"]["QUEUES"]}

STRIPE_MAX_NETWORK_RETRIES = env_int("STRIPE_MAX_NETWORK_RETRIES", 2)

# --- API ---------------------------------------------------------------------------------------------
KINFRAME_API_RATE = env("KINFRAME_API_RATE", "600/min")  # requests per API client
# After a secret rotation the old token keeps working this long, then gets 401.
KINFRAME_API_ROTATION_GRACE_HOURS = env_int("KINFRAME_API_ROTATION_GRACE_HOURS", 24)
# Vendors' webhooks: attempts before a delivery is marked failed, the first retry's delay (doubling
# each time), the receiver's time to answer, and whether private/loopback addresses may receive them.
KINFRAME_WEBHOOK_MAX_ATTEMPTS = env_int("KINFRAME_WEBHOOK_MAX_ATTEMPTS", 6)
KINFRAME_WEBHOOK_BACKOFF_SECONDS = env_int("KINFRAME_WEBHOOK_BACKOFF_SECONDS", 30)
KINFRAME_WEBHOOK_TIMEOUT = env_int("KINFRAME_WEBHOOK_TIMEOUT", 10)
KINFRAME_WEBHOOK_ALLOW_PRIVATE = env_bool("KINFRAME_WEBHOOK_ALLOW_PRIVATE", DEBUG)

# --- Cache -------------------------------------------------------------------------------------------
# Counts failed kiosk PINs and allauth's rate limits. One `kinframe serve` process shares its memory
# cache across its threads; several web processes or hosts must share one: CACHE_URL=redis://... or db.
CACHE_URL = env("CACHE_URL", "")
CACHE_IS_REDIS = CACHE_URL.startswith(("redis://", "rediss://"))
if CACHE_IS_REDIS:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
    }
elif CACHE_URL == "db":
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "kinframe_cache",
        }
    }
elif CACHE_URL:
    raise ImproperlyConfigured("CACHE_URL must be empty, 'db' or a redis:// URL")
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Sessions are read on every signed-in request. With Redis they are read from it and written through
# to the database ("cached_db"): one query fewer per request, and a sign-out or a kiosk's flush
# deletes the session from Redis and the database at once, for every web process. Without a shared
# cache they stay in the database alone: in one process's memory cache a session signed out in
# another gunicorn worker would live on until it expired. (A database cache would save nothing.)
SESSION_ENGINE = (
    "django.contrib.sessions.backends.cached_db"
    if CACHE_IS_REDIS
    else "django.contrib.sessions.backends.db"
)

# --- Security -------------------------------------------------------------------------------------------
# HTTPS: behind a TLS-terminating proxy, set SECURE_PROXY_SSL_HEADER (or BEHIND_PROXY=1 for the usual
# X-Forwarded-Proto) so Django knows a request came over HTTPS; then SECURE_SSL_REDIRECT=1 and
# SECURE_HSTS_SECONDS (e.g. 31536000) make browsers use nothing else. `kinframe check --deploy`
# is clean with the production values listed in the README.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# A sign-in lasts 12 hours by default, not Django's 14 days: staff and senders on shared computers.
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 12 * 60 * 60)


def _proxy_ssl_header() -> tuple[str, str] | None:
    """``SECURE_PROXY_SSL_HEADER=X-Forwarded-Proto: https`` as Django's (META key, value) pair."""
    raw = env("SECURE_PROXY_SSL_HEADER")
    if not raw:
        return ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_PROXY") else None
    name, sep, value = raw.partition(":")
    if not sep or not name.strip() or not value.strip():
        raise ImproperlyConfigured(
            "SECURE_PROXY_SSL_HEADER must look like 'X-Forwarded-Proto: https'"
        )
    return "HTTP_" + name.strip().upper().replace("-", "_"), value.strip()


SECURE_PROXY_SSL_HEADER = _proxy_ssl_header()
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SECURE_REDIRECT_EXEMPT = [r"^api/health$"]  # load balancers probe over plain HTTP
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
PERMISSIONS_POLICY = env(
    "PERMISSIONS_POLICY",
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), "
    "payment=(), usb=(), interest-cohort=()",
)
# Content Security Policy (django-csp): scripts and styles only from our own static files, plus a
# <script> carrying the per-request nonce ({{ request.csp_nonce }}). No 'unsafe-inline'; htmx is
# told not to inject its indicator <style> and not to eval (base.html's htmx-config meta tag).
# img-src allows data: and blob: for the TOTP QR code and the send page's previews.
_csp_form_action = ["'self'"]
if env("PAYMENT_PROVIDER", "sandbox") == "stripe":
    _csp_form_action.append("https://checkout.stripe.com")  # the purchase form redirects there
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": [SELF, NONCE],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": _csp_form_action,
        **({"upgrade-insecure-requests": True} if SECURE_SSL_REDIRECT else {}),
    },
    "EXCLUDE_URL_PREFIXES": [],
}
KIOSK_PIN_MAX_ATTEMPTS = env_int("KIOSK_PIN_MAX_ATTEMPTS", 5)
KIOSK_PIN_MAX_FAILURES_PER_DEVICE = env_int("KIOSK_PIN_MAX_FAILURES_PER_DEVICE", 20)
KIOSK_IDLE_SECONDS = env_int("KIOSK_IDLE_SECONDS", 300)
# A kiosk session ends this long after sign-in whatever the activity (polling does not extend it).
KIOSK_SESSION_MAX_SECONDS = env_int("KIOSK_SESSION_MAX_SECONDS", 15 * 60)
# Wrong PINs per facility in 15 minutes before each further one pauses its kiosks exponentially.
KIOSK_PIN_FACILITY_FREE_FAILURES = env_int("KIOSK_PIN_FACILITY_FREE_FAILURES", 30)
# Lockouts at one facility within an hour that alert its admins (audit event and email).
KIOSK_LOCKOUT_ALERT_THRESHOLD = env_int("KIOSK_LOCKOUT_ALERT_THRESHOLD", 3)
# How long a kiosk enrolment code shown in the console stays valid.
KIOSK_ENROLMENT_SECONDS = env_int("KIOSK_ENROLMENT_SECONDS", 24 * 3600)
# Staff (console) and operators (admin) must sign in with a second factor (TOTP). `make run` turns it
# off for the demo.
CONSOLE_REQUIRE_MFA = env_bool("CONSOLE_REQUIRE_MFA", True)

# --- Locale, logging ---------------------------------------------------------------------------------------
# English is the default; a person's choice (account, kiosk profile), else the language cookie, else
# the browser's Accept-Language picks another. A third language is a new `LANGUAGES` entry and a .po
# file under src/kinframe/locale/ (see docs/i18n.md).
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("es", "Español")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Numbers in Spanish follow US Spanish (CLDR es-US: "1,234.50", "$5.00"), the families' own
# convention, not Spain's; dates keep Spanish wording ("30 de noviembre de 2026").
FORMAT_MODULE_PATH = ["kinframe.formats"]
TIME_ZONE = env("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True
LOG_LEVEL = env("LOG_LEVEL", "INFO")
LOG_FORMAT = env("LOG_FORMAT", "plain")  # plain | json
if LOG_FORMAT not in {"plain", "json"}:
    raise ImproperlyConfigured("LOG_FORMAT must be 'plain' or 'json'")
LOGGING = logging_config(log_format=LOG_FORMAT, level=LOG_LEVEL)

# --- Operations: health, metrics, error reports --------------------------------------------------------
# /readyz fails when no task worker has beaten for this long (workers beat every 15 s).
WORKER_HEARTBEAT_STALE_SECONDS = env_int("WORKER_HEARTBEAT_STALE_SECONDS", 60)
# /metrics answers a bearer token or an allowed address; with neither it is off (404).
METRICS_TOKEN = env("METRICS_TOKEN")
METRICS_ALLOWED_IPS = env_list("METRICS_ALLOWED_IPS")
SENTRY_DSN = env("SENTRY_DSN")
if SENTRY_DSN:
    sentry_init(
        dsn=SENTRY_DSN,
        environment=env("SENTRY_ENVIRONMENT", "production"),
        traces_sample_rate=float(env("SENTRY_TRACES_SAMPLE_RATE", "0") or 0),
    )

# WhiteNoise serves static files from the app folders in development (no collectstatic).
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG
