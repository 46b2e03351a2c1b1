"""Assignments of proposals to handling units and every record their handling produces.

An assignment carries, besides its state and deadlines, a few columns summing up its history
(``first_replied_on``, ``delivered_class`` …). Actions keep them in step with the records, so the
statistics over a provincial platform are one GROUP BY, not a walk through millions of events.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F

from lib.indexes import NullsLastIndex
from organisation.models import Department, Jurisdiction
from proposals.models import Proposal, Proposer

from .states import AssignmentRole, State


class Assignment(models.Model):
    proposal = models.ForeignKey(Proposal, on_delete=models.PROTECT, related_name="assignments")
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="assignments")
    role = models.CharField("办理方式", max_length=10, choices=AssignmentRole.choices)
    state = models.CharField("状态", max_length=20, choices=State.choices, default=State.PENDING)
    year = models.PositiveSmallIntegerField("年度")  # the session's year, for statistics without joins
    # The proposal's jurisdiction, copied at assignment (actions._new_assignment; bulk loads fill it with
    # actions.fill_read_columns): office and CPPCC scopes filter on it instead of a subquery over proposals.
    jurisdiction = models.ForeignKey(
        Jurisdiction, null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False
    )
    # Whether the proposal is a key proposal or a 建议案, copied at assignment and whenever its flags change
    # (handling.receivers): a leader's key proposals are read from the partial index on the units in their
    # charge instead of hashing every assignment of those units (issue 9).
    is_key_or_suggestion = models.BooleanField(default=False, editable=False)
    assigned_on = models.DateField("交办日期")
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    due_on = models.DateField("办复期限")
    max_due_on = models.DateField("最长延期至")
    return_deadline = models.DateField("退回期限")
    co_opinion_due = models.DateField("协办意见期限", null=True, blank=True)
    # The date the traffic light watches; null when there is nothing left to watch (replied, closed …).
    watch_on = models.DateField(null=True, blank=True)
    # The next automatic reminder (催办) of each kind (handling.reminders.KINDS): the reply or
    # co-opinion deadline (``watch_on``), the return window, the self-check, the proposer's rating.
    remind_on = models.DateField("下次自动催办", null=True, blank=True)
    return_remind_on = models.DateField("下次签收/退回期限提醒", null=True, blank=True)
    self_check_remind_on = models.DateField("下次回头看提醒", null=True, blank=True)
    feedback_due = models.DateField("反馈意见期限", null=True, blank=True)
    feedback_remind_on = models.DateField("下次反馈提醒", null=True, blank=True)

    # Summary of the history, kept by the actions (see the module docstring).
    first_replied_on = models.DateField("首次答复日期", null=True, blank=True)
    replied_on_time = models.BooleanField(null=True, blank=True)
    delivered_class = models.CharField(max_length=1, blank=True)
    contact_before = models.BooleanField(default=False)
    contact_during = models.BooleanField(default=False)
    contact_after = models.BooleanField(default=False)
    feedback_result = models.CharField(max_length=20, blank=True)
    rehandled = models.BooleanField(default=False)
    returned = models.BooleanField(default=False)
    extensions_approved = models.PositiveSmallIntegerField(default=0)
    self_check_due = models.DateField("回头看期限", null=True, blank=True)
    self_check_done_on = models.DateField(null=True, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "交办"
        constraints = [
            models.CheckConstraint(condition=models.Q(state__in=State.values), name="assignment_state_valid"),
            models.CheckConstraint(condition=models.Q(role__in=AssignmentRole.values), name="assignment_role_valid"),
        ]
        indexes = [
            models.Index(fields=["proposal", "role"], name="assignment_proposal_idx"),
            models.Index(fields=["department", "state", "watch_on"], name="assignment_dept_todo_idx"),
            models.Index(fields=["department", "watch_on"], name="assignment_dept_watch_idx"),
            models.Index(fields=["department", "proposal"], name="assignment_dept_proposal_idx"),
            # the workbenches' counts by role, state and deadline (a unit's, a leader's units'), index-only
            models.Index(fields=["department", "role", "state", "watch_on"], name="assignment_dept_role_state_idx"),
            models.Index(
                fields=["department", "proposal"],
                name="assignment_dept_key_idx",
                condition=models.Q(is_key_or_suggestion=True),
            ),
            models.Index(fields=["year", "department", "role"], name="assignment_stats_idx"),
            # office / CPPCC scope: the board and to-do lists by deadline, the light filter (watch_on ranges)
            models.Index(
                fields=["jurisdiction", "watch_on", "id"],
                name="assignment_jur_watch_idx",
                condition=models.Q(watch_on__isnull=False),
            ),
            models.Index(fields=["jurisdiction", "state"], name="assignment_jur_state_idx"),
            models.Index(fields=["watch_on"], name="assignment_watch_idx", condition=models.Q(watch_on__isnull=False)),
            models.Index(
                fields=["remind_on"], name="assignment_remind_idx", condition=models.Q(remind_on__isnull=False)
            ),
            # each reminder scan: WHERE <column> <= today ORDER BY <column>, id (a few rows a day)
            models.Index(
                fields=["return_remind_on", "id"],
                name="assignment_return_remind_idx",
                condition=models.Q(return_remind_on__isnull=False),
            ),
            models.Index(
                fields=["self_check_remind_on", "id"],
                name="assignment_check_remind_idx",
                condition=models.Q(self_check_remind_on__isnull=False),
            ),
            models.Index(
                fields=["feedback_remind_on", "id"],
                name="assignment_feedback_remind_idx",
                condition=models.Q(feedback_remind_on__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.proposal.number} → {self.department.name}（{self.get_role_display()}）"

    @property
    def is_lead(self) -> bool:
        return self.role == AssignmentRole.LEAD


class Decision(models.TextChoices):
    PENDING = "pending", "待审批"
    APPROVED = "approved", "已同意"
    REJECTED = "rejected", "未同意"


class ReturnRequest(models.Model):
    assignment = models.ForeignKey(Assignment, on_delete=models.PROTECT, related_name="return_requests")
    reason = models.TextField("退回理由")
    from_state = models.CharField(max_length=20)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    decision = models.CharField(max_length=10, choices=Decision.choices, default=Decision.PENDING)
    comment = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "退回申请"
        # the office's pending requests (a few thousand in a province of a million): from this index, each
        # row's assignment then fetched by its key for the jurisdiction and state
        indexes = [
            models.Index(
                fields=["requested_at", "id", "assignment"],
                name="return_pending_idx",
                condition=models.Q(decision="pending"),
            ),
        ]


class HandlingForm(models.Model):
    """The handling form (承办单) with the proposed handling opinion (拟办意见) and its approval."""

    assignment = models.ForeignKey(Assignment, on_delete=models.PROTECT, related_name="handling_forms")
    opinion = models.TextField("拟办意见")
    handler = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(auto_now_add=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    instruction = models.TextField("领导批示", blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "承办单"


class ContactStage(models.TextChoices):
    BEFORE = "before", "办前见面"
    DURING = "during", "办中见面"
    AFTER = "after", "办后见面"


class ContactMethod(models.TextChoices):
    VISIT = "visit", "上门走访"
    MEETING = "meeting", "座谈"
    PHONE = "phone", "电话"
    ONLINE = "online", "网络"
    OTHER = "other", "其他"


class Contact(models.Model):
    """A meeting with the proposer (三见面)."""

    assignment = models.ForeignKey(Assignment, on_delete=models.PROTECT, related_name="contacts")
    stage = models.CharField("阶段", max_length=10, choices=ContactStage.choices)
    date = models.DateField("日期")
    method = models.CharField("方式", max_length=10, choices=ContactMethod.choices)
    participants = models.TextField("参加人员", blank=True)
    notes = models.TextField("情况记录", blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "见面沟通"


class CoOpinion(models.Model):
    """A co-handling unit's opinion (会办意见), sent to the lead unit(s), never to the proposer."""

    assignment = models.ForeignKey(Assignment, on_delete=models.PROTECT, related_name="co_opinions")
    text = models.TextField("协办意见")
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "协办意见"


class GovernmentDecision(models.Model):
    """For a major proposal: the unit's report to the government and the decision it made (§四 last ¶)."""

    assignment = models.ForeignKey(Assignment, on_delete=models.PROTECT, related_name="government_decisions")
    report = models.TextField("承办单位初步意见")
    decision = models.TextField("政府决定或具体意见")
    decided_on = models.DateField("决定日期")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "政府决定"


class ResultClass(models.TextChoices):
    A = "A", "A类（所提问题已经解决或基本解决）"
    B = "B", "B类（所提问题正在解决或已列入计划逐步解决）"
    C = "C", "C类（因条件限制暂时不能解决，予以说明）"


class ReplyMethod(models.TextChoices):
    WRITTEN = "written", "书面答复"
    MEETING = "meeting", "座谈会答复"
    ONSITE = "onsite", "现场办理"


PUBLISHED = models.Q(published_on__isnull=False)


class Reply(models.Model):
    """One version of a reply letter (答复函). A signed version is never edited: a change is a new version."""

    assignment = models.ForeignKey(Assignment, on_delete=models.PROTECT, related_name="replies")
    version = models.PositiveSmallIntegerField("版本")
    text = models.TextField("答复内容")
    result_class = models.CharField("办理结果", max_length=1, choices=ResultClass.choices)
    method = models.CharField("答复方式", max_length=10, choices=ReplyMethod.choices)
    is_public = models.BooleanField("公开", default=False)
    contact_person = models.CharField("联系人", max_length=50)
    contact_phone = models.CharField("联系电话", max_length=30)
    drafted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    drafted_at = models.DateTimeField(auto_now_add=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    signed_on = models.DateField("签发日期", null=True, blank=True)
    # 文号, given at signing from the unit's yearly sequence (``handling.numbering``); a version the office
    # makes at its review (another class) is the same letter and keeps it.
    # db_default: rows written in bulk (load_scale's COPY) need not name it; their letters are unnumbered
    document_number = models.CharField("文号", max_length=60, blank=True, default="", db_default="")
    document_year = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    document_seq = models.PositiveIntegerField(null=True, blank=True, editable=False)
    # The day the reply reached the proposer: the signing day, or the reply meeting for key proposals.
    delivered_on = models.DateField("答复日期", null=True, blank=True)
    note = models.CharField(max_length=200, blank=True)
    # Published (queries.published_replies): the delivery date and the proposal's year while this is the
    # latest delivered version, public, of a public proposal; NULL otherwise. Kept by actions._mark_published,
    # so the public list is a range of a partial index instead of an anti-join over every reply.
    published_on = models.DateField(null=True, blank=True, editable=False)
    published_year = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = verbose_name_plural = "答复函"
        constraints = [
            models.UniqueConstraint(fields=["assignment", "version"], name="reply_version_unique"),
        ]
        indexes = [
            models.Index(
                fields=["delivered_on"], name="reply_public_idx", condition=models.Q(delivered_on__isnull=False)
            ),
            # the public list: the API's order (-delivered_on, -pk), the page's (-signed_on, pk), by year
            models.Index(F("published_on").desc(), F("id").desc(), name="reply_published_idx", condition=PUBLISHED),
            NullsLastIndex(
                F("signed_on").desc(nulls_last=True), F("id"), name="reply_published_signed_idx", condition=PUBLISHED
            ),
            models.Index(
                "published_year",
                F("published_on").desc(),
                F("id").desc(),
                name="reply_published_year_idx",
                condition=PUBLISHED,
            ),
        ]


class LetterSequence(models.Model):
    """The last reply number a unit gave in a year: locked (SELECT … FOR UPDATE) while the next is taken,
    so that two heads signing at once get consecutive numbers, never the same one and never a gap."""

    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField("年度")
    last = models.PositiveIntegerField("已用至", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "答复函文号序列"
        constraints = [models.UniqueConstraint(fields=["department", "year"], name="letter_sequence_unique")]


class ReplyDecision(models.Model):
    """The office's review (审核) or the leader's approval (审定) of a key reply."""

    class Stage(models.TextChoices):
        REVIEW = "review", "办公部门审核"
        APPROVAL = "approval", "政府领导审定"

    assignment = models.ForeignKey(Assignment, on_delete=models.PROTECT, related_name="reply_decisions")
    reply = models.ForeignKey(Reply, on_delete=models.PROTECT, related_name="decisions")
    stage = models.CharField(max_length=10, choices=Stage.choices)
    approve = models.BooleanField()
    comment = models.TextField(blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "答复审核审定"


class ReplyMeeting(models.Model):
    """A reply meeting (答复座谈会); one meeting may answer several proposals."""

    date = models.DateField("日期")
    chair = models.CharField("主持人", max_length=100)
    participants = models.TextField("参加人员", blank=True)
    notes = models.TextField("会议情况", blank=True)
    assignments = models.ManyToManyField(Assignment, related_name="reply_meetings")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "答复座谈会"


class ExtensionRequest(models.Model):
    assignment = models.ForeignKey(Assignment, on_delete=models.PROTECT, related_name="extension_requests")
    reason = models.TextField("延期理由")
    old_due_on = models.DateField()
    new_due_on = models.DateField("申请延至")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    decision = models.CharField(max_length=10, choices=Decision.choices, default=Decision.PENDING)
    cppcc_consulted = models.BooleanField("已与政协商议", default=False)
    # What the CPPCC said when consulted, recorded by its own staff (blank when the office records it alone).
    cppcc_agrees = models.BooleanField("政协意见：同意延期", null=True, blank=True)
    cppcc_opinion = models.TextField("政协协商意见", blank=True)
    consulted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    consulted_at = models.DateTimeField(null=True, blank=True)
    comment = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "延期申请"
        # the office's pending requests (a few thousand in a province of a million): from this index, each
        # row's assignment then fetched by its key for the jurisdiction and state
        indexes = [
            models.Index(
                fields=["requested_at", "id", "assignment"],
                name="extension_pending_idx",
                condition=models.Q(decision="pending"),
            ),
        ]


class Rating(models.TextChoices):
    SATISFIED = "satisfied", "满意"
    BASICALLY_SATISFIED = "basically_satisfied", "基本满意"
    UNSATISFIED = "unsatisfied", "不满意"


class Feedback(models.Model):
    """A proposer's rating of a reply (反馈意见): attitude and result; the result decides."""

    assignment = models.ForeignKey(Assignment, on_delete=models.PROTECT, related_name="feedbacks")
    reply = models.ForeignKey(Reply, null=True, on_delete=models.PROTECT, related_name="feedbacks")
    proposer = models.ForeignKey(Proposer, null=True, on_delete=models.PROTECT, related_name="feedbacks")
    attitude = models.CharField("办理态度", max_length=20, choices=Rating.choices)
    result = models.CharField("办理结果", max_length=20, choices=Rating.choices)
    comment = models.TextField("意见建议", blank=True)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    on_paper = models.BooleanField("代录纸质反馈", default=False)
    decisive = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "反馈意见"


class SelfCheck(models.Model):
    """The one-month self-check after the reply (回头看)."""

    assignment = models.ForeignKey(Assignment, on_delete=models.PROTECT, related_name="self_checks")
    findings = models.TextField("自查情况")
    fulfilled = models.BooleanField("承诺已落实")
    actions = models.JSONField("整改措施", default=list, blank=True)
    checked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "回头看自查"


class FollowUpItem(models.Model):
    """One item of a B-class follow-up plan (跟踪落实方案)."""

    assignment = models.ForeignKey(Assignment, on_delete=models.PROTECT, related_name="follow_up_items")
    # The unit handling the assignment (its department, copied when the plan is made; an item's 责任单位 below
    # may be another): a unit's open items come from one index instead of a join over all its assignments.
    handling_unit = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+", null=True, editable=False)
    text = models.TextField("落实事项")
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+")
    person = models.CharField("责任人", max_length=50)
    due_on = models.DateField("落实时限")
    done_on = models.DateField("完成日期", null=True, blank=True)
    note = models.TextField("落实情况", blank=True)
    remind_on = models.DateField("下次自动催办", null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "跟踪落实事项"
        indexes = [
            models.Index(
                fields=["remind_on", "id"], name="follow_up_remind_idx", condition=models.Q(remind_on__isnull=False)
            ),
            models.Index(
                fields=["handling_unit", "due_on", "id"],
                name="follow_up_unit_open_idx",
                condition=models.Q(done_on__isnull=True),
            ),
        ]


class SecondFeedback(models.Model):
    """The second feedback to the proposer once a B-class plan is done (二次反馈)."""

    assignment = models.ForeignKey(Assignment, on_delete=models.PROTECT, related_name="second_feedbacks")
    text = models.TextField("二次反馈内容")
    given_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "二次反馈"


class ReminderKind(models.TextChoices):
    """What a reminder presses for; every kind but ``manual`` is sent by the worker (handling.reminders)."""

    MANUAL = "manual", "督查室催办"
    DEADLINE = "deadline", "办理期限"  # the reply, co-opinion or re-handling deadline (watch_on)
    RETURN_WINDOW = "return_window", "签收及退回期限"
    SELF_CHECK = "self_check", "回头看自查"
    FOLLOW_UP = "follow_up", "跟踪落实事项"
    FEEDBACK = "feedback", "反馈意见"


class Reminder(models.Model):
    """A reminder (催办) to a unit or a proposer, by the office or by the worker (``sent_by`` null)."""

    assignment = models.ForeignKey(Assignment, on_delete=models.PROTECT, related_name="reminders")
    kind = models.CharField("催办类型", max_length=20, choices=ReminderKind.choices, default=ReminderKind.MANUAL)
    message = models.TextField("催办内容")
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "催办"
