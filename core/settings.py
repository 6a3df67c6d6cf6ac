"""Settings of Rendez-vous communal: one module, every deployment difference an
environment variable (README, "Configuration", lists them all).

Sections: paths and environment, security, applications, database, cache and
task queue, e-mail and SMS, internationalisation, static files, admin (unfold),
third-party apps, logging.
"""

import secrets
from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from core import languages

# --- Paths and environment ---------------------------------------------------

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env")  # optional; the real environment wins

DEBUG = env.bool("DEBUG", default=False)


def _development_secret_key() -> str:
    """Return the key kept in var/secret_key, creating it on first use.

    Development machines need a stable key (sessions survive restarts) without
    anyone choosing one; production must set SECRET_KEY itself.
    """
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = _development_secret_key()

# --- Security ----------------------------------------------------------------

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# Behind a TLS-terminating reverse proxy (docs/deployment.md).
BEHIND_PROXY = env.bool("BEHIND_PROXY", default=False)
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    USE_X_FORWARDED_HOST = True

SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool(
    "SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True
)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
# The public module is embedded in the commune's site (R1): the pages that may be
# framed set their own frame-ancestors; everything else refuses framing.
X_FRAME_OPTIONS = "DENY"
EMBED_ALLOWED_ORIGINS = env.list("EMBED_ALLOWED_ORIGINS", default=[])
# Content-Security-Policy (django-csp) of the public pages: no inline script or
# style, nothing loaded from elsewhere. core/security.py loosens it for the
# admin, and booking/embed.py sets frame-ancestors on the pages that may be
# framed; every other page refuses framing.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
        "frame-ancestors": ["'none'"],
    },
}
# django-axes: after LOGIN_FAILURE_LIMIT wrong passwords for one username from
# one address, that pair is locked out for LOGIN_COOLOFF_MINUTES.
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "core.security.client_ip"
AXES_LOCKOUT_CALLABLE = "core.security.lockout_response"
AXES_ENABLE_ADMIN = False  # `manage.py axes_reset_username NAME` lifts a lockout
# A single sign-on refused is no password guessed (core/sso.py).
AXES_WHITELIST_CALLABLE = "core.sso.not_a_password_guess"
# Two-factor sign-in (django-otp, core/two_factor.py): the name authenticator
# apps show next to the codes; a code may be typed up to a step late.
OTP_TOTP_ISSUER = env.str("OTP_ISSUER", default="Rendez-vous communal")
OTP_TOTP_TOLERANCE = 1
# Off only for throw-away demos (scripts/screenshots.py): then nobody must use
# a second factor, though those who set one up are still asked for it.
TWO_FACTOR_REQUIRED = env.bool("TWO_FACTOR_REQUIRED", default=True)
# Optional single sign-on with the commune's identity provider (OpenID Connect,
# mozilla-django-oidc, core/sso.py): on when the client and the endpoints below
# are set. Register https://<site>/admin/sso/callback/ with the provider.
OIDC_PROVIDER_NAME = env.str("OIDC_PROVIDER_NAME", default="")
OIDC_RP_CLIENT_ID = env.str("OIDC_RP_CLIENT_ID", default="")
OIDC_RP_CLIENT_SECRET = env.str("OIDC_RP_CLIENT_SECRET", default="")
OIDC_OP_AUTHORIZATION_ENDPOINT = env.str("OIDC_OP_AUTHORIZATION_ENDPOINT", default="")
OIDC_OP_TOKEN_ENDPOINT = env.str("OIDC_OP_TOKEN_ENDPOINT", default="")
OIDC_OP_USER_ENDPOINT = env.str("OIDC_OP_USER_ENDPOINT", default="")
# RS256 (the usual): the provider's keys from its JWKS address; HS256: the secret.
OIDC_OP_JWKS_ENDPOINT = env.str("OIDC_OP_JWKS_ENDPOINT", default="") or None
OIDC_RP_SIGN_ALGO = env.str("OIDC_RP_SIGN_ALGO", default="RS256")
OIDC_RP_SCOPES = "openid email profile"
OIDC_USE_PKCE = True
OIDC_TIMEOUT = 10
OIDC_AUTHENTICATION_CALLBACK_URL = "admin:sso_callback"
# The provider asks for a second factor itself: its sign-in counts as one.
OIDC_TRUSTS_MFA = env.bool("OIDC_TRUSTS_MFA", default=False)
# An unknown address gets an agent's login (off: it is refused).
OIDC_CREATE_STAFF = env.bool("OIDC_CREATE_STAFF", default=False)

# --- Applications ------------------------------------------------------------

INSTALLED_APPS = [
    # unfold and its contribs must come before django.contrib.admin.
    "unfold.apps.BasicAppConfig",  # our admin config below installs the site
    "unfold.contrib.filters",
    "unfold.contrib.forms",
    "unfold.contrib.import_export",
    "unfold.contrib.simple_history",
    # Before the admin: its admin classes patch the forms (issue 19).
    "modeltranslation",
    "core.apps.RendezVousAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "simple_history",
    "import_export",
    "phonenumber_field",
    "django_q",
    "ninja",  # the API docs use its bundled Swagger UI, not a CDN
    # Two-factor sign-in (core/two_factor.py); before core, whose admin
    # unregisters their device admins (the reset is a user action).
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "core",
    "audit",  # the record of who looked at citizens' data (issue 23)
    "staffing",
    "booking",
    "messaging",
    "reports",
    "csp",
    "axes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "core.security.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # A lost database answers 503 "try again", in the visitor's language.
    "core.outage.DatabaseUnavailableMiddleware",
    # Public pages: ?lang=xx, and only the commune's languages (issue 19).
    "core.language_middleware.CommuneLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(): signed in with a second factor this session
    # (django-otp's, or a trusted identity provider's: core/two_factor.py).
    "core.two_factor.TwoFactorMiddleware",
    # The admin in each staff member's own language (issue 19, point 4).
    "core.staff_language.StaffLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes requires
]

ROOT_URLCONF = "core.urls"
WSGI_APPLICATION = "core.wsgi.application"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

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
                "core.context_processors.commune",
            ],
        },
    },
]

_VALIDATORS = "django.contrib.auth.password_validation"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": f"{_VALIDATORS}.UserAttributeSimilarityValidator"},
    {"NAME": f"{_VALIDATORS}.MinimumLengthValidator"},
    {"NAME": f"{_VALIDATORS}.CommonPasswordValidator"},
    {"NAME": f"{_VALIDATORS}.NumericPasswordValidator"},
]
LOGIN_URL = "admin:login"
# unfold's login form posts no "next": land on the dashboard, not /accounts/profile/.
LOGIN_REDIRECT_URL = "admin:index"
AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out login before the password is even checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    # Single sign-on; does nothing unless the OIDC_* settings are set.
    "core.sso.StaffOIDCBackend",
]

# --- Database ----------------------------------------------------------------

DATABASES = {
    "default": env.db_url(
        "DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"
    ),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE: a write transaction takes the lock when it begins, so two
    # bookings serialise instead of failing on lock upgrade; WAL lets readers
    # (the worker, the admin) go on while one writes.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
            "PRAGMA foreign_keys=ON;"
        ),
    }
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

# --- Cache and task queue ----------------------------------------------------

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# How long a slot search's result may be served from the shared cache (seconds;
# booking/slot_cache.py says how it is invalidated). Off without Redis: a
# per-process cache would not see the other processes' bookings.
SLOT_CACHE_SECONDS = env.int("SLOT_CACHE_SECONDS", default=600 if REDIS_URL else 0)

Q_CLUSTER = {
    "name": "rendezvous",
    "workers": env.int("Q_WORKERS", default=2),
    # A task may run twice (at-least-once delivery): sending is idempotent.
    "timeout": 60,
    "retry": 120,  # must exceed timeout
    "max_attempts": 5,
    "catch_up": False,
    "save_limit": 500,
    "sync": env.bool("Q_SYNC", default=False),
    "label": _("Task queue"),
}
if REDIS_URL:
    Q_CLUSTER["redis"] = REDIS_URL
else:
    # The ORM broker is the guaranteed-delivery one and needs no extra service.
    Q_CLUSTER["orm"] = "default"

# --- E-mail and SMS ----------------------------------------------------------

# EMAIL_URL gives the backend and its server in one variable (django-environ's
# e-mail URL): "consolemail://" in development, "smtp+tls://user:pw@host:587"
# or "smtp+ssl://user:pw@host:465" in production.
_email = env.email_url("EMAIL_URL", default="consolemail://")
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_HOST = _email["EMAIL_HOST"] or "localhost"
EMAIL_PORT = _email["EMAIL_PORT"] or 25
EMAIL_HOST_USER = _email["EMAIL_HOST_USER"] or ""
EMAIL_HOST_PASSWORD = _email["EMAIL_HOST_PASSWORD"] or ""
EMAIL_USE_TLS = _email.get("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = _email.get("EMAIL_USE_SSL", False)
if _email["EMAIL_FILE_PATH"]:
    EMAIL_FILE_PATH = _email["EMAIL_FILE_PATH"]
DEFAULT_FROM_EMAIL = env.str(
    "DEFAULT_FROM_EMAIL", default="rendez-vous@commune.example"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL

SMS_BACKEND = env.str("SMS_BACKEND", default="messaging.sms.ConsoleBackend")
SMS_SENDER = env.str("SMS_SENDER", default="Commune")
SMS_FILE_PATH = env.path("SMS_FILE_PATH", default=VAR_DIR / "sms")
SMS_HTTP_URL = env.str("SMS_HTTP_URL", default="")
SMS_HTTP_TOKEN = env.str("SMS_HTTP_TOKEN", default="")
# Twilio (messaging.sms.TwilioBackend): the account's SID and auth token, and
# the sender: a number or alphanumeric ID, or a messaging service SID.
TWILIO_ACCOUNT_SID = env.str("TWILIO_ACCOUNT_SID", default="")
TWILIO_AUTH_TOKEN = env.str("TWILIO_AUTH_TOKEN", default="")
TWILIO_FROM = env.str("TWILIO_FROM", default="")
TWILIO_MESSAGING_SERVICE_SID = env.str("TWILIO_MESSAGING_SERVICE_SID", default="")
TWILIO_API_URL = env.str("TWILIO_API_URL", default="https://api.twilio.com")
# An SMS template may not exceed this many segments once rendered (R31).
SMS_MAX_SEGMENTS = env.int("SMS_MAX_SEGMENTS", default=3)
# SMS abroad for bookings made without login (messaging/services.py): a monthly
# budget per country outside Belgium (one for all, or per country:
# "NL=300;FR=200"), and a daily cap for all of them together; beyond, e-mail.
SMS_MONTHLY_BUDGET_PER_COUNTRY = env.int("SMS_MONTHLY_BUDGET_PER_COUNTRY", default=100)
SMS_MONTHLY_BUDGETS = {
    country.upper(): budget
    for country, budget in env.dict(
        "SMS_MONTHLY_BUDGETS", cast={"value": int}, default={}
    ).items()
}
SMS_DAILY_CAP_ABROAD = env.int("SMS_DAILY_CAP_ABROAD", default=50)
# The outbox (messaging/services.py): attempts before a message is failed,
# the first retry delay in seconds (doubled at each attempt), and how long a
# message may stay "sending" before it is tried again.
MESSAGE_MAX_ATTEMPTS = env.int("MESSAGE_MAX_ATTEMPTS", default=6)
MESSAGE_RETRY_DELAY = env.int("MESSAGE_RETRY_DELAY", default=120)
MESSAGE_SENDING_TIMEOUT = env.int("MESSAGE_SENDING_TIMEOUT", default=300)
# Day-before reminders run daily at this local hour (R12).
REMINDER_HOUR = env.int("REMINDER_HOUR", default=17)
# A request awaiting confirmation longer than this is flagged (R10).
PENDING_ANSWER_HOURS = env.int("PENDING_ANSWER_HOURS", default=24)
# The link in an agent's e-mail that confirms or refuses one request without
# logging in (messaging/answer.py) works this long, and only until answered.
REQUEST_LINK_HOURS = env.int("REQUEST_LINK_HOURS", default=72)

# --- Internationalisation ----------------------------------------------------

LANGUAGE_CODE = "fr"
# Defined once, in core/languages.py (issue 19, point 3).
LANGUAGES = list(languages.LANGUAGES)
# The main language of a commune that has not chosen one yet: the language
# today's texts are in when the migrations of issue 19 first run (a Flemish
# commune sets MAIN_LANGUAGE=nl before upgrading). Then the commune's own
# setting (Commune.main_language) decides.
MAIN_LANGUAGE = env.str("MAIN_LANGUAGE", default=LANGUAGE_CODE)
# What the commune types is stored per language (each app's translation.py);
# a missing translation falls back to the commune's main language
# (core.languages.MainLanguageFallback), not to this default.
MODELTRANSLATION_DEFAULT_LANGUAGE = LANGUAGE_CODE
MODELTRANSLATION_LANGUAGES = languages.CODES
LOCALE_PATHS = [BASE_DIR / "locale"]
# Day-first dates in every language: English takes en_GB's formats (core/formats).
FORMAT_MODULE_PATH = ["core.formats"]
TIME_ZONE = "Europe/Brussels"
USE_I18N = True
USE_TZ = True
PHONENUMBER_DEFAULT_REGION = "BE"

# --- Static and media files --------------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=VAR_DIR / "static")
STATICFILES_DIRS = [BASE_DIR / "static"]
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
]
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=VAR_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        # The manifest gives far-future cache headers in production; it needs
        # collectstatic, so development and tests use the plain storage.
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if env.bool("STATIC_MANIFEST", default=not DEBUG)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        ),
    },
}

# --- Admin (django-unfold) ---------------------------------------------------


UNFOLD = {
    "SITE_TITLE": _("Rendez-vous communal"),
    "SITE_HEADER": _("Rendez-vous communal"),
    "SITE_SYMBOL": "event_available",
    # A favicon (static/staff/favicon.svg), named by dotted path (core/branding.py).
    "SITE_FAVICONS": [
        {"rel": "icon", "type": "image/svg+xml", "href": "core.branding.favicon_url"}
    ],
    "SITE_URL": "/",
    "SHOW_HISTORY": True,
    "SHOW_VIEW_ON_SITE": False,
    "DASHBOARD_CALLBACK": "reports.dashboard.dashboard_callback",
    "ENVIRONMENT": "core.admin_site.environment_callback",
    "COLORS": {
        "primary": {
            "50": "239 246 255",
            "100": "219 234 254",
            "200": "191 219 254",
            "300": "147 197 253",
            "400": "96 165 250",
            "500": "59 130 246",
            "600": "37 99 235",
            "700": "29 78 216",
            "800": "30 64 175",
            "900": "30 58 138",
            "950": "23 37 84",
        },
    },
    "SIDEBAR": {
        "show_search": True,
        "show_all_applications": False,
        "navigation": "core.navigation.sidebar",
    },
}

# --- Booking rules -----------------------------------------------------------

# The public address of the site, for the links put in e-mails and SMS.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")

# Per client IP: scope -> (requests, seconds); 0 requests disables the limit.
RATE_LIMITS = {
    "search": (env.int("RATE_LIMIT_SEARCH", default=60), 60),
    "book": (env.int("RATE_LIMIT_BOOK", default=10), 60),
    "manage": (env.int("RATE_LIMIT_MANAGE", default=30), 60),
    # Staff sign-in has three scopes, so that exhausting one locks not the others:
    # "Forgot password" requests per client address and quarter of an hour;
    "password": (env.int("RATE_LIMIT_PASSWORD", default=5), 900),
    # the admin login's and the second factor's posts, and single sign-on,
    # per minute (a town hall's staff often share one address; axes locks a
    # username after LOGIN_FAILURE_LIMIT wrong passwords whatever this says);
    "login": (env.int("RATE_LIMIT_LOGIN", default=60), 60),
    # the pages of staff links from e-mails (choose a password, answer a request).
    "link": (env.int("RATE_LIMIT_LINK", default=30), 60),
}

# Upcoming active appointments one citizen may hold per service (0: no limit).
MAX_ACTIVE_APPOINTMENTS_PER_CITIZEN = env.int(
    "MAX_ACTIVE_APPOINTMENTS_PER_CITIZEN", default=3
)

# A time a citizen picks is held this many minutes while the details are typed
# (issue 25, point 1); at most HOLDS_PER_CLIENT held times at once per client
# address (0: no cap), so that a script cannot hold a whole agenda.
HOLD_MINUTES = env.int("HOLD_MINUTES", default=10)
HOLDS_PER_CLIENT = env.int("HOLDS_PER_CLIENT", default=5)

# A citizen's booking in progress is kept on the server this long after its
# last step (booking/public/flow.py), then the citizen starts again.
BOOKING_FLOW_SECONDS = env.int("BOOKING_FLOW_SECONDS", default=2 * 3600)
# The public pages take no CSRF cookie (a cross-site frame would not send it):
# a refused post there offers a new tab; the staff pages keep Django's page.
CSRF_FAILURE_VIEW = "booking.public.flow.csrf_failure"
# Messages after a redirect: a cookie, else the session, else (a cross-site
# frame, no cookie) the public flow's server-side state.
MESSAGE_STORAGE = "booking.public.flow.FlowMessageStorage"

# Against bots on the public confirm step: a form posted sooner than this after
# it was shown is refused (people read it first). Tests set it to 0.
BOOKING_MIN_CONFIRM_SECONDS = 2

# The desk may record a no-show this many minutes after the appointment's start,
# not before: a citizen a little late is not marked absent (issue 21).
NO_SHOW_GRACE_MINUTES = env.int("NO_SHOW_GRACE_MINUTES", default=15)

# A closure that repeats every year writes each year's closure this many days
# before its first day (booking/closure_repeats.py, daily): more than the
# longest booking horizon a service may set (366 days), so citizens never book
# a day that will close (issue 24, point 3).
CLOSURE_REPEAT_DAYS_AHEAD = env.int("CLOSURE_REPEAT_DAYS_AHEAD", default=400)

# Earlier-time offers (issue 25, point 2; booking/offers.py): an offered time
# is held for the citizen this many minutes; offers stop this many days before
# the appointment, and after this many offers to one appointment.
EARLIER_OFFER_HOLD_MINUTES = env.int("EARLIER_OFFER_HOLD_MINUTES", default=30)
EARLIER_OFFER_STOP_DAYS = env.int("EARLIER_OFFER_STOP_DAYS", default=2)
EARLIER_OFFER_MAX = env.int("EARLIER_OFFER_MAX", default=3)
# Local hours without SMS to citizens ("21:00-08:00", empty: none;
# core/quiet_hours.py): an offer made then goes by e-mail only.
QUIET_HOURS = env.str("QUIET_HOURS", default="21:00-08:00")

# A booking request repeated with the same Idempotency-Key within this time
# gets the first answer again instead of booking twice (booking/idempotency.py).
IDEMPOTENCY_KEY_TTL_HOURS = env.int("IDEMPOTENCY_KEY_TTL_HOURS", default=24)

# --- Privacy (GDPR) ------------------------------------------------------------

# booking/privacy.py, run daily at PRIVACY_SWEEP_HOUR: a citizen with no
# appointment for CITIZEN_RETENTION_MONTHS is anonymised; history records,
# messages and login logs older than HISTORY_RETENTION_MONTHS are deleted.
CITIZEN_RETENTION_MONTHS = env.int("CITIZEN_RETENTION_MONTHS", default=24)
HISTORY_RETENTION_MONTHS = env.int("HISTORY_RETENTION_MONTHS", default=36)
PRIVACY_SWEEP_HOUR = env.int("PRIVACY_SWEEP_HOUR", default=3)
# The record of who looked at citizens' data (audit/): each view, search by
# national number and export is kept this long, then swept by the same job.
ACCESS_LOG_RETENTION_MONTHS = env.int("ACCESS_LOG_RETENTION_MONTHS", default=24)

# --- Third-party apps --------------------------------------------------------

# Staff links sent by e-mail (django-sesame; core/accounts.py): an invitation
# or a password reset works for STAFF_LINK_HOURS (at most 24), once. Every
# token has an age (a per-use max_age needs SESAME_MAX_AGE set); the citizens'
# personal links are booking/links.py's, not django-sesame's.
STAFF_LINK_HOURS = min(env.int("STAFF_LINK_HOURS", default=24), 24)
SESAME_MAX_AGE = timedelta(hours=STAFF_LINK_HOURS)
IMPORT_EXPORT_USE_TRANSACTIONS = True  # an invalid file writes nothing
IMPORT_EXPORT_SKIP_ADMIN_LOG = False
# The largest spreadsheet an import reads (core.imports; 0: no limit): a file of
# 3,000 rows took 11 s to check and made an 11.5 MB page.
IMPORT_MAX_ROWS = env.int("IMPORT_MAX_ROWS", default=2000)
IMPORT_MAX_BYTES = env.int("IMPORT_MAX_BYTES", default=2 * 1024 * 1024)
SIMPLE_HISTORY_REVERT_DISABLED = False

# --- Logging -----------------------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
    },
}
