"""A logging formatter writing one JSON object per line, Chinese as is (for log collectors and SIEMs).

A record's ``extra={"fields": {...}}`` is merged into the object; ``time`` is the local time with its
offset, so lines from several hosts sort together.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        stamp = datetime.fromtimestamp(record.created, tz=timezone.get_current_timezone())
        line: dict[str, Any] = {
            "time": stamp.isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            line.update(fields)
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, cls=DjangoJSONEncoder, default=str)
