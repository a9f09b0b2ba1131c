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
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from config import features as _features
from core.settings_getter import allauth_setting

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("MADOGUCHI_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


# Malformed values found while reading the environment; the start stops at the end of this
# file with all of them listed (config/features.py).
_ENV_PROBLEMS: list[str] = []


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        return _features.parse_bool(raw)
    except _features.Invalid as exc:
        _ENV_PROBLEMS.append(f"{name}={raw!r}: {exc}")
        return default


def env_int(name: str, default: int, low: int, high: int) -> int:
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        return _features.integer(low, high)(raw)
    except _features.Invalid as exc:
        _ENV_PROBLEMS.append(f"{name}={raw!r}: {exc}")
        return default


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", True)
TESTING = env_bool("MADOGUCHI_TESTING", False)
# The embedded default's key is public by design; core.checks refuses it when DEBUG is off.
INSECURE_DEFAULT_SECRET_KEY = "embedded-default-not-secret-madoguchi"  # noqa: S105
SECRET_KEY = os.environ.get("SECRET_KEY", INSECURE_DEFAULT_SECRET_KEY)
SECRET_KEY_FALLBACKS = env_list("SECRET_KEY_FALLBACKS")  # old keys during a rotation (docs/operations.md)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SITE_URL = os.environ.get("SITE_URL", "http://localhost:8000").rstrip("/")
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
    "chat",
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
    "core.middleware.AfterResponseTasksMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "core.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "core.middleware.LanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "core.staff.StaffGateMiddleware",  # staff pages: product sign-in + second factor (docs/security.md)
    "accounts.middleware.ThrottledUserSessionsMiddleware",
    "accounts.middleware.DeviceCookieMiddleware",
    "core.middleware.HeadlessInputMiddleware",
    "core.middleware.MetricsMiddleware",
    "core.middleware.PeriodicTasksMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
# HTTP and the live chat's WebSocket (chat/, docs/decisions/0006-live-chat-channels.md).
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
                "django.template.context_processors.csp",
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
    # The database is the truth, Redis a copy: a Redis flush or restart signs nobody out.
    SESSION_ENGINE = "core.sessions"
else:
    # Embedded default: one process. core.checks refuses a per-process cache in production,
    # because replay protection and rate limits must be shared between processes.
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    SESSION_ENGINE = "django.contrib.sessions.backends.db"
# Live chat fan-out between ASGI nodes: Redis in production, in-process in the embedded default.
if REDIS_URL:
    # Redis pub/sub (docs/decisions/0006): one PUBLISH per group_send and one SUBSCRIBE per
    # group per process, delivered by the process's single reader task; the chat needs no
    # queued delivery (the rows are the truth, clients catch up by sequence number).
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {
                "hosts": [{"address": REDIS_URL, "socket_timeout": 30, "socket_connect_timeout": 5}],
                "prefix": os.environ.get("CACHE_KEY_PREFIX", "madoguchi")
                + "-chat"
                + os.environ.get("PYTEST_XDIST_WORKER", ""),
            },
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
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
# A message a killed worker held is given to another worker after this long (kombu's default
# is 1 h). Deliveries are idempotent (core.tasks.deliver), so a redelivery costs nothing;
# keep it above the longest task. The outbox re-dispatch usually gets there first.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": int(os.environ.get("MADOGUCHI_VISIBILITY_TIMEOUT", "300")),
    "socket_connect_timeout": 2,
    "socket_timeout": 5,
}
# kombu's Redis transport with a fix for the worker's exit on reconnecting after a broker
# restart (config/celery.py RedisTransport; docs/operations.md). Other brokers: kombu's own.
CELERY_BROKER_TRANSPORT = (
    "config.celery:RedisTransport" if CELERY_BROKER_URL.startswith(("redis://", "rediss://")) else None
)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None  # a worker outlives a broker outage of any length
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_PUBLISH_RETRY = False  # a request never waits on a down broker: the outbox row waits
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# The transactional outbox (core/tasks.py): every side effect is a row committed with its change.
MADOGUCHI_OUTBOX_LEASE_SECONDS = int(os.environ.get("MADOGUCHI_OUTBOX_LEASE_SECONDS", "120"))
MADOGUCHI_OUTBOX_REPUBLISH_SECONDS = int(os.environ.get("MADOGUCHI_OUTBOX_REPUBLISH_SECONDS", "120"))
MADOGUCHI_OUTBOX_RETRY_SECONDS = int(os.environ.get("MADOGUCHI_OUTBOX_RETRY_SECONDS", "30"))
MADOGUCHI_OUTBOX_MAX_ATTEMPTS = int(os.environ.get("MADOGUCHI_OUTBOX_MAX_ATTEMPTS", "10"))
MADOGUCHI_OUTBOX_KEEP_DAYS = int(os.environ.get("MADOGUCHI_OUTBOX_KEEP_DAYS", "7"))
MADOGUCHI_OUTBOX_MAX_AGE_SECONDS = int(os.environ.get("MADOGUCHI_OUTBOX_MAX_AGE_SECONDS", "300"))  # readyz
MADOGUCHI_OUTBOX_REDISPATCH_SECONDS = int(os.environ.get("MADOGUCHI_OUTBOX_REDISPATCH_SECONDS", "30"))
MADOGUCHI_HEARTBEAT_SECONDS = int(os.environ.get("MADOGUCHI_HEARTBEAT_SECONDS", "10"))
MADOGUCHI_WORKER_STALE_SECONDS = int(os.environ.get("MADOGUCHI_WORKER_STALE_SECONDS", "60"))  # readyz
# Periodic jobs: (function, every N seconds). Celery beat runs them in production; the
# embedded default runs due jobs in-process (core.middleware.PeriodicTasksMiddleware).
MADOGUCHI_PERIODIC: dict[str, tuple[str, int]] = {
    "recovery-identity-retention": ("recovery.tasks:identity_retention", 3600),
    "accounts-usersessions-purge": ("accounts.tasks:usersessions_purge", 3600),
    "support-sla-breaches": ("support.tasks:sla_breaches_flag", 300),
    "support-close-resolved": ("support.tasks:resolved_close_after_period", 900),
    "support-queue-counts": ("support.tasks:queue_counts_rebuild", 24 * 3600),
    "core-outbox-redispatch": ("core.tasks:outbox_redispatch", MADOGUCHI_OUTBOX_REDISPATCH_SECONDS),
    "core-outbox-purge": ("core.tasks:outbox_purge", 3600),
    "chat-waiting-timeout": ("chat.tasks:waiting_timeout_convert", 60),
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
MADOGUCHI_PASSWORD_REQUIRE_MIX = True  # MADOGUCHI_PASSWORD_REQUIRE_MIX=0 turns it off (config/features.py)
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
# allauth reads its settings through this (a callable, not a dotted path: allauth imports a
# path again on every read); each is read once per process (core/settings_getter.py).
ALLAUTH_SETTING_GETTER = allauth_setting
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
# allauth's 2FA forms with our code checks (replay guards, drift, throttles, lock).
MFA_FORMS = {
    "authenticate": "mfa.allauth_forms.AuthenticateForm",
    "reauthenticate": "mfa.allauth_forms.ReauthenticateForm",
}
# Withdrawals are held this long after a change of email, phone, password or second factor.
MADOGUCHI_SECURITY_CHANGE_HOLD_HOURS = int(os.environ.get("MADOGUCHI_SECURITY_CHANGE_HOLD_HOURS", "24"))
# Keys (newest first) that encrypt TOTP secrets at rest; see docs/security.md for rotation.
MADOGUCHI_MFA_ENCRYPTION_KEYS = env_list("MADOGUCHI_MFA_ENCRYPTION_KEYS")
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_TOTP_ISSUER = os.environ.get("MADOGUCHI_TOTP_ISSUER", "madoguchi")
MFA_TOTP_TOLERANCE = 1
MFA_PASSKEY_LOGIN_ENABLED = False
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = DEBUG
# Staff pages need a second factor passed in this session within this many hours (core.staff).
MADOGUCHI_STAFF_SECOND_FACTOR_HOURS = int(os.environ.get("MADOGUCHI_STAFF_SECOND_FACTOR_HOURS", "12"))
USERSESSIONS_TRACK_ACTIVITY = True
HEADLESS_CLIENTS = ("app", "browser")
HEADLESS_TOKEN_STRATEGY = "accounts.tokens.SessionTokenStrategy"  # noqa: S105 - a class path (one load per request)
HEADLESS_ADAPTER = "accounts.headless_adapter.HeadlessAdapter"
HEADLESS_ONLY = False
HEADLESS_SERVE_SPECIFICATION = True
# Redoc from our own static files, not a CDN (api/static/api/redoc/VENDORED.md).
HEADLESS_SPECIFICATION_TEMPLATE_NAME = "api/allauth_openapi.html"
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
# Private files on local disk are refused with DEBUG off (core.checks, madoguchi.E006) unless
# the operator declares that exactly one node runs (and backs its disk up).
MADOGUCHI_SINGLE_NODE = env_bool("MADOGUCHI_SINGLE_NODE", False)
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
if MADOGUCHI_CAPTCHA_BACKEND not in {"altcha", "recaptcha", "turnstile", "hcaptcha"}:
    _ENV_PROBLEMS.append(
        f"MADOGUCHI_CAPTCHA_BACKEND={MADOGUCHI_CAPTCHA_BACKEND!r}: expected altcha, recaptcha, turnstile or hcaptcha"
    )
MADOGUCHI_CAPTCHA_MAXNUMBER = 50000  # from the environment through config/features.py
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
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000, 0, 10 * 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# --- Content Security Policy and Permissions-Policy (every response) ------------------------
# Scripts and styles from this origin only, inline ones only with the per-response nonce
# ({{ csp_nonce }} in templates); images from this origin (help-article images are
# self-hosted: helpcenter's sanitiser drops other sources) and data: URLs; no plugins, no
# framing, no <base>. A third-party captcha backend adds its own origins below.
from django.utils.csp import CSP  # noqa: E402

_captcha_origins = {
    "recaptcha": ["https://www.google.com", "https://www.gstatic.com"],
    "turnstile": ["https://challenges.cloudflare.com"],
    "hcaptcha": ["https://hcaptcha.com", "https://*.hcaptcha.com"],
}.get(os.environ.get("MADOGUCHI_CAPTCHA_BACKEND", "altcha"), [])
SECURE_CSP: dict[str, list[str]] = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE, *_captcha_origins],
    "style-src": [CSP.SELF, CSP.NONCE, *_captcha_origins],
    "img-src": [CSP.SELF, "data:", "blob:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF, *_captcha_origins],
    "frame-src": _captcha_origins or [CSP.NONE],
    "worker-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
}
# Features no page uses are off; passkeys and the copy buttons are this origin's only.
MADOGUCHI_PERMISSIONS_POLICY = (
    "accelerometer=(), autoplay=(), camera=(), display-capture=(), encrypted-media=(), fullscreen=(self), "
    "geolocation=(), gyroscope=(), magnetometer=(), microphone=(), midi=(), payment=(), usb=(), "
    "serial=(), hid=(), bluetooth=(), browsing-topics=(), clipboard-write=(self), "
    "publickey-credentials-get=(self), publickey-credentials-create=(self)"
)

# --- Client address (core.ratelimit.client_ip) ---------------------------------------------
# One setting says how far to trust the proxies in front of the web processes. Either a
# header the operator's proxy always overwrites (MADOGUCHI_TRUSTED_CLIENT_IP_HEADER, e.g.
# X-Real-IP), or the number of proxies that append to X-Forwarded-For
# (MADOGUCHI_TRUSTED_PROXY_COUNT; 1 for one load balancer, 0 = clients connect directly).
# With DEBUG=0 core.checks refuses to start while neither is set.
_proxy_count = os.environ.get("MADOGUCHI_TRUSTED_PROXY_COUNT", "").strip()
MADOGUCHI_TRUSTED_PROXY_COUNT: int | None = int(_proxy_count) if _proxy_count else (0 if DEBUG else None)
MADOGUCHI_TRUSTED_CLIENT_IP_HEADER = os.environ.get("MADOGUCHI_TRUSTED_CLIENT_IP_HEADER", "").strip()
# allauth reads the same answer (accounts.adapter.AccountAdapter.get_client_ip); these keep its
# own helpers consistent with it.
ALLAUTH_TRUSTED_PROXY_COUNT = MADOGUCHI_TRUSTED_PROXY_COUNT or 0
ALLAUTH_TRUSTED_CLIENT_IP_HEADER = MADOGUCHI_TRUSTED_CLIENT_IP_HEADER or None

# --- Operations ---------------------------------------------------------------------------
MADOGUCHI_METRICS_TOKEN = os.environ.get("MADOGUCHI_METRICS_TOKEN", "")
# Scrapers allowed by source address (CIDRs), e.g. "10.0.0.0/8". With neither a token nor an
# allowlist /metrics answers 404 unless MADOGUCHI_METRICS_PUBLIC (default: DEBUG).
MADOGUCHI_METRICS_ALLOW_IPS = env_list("MADOGUCHI_METRICS_ALLOW_IPS")
MADOGUCHI_METRICS_PUBLIC = env_bool("MADOGUCHI_METRICS_PUBLIC", DEBUG)
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

# --- Feature settings from the environment ---------------------------------------------------
# Fees, minimums, holds, delays, limits… (config/features.py, README's configuration table):
# a variable that is set overrides the app's default; a malformed one stops the start.
_feature_values, _feature_problems = _features.read(os.environ)
globals().update(_feature_values)
_ENV_PROBLEMS.extend(_feature_problems)
if _ENV_PROBLEMS:
    raise ImproperlyConfigured(
        "madoguchi cannot start: bad values in the environment:\n- " + "\n- ".join(_ENV_PROBLEMS)
    )
