"""SMS through a small gateway interface: ``send(phone, text)`` succeeds or raises ``SmsError``.

SMS_URL unset: the logging gateway (the message goes to the ``notifications`` log, nothing leaves the
machine). SMS_URL=http(s)://host:port/path?token=…: the HTTP gateway POSTs ``{"phone": "13800000000",
"text": "…"}`` (JSON, UTF-8) to exactly that URL; any 2xx answer is success, anything else (or no answer
within 10 s) is a failure that the worker retries. The token, if the operator's gateway wants one, rides
in the URL they give; an adapter for a vendor's own API (阿里云、腾讯云 …) is a small service in front.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from typing import Protocol

from django.conf import settings

log = logging.getLogger("notifications")


class SmsError(Exception):
    pass


class SmsGateway(Protocol):
    def send(self, phone: str, text: str) -> None: ...


class LoggingGateway:
    def send(self, phone: str, text: str) -> None:
        log.info("短信（未配置短信网关，仅记录）→ %s：%s", phone, text)


class HttpGateway:
    def __init__(self, url: str, timeout: float = 10.0) -> None:
        if not url.startswith(("http://", "https://")):
            raise ValueError("SMS_URL must start with http:// or https://")
        self.url = url
        self.timeout = timeout

    def send(self, phone: str, text: str) -> None:
        body = json.dumps({"phone": phone, "text": text}, ensure_ascii=False).encode()
        request = urllib.request.Request(  # noqa: S310 (the scheme is checked above)
            self.url, data=body, method="POST", headers={"Content-Type": "application/json; charset=utf-8"}
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                response.read()
        except urllib.error.HTTPError as exc:
            raise SmsError(f"短信网关返回 HTTP {exc.code}") from exc
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise SmsError(f"短信网关无法连接：{getattr(exc, 'reason', exc)}") from exc


def gateway() -> SmsGateway:
    url = getattr(settings, "SMS_URL", "")
    return HttpGateway(url) if url else LoggingGateway()
