"""Sessions and the proposals filed in them, with their proposers and leader instructions."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from lib.indexes import NullsLastIndex
from organisation.models import Jurisdiction


class Session(models.Model):
    """A CPPCC session (届次会次, e.g. 十四届二次会议), or a year's bucket of daily proposals (日常提案)."""

    jurisdiction = models.ForeignKey(Jurisdiction, verbose_name="辖区", on_delete=models.PROTECT)
    name = models.CharField("届次", max_length=100)
    year = models.PositiveSmallIntegerField("年度")
    is_daily = models.BooleanField("日常提案", default=False)

    class Meta:
        verbose_name = verbose_name_plural = "届次会次"
        constraints = [
            models.UniqueConstraint(fields=["jurisdiction", "name", "year"], name="session_unique_in_jurisdiction")
        ]

    def __str__(self) -> str:
        return f"{self.year}年 {self.name}"


class ProposalStatus(models.TextChoices):
    """A proposal's status, derived from its assignments (``handling.states.derive_proposal_status``)."""

    REGISTERED = "registered", "已登记"
    ASSIGNED = "assigned", "已交办"
    HANDLING = "handling", "办理中"
    REPLIED = "replied", "已答复"
    CLOSED = "closed", "已办结"


class ProposalKind(models.TextChoices):
    INDIVIDUAL = "individual", "个人提案"
    JOINT = "joint", "联名提案"
    COLLECTIVE = "collective", "集体提案"


# The proposals ``Proposal.is_key_or_suggestion`` is true of, as a filter.
KEY_OR_SUGGESTION = Q(is_key=True) | Q(is_suggestion=True)


class Proposal(models.Model):
    session = models.ForeignKey(Session, verbose_name="届次", on_delete=models.PROTECT, related_name="proposals")
    # Copied from the session so that the scoping filter of every list needs no join.
    jurisdiction = models.ForeignKey(Jurisdiction, verbose_name="辖区", on_delete=models.PROTECT)
    year = models.PositiveSmallIntegerField("年度")
    number = models.CharField("提案号", max_length=30)
    title = models.CharField("案由", max_length=500)
    body = models.TextField("内容")
    category = models.CharField("类别", max_length=50, blank=True)
    kind = models.CharField("提案类型", max_length=20, choices=ProposalKind.choices)
    submitted_on = models.DateField("提交日期", null=True, blank=True)
    is_key = models.BooleanField("重点提案", default=False)
    is_suggestion = models.BooleanField("建议案", default=False)
    # 涉及全局、群众关注、影响面大的提案 (§四 last ¶): the government decides before the unit replies.
    is_major = models.BooleanField("重大提案", default=False)
    is_public = models.BooleanField("公开", default=True)
    leading_leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="领办领导",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="led_proposals",
    )
    status = models.CharField("状态", max_length=20, choices=ProposalStatus.choices, default=ProposalStatus.REGISTERED)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = verbose_name_plural = "提案"
        constraints = [
            models.UniqueConstraint(fields=["session", "number"], name="proposal_number_unique_in_session"),
            models.CheckConstraint(condition=models.Q(status__in=ProposalStatus.values), name="proposal_status_valid"),
        ]
        indexes = [
            models.Index(fields=["jurisdiction", "-id"], name="proposal_jurisdiction_idx"),
            models.Index(fields=["jurisdiction", "status", "-id"], name="proposal_jur_status_idx"),
            models.Index(fields=["session", "-id"], name="proposal_session_idx"),
            # the session filter's choices: does this session have a proposal in the scope's jurisdictions?
            models.Index(fields=["session", "jurisdiction"], name="proposal_session_jur_idx"),
            # … and the year filter's: does this year have one? (web.sections.year_filter)
            models.Index(fields=["year", "jurisdiction"], name="proposal_year_jur_idx"),
            models.Index(fields=["year", "-id"], name="proposal_year_idx"),
            # the category filter of the lists, and the categories a jurisdiction uses (the import's check)
            models.Index(fields=["jurisdiction", "category", "-id"], name="proposal_jur_category_idx"),
            # office / CPPCC lists over several jurisdictions, newest first: one index scanned backwards with
            # the jurisdiction at hand, so a deep page skips index entries only (index-only scan)
            models.Index(fields=["-id", "jurisdiction"], name="proposal_newest_idx"),
            # the lists' default order (登记时间, newest first), scanned in order and filtered by the scope
            NullsLastIndex(F("created_at").desc(nulls_last=True), F("id"), name="proposal_created_idx"),
            # key proposals and 建议案 (the leader's and CPPCC's sections): a few percent of the rows
            models.Index(
                fields=["-id"], name="proposal_key_idx", condition=models.Q(is_key=True) | models.Q(is_suggestion=True)
            ),
            # the dashboard's key proposals of a year by status, from the index alone
            models.Index(
                fields=["year", "jurisdiction", "status"],
                name="proposal_key_year_idx",
                condition=models.Q(is_key=True) | models.Q(is_suggestion=True),
            ),
        ]

    def __str__(self) -> str:
        return f"第{self.number}号 {self.title}"

    @property
    def number_label(self) -> str:
        """The number with its session (十四届二次会议 第001号): numbers restart in every session.

        Reads ``session``: lists select it with the proposal (or load it with ``web``'s ``with_sessions``).
        """
        session = self.session
        name = f"{session.year}年{session.name}" if session.is_daily else session.name
        return f"{name} 第{self.number}号"

    @property
    def is_key_or_suggestion(self) -> bool:
        """A key proposal (重点提案) or a 建议案: followed by leaders, supervised, reported (``KEY_OR_SUGGESTION``)."""
        return self.is_key or self.is_suggestion

    @property
    def needs_leader_approval(self) -> bool:
        """Key proposals and 建议案 go through office review, leader approval and a reply meeting (§四(三))."""
        return self.is_key_or_suggestion


class Proposer(models.Model):
    """One proposer of a proposal; ``position`` 0 is the first proposer, whose rating decides."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="proposers")
    position = models.PositiveSmallIntegerField("顺序", default=0)
    name = models.CharField("提案人", max_length=100)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="proposals_filed"
    )

    class Meta:
        verbose_name = verbose_name_plural = "提案人"
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["proposal", "position"], name="proposer_position_unique"),
        ]
        indexes = [models.Index(fields=["user", "proposal"], name="proposer_user_idx")]

    def __str__(self) -> str:
        return self.name


class Instruction(models.Model):
    """A leader's instruction on a proposal (领导批示), visible to everyone handling it."""

    proposal = models.ForeignKey(Proposal, on_delete=models.PROTECT, related_name="instructions")
    # The proposal's, copied when given (a proposal never changes jurisdiction): the office's 领导批示 list
    # reads its jurisdiction's instructions from an index instead of joining every proposal (issue 9).
    jurisdiction = models.ForeignKey(
        "organisation.Jurisdiction", on_delete=models.PROTECT, related_name="+", null=True, editable=False
    )
    leader = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField("批示内容")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "领导批示"
        indexes = [
            models.Index(fields=["jurisdiction", "-created_at", "id"], name="instruction_jur_created_idx"),
            models.Index(fields=["leader", "-created_at", "id"], name="instruction_leader_created_idx"),  # 我的批示
        ]
