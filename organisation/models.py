"""Jurisdictions, handling units and the people who work in them."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import asdict, dataclass, fields
from typing import Any

from django.contrib.auth.models import AbstractUser
from django.db import models


@dataclass(frozen=True)
class Rules:
    """The time rules of a jurisdiction (domain.md §6); every one configurable."""

    reply_months: int = 3
    max_extension_months: int = 6
    return_window_days: int = 10
    return_window_working: bool = False
    co_opinion_months: int = 1
    self_check_months: int = 1
    rehandle_months: int = 1
    feedback_days: int = 15  # the proposer's rating of a delivered reply (征询意见表), in days (practice)
    deadline_rolls_to_workday: bool = True

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> Rules:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in (data or {}).items() if k in known})

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


class Jurisdiction(models.Model):
    """A city or a county under it (辖区): each runs the process with its own CPPCC, office and units."""

    name = models.CharField("名称", max_length=100)
    parent = models.ForeignKey(
        "self", verbose_name="上级辖区", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    rules = models.JSONField("办理时限规则", default=dict, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "辖区"

    def __str__(self) -> str:
        return self.name

    @property
    def time_rules(self) -> Rules:
        return Rules.from_json(self.rules)

    def descendant_ids(self) -> list[int]:
        """Return this jurisdiction's id and those of every jurisdiction under it."""
        ids = [self.pk]
        frontier = [self.pk]
        while frontier:
            frontier = list(Jurisdiction.objects.filter(parent_id__in=frontier).values_list("pk", flat=True))
            ids.extend(frontier)
        return ids


class Department(models.Model):
    """A handling unit (承办单位): a bureau, commission, district …"""

    jurisdiction = models.ForeignKey(
        Jurisdiction, verbose_name="辖区", on_delete=models.PROTECT, related_name="departments"
    )
    name = models.CharField("单位名称", max_length=100)
    short_name = models.CharField("简称", max_length=30, blank=True)
    code = models.CharField("代码", max_length=30, blank=True, help_text="用于账号前缀，如 jyj")
    duties = models.TextField("职能职责", blank=True)
    is_active = models.BooleanField("启用", default=True)
    # The prefix of its reply letters' numbers (文号, 示教提复〔2026〕12号); blank: derived from the names.
    reply_prefix = models.CharField(
        "答复函文号前缀",
        max_length=30,
        blank=True,
        default="",
        db_default="",
        help_text="如 示教提复；留空则取辖区和单位简称的首字加“提复”",
    )

    class Meta:
        verbose_name = verbose_name_plural = "承办单位"
        constraints = [
            models.UniqueConstraint(fields=["jurisdiction", "name"], name="department_name_unique_in_jurisdiction")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def letter_prefix(self) -> str:
        """The prefix of the unit's reply numbers: its own, else the first character of the jurisdiction
        and of the unit's short name, and 提复 (示例市 + 教育局 → 示教提复). Reads ``jurisdiction``."""
        if self.reply_prefix.strip():
            return self.reply_prefix.strip()
        place = self.jurisdiction.name
        unit = self.short_name or self.name
        for lead in (place, place[:-1], "市", "县", "区"):  # 示例市教育局, 市教育局 → 教育局
            if lead and unit.startswith(lead) and len(unit) > len(lead):
                unit = unit[len(lead) :]
                break
        return f"{place[:1]}{unit[:1]}提复"


class Role(models.TextChoices):
    CPPCC_STAFF = "cppcc_staff", "政协提案委工作人员"
    OFFICE_STAFF = "office_staff", "政府办督查室工作人员"
    GOV_LEADER = "gov_leader", "政府领导"
    DEPT_HEAD = "dept_head", "承办单位主要负责人"
    DEPT_LEADER = "dept_leader", "承办单位分管领导"
    DEPT_HANDLER = "dept_handler", "承办单位经办人"
    MEMBER = "member", "政协委员"


# The roles of a handling unit's staff (承办单位), defined here only: every app imports this one set.
DEPT_ROLES = frozenset({Role.DEPT_HEAD, Role.DEPT_LEADER, Role.DEPT_HANDLER})


class User(AbstractUser):
    name = models.CharField("姓名", max_length=50, blank=True)
    role = models.CharField("角色", max_length=20, choices=Role.choices, null=True, blank=True)
    jurisdiction = models.ForeignKey(
        Jurisdiction, verbose_name="辖区", null=True, blank=True, on_delete=models.PROTECT, related_name="users"
    )
    department = models.ForeignKey(
        Department, verbose_name="所在单位", null=True, blank=True, on_delete=models.PROTECT, related_name="staff"
    )
    phone = models.CharField("电话", max_length=30, blank=True)
    charged_departments = models.ManyToManyField(
        Department, verbose_name="分管单位", blank=True, related_name="leaders_in_charge"
    )
    # Set when someone else chose the password (created or reset by the office): the user must replace it
    # at the next sign-in before doing anything else; cleared by the user's own change.
    must_change_password = models.BooleanField("须修改初始密码", default=False)

    class Meta:
        verbose_name = verbose_name_plural = "用户"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role__isnull=True) | models.Q(role__in=Role.values), name="user_role_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.name or self.username

    @property
    def display_name(self) -> str:
        return self.name or self.username

    @property
    def is_dept_user(self) -> bool:
        return self.role in DEPT_ROLES


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(models.Model):
    """A bearer token; only its hash is stored, so a leaked database does not leak sessions."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "接口令牌"

    @classmethod
    def issue(cls, user: User) -> str:
        raw = secrets.token_urlsafe(32)
        cls.objects.create(user=user, key_hash=hash_token(raw))
        return raw
