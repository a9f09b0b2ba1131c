"""madoguchi settings.

One file, configured from the environment. With no environment at all it runs the
embedded default: SQLite, local-memory cache, in-process tasks, email/SMS written to
var/outbox/, files on local disk. Production sets DEBUG=0 and the variables listed in
README.md; core.checks refuses to start on an unsafe production configuration.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("MADOGUCHI_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", True)
TESTING = env_bool("MADOGUCHI_TESTING", False)
# The embedded default's key is public by design; core.checks refuses it when DEBUG is off.
INSECURE_DEFAULT_SECRET_KEY = "embedded-default-not-secret-madoguchi"  # noqa: S105
SECRET_KEY = os.environ.get("SECRET_KEY", INSECURE_DEFAULT_SECRET_KEY)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
SITE_ID = 1

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sites",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.mfa",
    "allauth.usersessions",
    "allauth.headless",
    "ninja",
    "core",
    "accounts",
    "mfa",
    "recovery",
    "support",
    "helpcenter",
    "wallet",
    "api",
]
SOCIAL_PROVIDERS = env_list("MADOGUCHI_SOCIAL_PROVIDERS")  # e.g. "google,facebook,line"
if TESTING and "openid_connect" not in SOCIAL_PROVIDERS:
    # accounts/tests/test_social.py signs in through a real OpenID Connect server on loopback.
    SOCIAL_PROVIDERS.append("openid_connect")
INSTALLED_APPS += [f"allauth.socialaccount.providers.{name}" for name in SOCIAL_PROVIDERS]

MIDDLEWARE = [
    "core.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "core.middleware.LanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "accounts.middleware.ThrottledUserSessionsMiddleware",
    "accounts.middleware.DeviceCookieMiddleware",
    "core.middleware.HeadlessInputMiddleware",
    "core.middleware.MetricsMiddleware",
    "core.middleware.PeriodicTasksMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "core.context_processors.site",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
else:
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache, sessions ------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "core.cache.RedisCache",
            "LOCATION": REDIS_URL,
            # Parallel test workers share one Redis: each gets its own key space.
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "madoguchi") + os.environ.get("PYTEST_XDIST_WORKER", ""),
        }
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cache"
else:
    # Embedded default: one process. core.checks refuses a per-process cache in production,
    # because replay protection and rate limits must be shared between processes.
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_AGE = 60 * 60 * 12
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# --- Background tasks -------------------------------------------------------------
# "inline": run after commit in the same process (embedded default); "celery": Celery workers.
MADOGUCHI_TASKS = os.environ.get("MADOGUCHI_TASKS", "celery" if REDIS_URL and not DEBUG else "inline")
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", REDIS_URL or "memory://")
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = "madoguchi"
# Periodic jobs: (function, every N seconds). Celery beat runs them in production; the
# embedded default runs due jobs in-process (core.middleware.PeriodicTasksMiddleware).
MADOGUCHI_PERIODIC: dict[str, tuple[str, int]] = {
    "recovery-identity-retention": ("recovery.tasks:identity_retention", 3600),
    "accounts-usersessions-purge": ("accounts.tasks:usersessions_purge", 3600),
    "support-sla-breaches": ("support.tasks:sla_breaches_flag", 300),
    "support-close-resolved": ("support.tasks:resolved_close_after_period", 900),
    "support-queue-counts": ("support.tasks:queue_counts_rebuild", 24 * 3600),
}
CELERY_BEAT_SCHEDULE: dict[str, dict[str, object]] = {
    name: {"task": "madoguchi.run", "schedule": float(every), "args": (path, {})}
    for name, (path, every) in MADOGUCHI_PERIODIC.items()
}

# --- Passwords --------------------------------------------------------------------
PASSWORD_HASHERS = [
    "core.hashers.Argon2idHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
MADOGUCHI_PASSWORD_REQUIRE_MIX = env_bool("MADOGUCHI_PASSWORD_REQUIRE_MIX", True)
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "accounts.validators.LetterDigitMixValidator"},
    {"NAME": "accounts.validators.MaximumLengthValidator"},
]
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # Django's and allauth's backends with a cheaper per-request user load (accounts/backends.py).
    "accounts.backends.ModelBackend",
    "accounts.backends.AuthenticationBackend",
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/"

# --- allauth ------------------------------------------------------------------------
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_SIGNUP_FORM_CLASS = "accounts.signup_extra.SignupExtraForm"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_EMAIL_NOTIFICATIONS = True
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_FORMS = {
    "login": "accounts.forms.LoginForm",
    "signup": "accounts.forms.SignupForm",
    "reset_password": "recovery.forms.PasswordResetRequestForm",
}
# Reset links are bound to a grant row: 24 h, single use, SMS step first (recovery/tokens.py).
ACCOUNT_PASSWORD_RESET_TOKEN_GENERATOR = "recovery.tokens.PasswordResetTokenGenerator"  # noqa: S105 - a class path
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "confirm_email": "1/3m/key",
}
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if not DEBUG else "http"
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
SOCIALACCOUNT_ADAPTER = "accounts.adapter.SocialAccountAdapter"
MFA_ADAPTER = "mfa.adapter.MFAAdapter"
# Keys (newest first) that encrypt TOTP secrets at rest; see docs/security.md for rotation.
MADOGUCHI_MFA_ENCRYPTION_KEYS = env_list("MADOGUCHI_MFA_ENCRYPTION_KEYS")
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_TOTP_ISSUER = os.environ.get("MADOGUCHI_TOTP_ISSUER", "madoguchi")
MFA_TOTP_TOLERANCE = 1
MFA_PASSKEY_LOGIN_ENABLED = False
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = DEBUG
USERSESSIONS_TRACK_ACTIVITY = True
HEADLESS_CLIENTS = ("app", "browser")
HEADLESS_ONLY = False
HEADLESS_SERVE_SPECIFICATION = True
HEADLESS_FRONTEND_URLS: dict[str, str] = {}

# --- Language ---------------------------------------------------------------------------
LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", _("Japanese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Tokyo"
USE_I18N = True
USE_TZ = True

# --- Static and media -------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATIC_ROOT.mkdir(exist_ok=True)  # whitenoise warns on every request when it is missing
MEDIA_ROOT = VAR_DIR / "private"
S3_BUCKET = os.environ.get("MADOGUCHI_S3_BUCKET", "")
STORAGES: dict[str, dict[str, object]] = {
    # Private files (ID selfies, attachments) are never served by URL from storage:
    # only through permission-checked views. base_url=None keeps them unaddressable.
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(MEDIA_ROOT), "base_url": None},
    },
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
if S3_BUCKET:
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            "endpoint_url": os.environ.get("MADOGUCHI_S3_ENDPOINT_URL") or None,
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
if DEBUG or TESTING:
    STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024

# --- Email and SMS ------------------------------------------------------------------------
MADOGUCHI_OUTBOX_DIR = Path(os.environ.get("MADOGUCHI_OUTBOX_DIR", VAR_DIR / "outbox"))
EMAIL_URL = os.environ.get("EMAIL_URL", "")
if EMAIL_URL.startswith("smtp"):
    from urllib.parse import unquote, urlparse

    _email = urlparse(EMAIL_URL)
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": _email.hostname or "localhost",
                "port": _email.port or 587,
                "username": unquote(_email.username or ""),
                "password": unquote(_email.password or ""),
                "use_tls": _email.scheme == "smtp+tls" or (_email.port or 587) == 587,
                "use_ssl": _email.scheme == "smtps",
                "timeout": 10,
            },
        }
    }
else:
    MAILERS = {"default": {"BACKEND": "core.mail.OutboxEmailBackend"}}
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "madoguchi <no-reply@madoguchi.example>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
MADOGUCHI_SMS_BACKEND = os.environ.get("MADOGUCHI_SMS_BACKEND", "core.sms.OutboxSmsBackend")
MADOGUCHI_SMS_ECHO_CONSOLE = env_bool("MADOGUCHI_SMS_ECHO_CONSOLE", not TESTING)
# Regions whose mobile numbers may receive SMS codes (accounts.phone). Default: Japanese
# mobiles only (070/080/090); e.g. "JP,US" also allows US mobiles. Premium, freephone and
# VoIP numbers are refused whatever this says.
MADOGUCHI_PHONE_ALLOWED_REGIONS = env_list("MADOGUCHI_PHONE_ALLOWED_REGIONS", "JP")

# --- Captcha ----------------------------------------------------------------------------
# "altcha" (self-hosted proof of work, default), "recaptcha", "turnstile" or "hcaptcha".
MADOGUCHI_CAPTCHA_BACKEND = os.environ.get("MADOGUCHI_CAPTCHA_BACKEND", "altcha")
MADOGUCHI_CAPTCHA_MAXNUMBER = int(os.environ.get("MADOGUCHI_CAPTCHA_MAXNUMBER", "50000"))
MADOGUCHI_CAPTCHA_SITE_KEY = os.environ.get("MADOGUCHI_CAPTCHA_SITE_KEY", "")
MADOGUCHI_CAPTCHA_SECRET = os.environ.get("MADOGUCHI_CAPTCHA_SECRET", "")

# --- Security headers (production) --------------------------------------------------------
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# --- Operations ---------------------------------------------------------------------------
MADOGUCHI_METRICS_TOKEN = os.environ.get("MADOGUCHI_METRICS_TOKEN", "")
MADOGUCHI_JSON_LOGS = env_bool("MADOGUCHI_JSON_LOGS", not DEBUG)
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "core.logging.json_formatter"},
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if MADOGUCHI_JSON_LOGS else "plain",
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.server": {"level": "WARNING"},
        "django.request": {"level": "ERROR"},
    },
}

# User.email is unique case-insensitively (a functional unique constraint), which the
# auth.W004 check cannot see.
SILENCED_SYSTEM_CHECKS = ["auth.W004"]
