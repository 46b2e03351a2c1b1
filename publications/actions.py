"""Issue a circular (印发通报): number it, keep it as sent, send it to the units.

In one transaction: the jurisdiction's row lock (so two offices issuing at once get numbers one after the
other), the next number of the year, the circular with its figures and its .docx, a row per unit it goes
to, and the security audit entry (``organisation.signals.security_event``, as the assessment's changes are).
The messages to the units' users are written in the same transaction (``notify``: the outbox), each with
the link to download the circular.
"""

from __future__ import annotations

import hashlib
from datetime import date

from django.db import transaction
from django.db.models import Max
from django.urls import reverse

from documents.docx import render_docx
from lib.errors import InvalidInput, RuleViolation
from notifications.delivery import notify, unit_users
from notifications.links import absolute
from organisation.actions import require_office_of
from organisation.models import Department, Jurisdiction, User
from organisation.signals import security_event

from .content import circular_document, circular_title
from .figures import circular_figures
from .models import Circular, CircularRecipient

RANGE_MAX_DAYS = 3 * 366


def number_of(jurisdiction: Jurisdiction, year: int, sequence: int) -> str:
    """示例市政办督〔2026〕3号: the office's supervision circulars, one sequence per jurisdiction and year."""
    return f"{jurisdiction.name}政办督〔{year}〕{sequence}号"


def check_range(date_from: date, date_to: date, today: date) -> None:
    if date_from > date_to:
        raise InvalidInput("起始日期不能晚于截止日期。", details={"field": "date_from"})
    if date_from > today:
        raise RuleViolation("date_in_future", "起始日期不能晚于今天。", details={"field": "date_from"})
    if (date_to - date_from).days > RANGE_MAX_DAYS:
        raise InvalidInput("通报的时间范围最长三年。", details={"field": "date_to"})


@transaction.atomic
def issue_circular(jurisdiction: Jurisdiction, *, actor: User, date_from: date, date_to: date, today: date) -> Circular:
    """Issue the circular of ``date_from``–``date_to`` for the jurisdiction's units (its own office only)."""
    require_office_of(actor, jurisdiction)
    check_range(date_from, date_to, today)
    Jurisdiction.objects.select_for_update().filter(pk=jurisdiction.pk).first()
    year = today.year
    last = Circular.objects.filter(jurisdiction=jurisdiction, year=year).aggregate(n=Max("sequence"))["n"] or 0
    number = number_of(jurisdiction, year, last + 1)
    figures = circular_figures(jurisdiction, date_from=date_from, date_to=date_to, today=today)
    data = render_docx(circular_document(figures, number=number))
    circular = Circular.objects.create(
        jurisdiction=jurisdiction, year=year, sequence=last + 1, number=number,
        title="".join(circular_title(figures)), date_from=date_from, date_to=date_to, issued_on=today,
        issued_by=actor, figures=figures.as_json(), document=data, sha256=hashlib.sha256(data).hexdigest(),
    )  # fmt: skip
    units = list(Department.objects.filter(jurisdiction=jurisdiction, is_active=True).order_by("pk"))
    link = absolute(reverse("circular_download", args=[circular.pk]))
    recipients = []
    for unit in units:
        users = unit_users(unit.pk)
        recipients.append(CircularRecipient(circular=circular, department=unit, notified=len(users)))
        notify(users, f"{circular.number}《{circular.title}》已印发，请下载阅处：{link}")
    CircularRecipient.objects.bulk_create(recipients)
    security_event.send(
        sender=Circular, kind="circular_issued", user=None, actor=actor, request=None, outcome="success",
        data={"circular_id": circular.pk, "number": number, "jurisdiction_id": jurisdiction.pk,
              "date_from": date_from.isoformat(), "date_to": date_to.isoformat(), "units": len(units),
              "sha256": circular.sha256},
    )  # fmt: skip
    return circular
