"""Settings for banli, read from the environment.

Every value has a default under which ``manage.py runserver`` on 127.0.0.1 works out of the box with an
embedded SQLite database; production sets ``SECRET_KEY``, ``DEBUG=False``, ``ALLOWED_HOSTS`` and
``DATABASE_URL`` (PostgreSQL).
"""

from __future__ import annotations

import hashlib
import json
import os
from datetime import timedelta
from pathlib import Path
from typing import Any

import dj_database_url
import django_stubs_ext
from django.utils.csp import CSP

from notifications.mail_url import mailers_from_url

# Generic Django classes (ModelAdmin[Unit], QuerySet[Proposal]) subscriptable at run time, for mypy strict.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent


def envbool(name: str, default: str) -> bool:
    value = os.environ.get(name, default)
    if value not in ("True", "False", "true", "false", "1", "0"):
        raise ValueError(f"{name} must be True or False, not {value!r}")
    return value in ("True", "true", "1")


def envsecret(name: str, default: str) -> str:
    """Read a secret from NAME, or from the file named by NAME_FILE (container secrets)."""
    path = os.environ.get(f"{name}_FILE")
    if path:
        return Path(path).read_text(encoding="utf-8").strip()
    return os.environ.get(name, default)


DEBUG = envbool("DEBUG", "True")
# The fallback key is only for a developer's machine; DEBUG=False refuses to start without a real one.
SECRET_KEY = envsecret("SECRET_KEY", "insecure-dev-key-change-me" if DEBUG else "")
if not SECRET_KEY:
    raise RuntimeError("SECRET_KEY must be set when DEBUG=False")
ALLOWED_HOSTS = [h for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "ninja",  # serves its Swagger UI from local static files (offline intranets)
    "axes",  # login throttling and lock-out (登录失败处理)
    "django_otp",  # two-factor sign-in (TOTP)
    "django_otp.plugins.otp_totp",
    "organisation",
    "workcalendar",
    "proposals",
    "handling",
    "history",
    "notifications",
    "search",  # the full-text index (Chinese bigrams) behind every q=
    "reports",
    "documents",  # 公文: 答复函, 承办单, 会办意见, 征询意见表 (.docx, .pdf)
    "audit",  # the security audit log (安全审计)
    "attachments",  # files of proposals and their handling (附件)
    "supervision",  # 动态督办: key proposals' milestones, progress notes, instructions
    "spotchecks",  # 抽查: samples of replied proposals, findings, the units' rectification
    "worker",  # manage.py worker: queued tasks and the scheduled scans (催办)
    "publications",  # 通报 and 年度报告 (.docx)
    "api",
    "web",
]
# The demo loader (manage.py load_demo, which creates accounts with a published password) is installed
# only when asked for: DEMO=true, or by default on a developer's machine (DEBUG). A production deployer
# (DEBUG=False) never has it unless they set DEMO=true themselves; `make demo` and `make bench` do.
DEMO = envbool("DEMO", "True" if DEBUG else "False")
if DEMO:
    INSTALLED_APPS.insert(INSTALLED_APPS.index("web"), "demo")

MIDDLEWARE = [
    "audit.middleware.RequestContext",  # the request at hand for audit events sent without one
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "web.hardening.PermissionsPolicy",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "web.hardening.RefuseOversizeUploads",  # a form upload over UPLOAD_MAX_BYTES: 413 before it is read
    "web.hardening.RefuseControlCharacters",  # NUL and control characters: 400 before any view
    "web.hardening.SessionIdleTimeout",
    "django_otp.middleware.OTPMiddleware",
    "web.account_gate.AccountGate",  # a forced password change or 2FA enrolment comes before any page
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "web.middleware.DomainErrorPages",
    "axes.middleware.AxesMiddleware",  # turns a locked-out sign-in into the 429 answer
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
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASE_URL = os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
# Persistent connections: a new PostgreSQL connection costs ~11 ms here (stack notes). Each gunicorn sync
# worker keeps one for CONN_MAX_AGE seconds (0: a new connection per request, only for comparison).
CONN_MAX_AGE = int(os.environ.get("CONN_MAX_AGE", "600"))
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=CONN_MAX_AGE, conn_health_checks=True)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Writers queue on a lock instead of failing with "database is locked"; WAL lets readers go on.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0 if os.environ.get("SQLITE_NO_PERSIST") else CONN_MAX_AGE
elif envbool("DATABASE_POOL", "False"):
    # psycopg's connection pool (psycopg[pool]) instead of one persistent connection per worker: worth it
    # with threaded workers; Django refuses a pool together with CONN_MAX_AGE.
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = True
    DATABASES["default"]["CONN_MAX_AGE"] = 0
# PostgreSQL's JIT compiles any query whose estimate passes jit_above_cost: at 1M proposals that is most
# list counts, and compiling cost 30-300 ms a query against 15 ms of work (EXPLAIN ANALYZE at 100k).
# Short OLTP queries never repay it; PG_JIT=true turns it back on.
PG_OPTIONS = "" if envbool("PG_JIT", "False") else "-c jit=off"
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and PG_OPTIONS:
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", PG_OPTIONS)
# A read replica for the reports (config/db_router.py): only reads inside reads_from_replica() go there.
# In tests it mirrors "default" (the same test database), so the suite needs no second server.
DATABASE_REPLICA_URL = os.environ.get("DATABASE_REPLICA_URL", "")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = dj_database_url.parse(
        DATABASE_REPLICA_URL, conn_max_age=CONN_MAX_AGE, conn_health_checks=True
    )
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    if PG_OPTIONS and DATABASES["replica"]["ENGINE"] == "django.db.backends.postgresql":
        DATABASES["replica"].setdefault("OPTIONS", {}).setdefault("options", PG_OPTIONS)
DATABASE_ROUTERS = ["config.db_router.ReplicaRouter"]

# Background tasks (django.tasks). One setting moves the queue: TASKS_URL unset = the database queue
# (django-tasks-db, no extra server; FOR UPDATE SKIP LOCKED on PostgreSQL lets several hosts share it);
# TASKS_URL=redis://host:6379/0 = Redis through django-tasks-rq. `manage.py worker` runs either.
TASKS_URL = os.environ.get("TASKS_URL", "")
# Seconds between the worker's scheduled scans (reminders); the queue is polled every second.
WORKER_SCAN_INTERVAL = int(os.environ.get("WORKER_SCAN_INTERVAL", "600"))
if TASKS_URL:
    INSTALLED_APPS.insert(INSTALLED_APPS.index("worker"), "django_rq")
    RQ_QUEUES = {"default": {"URL": TASKS_URL}}
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
else:
    INSTALLED_APPS.insert(INSTALLED_APPS.index("worker"), "django_tasks_db")
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}

# The cache holds computed reports (the dashboard, the assessment) until the next change
# (reports/remembered.py). Unset: each process's own memory, nothing to run; CACHE_URL=redis://host:6379/1
# shares them between the app servers. REPORT_CACHE_SECONDS bounds how long one is kept (0: never). In memory at
# most 200 (a province's dashboard is ~300 KB, a city's ~30 KB): ~60 MB per process at worst.
CACHE_URL = os.environ.get("CACHE_URL", "")
CACHES: dict[str, dict[str, Any]] = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
    if CACHE_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "OPTIONS": {"MAX_ENTRIES": 200}}
}
REPORT_CACHE_SECONDS = int(os.environ.get("REPORT_CACHE_SECONDS", "60"))

# Messages beyond the in-app inbox, sent by the worker (notifications/outbox.py). E-mail: one URL,
# smtp://user:pass@host:port, smtp+starttls://…, smtps://… (implicit TLS); unset = e-mail off
# (notifications/mail_url.py maps it onto MAILERS). SMS: SMS_URL=http(s)://gateway/path?token=… gets
# POST {"phone", "text"} as JSON; unset = SMS written to the log only. Links point at SITE_URL.
EMAIL_URL = envsecret("EMAIL_URL", "")
MAILERS = mailers_from_url(EMAIL_URL)
DEFAULT_FROM_EMAIL = SERVER_EMAIL = os.environ.get("EMAIL_FROM", "banli@localhost")
SMS_URL = envsecret("SMS_URL", "")
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
DELIVERY_MAX_ATTEMPTS = int(os.environ.get("DELIVERY_MAX_ATTEMPTS", "5"))
# The office's daily digest goes out at this local hour, summing up the 24 hours before it.
DIGEST_HOUR = int(os.environ.get("DIGEST_HOUR", "17"))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "organisation.User"
# Passwords (等保 2.0 level 3, 身份鉴别): at least PASSWORD_MIN_LENGTH characters with letters AND digits,
# not like the account's name, not a common password, not all digits (organisation/passwords.py).
PASSWORD_MIN_LENGTH = int(os.environ.get("PASSWORD_MIN_LENGTH", "10"))
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": PASSWORD_MIN_LENGTH},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "organisation.passwords.LettersAndDigitsValidator"},
]
# PASSWORD_HASHER=sm3 hashes new passwords with PBKDF2-HMAC-SM3 (商用密码, organisation/hashers.py); the
# others stay listed so existing hashes keep verifying, and are upgraded at the user's next sign-in.
PASSWORD_HASHER = os.environ.get("PASSWORD_HASHER", "pbkdf2").lower()
if PASSWORD_HASHER not in ("pbkdf2", "sm3"):
    raise ValueError(f"PASSWORD_HASHER must be pbkdf2 or sm3, not {PASSWORD_HASHER!r}")
if PASSWORD_HASHER == "sm3" and "sm3" not in hashlib.algorithms_available:
    raise RuntimeError("PASSWORD_HASHER=sm3, but this Python's OpenSSL has no SM3 (hashlib.algorithms_available)")
_SM3_HASHER = "organisation.hashers.PBKDF2SM3PasswordHasher"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
PASSWORD_HASHERS.insert(0 if PASSWORD_HASHER == "sm3" else len(PASSWORD_HASHERS), _SM3_HASHER)
# Two-factor sign-in (TOTP, django-otp): required for the roles listed here (organisation.models.Role
# values, comma-separated); optional for every other staff account.
OTP_REQUIRED_ROLES = frozenset(r.strip() for r in os.environ.get("OTP_REQUIRED_ROLES", "").split(",") if r.strip())
OTP_TOTP_ISSUER = "政协提案办理系统"
LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/"

LANGUAGE_CODE = "zh-hans"
TIME_ZONE = os.environ.get("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# Where collectstatic writes, and nginx serves /static/ from (deploy/nginx-banli.conf).
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT") or BASE_DIR / "staticfiles")
# Front-end libraries come from the npm registry at set-up (`npm ci`, see the Makefile) and are served
# by the product itself: offices run on closed intranets, so no page may load anything from a CDN.
NODE_MODULES = BASE_DIR / "node_modules"
STATICFILES_DIRS = [
    ("vendor/bootstrap", NODE_MODULES / "bootstrap" / "dist"),
    ("vendor/bootstrap-icons", NODE_MODULES / "bootstrap-icons" / "font"),
    ("vendor/htmx", NODE_MODULES / "htmx.org" / "dist"),
    ("vendor/echarts", NODE_MODULES / "echarts" / "dist"),
]
# Without collectstatic (runserver, tests) WhiteNoise serves straight from the finders.
WHITENOISE_USE_FINDERS = True
# STATIC_MANIFEST=true (`make serve-prod`, deploy/): collectstatic writes content-hashed copies (and
# gzip ones) and pages link to them, so nginx or WhiteNoise may let browsers cache them for a year.
# Needs collectstatic after every upgrade, hence off for runserver, tests and the in-process bench.
STATIC_MANIFEST = envbool("STATIC_MANIFEST", "False")

# Attachments (附件: sealed reply scans, photos, minutes, originals) go through Django's storage API, the
# "attachments" entry below: a local folder by default (ATTACHMENTS_ROOT, git-ignored, never served by
# nginx: downloads go through the access checks). ATTACHMENTS_STORAGE replaces the entry with a JSON
# object, e.g. django-storages' S3 backend for an S3-compatible store (MinIO, OSS …; README "Operating it").
ATTACHMENTS_ROOT = Path(os.environ.get("ATTACHMENTS_ROOT") or BASE_DIR / "data" / "attachments")
ATTACHMENTS_STORAGE = json.loads(os.environ.get("ATTACHMENTS_STORAGE") or "null") or {
    "BACKEND": "django.core.files.storage.FileSystemStorage",
    "OPTIONS": {"location": ATTACHMENTS_ROOT, "directory_permissions_mode": 0o750, "file_permissions_mode": 0o640},
}
# An attachment over this size is refused (413).
ATTACHMENT_MAX_BYTES = int(os.environ.get("ATTACHMENT_MAX_BYTES", str(20 * 1024 * 1024)))
# Excel import of proposals (proposals/importing.py): a file over IMPORT_MAX_BYTES is refused (413), and so
# is one whose parts would inflate past IMPORT_MAX_INFLATED_BYTES (a zip bomb). The import page keeps an
# uploaded file from its preview to the confirmation in IMPORT_PENDING_DIR (one folder all app servers
# share), for at most an hour.
IMPORT_MAX_BYTES = int(os.environ.get("IMPORT_MAX_BYTES", str(10 * 1024 * 1024)))
# Any form upload (multipart) whose Content-Length is over this is refused (413) before its body is read
# (web/hardening.py): the largest file a form takes (an attachment or an import), plus room for the form.
UPLOAD_MAX_BYTES = int(
    os.environ.get("UPLOAD_MAX_BYTES", str(max(ATTACHMENT_MAX_BYTES, IMPORT_MAX_BYTES) + 1024 * 1024))
)
IMPORT_MAX_INFLATED_BYTES = int(os.environ.get("IMPORT_MAX_INFLATED_BYTES", str(100 * 1024 * 1024)))
IMPORT_PENDING_DIR = Path(os.environ.get("IMPORT_PENDING_DIR") or BASE_DIR / "data" / "imports")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if STATIC_MANIFEST
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
    "attachments": ATTACHMENTS_STORAGE,
}

# API tokens expire after this many days of not being used.
API_TOKEN_DAYS = int(os.environ.get("API_TOKEN_DAYS", "30"))
# ... and in any case this many days after they were issued (prune them with `manage.py prune_tokens`).
API_TOKEN_MAX_DAYS = int(os.environ.get("API_TOKEN_MAX_DAYS", "90"))
# Housekeeping (`manage.py housekeeping`, run daily, e.g. from cron; each part also on its own, with
# --dry-run): expired API tokens go (prune_tokens); Idempotency-Key records after this many days (a
# client retries within minutes; a week covers a long outage) (prune_idempotency); read in-app messages
# this many days after they were read, unread ones never (prune_notifications).
IDEMPOTENCY_KEEP_DAYS = int(os.environ.get("IDEMPOTENCY_KEEP_DAYS", "7"))
READ_NOTIFICATIONS_KEEP_DAYS = int(os.environ.get("READ_NOTIFICATIONS_KEEP_DAYS", "90"))
# The worker's daily prune_deliveries scan: finished e-mail/SMS/digest delivery rows this many days old go
# (0: kept for ever), counted into a daily tally first; deleted this many rows per transaction.
NOTIFICATION_RETENTION_DAYS = int(os.environ.get("NOTIFICATION_RETENTION_DAYS", "180"))
NOTIFICATION_PRUNE_BATCH = int(os.environ.get("NOTIFICATION_PRUNE_BATCH", "500"))

# Login throttling (登录失败处理, django-axes): the lock-out is decided by the first backend, before
# any password hash is computed. An account locks after LOGIN_FAILURE_LIMIT failures, an address after
# LOGIN_ADDRESS_FAILURE_LIMIT (higher: one office behind NAT shares it), both for LOGIN_LOCKOUT_MINUTES
# after the last failure, or until the office unlocks the account. A locked attempt does not extend it.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))
LOGIN_ADDRESS_FAILURE_LIMIT = int(os.environ.get("LOGIN_ADDRESS_FAILURE_LIMIT", "20"))
LOGIN_LOCKOUT_MINUTES = int(os.environ.get("LOGIN_LOCKOUT_MINUTES", "30"))
AXES_HANDLER = "organisation.lockout.ThrottleHandler"  # two limits: per account and per address
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = timedelta(minutes=LOGIN_LOCKOUT_MINUTES)
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "web.lockout.lockout_response"
AXES_DISABLE_ACCESS_LOG = True  # sign-ins are recorded by the security audit log
AXES_CLIENT_IP_CALLABLE = "organisation.lockout.client_ip"
# Behind N reverse proxies that append to X-Forwarded-For, the client is the N-th address from the right.
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))
# JSON requests larger than this are refused with 413 (api.md: any JSON request ≤ 5 MiB).
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# The audit log's hash chain is keyed (HMAC) with this, kept outside the database; a backup restored
# elsewhere verifies only with the same key. Defaults to SECRET_KEY: set it on its own to rotate that.
AUDIT_CHAIN_KEY = envsecret("AUDIT_CHAIN_KEY", SECRET_KEY)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "lib.jsonlog.JsonFormatter"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler"},
        "security": {"class": "logging.StreamHandler", "formatter": "json"},
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
    # One JSON line per security event (sign-ins, refusals, changes of users and rules), as in the audit log.
    "loggers": {
        "banli.security": {
            "handlers": ["security"],
            "level": os.environ.get("SECURITY_LOG_LEVEL", "INFO"),  # WARNING: refusals and failures only
            "propagate": False,
        }
    },
}

# Production hardening (issue 7, 等保 2.0 level 3). HTTPS=true when the site is served over TLS by a
# reverse proxy that sets X-Forwarded-Proto (and strips it from clients): secure cookies, HSTS for a
# year on every subdomain, and plain-HTTP requests redirected. `manage.py check --deploy` is then clean.
HTTPS = envbool("HTTPS", "False")
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS
# The load balancer's health checks come over plain HTTP to the app server's private port (config/health.py).
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SECURE_HSTS_SECONDS = 365 * 24 * 3600 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
# Preloading is a promise for the whole registered domain (often a government's shared one), made by
# submitting it to the browsers' list: only the domain's owner can decide it, so it is opt-in.
SECURE_HSTS_PRELOAD = HTTPS and envbool("HSTS_PRELOAD", "False")
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if HTTPS else None
# check --deploy warns when preload is off (security.W021); off is the deliberate default above.
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
# X-Frame-Options: DENY, X-Content-Type-Options: nosniff, Referrer-Policy: same-origin and
# Cross-Origin-Opener-Policy: same-origin are Django's defaults; the Permissions-Policy header is set by
# web/hardening.py.

# Content-Security-Policy (Django's own middleware): scripts, styles, fonts and images come from this
# site only, nothing inline (no style="" attribute either: web/static/web/app.css holds those rules;
# scripts set styles through the CSSOM, which the policy allows). Bootstrap draws some icons as data: URIs.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}

# Sessions end after this many minutes without a request (web/hardening.py): staff after
# SESSION_IDLE_MINUTES; members, who read and rate on their phones a few times a year, after
# MEMBER_SESSION_IDLE_MINUTES (a week: signing in on a phone each visit is a burden, and a member's
# session reads only their own proposals).
SESSION_IDLE_MINUTES = int(os.environ.get("SESSION_IDLE_MINUTES", "30"))
MEMBER_SESSION_IDLE_MINUTES = int(os.environ.get("MEMBER_SESSION_IDLE_MINUTES", str(7 * 24 * 60)))
# The cookie lives as long as the longest idle limit; each noted request renews it.
SESSION_COOKIE_AGE = max(SESSION_IDLE_MINUTES, MEMBER_SESSION_IDLE_MINUTES) * 60
