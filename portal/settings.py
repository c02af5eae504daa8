"""Settings for the clinic intake portal, read from the environment.

With nothing set, the portal runs on an embedded default under var/: SQLite,
Celery's filesystem transport and emails written to files. Production sets
DATABASE_URL, CELERY_BROKER_URL, the EMAIL_* variables, SECRET_KEY and
ALLOWED_HOSTS (see README.md).
"""

import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from portal.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("PORTAL_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", False)


def _embedded_secret_key() -> str | None:
    """On the embedded default, keep a generated key under var/; production sets SECRET_KEY."""
    if "DATABASE_URL" in os.environ:
        return None
    path = VAR_DIR / "secret_key"
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = env_str("SECRET_KEY", os.environ.get("SECRET_KEY") or _embedded_secret_key())
if not DEBUG and len(SECRET_KEY) < 32:
    raise ImproperlyConfigured("SECRET_KEY must be at least 32 characters when DEBUG is off")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
# Links in emails point here; requests never set it (Host headers can lie).
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# The clinic as patients see it on every page and in every email. The default
# name is neutral: it goes into email subjects, which must name no condition.
CLINIC_NAME = env_str("CLINIC_NAME", "The clinic")
CLINIC_PHONE = env_str("CLINIC_PHONE", "")
CLINIC_ADDRESS = env_str("CLINIC_ADDRESS", "")
BOOKING_URL = env_str("BOOKING_URL", "")
# The number the emergency notices tell patients to call.
EMERGENCY_NUMBER = env_str("EMERGENCY_NUMBER", "112")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "formtools",
    "csp",
    "referrals",
    "intake",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "portal.locale.PatientLocaleMiddleware",
    "portal.rate_limit.PatientRateLimitMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

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
                "portal.context_processors.clinic",
            ],
        },
    },
]


def _database() -> dict:
    url = env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'portal.sqlite3'}")
    try:
        # Connections are kept between requests (and a worker's tasks) and checked
        # before reuse, so a restarted database costs one error-free reconnect.
        config = dj_database_url.parse(
            url, conn_max_age=env_int("DB_CONN_MAX_AGE", 60), conn_health_checks=True
        )
    except ValueError as exc:
        raise ImproperlyConfigured(f"DATABASE_URL is not a database URL: {exc}") from None
    if config["ENGINE"] == "django.db.backends.sqlite3":
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        # Web, worker and beat share one file: take the write lock up front
        # and let readers go on while someone writes.
        config["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    return config


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Patients read the portal in English or Russian: the browser's language, or
# the one chosen with the switcher on every page. Staff pages and staff alerts
# stay in LANGUAGE_CODE, the clinic's language.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("ru", "Русский")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Strict policy: no inline scripts or styles anywhere, nothing from a CDN.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    },
}
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True

# HTTPS only without DEBUG: plain HTTP is redirected, browsers are told to stay
# on HTTPS (HSTS) and cookies travel over HTTPS only. `make run` (DEBUG) serves
# plain HTTP on loopback, so there all of them are off.
SECURE_SSL_REDIRECT = env_bool("SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = env_int("HSTS_SECONDS", 0 if DEBUG else 365 * 24 * 3600)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("HSTS_PRELOAD", True)
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# Behind exactly one reverse proxy that terminates HTTPS, sets X-Forwarded-Proto
# and appends the client's address to X-Forwarded-For. Without it, both headers
# are ignored: a client could write them itself.
BEHIND_PROXY = env_bool("BEHIND_PROXY", False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if BEHIND_PROXY else None
# A form sent without its CSRF cookie or token gets the portal's page, not Django's.
CSRF_FAILURE_VIEW = "portal.errors.csrf_failure"

# Cache: Redis in production (shared by every web process, so the rate limit
# below holds across them); a local memory cache on the embedded default.
CACHE_URL = env_str("CACHE_URL", "")
if CACHE_URL and not CACHE_URL.startswith(("redis://", "rediss://", "unix://")):
    raise ImproperlyConfigured(f"CACHE_URL must be a redis:// URL, not {CACHE_URL.split(':')[0]!r}")
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
    if CACHE_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
}
# Requests per minute from one address to the patient pages (form and status
# pages); more get the 429 page. 0 turns the limit off (a load test can raise it).
RATE_LIMIT_PER_MINUTE = env_int("RATE_LIMIT_PER_MINUTE", 30)

# Email. Without EMAIL_HOST, messages are written as files under var/mail/.
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "clinic@localhost")
STAFF_ALERT_EMAILS = env_list("STAFF_ALERT_EMAILS")
EMAIL_HOST = env_str("EMAIL_HOST", "")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env_int("EMAIL_PORT", 587, minimum=1)
    EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", EMAIL_PORT == 587)
    EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", EMAIL_PORT == 465)
    EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 20, minimum=1)
    if EMAIL_USE_TLS and EMAIL_USE_SSL:
        raise ImproperlyConfigured("EMAIL_USE_TLS and EMAIL_USE_SSL cannot both be on")
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = VAR_DIR / "mail"

# Patient links in emails stop working after this many days.
STATUS_LINK_MAX_AGE_DAYS = env_int("STATUS_LINK_MAX_AGE_DAYS", 30, minimum=1)
# A reminder is tried this many times before it is marked failed.
REMINDER_MAX_ATTEMPTS = env_int("REMINDER_MAX_ATTEMPTS", 6, minimum=1)
# The appointment reminder goes this many hours before the visit.
APPOINTMENT_REMINDER_HOURS = env_int("APPOINTMENT_REMINDER_HOURS", 24, minimum=1)
# Staff are alerted when a case is still untriaged this many minutes after the
# intake. The defaults are the urgency time frames (referrals.vocabulary); an
# emergency's is "now", which the alert sent with the intake covers, so its
# untriaged alert follows 15 minutes later.
UNTRIAGED_ALERT_MINUTES = {
    "emergency": env_int("UNTRIAGED_ALERT_MINUTES_EMERGENCY", 15, minimum=1),
    "urgent": env_int("UNTRIAGED_ALERT_MINUTES_URGENT", 24 * 60, minimum=1),
    "soon": env_int("UNTRIAGED_ALERT_MINUTES_SOON", 7 * 24 * 60, minimum=1),
    "routine": env_int("UNTRIAGED_ALERT_MINUTES_ROUTINE", 28 * 24 * 60, minimum=1),
    "self_care": env_int("UNTRIAGED_ALERT_MINUTES_SELF_CARE", 42 * 24 * 60, minimum=1),
}


def _broker() -> tuple[str, dict]:
    url = env_str("CELERY_BROKER_URL", "filesystem://localhost//")
    if url.startswith("filesystem://"):
        queue, control = VAR_DIR / "celery" / "queue", VAR_DIR / "celery" / "control"
        for folder in (queue, control):
            folder.mkdir(parents=True, exist_ok=True)
        return url, {
            "data_folder_in": str(queue),
            "data_folder_out": str(queue),
            "control_folder": str(control),
        }
    if not url.startswith(("redis://", "rediss://", "amqp://")):
        raise ImproperlyConfigured(f"CELERY_BROKER_URL has an unsupported scheme: {url.split(':')[0]!r}")
    # Redis: a message that is not acknowledged within the hour goes back to
    # the queue; tasks are short, so one hour is far more than any of them.
    return url, {"visibility_timeout": 3600}


CELERY_BROKER_URL, CELERY_BROKER_TRANSPORT_OPTIONS = _broker()
# Seconds the web process's background publish ("send what is due now") waits on
# the broker, to connect and for each reply, before leaving the work to beat.
BROKER_PUBLISH_TIMEOUT = env_int("BROKER_PUBLISH_TIMEOUT", 2, minimum=1)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Seconds a Celery worker keeps a database connection between tasks (checked before each reuse).
WORKER_DB_CONN_MAX_AGE = env_int("WORKER_DB_CONN_MAX_AGE", 600)
# Celery's Django fixup closes the connection around every task unless told to reuse it;
# portal.celery closes it around each task as Django does around a request (a broken one, or
# one older than WORKER_DB_CONN_MAX_AGE, with a health check before reuse).
CELERY_DB_REUSE_MAX = 1000 if WORKER_DB_CONN_MAX_AGE else None
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.5}
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    "reminders-dispatch": {"task": "intake.tasks.reminders_dispatch", "schedule": 60.0},
    "alerts-untriaged": {"task": "intake.tasks.alerts_untriaged", "schedule": 300.0},
}
CELERY_TIMEZONE = TIME_ZONE
# The worker and beat log through LOGGING below (and so its redaction filter), not a handler of their own.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

LOG_LEVEL = env_str("LOG_LEVEL", "INFO").upper()
if LOG_LEVEL not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
    raise ImproperlyConfigured(f"LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR, not {LOG_LEVEL!r}")
# Logs: one plain stream on stderr. Every line passes the redaction filter, which
# removes status-link tokens and query-string values (admin searches hold names).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact": {"()": "portal.log_redaction.RedactFilter"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["redact"]},
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    # Django's own handlers for these would write unfiltered lines: route them here.
    "loggers": {
        "django": {"handlers": ["console"], "level": LOG_LEVEL, "propagate": False},
        "django.server": {"handlers": ["console"], "level": LOG_LEVEL, "propagate": False},
    },
}


# --- Staff sign-in, roles, audit trail and patient data rights ---------------
# Kept apart from the blocks above: it only adds to INSTALLED_APPS and
# MIDDLEWARE and sets the staff-side settings (see README.md, "Staff sign-in").


def _insert_after(items: list[str], anchor: str, *new: str) -> None:
    index = items.index(anchor) + 1
    items[index:index] = new


# The staff console's admin site asks for the second factor (portal/staff_site.py).
INSTALLED_APPS[INSTALLED_APPS.index("django.contrib.admin")] = "portal.apps.StaffAdminConfig"
INSTALLED_APPS += [
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "two_factor",
    "axes",
    "auditlog",
]
_insert_after(
    MIDDLEWARE,
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "auditlog.middleware.AuditlogMiddleware",
)
# After the messages middleware: it tells the signed-out member why.
_insert_after(
    MIDDLEWARE,
    "django.contrib.messages.middleware.MessageMiddleware",
    "portal.staff_sessions.StaffSessionTimeoutMiddleware",
)
# Last, as django-axes asks: it turns a lockout into the "locked" page.
MIDDLEWARE.append("axes.middleware.AxesMiddleware")
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# A second factor (TOTP app or a single-use backup code) for every staff login.
# Turn off only for a local demo.
STAFF_2FA = env_bool("STAFF_2FA", True)
LOGIN_URL = "two_factor:login"
LOGIN_REDIRECT_URL = "admin:index"
TWO_FACTOR_LOGIN_TIMEOUT = 600
# portal/staff_site.py decides where the admin sends a visitor to sign in.
TWO_FACTOR_PATCH_ADMIN = False

# Staff sessions end after this long without a request, and this long in all.
STAFF_IDLE_MINUTES = env_int("STAFF_IDLE_MINUTES", 30, minimum=1)
STAFF_SESSION_HOURS = env_int("STAFF_SESSION_HOURS", 12, minimum=1)
SESSION_COOKIE_AGE = STAFF_SESSION_HOURS * 3600

# Lockout after repeated failed sign-ins, per user name and per address apart.
STAFF_LOCKOUT_ATTEMPTS = env_int("STAFF_LOCKOUT_ATTEMPTS", 5, minimum=1)
STAFF_LOCKOUT_MINUTES = env_int("STAFF_LOCKOUT_MINUTES", 15, minimum=1)
AXES_FAILURE_LIMIT = STAFF_LOCKOUT_ATTEMPTS
AXES_COOLOFF_TIME = timedelta(minutes=STAFF_LOCKOUT_MINUTES)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
# The lock lifts when the page says it will, however often someone knocks meanwhile.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# No start-up banner: management commands keep their stderr for their own messages.
AXES_VERBOSE = False
AXES_LOCKOUT_CALLABLE = "portal.staff_lockout.lockout_response"
# The two-step sign-in's fields carry the wizard's step prefix ("auth-"): the
# user name is read from either form, and the password is never stored with a
# failed attempt.
AXES_USERNAME_CALLABLE = "portal.staff_lockout.username_of"
AXES_PASSWORD_FORM_FIELD = "auth-password"
if env_bool("BEHIND_PROXY", False):
    # The proxy in front appends the client's address; trust only its entry.
    AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR")
    AXES_IPWARE_PROXY_COUNT = 1

# The audit trail: old and new values as JSON, never a client's address.
AUDITLOG_DISABLE_REMOTE_ADDR = True
AUDITLOG_STORE_JSON_CHANGES = True

# Closed cases are anonymised this many days after they were closed; 0 is off.
RETENTION_DAYS = env_int("RETENTION_DAYS", 0)
CELERY_BEAT_SCHEDULE["cases-anonymise-expired"] = {
    "task": "intake.tasks.cases_anonymise_expired",
    "schedule": 3600.0,
}
