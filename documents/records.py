"""Which document a user gets: found through ``handling.access`` (404 for "not yours" as for "not there"),
and for a member only what ``handling.disclosure`` lets a proposer read."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from handling.access import access_assignment, visible_assignments
from handling.disclosure import Audience, audience_of, may_read, reply_for
from handling.models import Assignment, Reply
from handling.states import AssignmentRole
from lib.errors import Forbidden, InvalidInput, NotFound
from organisation.models import DEPT_ROLES, Role, User
from proposals.models import Proposer

from . import content
from .layout import Document


@dataclass(frozen=True)
class Named:
    doc: Document
    name: str  # the file's name, without the extension


def _safe(name: str) -> str:
    return "".join("_" if c in '/\\:*?"<>|' or ord(c) < 32 else c for c in name)[:120]


def _internal(user: User) -> None:
    """The handling form and co-opinions stay inside the government (disclosure: 承办单, 会办意见)."""
    audience = audience_of(user)
    if not (may_read("submit_form", audience) and may_read("co_opinion", audience)):
        raise NotFound("交办记录不存在或您无权查看。")


def _proposers(a: Assignment) -> list[Proposer]:
    return list(a.proposal.proposers.order_by("position"))


def _loaded(assignment_id: int) -> Assignment:
    return Assignment.objects.select_related("proposal__session", "proposal__jurisdiction", "department").get(
        pk=assignment_id
    )


def reply_letter(user: User, assignment_id: int, version: int | None = None) -> Named:
    """The letter of the reply the user reads (staff: the latest version, or ``version``; a proposer: the
    latest delivered one). An unsigned version comes as a draft, watermarked 草稿."""
    a = _loaded(access_assignment(user, assignment_id).pk)
    audience = audience_of(user)
    replies = list(a.replies.select_related("signed_by").order_by("version"))
    if version is not None:
        if audience != Audience.STAFF:
            replies = [r for r in replies if r.delivered_on is not None]
        reply = next((r for r in replies if r.version == version), None)
    else:
        reply = reply_for(replies, audience)
    if reply is None:
        raise NotFound("尚无答复函。")
    reply.assignment = a
    doc = content.reply_letter(reply, _proposers(a))
    kind = reply.document_number or f"第{reply.version}稿（草稿）"
    return Named(doc, _safe(f"答复函-{a.proposal.number_label}-{a.department.name}-{kind}"))


def handling_form(user: User, assignment_id: int) -> Named:
    a = _loaded(access_assignment(user, assignment_id).pk)
    _internal(user)
    form = a.handling_forms.select_related("handler", "approved_by").order_by("-pk").first()
    instructions = list(a.proposal.instructions.select_related("leader").order_by("pk"))
    units = list(
        Assignment.objects.filter(proposal=a.proposal).exclude(state="withdrawn").select_related("department")
        .order_by("role", "pk")
    )  # fmt: skip
    doc = content.handling_form(a, _proposers(a), form, instructions, units)
    return Named(doc, _safe(f"提案承办单-{a.proposal.number_label}-{a.department.name}"))


def co_opinion(user: User, assignment_id: int) -> Named:
    a = _loaded(access_assignment(user, assignment_id).pk)
    _internal(user)
    opinion = a.co_opinions.select_related("submitted_by").order_by("-pk").first() if a.role == "co" else None
    if opinion is None:
        raise NotFound("该交办记录没有会办意见。")
    opinion.assignment = a
    leads = list(
        Assignment.objects.filter(proposal=a.proposal, role=AssignmentRole.LEAD).exclude(state="withdrawn")
        .select_related("department").order_by("pk")
    )  # fmt: skip
    doc = content.co_opinion(opinion, leads)
    return Named(doc, _safe(f"会办意见-{a.proposal.number_label}-{a.department.name}"))


def feedback_form(user: User, assignment_id: int) -> Named:
    a = _loaded(access_assignment(user, assignment_id).pk)
    if a.role != AssignmentRole.LEAD:
        raise NotFound("协办单位不答复提案人，没有征询意见表。")
    audience = audience_of(user)
    reply = reply_for([r for r in a.replies.order_by("version") if r.delivered_on is not None], Audience.PROPOSER)
    feedbacks = list(a.feedbacks.select_related("proposer", "entered_by").order_by("pk"))
    decisive = [f for f in feedbacks if f.decisive] or feedbacks
    feedback = decisive[-1] if decisive and may_read("feedback", audience) else None
    doc = content.feedback_form(a, _proposers(a), reply, feedback)
    return Named(doc, _safe(f"征询意见表-{a.proposal.number_label}-{a.department.name}"))


# ---------------------------------------------------------------------------------------------------
# 打包下载: every signed letter of a session or a unit


BUNDLE_ROLES = frozenset({Role.OFFICE_STAFF, Role.CPPCC_STAFF, *DEPT_ROLES})


def signed_letters(user: User, *, session_id: int | None, department_id: int | None) -> list[int]:
    """The ids of the signed reply versions of the lead assignments the user's lists hold, of a session or
    a unit: read before the response starts, so that a bad parameter is a 400, not a broken stream."""
    if not user.is_superuser and user.role not in BUNDLE_ROLES:
        raise Forbidden("只有督查室、提案委和承办单位可以打包下载答复函。")
    if session_id is None and department_id is None:
        raise InvalidInput("请指定届次（session_id）或承办单位（department_id）。", details={"field": "session_id"})
    scope = visible_assignments(user).filter(role=AssignmentRole.LEAD)
    if session_id is not None:
        scope = scope.filter(proposal__session_id=session_id)
    if department_id is not None:
        scope = scope.filter(department_id=department_id)
    replies = Reply.objects.filter(assignment__in=scope.values("pk"), signed_on__isnull=False).order_by(
        "assignment__department_id", "assignment__proposal_id", "assignment_id", "version"
    )
    return list(replies.values_list("pk", flat=True))


def letters_of(ids: list[int], chunk: int = 50) -> Iterator[Named]:
    """Each letter of ``ids`` in turn, a chunk of rows at a time (never the whole set in memory)."""
    for start in range(0, len(ids), chunk):
        rows = (
            Reply.objects.filter(pk__in=ids[start : start + chunk])
            .select_related(
                "signed_by",
                "assignment__proposal__session",
                "assignment__proposal__jurisdiction",
                "assignment__department__jurisdiction",
            )  # fmt: skip
            .prefetch_related("assignment__proposal__proposers")
        )
        by_id = {r.pk: r for r in rows}
        for pk in ids[start : start + chunk]:
            r = by_id[pk]
            a = r.assignment
            proposers = sorted(a.proposal.proposers.all(), key=lambda x: x.position)
            name = f"{a.department.name}/{a.proposal.number_label}-v{r.version}-{r.document_number}"
            yield Named(content.reply_letter(r, proposers), _safe_path(name))


def _safe_path(name: str) -> str:
    unit, _, rest = name.partition("/")
    return f"{_safe(unit)}/{_safe(rest)}"
