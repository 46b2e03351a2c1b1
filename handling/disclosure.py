"""What each audience may read of a proposal's handling: the one definition the API, the pages and every
export use (api.md, "What a member and the public read of the history").

Staff (office, CPPCC, leaders, units, superusers) read everything within their scope (``handling.access``).
A proposer (委员) reads only the outward steps: 交办 to which units, 签收, contacts with them, the signed and
delivered reply, their ratings, re-handling, follow-up progress, second feedback. Never co-opinions, review
or approval comments, 承办单 opinions, internal reminders, drafts, leaders' instructions, returns or the
deliberation on an extension. The public reads published reply letters only, with no contact details.

``PROPOSER_READS`` is the table: each action → which keys of its event ``data`` the proposer may read.
``INTERNAL`` (and any action missing from the table) means the step is left out altogether, so a new action
stays inside the government until someone decides otherwise here.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Final

from organisation.models import DEPT_ROLES, Role

from .states import State

if TYPE_CHECKING:
    from history.models import Event
    from organisation.models import User

    from .models import Reply


class Audience(StrEnum):
    STAFF = "staff"  # inside the government and the CPPCC, within their scope
    PROPOSER = "proposer"  # the member who filed the proposal
    PUBLIC = "public"  # anyone, without signing in


STAFF_ROLES: Final = frozenset({Role.OFFICE_STAFF, Role.CPPCC_STAFF, Role.GOV_LEADER, *DEPT_ROLES})


def audience_of(user: User | None) -> Audience:
    """Staff read the internal record; anyone else signed in (a member, an account without a role) reads
    what the proposer reads, so an unknown role never sees more than a member."""
    if user is None or not user.is_authenticated:
        return Audience.PUBLIC
    if user.is_superuser or user.role in STAFF_ROLES:
        return Audience.STAFF
    return Audience.PROPOSER


@dataclass(frozen=True)
class Shown:
    keys: frozenset[str]
    when: Callable[[Event], bool] | None = None  # only some events of this action are outward


def shown(*keys: str, when: Callable[[Event], bool] | None = None) -> Shown:
    return Shown(frozenset(keys), when)


INTERNAL: Final = None


def _delivers(e: Event) -> bool:
    # A key proposal's signature sends the reply to the office's review, not yet to the proposer.
    return e.to_state == State.REPLIED


def _approved(e: Event) -> bool:
    return bool((e.data or {}).get("approve"))


RATING = ("proposer", "attitude", "result", "comment", "on_paper", "decisive", "due_on")

# action → what the proposer reads of its event (INTERNAL: nothing, the step is not shown)
PROPOSER_READS: Final[dict[str, Shown | None]] = {
    # the proposal
    "register":            shown("number", "title"),
    "set_flags":           INTERNAL,  # key proposal / 建议案 / 领办 decisions
    "instruction":         INTERNAL,  # 领导批示 go to the units
    "assign":              shown("department_id", "department", "role", "due_on"),
    # receipt, returns, the handling form
    "receive":             shown(),
    "request_return":      INTERNAL,
    "decide_return":       INTERNAL,
    "submit_form":         INTERNAL,  # 承办单 拟办意见
    "approve_form":        INTERNAL,
    # handling
    "contact":             shown("stage", "date", "method"),  # not the unit's notes of the meeting
    "co_opinion":          INTERNAL,  # 会办意见 go to the lead unit
    "government_decision": INTERNAL,
    "draft_reply":         INTERNAL,  # drafts are not letters
    "sign_reply":          shown("version", "signed_on", "document_number", when=_delivers),
    "review_reply":        INTERNAL,
    "approve_reply":       INTERNAL,
    "reply_meeting":       shown("date", "chair"),
    "request_extension":   INTERNAL,
    "consult_extension":   INTERNAL,
    "decide_extension":    shown("due_on", when=_approved),  # the new deadline, not the deliberation
    # after the reply
    "feedback":            shown(*RATING),
    "cosigner_feedback":   shown(*RATING),  # recorded under "feedback"; listed so the table is complete
    "self_check":          shown("findings", "fulfilled", "actions"),
    "follow_up_plan":      shown("items"),
    "follow_up_done":      shown("item_id", "text", "note"),
    "second_feedback":     shown("text"),
    "remind":              INTERNAL,  # 催办 presses the unit
}  # fmt: skip


def may_read(action: str, audience: Audience) -> bool:
    """Whether the audience reads this kind of record at all (events, and the records behind them)."""
    if audience == Audience.STAFF:
        return True
    return audience == Audience.PROPOSER and PROPOSER_READS.get(action) is not None


def event_data(e: Event, audience: Audience) -> dict[str, Any] | None:
    """The part of an event's ``data`` the audience may read, or None when the event is not theirs to read."""
    data = e.data if isinstance(e.data, dict) else {}
    if audience == Audience.STAFF:
        return data
    rule = PROPOSER_READS.get(e.action) if audience == Audience.PROPOSER else None
    if rule is None or (rule.when is not None and not rule.when(e)):
        return None
    return {k: v for k, v in data.items() if k in rule.keys}


def disclosed_events(events: Iterable[Event], audience: Audience) -> list[tuple[Event, dict[str, Any]]]:
    """The events the audience reads, oldest first as given, each with the data it may read."""
    pairs = ((e, event_data(e, audience)) for e in events)
    return [(e, d) for e, d in pairs if d is not None]


# ---------------------------------------------------------------------------------------------------
# The reply letter


# The reply's fields a proposer does not read, given empty so that the reply keeps one shape for everyone:
# the internal ``note`` (e.g. the office changing the result class at its review).
PROPOSER_REPLY_BLANKS: Final[dict[str, Any]] = {"note": ""}


def reply_for(replies: Iterable[Reply], audience: Audience) -> Reply | None:
    """The reply an audience reads: staff the latest version, delivered or not; others the latest delivered."""
    rows = sorted(replies, key=lambda r: r.version)
    if audience != Audience.STAFF:
        rows = [r for r in rows if r.delivered_on is not None]
    return rows[-1] if rows else None


def reply_fields(reply: dict[str, Any], audience: Audience) -> dict[str, Any]:
    if audience == Audience.STAFF:
        return reply
    return {**reply, **{k: v for k, v in PROPOSER_REPLY_BLANKS.items() if k in reply}}


# ---------------------------------------------------------------------------------------------------
# What is published (公开答复): never a contact detail


_LABEL = r"(?:联\s*系\s*人|联系电话|联系方式|办公电话|电话|手机|传真|电子邮箱|邮箱|e-?mail|tel)"
_CONTACT_PATTERNS: Final = (
    # numbers first, so that a labelled clause below finds only its label left
    re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"),  # e-mail
    re.compile(r"(?<!\d)(?:\+?86[- ]?)?1[3-9]\d[- ]?\d{4}[- ]?\d{4}(?!\d)"),  # mobile
    re.compile(r"[（(]0\d{2,3}[）)]\s*\d{7,8}(?:-\d{1,6})?(?!\d)"),  # (025)12345678
    re.compile(r"(?<!\d)0\d{2,3}[-－ ]?\d{7,8}(?:-\d{1,6})?(?!\d)"),  # 0512-12345678
    re.compile(r"(?<!\d)[48]00[- ]?\d{3}[- ]?\d{4}(?!\d)"),  # 400/800 service lines
    # digits right after 电话/手机 without a colon (8-digit local numbers)
    re.compile(r"(?:电话|手机|传真)\s*[\d\-－ ()（）]{7,}"),
    # a labelled contact clause: 联系人：某某 / 联系电话：… / 邮箱：… up to the next separator
    re.compile(rf"{_LABEL}\s*[:：]\s*[^，,；;。）)\n]*", re.IGNORECASE),
)
_EMPTY_BRACKETS = re.compile(r"[（(][\s，,；;、:：]*[）)]")
_MEANINGFUL = re.compile(r"[\w\u4e00-\u9fff]")


def _strip_line(line: str) -> str | None:
    cleaned = line
    for pattern in _CONTACT_PATTERNS:
        cleaned = pattern.sub("", cleaned)
    if cleaned == line:
        return line
    cleaned = _EMPTY_BRACKETS.sub("", cleaned)
    # a line that held only contact details goes altogether
    return cleaned.rstrip() if _MEANINGFUL.search(cleaned) else None


def public_text(text: str) -> str:
    """A reply letter as published: contact persons, phone numbers and e-mail addresses removed."""
    lines = (_strip_line(line) for line in text.split("\n"))
    return "\n".join(line for line in lines if line is not None)


_PROBE = re.compile(r"\d{5,}|@|联\s*系|电话|手机|传真|邮箱", re.IGNORECASE)


def searches_letters(q: str) -> bool:
    """Whether a public search may look into the letters' stored text: not for what looks like a contact
    detail, which the published text leaves out (a search must not confirm a number the page hides)."""
    return _PROBE.search(q) is None


def public_reply_json(r: Reply) -> dict[str, Any]:
    """One published reply (api.md ``GET /public/replies``); needs assignment__proposal__session and
    assignment__department loaded."""
    p = r.assignment.proposal
    return {
        "proposal_id": p.pk,
        "session": p.session.name,
        "year": p.year,
        "number": p.number,
        "title": p.title,
        "department": r.assignment.department.name,
        "result_class": r.result_class,
        "text": public_text(r.text),
        "signed_on": r.signed_on,
    }
