"""The hash chain over the audit log: append under a lock, and verify.

Each entry stores its predecessor's hash and an HMAC-SHA256 over its own content plus that hash. The
key (``AUDIT_CHAIN_KEY``, by default derived from ``SECRET_KEY``) stays outside the database, so whoever
can only write SQL — the application's own role included — cannot forge a row the chain accepts.

The chain is global (one predecessor per entry, by id), so appends are serialised: on PostgreSQL by a
transaction-level advisory lock held until commit, on SQLite by its IMMEDIATE transactions (one writer).
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac

from .models import AuditEntry

# Any constant: it names the one advisory lock that all audit appends take (pg_advisory_xact_lock).
LOCK_KEY = 0x62616E6C69_0A  # "banli" + 10 (hole 10)
SALT = "banli.audit.chain"


def jsonable(data: dict[str, Any]) -> dict[str, Any]:
    """``data`` as it reads back from the database (dates as text …), so the hash can be recomputed."""
    result: dict[str, Any] = json.loads(json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False))
    return result


def normal_ip(value: str | None) -> str | None:
    """The address as the database gives it back (IPv6 compressed, lower case); None if not one."""
    try:
        return ipaddress.ip_address((value or "").strip()).compressed
    except ValueError:
        return None


def _stamp(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def content(entry: AuditEntry) -> str:
    """The entry's content as one canonical string (every column except the id and the hashes)."""
    fields = {
        "at": _stamp(entry.at),
        "kind": entry.kind,
        "outcome": entry.outcome,
        "user": entry.user_id,
        "username": entry.username,
        "actor": entry.actor_id,
        "actor_username": entry.actor_username,
        "ip": entry.ip or None,
        "user_agent": entry.user_agent,
        "method": entry.method,
        "path": entry.path,
        "data": entry.data,
    }
    return json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def entry_hash(entry: AuditEntry) -> str:
    key = getattr(settings, "AUDIT_CHAIN_KEY", "") or settings.SECRET_KEY
    message = entry.prev_hash + "\n" + content(entry)
    return salted_hmac(SALT, message, secret=key, algorithm="sha256").hexdigest()


def append(entry: AuditEntry) -> AuditEntry:
    """Link the (unsaved) entry to the last one and insert it, inside the caller's transaction if any."""
    entry.data = jsonable(entry.data)
    entry.ip = normal_ip(entry.ip)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])
        entry.at = timezone.now()  # taken under the lock, so time order follows the chain
        last = AuditEntry.objects.order_by("-pk").values_list("hash", flat=True).first()
        entry.prev_hash = last or ""
        entry.hash = entry_hash(entry)
        entry.save(force_insert=True)
    return entry


@dataclass(frozen=True)
class Break:
    """The first place where the chain does not hold."""

    entry: AuditEntry
    reason: str

    def describe(self) -> str:
        at = timezone.localtime(self.entry.at).strftime("%Y-%m-%d %H:%M:%S")
        return f"第 {self.entry.pk} 号记录（{at}，{self.entry.kind}）{self.reason}"


def _entries(chunk: int = 2000) -> Iterator[AuditEntry]:
    return AuditEntry.objects.order_by("pk").iterator(chunk_size=chunk)


def verify() -> tuple[int, Break | None]:
    """Walk the chain from the first entry; returns how many entries hold, and the first break."""
    previous = ""
    checked = 0
    for entry in _entries():
        if entry.prev_hash != previous:
            return checked, Break(entry, "与前一条记录的链接不符：前一条记录被删除、改动或插入了伪造的记录。")
        if entry_hash(entry) != entry.hash:
            return checked, Break(entry, "的内容与其校验值不符：该记录被改动或伪造。")
        previous = entry.hash
        checked += 1
    return checked, None
