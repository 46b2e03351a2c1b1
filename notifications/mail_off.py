"""The mailer when EMAIL_URL is unset: e-mail is off, so a message (a password reset, an error report)
is dropped with a log line instead of waiting on a server nobody configured."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from django.core.mail.backends.base import BaseEmailBackend

log = logging.getLogger("notifications")


class EmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages: Sequence[Any]) -> int:
        for message in email_messages:
            log.info("邮件未配置（EMAIL_URL 为空），未发送：%s → %s", message.subject, ", ".join(message.to))
        return 0
