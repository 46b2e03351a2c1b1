"""Delete the in-app messages read more than READ_NOTIFICATIONS_KEEP_DAYS ago; unread ones stay. Their
delivery rows go with them (the FK cascades), counted into the delivery tally first (notifications/pruning.py)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from notifications.models import Delivery, Notification
from notifications.pruning import tally


def read_long_ago(days: int, now: datetime | None = None) -> QuerySet[Notification]:
    return Notification.objects.filter(read_at__lt=(now or timezone.now()) - timedelta(days=days))


class Command(BaseCommand):
    help = "删除阅读已超过保留天数（READ_NOTIFICATIONS_KEEP_DAYS，默认 90 天）的站内消息；未读消息不删除。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, help="已读消息保留天数（默认取 READ_NOTIFICATIONS_KEEP_DAYS）")
        parser.add_argument("--dry-run", action="store_true", help="只统计将删除多少条，不删除")

    def handle(self, *args: Any, days: int | None = None, dry_run: bool = False, **options: Any) -> None:
        keep = settings.READ_NOTIFICATIONS_KEEP_DAYS if days is None else days
        rows = read_long_ago(keep)
        if dry_run:
            self.stdout.write(f"试运行：将删除 {rows.count()} 条阅读已超过 {keep} 天的消息（未删除）。")
            return
        with transaction.atomic():
            tally(Delivery.objects.filter(notification__in=rows))
            _, deleted = rows.delete()
        count = deleted.get(Notification._meta.label, 0)  # the messages; their delivery rows not counted
        self.stdout.write(f"已删除 {count} 条阅读已超过 {keep} 天的消息。")
