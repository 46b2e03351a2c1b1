"""The tables ``load_scale`` writes and the columns it fills, in the order a chunk is written (parents first).

Every concrete column of a model must be listed here, or be nullable / have a database default:
``check_columns`` refuses to start otherwise, so a migration that adds a required column is noticed at
once rather than as a failed COPY half-way through a million rows.
"""

from __future__ import annotations

from django.db import models

from handling import models as hm
from history.models import Event
from organisation.models import Department, User
from proposals.models import Instruction, Proposal, Proposer, Session

from .sink import Table


def _t(model: type[models.Model], *columns: str) -> Table:
    return Table(model._meta.db_table, columns)


# The organisation (org.py)
DEPARTMENT = _t(
    Department, "id", "jurisdiction_id", "name", "short_name", "code", "duties", "is_active", "reply_prefix"
)
USER = _t(
    User, "id", "password", "last_login", "is_superuser", "username", "first_name", "last_name", "email", "is_staff",
    "is_active", "date_joined", "name", "role", "jurisdiction_id", "department_id", "phone", "must_change_password",
)  # fmt: skip
CHARGED = Table(User.charged_departments.through._meta.db_table, ("id", "user_id", "department_id"))
SESSION = _t(Session, "id", "jurisdiction_id", "name", "year", "is_daily")

# The proposals and their handling (play.py)
PROPOSAL = _t(
    Proposal, "id", "session_id", "jurisdiction_id", "year", "number", "title", "body", "category", "kind",
    "submitted_on", "is_key", "is_suggestion", "is_major", "is_public", "leading_leader_id", "status", "created_at",
    "created_by_id",
)  # fmt: skip
PROPOSER = _t(Proposer, "id", "proposal_id", "position", "name", "user_id")
INSTRUCTION = _t(Instruction, "id", "proposal_id", "jurisdiction_id", "leader_id", "text", "created_at")
ASSIGNMENT = _t(
    hm.Assignment, "id", "proposal_id", "department_id", "role", "state", "year", "assigned_on", "assigned_by_id",
    "due_on", "max_due_on", "return_deadline", "co_opinion_due", "watch_on", "remind_on", "first_replied_on",
    "replied_on_time", "delivered_class", "contact_before", "contact_during", "contact_after", "feedback_result",
    "rehandled", "returned", "extensions_approved", "self_check_due", "self_check_done_on", "feedback_due",
    # the reminder columns of the other kinds are left empty: handling.reminders.backfill dates them after the
    # load, and the worker's first scan sets each one's day (load_scale's _derived)
    "return_remind_on", "self_check_remind_on", "feedback_remind_on", "created_at",
)  # fmt: skip
RETURN = _t(
    hm.ReturnRequest, "id", "assignment_id", "reason", "from_state", "requested_by_id", "requested_at", "decision",
    "comment", "decided_by_id", "decided_at",
)  # fmt: skip
FORM = _t(
    hm.HandlingForm, "id", "assignment_id", "opinion", "handler_id", "submitted_by_id", "submitted_at",
    "approved_by_id", "approved_at", "instruction",
)  # fmt: skip
CONTACT = _t(
    hm.Contact, "id", "assignment_id", "stage", "date", "method", "participants", "notes", "recorded_by_id",
    "created_at",
)  # fmt: skip
CO_OPINION = _t(hm.CoOpinion, "id", "assignment_id", "text", "submitted_by_id", "created_at")
GOV_DECISION = _t(
    hm.GovernmentDecision, "id", "assignment_id", "report", "decision", "decided_on", "recorded_by_id", "created_at"
)
REPLY = _t(
    hm.Reply, "id", "assignment_id", "version", "text", "result_class", "method", "is_public", "contact_person",
    "contact_phone", "drafted_by_id", "drafted_at", "signed_by_id", "signed_on", "delivered_on", "note",
)  # fmt: skip
REPLY_DECISION = _t(
    hm.ReplyDecision, "id", "assignment_id", "reply_id", "stage", "approve", "comment", "decided_by_id", "decided_at"
)
MEETING = _t(hm.ReplyMeeting, "id", "date", "chair", "participants", "notes", "recorded_by_id", "created_at")
MEETING_LINK = Table(hm.ReplyMeeting.assignments.through._meta.db_table, ("id", "replymeeting_id", "assignment_id"))
EXTENSION = _t(
    hm.ExtensionRequest, "id", "assignment_id", "reason", "old_due_on", "new_due_on", "requested_by_id",
    "requested_at", "decision", "cppcc_consulted", "cppcc_agrees", "cppcc_opinion", "consulted_by_id",
    "consulted_at", "comment", "decided_by_id", "decided_at",
)  # fmt: skip
FEEDBACK = _t(
    hm.Feedback, "id", "assignment_id", "reply_id", "proposer_id", "attitude", "result", "comment", "entered_by_id",
    "on_paper", "decisive", "created_at",
)  # fmt: skip
SELF_CHECK = _t(hm.SelfCheck, "id", "assignment_id", "findings", "fulfilled", "actions", "checked_by_id", "created_at")
FOLLOW_UP = _t(
    hm.FollowUpItem, "id", "assignment_id", "handling_unit_id", "text", "department_id", "person", "due_on",
    "done_on", "note", "created_by_id", "created_at", "remind_on",
)  # fmt: skip
SECOND_FEEDBACK = _t(hm.SecondFeedback, "id", "assignment_id", "text", "given_by_id", "created_at")
REMINDER = _t(hm.Reminder, "id", "assignment_id", "kind", "message", "sent_by_id", "created_at")
EVENT = _t(
    Event, "id", "proposal_id", "assignment_id", "actor_id", "action", "from_state", "to_state", "data", "at",
    "prev_hash", "hash",
)  # fmt: skip

# Read-path columns another part of the product may add (the assignment's jurisdiction and key flag, the
# published-reply marker): written when the model has them, as handling.actions sets them.
ASSIGNMENT_JURISDICTION = any(f.column == "jurisdiction_id" for f in hm.Assignment._meta.concrete_fields)
REPLY_PUBLISHED = any(f.column == "published_on" for f in hm.Reply._meta.concrete_fields)
ASSIGNMENT_KEY_FLAG = any(f.column == "is_key_or_suggestion" for f in hm.Assignment._meta.concrete_fields)
if ASSIGNMENT_JURISDICTION:
    ASSIGNMENT = Table(ASSIGNMENT.name, (*ASSIGNMENT.columns, "jurisdiction_id"))
if ASSIGNMENT_KEY_FLAG:
    ASSIGNMENT = Table(ASSIGNMENT.name, (*ASSIGNMENT.columns, "is_key_or_suggestion"))
if REPLY_PUBLISHED:
    REPLY = Table(REPLY.name, (*REPLY.columns, "published_on", "published_year"))
# The letter number (文号) of a signed letter, as handling.numbering gives it (letters.py); after the load each
# unit's yearly sequence (LetterSequence) is set to its last number, so a real signing takes the next one.
REPLY = Table(REPLY.name, (*REPLY.columns, "document_number", "document_year", "document_seq"))

ORDER: tuple[Table, ...] = (
    PROPOSAL, PROPOSER, INSTRUCTION, ASSIGNMENT, RETURN, FORM, CONTACT, CO_OPINION, GOV_DECISION, REPLY,
    REPLY_DECISION, MEETING, MEETING_LINK, EXTENSION, FEEDBACK, SELF_CHECK, FOLLOW_UP, SECOND_FEEDBACK, REMINDER,
    EVENT,
)  # fmt: skip

MODELS: tuple[type[models.Model], ...] = (
    Proposal, Proposer, Instruction, hm.Assignment, hm.ReturnRequest, hm.HandlingForm, hm.Contact, hm.CoOpinion,
    hm.GovernmentDecision, hm.Reply, hm.ReplyDecision, hm.ReplyMeeting, hm.ExtensionRequest, hm.Feedback,
    hm.SelfCheck, hm.FollowUpItem, hm.SecondFeedback, hm.Reminder, Event,
)  # fmt: skip


ORG: tuple[Table, ...] = (DEPARTMENT, USER, CHARGED, SESSION)
ORG_MODELS: tuple[type[models.Model], ...] = (Department, User, Session)


def check_columns() -> list[str]:
    """Columns of the loaded models that the load leaves out and the database cannot fill: must be empty."""
    by_table = {t.name: set(t.columns) for t in ORDER + ORG}
    missing = []
    for model in MODELS + ORG_MODELS:
        listed = by_table[model._meta.db_table]
        for f in model._meta.concrete_fields:
            has_default = f.db_default is not models.NOT_PROVIDED
            if f.column not in listed and not (f.null or has_default):
                missing.append(f"{model._meta.db_table}.{f.column}")
    return missing


def unlisted_columns() -> list[str]:
    """Every concrete column not written by the load (nullable or defaulted ones included)."""
    by_table = {t.name: set(t.columns) for t in ORDER + ORG}
    return [
        f"{m._meta.db_table}.{f.column}"
        for m in MODELS + ORG_MODELS
        for f in m._meta.concrete_fields
        if f.column not in by_table[m._meta.db_table]
    ]
