"""Wipe the demo city (示例市), its county and everything filed, handled or done in them.

Most foreign keys are PROTECT and the history is append-only, so nothing here is an everyday operation:
it exists for ``load_demo --reset`` on a demo database. Rows are deleted from the leaves up (events,
handling records, assignments, proposals, sessions, users, units, jurisdictions); a model added later
that still points at demo rows is found through Django's ProtectedError and deleted first.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db import models, transaction
from django.db.models import ProtectedError, QuerySet, RestrictedError

from handling import models as hm
from history.maintenance import history_maintenance
from history.models import Event
from organisation.models import Department, Jurisdiction, User
from proposals.models import Instruction, Proposal, Session
from spotchecks.models import Draw, SpotCheck, SpotCheckItem
from supervision import models as sv

from .loader import demo_city

# Records hanging off an assignment, leaves first (a feedback or decision points at a reply).
ASSIGNMENT_RECORDS: tuple[type[models.Model], ...] = (
    hm.Feedback, hm.ReplyDecision, hm.SecondFeedback, hm.FollowUpItem, hm.SelfCheck, hm.Reminder,
    hm.ExtensionRequest, hm.ReturnRequest, hm.HandlingForm, hm.Contact, hm.CoOpinion, hm.Reply,
)  # fmt: skip


def _delete(qs: QuerySet[Any], depth: int = 0) -> int:
    """Delete the rows, first deleting whatever protects them (rows that only exist for demo rows)."""
    if depth > 10:
        raise RuntimeError(f"清除演示数据时遇到无法解除的引用：{qs.model.__name__}")
    while True:
        try:
            return qs.delete()[0]
        except (ProtectedError, RestrictedError) as exc:
            blockers = exc.protected_objects if isinstance(exc, ProtectedError) else exc.restricted_objects
            by_model: dict[type[models.Model], list[Any]] = defaultdict(list)
            for obj in blockers:
                by_model[type(obj)].append(obj.pk)
            for model, pks in by_model.items():
                _delete(model._default_manager.filter(pk__in=pks), depth + 1)


@transaction.atomic
def wipe_demo() -> int:
    """Delete the demo city and everything in it; return how many rows went."""
    city = demo_city()
    if city is None:
        return 0
    ids = city.descendant_ids()
    proposals = Proposal.objects.filter(jurisdiction_id__in=ids)
    assignments = hm.Assignment.objects.filter(proposal__in=proposals)
    n = _delete(hm.ReplyMeeting.objects.filter(assignments__in=assignments).distinct())
    checks = SpotCheck.objects.filter(jurisdiction_id__in=ids)
    n += _delete(SpotCheckItem.objects.filter(spot_check__in=checks))
    n += _delete(Draw.objects.filter(spot_check__in=checks))
    n += _delete(checks)
    plans = sv.Plan.objects.filter(proposal__in=proposals)
    n += _delete(sv.Milestone.objects.filter(plan__in=plans))
    n += _delete(sv.ProgressNote.objects.filter(plan__in=plans))
    n += _delete(sv.Instruction.objects.filter(plan__in=plans))
    n += _delete(plans)
    with history_maintenance():  # whole chains go, with their proposals: nothing to rechain
        n += _delete(Event.objects.filter(proposal__in=proposals))
    for model in ASSIGNMENT_RECORDS:
        n += _delete(model._default_manager.filter(assignment__in=assignments))
    n += _delete(assignments)
    n += _delete(Instruction.objects.filter(proposal__in=proposals))
    n += _delete(proposals)
    n += _delete(Session.objects.filter(jurisdiction_id__in=ids))
    n += _delete(User.objects.filter(jurisdiction_id__in=ids))
    n += _delete(Department.objects.filter(jurisdiction_id__in=ids))
    for jid in reversed(ids):  # children before parents
        n += _delete(Jurisdiction.objects.filter(pk=jid))
    return n
