"""gunicorn settings for banli: `gunicorn -c config/gunicorn.conf.py config.wsgi` (`make serve-prod`).

Everything can be changed from the environment: HOST, PORT, WORKERS, TIMEOUT, MAX_REQUESTS,
ACCESS_LOG ("-" = stdout, "" = none), LOG_LEVEL, GUNICORN_CONTROL_SOCKET.
"""

from __future__ import annotations

import os
from datetime import timedelta
from typing import Any

from gunicorn.glogging import Logger


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name) or default)


bind = f"{os.environ.get('HOST') or '127.0.0.1'}:{_int('PORT', 8000)}"

# Sync workers: the requests are CPU- and database-bound, and with keep-alive clients gthread piled the
# connections onto one worker and was 20-35% slower here (stack notes). The usual 2 × cores + 1, capped so
# that N app servers × workers stay well inside PostgreSQL's max_connections (one persistent
# connection per worker) and the RSS (~80 MB a worker) inside the machine.
worker_class = "sync"
workers = _int("WORKERS", min(2 * (os.cpu_count() or 1) + 1, 8))

# A request is cut off after TIMEOUT seconds (the worker is killed and replaced); exports and imports
# of a whole year stay well under a minute. On SIGTERM, requests in flight get graceful_timeout to end.
timeout = _int("TIMEOUT", 60)
graceful_timeout = 30

# A worker is replaced after about this many requests (the jitter keeps them from restarting together),
# so a slow leak never grows for long.
max_requests = _int("MAX_REQUESTS", 2000)
max_requests_jitter = max_requests // 10

# Load Django once in the master and fork it: workers start in milliseconds (also when max_requests
# replaces them) and share the loaded code's memory. A code change needs a restart, not a HUP.
preload_app = True

# Logs on stdout/stderr (journald under systemd). The access log adds the client address nginx passed on
# and the time taken in milliseconds.
accesslog = os.environ.get("ACCESS_LOG", "-") or None
access_log_format = '%(h)s %({x-forwarded-for}i)s %(t)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
proc_name = "banli"

# gunicorn 25+ opens a control socket at one path per user: two servers on one host (8001, 8002) would
# fight over it. Off unless a path is given.
control_socket_disable = not os.environ.get("GUNICORN_CONTROL_SOCKET")
if os.environ.get("GUNICORN_CONTROL_SOCKET"):
    control_socket = os.environ["GUNICORN_CONTROL_SOCKET"]

HEALTH_PATHS = frozenset({"/healthz", "/readyz"})


class QuietHealthLogger(Logger):  # type: ignore[misc]
    """The access log without the load balancer's successful health checks (every few seconds, per
    server); a failing one is still logged."""

    def access(self, resp: Any, req: Any, environ: dict[str, Any], request_time: timedelta) -> None:
        if environ.get("PATH_INFO") in HEALTH_PATHS and str(resp.status).startswith("200"):
            return
        super().access(resp, req, environ, request_time)


logger_class = QuietHealthLogger


def pre_fork(server: Any, worker: Any) -> None:
    """A database connection opened while loading the app must not be shared by the forked workers."""
    from django.db import connections

    connections.close_all()
