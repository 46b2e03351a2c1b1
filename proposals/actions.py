"""Registering sessions and proposals, and leaders' instructions."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone

from history.recording import record_event, record_first_events
from lib.dates import cn_date
from lib.errors import Forbidden, InvalidInput, RuleViolation
from organisation.models import Jurisdiction, Role, User
from search import index as search_index
from search.models import Kind as SearchKind

from .models import Instruction, Proposal, ProposalKind, Proposer, Session
from .signals import flags_changed

STAFF = (Role.CPPCC_STAFF, Role.OFFICE_STAFF)  # who registers and flags proposals


def _require_staff_of(actor: User, jurisdiction: Jurisdiction) -> None:
    if actor.is_superuser:
        return
    if actor.role not in STAFF or actor.jurisdiction_id != jurisdiction.pk:
        raise Forbidden("只有本辖区政协提案委或督查室工作人员可以登记。")


@transaction.atomic
def create_session(jurisdiction: Jurisdiction, *, actor: User, name: str, year: int, is_daily: bool = False) -> Session:
    _require_staff_of(actor, jurisdiction)
    if Session.objects.filter(jurisdiction=jurisdiction, name=name, year=year).exists():
        raise RuleViolation("duplicate_session", f"{year}年“{name}”已经登记。", details={"field": "name"})
    return Session.objects.create(jurisdiction=jurisdiction, name=name, year=year, is_daily=is_daily)


@dataclass(frozen=True)
class ProposerEntry:
    name: str
    user: User | None = None


@dataclass(frozen=True)
class NewProposal:
    number: str
    title: str
    body: str
    kind: str
    proposers: Sequence[ProposerEntry]
    category: str = ""
    submitted_on: date | None = None
    is_key: bool = False
    is_suggestion: bool = False
    is_public: bool = True


def _duplicate_number(number: str) -> RuleViolation:
    return RuleViolation(
        "duplicate_number", f"本届次已有第{number}号提案。", details={"field": "number", "number": number}
    )


def _not_after_today(submitted_on: date | None) -> None:
    """A proposal is registered after it was submitted: a later 提交日期 is a typing error."""
    # Every jurisdiction keeps the server's local time (TIME_ZONE), so its date is the local date.
    today = timezone.localdate()
    if submitted_on is not None and submitted_on > today:
        message = f"提交日期不能晚于今天（{cn_date(today)}）。"
        raise InvalidInput(message, details={"fields": {"submitted_on": message}})


def _check_new(new: NewProposal) -> None:
    if new.kind not in ProposalKind.values:
        raise InvalidInput("提案类型只能是个人（individual）、联名（joint）或集体（collective）。")
    if not new.proposers:
        raise InvalidInput("请填写提案人。", details={"field": "proposers"})
    if new.kind == ProposalKind.INDIVIDUAL and len(new.proposers) > 1:
        raise InvalidInput("个人提案只能有一位提案人；多人提出的请选择联名提案。", details={"field": "proposers"})
    _not_after_today(new.submitted_on)


def _unsaved(session: Session, actor: User | None, new: NewProposal) -> Proposal:
    return Proposal(
        session=session,
        jurisdiction_id=session.jurisdiction_id,
        year=session.year,
        number=new.number,
        title=new.title,
        body=new.body,
        kind=new.kind,
        category=new.category,
        submitted_on=new.submitted_on,
        is_key=new.is_key,
        is_suggestion=new.is_suggestion,
        is_public=new.is_public,
        created_by=actor,
    )


def _proposers(proposal: Proposal, new: NewProposal) -> list[Proposer]:
    return [Proposer(proposal=proposal, position=i, name=p.name, user=p.user) for i, p in enumerate(new.proposers)]


def _search_doc(p: Proposal) -> search_index.Doc:
    return search_index.Doc(SearchKind.PROPOSAL, p.pk, p.pk, p.jurisdiction_id, p.year, p.title, p.body)


def _register_event(new: NewProposal) -> dict[str, object]:
    return {"number": new.number, "title": new.title}


@transaction.atomic
def create_proposal(session: Session, *, actor: User | None, new: NewProposal) -> Proposal:
    """Register a proposal (登记); ``actor`` None is an import run by the system."""
    if actor is not None:
        _require_staff_of(actor, session.jurisdiction)
    _check_new(new)
    if Proposal.objects.filter(session=session, number=new.number).exists():
        raise _duplicate_number(new.number)
    try:
        with transaction.atomic():
            proposal = _unsaved(session, actor, new)
            proposal.save(force_insert=True)
    except IntegrityError as exc:  # a concurrent registration of the same number got there first
        raise _duplicate_number(new.number) from exc
    Proposer.objects.bulk_create(_proposers(proposal, new))
    search_index.index_proposal(proposal.pk, jurisdiction_id=proposal.jurisdiction_id, year=proposal.year,
                                title=proposal.title, body=proposal.body)  # fmt: skip
    record_event(proposal, "register", actor=actor, to_state=proposal.status, data=_register_event(new))
    return proposal


@transaction.atomic
def register_proposals(session: Session, *, actor: User, rows: Sequence[NewProposal]) -> list[Proposal]:
    """Register many proposals at once (a session's list from the CPPCC): all or none, each checked as
    ``create_proposal`` checks one, written with one INSERT per table instead of several per proposal."""
    _require_staff_of(actor, session.jurisdiction)
    for new in rows:
        _check_new(new)
    numbers = [new.number for new in rows]
    taken = set(Proposal.objects.filter(session=session, number__in=numbers).values_list("number", flat=True))
    seen: set[str] = set()
    for number in numbers:
        if number in taken or number in seen:
            raise _duplicate_number(number)
        seen.add(number)
    try:
        with transaction.atomic():
            proposals = Proposal.objects.bulk_create([_unsaved(session, actor, new) for new in rows], batch_size=500)
    except IntegrityError as exc:  # a concurrent registration of one of the numbers got there first
        raise RuleViolation("duplicate_number", "本届次已有其中某个编号的提案，请刷新后重试。") from exc
    Proposer.objects.bulk_create([x for p, new in zip(proposals, rows, strict=True) for x in _proposers(p, new)],
                                 batch_size=1000)  # fmt: skip
    search_index.index_proposals([_search_doc(p) for p in proposals])
    record_first_events(
        [(p, "register", p.status, _register_event(new)) for p, new in zip(proposals, rows, strict=True)],
        actor=actor,
    )
    return proposals


_SEARCHED = ("pk", "jurisdiction_id", "year", "title", "body")


def _search_documents() -> Iterator[search_index.Doc]:
    """Every proposal, for ``manage.py rebuild_search_index``."""
    for pk, jurisdiction_id, year, title, body in (
        Proposal.objects.order_by("pk").values_list(*_SEARCHED).iterator(2000)
    ):
        yield search_index.Doc(SearchKind.PROPOSAL, pk, pk, jurisdiction_id, year, title, body)


def _search_documents_of(ids: Sequence[int]) -> Iterator[search_index.Doc]:
    """Some proposals, for the worker indexing a registered list (``search.index.index_proposals``)."""
    for pk, jurisdiction_id, year, title, body in Proposal.objects.filter(pk__in=ids).values_list(*_SEARCHED):
        yield search_index.Doc(SearchKind.PROPOSAL, pk, pk, jurisdiction_id, year, title, body)


search_index.register_source(SearchKind.PROPOSAL, Proposal.objects.count, _search_documents, _search_documents_of)


@transaction.atomic
def set_flags(proposal: Proposal, *, actor: User, is_key: bool | None = None, is_suggestion: bool | None = None,
              is_major: bool | None = None, leading_leader: User | None = None) -> Proposal:  # fmt: skip
    """Mark a key proposal or 建议案, or name the leader who leads it (领办)."""
    _require_staff_of(actor, proposal.jurisdiction)
    changed: dict[str, object] = {}
    if is_key is not None and is_key != proposal.is_key:
        proposal.is_key = is_key
        changed["is_key"] = is_key
    if is_suggestion is not None and is_suggestion != proposal.is_suggestion:
        proposal.is_suggestion = is_suggestion
        changed["is_suggestion"] = is_suggestion
    if is_major is not None and is_major != proposal.is_major:
        proposal.is_major = is_major
        changed["is_major"] = is_major
    if leading_leader is not None and leading_leader.pk != proposal.leading_leader_id:
        if leading_leader.role != Role.GOV_LEADER:
            raise InvalidInput("领办领导必须是政府领导。")
        proposal.leading_leader = leading_leader
        changed["leading_leader"] = leading_leader.display_name
    if changed:
        proposal.save(update_fields=list(changed))
        record_event(proposal, "set_flags", actor=actor, data=changed)
        if "is_key" in changed or "is_suggestion" in changed:
            flags_changed.send(sender=Proposal, proposal=proposal)
    return proposal


@transaction.atomic
def give_instruction(proposal: Proposal, *, actor: User, text: str) -> Instruction:
    """Record a leader's instruction (领导批示); any government leader of the jurisdiction may give one."""
    if not actor.is_superuser and (actor.role != Role.GOV_LEADER or actor.jurisdiction_id != proposal.jurisdiction_id):
        raise Forbidden("只有本级政府领导可以作出批示。")
    instruction = Instruction.objects.create(
        proposal=proposal, jurisdiction_id=proposal.jurisdiction_id, leader=actor, text=text
    )
    record_event(proposal, "instruction", actor=actor, data={"instruction_id": instruction.pk, "text": text})
    return instruction
