"""The demo's 抽查, made through ``spotchecks.actions`` only: last year's check, drawn with a fixed seed,
every item settled and the check closed; and this year's, drawn with another fixed seed and under way —
findings recorded, one item 未落实 with fixes demanded by a deadline and the unit's answer waiting for
the office, one 基本落实 waiting for the unit, one not checked yet.

Each step is played at its moment (``demo.moments``): after the drawn proposals' last events, before now.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from organisation.models import Jurisdiction, User
from spotchecks import actions as sc
from spotchecks.commands import DrawIn, FindingIn, SpotCheckIn
from spotchecks.models import SpotCheck, SpotCheckItem, Verdict
from spotchecks.queries import eligible

from .moments import Moments, at, moment

LAST_YEAR_SEED = 20250318
THIS_YEAR_SEED = 20261120
DAY = timedelta(days=1)

FULFILLED = (
    "经查阅办理台账、实地察看，答复中承诺的措施均已落实，相关政策文件已印发实施，提案人对办理结果表示满意。",
    "答复所列事项已全部完成，资金已按计划拨付到位，项目已建成投用，群众反映良好。",
    "承诺事项已纳入部门年度重点工作并按期完成，有文件、有台账、有成效。",
)
PARTLY = (
    "答复中承诺的三项措施已完成两项，“建立长效工作机制”一项仅有初步方案，尚未印发实施。",
    "主体工作已推进，但部分配套措施进度滞后，相关台账资料不够完整。",
)
NOT_FULFILLED = "答复中承诺“年内出台实施细则、开展试点”，经查细则仍在起草，试点尚未启动，也未向提案人说明进展情况。"
FIXES_PARTLY = "请于整改时限内印发长效工作机制文件，补齐办理台账，并将落实情况书面报送市政府督查室。"
FIXES_NOT = "请制定整改方案，明确责任处室和完成时限，尽快出台实施细则、启动试点，并当面向提案人通报进展。"
ANSWER_PARTLY = "已印发《长效工作机制实施办法》，补充完善了办理台账，并于近日向提案人书面通报了落实情况。"
ANSWER_NOT = (
    "收到整改要求后，单位主要负责同志专题研究部署，制定了整改方案：实施细则已完成征求意见，"
    "定于下月提交党组会审议；试点地区已确定，相关经费已落实。已登门向提案人当面通报整改进展。"
)


def _moment(moments: Moments, items: list[SpotCheckItem], planned: datetime) -> datetime:
    return moments.after([i.assignment.proposal_id for i in items], planned)


def _drawn_proposal_ids(city: Jurisdiction, year: int, size: int, seed: int) -> list[int]:
    """Which proposals the draw will take (the check's own rule, ``draw_sample``), to act after their history."""
    pool = sorted(eligible(city.pk, year).values_list("pk", flat=True))
    drawn = sc.draw_sample(pool, min(size, len(pool)), seed)
    return list(eligible(city.pk, year).filter(pk__in=drawn).values_list("proposal_id", flat=True))


def _items(check: SpotCheck) -> list[SpotCheckItem]:
    return list(check.items.select_related("assignment", "department").order_by("pk"))


def _handler(item: SpotCheckItem) -> User:
    user = User.objects.filter(department_id=item.department_id, username__endswith="_handler").order_by("pk").first()
    assert user is not None, item.department
    return user


def _check_in(title: str, year: int, on: date, staff: str, members: list[User], draw: DrawIn) -> SpotCheckIn:
    return SpotCheckIn.model_validate({
        "title": title, "year": year, "checked_on": on, "checked_by": "市政府督查室会同市政协提案委员会",
        "cppcc_staff": staff, "members_took_part": True, "members": "、".join(f"{m.name}委员" for m in members),
        "draw": draw,
    })  # fmt: skip


def play_spot_checks(city: Jurisdiction, moments: Moments, *, today: date, office: User, cppcc: User,
                     members: list[User]) -> list[SpotCheck]:  # fmt: skip
    checks: list[SpotCheck] = []
    staff = f"市政协提案委员会{cppcc.name}"

    # Last year's: drawn in spring, every item settled, closed.
    year = today.year - 1
    if eligible(city.pk, year).exists():
        ids = _drawn_proposal_ids(city, year, 4, LAST_YEAR_SEED)
        when = moments.after(ids, moment(date(today.year, 3, 18), 9, 30))
        data = _check_in(f"{year}年度政协提案办理落实情况抽查", year, when.date(), staff, members[:2],
                         DrawIn.model_validate({"size": len(ids), "seed": LAST_YEAR_SEED}))  # fmt: skip
        with at(when):
            check = sc.create_spot_check(city, actor=office, data=data)
        items = _items(check)
        for i, item in enumerate(items):
            partly = i == 1
            when = _moment(moments, [item], moment(check.checked_on + (i // 2) * DAY, 15, 10 * i))
            finding = FindingIn(verdict=Verdict.PARTLY, findings=PARTLY[0], fixes=FIXES_PARTLY,
                                fix_due=when.date() + 30 * DAY) if partly else FindingIn(
                verdict=Verdict.FULFILLED, findings=FULFILLED[i % len(FULFILLED)])  # fmt: skip
            with at(when):
                sc.record_finding(item, actor=cppcc, data=finding)
            if partly:
                with at(_moment(moments, [item], moment(when.date() + 21 * DAY, 10, 15))):
                    sc.answer_finding(item, actor=_handler(item), text=ANSWER_PARTLY)
                with at(_moment(moments, [item], moment(when.date() + 26 * DAY, 14, 30))):
                    sc.review_answer(item, actor=office, accept=True, comment="整改到位，同意验收。")
        with at(_moment(moments, items, moment(check.checked_on + 30 * DAY, 16, 0))):
            checks.append(sc.close_spot_check(check, actor=office))

    # This year's: drawn in late autumn, under way.
    year = today.year
    if eligible(city.pk, year).count() >= 6:
        ids = _drawn_proposal_ids(city, year, 6, THIS_YEAR_SEED)
        when = moments.after(ids, moment(today - 12 * DAY, 9, 30))
        data = _check_in(f"{year}年度政协提案答复事项落实情况抽查", year, when.date(), staff, members[2:4],
                         DrawIn.model_validate({"size": 6, "seed": THIS_YEAR_SEED}))  # fmt: skip
        with at(when):
            check = sc.create_spot_check(city, actor=office, data=data)
        items = _items(check)
        for i, item in enumerate(items[:-1]):  # the last one is not checked yet
            when = _moment(moments, [item], moment(check.checked_on + DAY, 9 + i, 20))
            if i == 0:
                finding = FindingIn(verdict=Verdict.NOT_FULFILLED, findings=NOT_FULFILLED, fixes=FIXES_NOT,
                                    fix_due=when.date() + 30 * DAY)  # fmt: skip
            elif i == 1:
                finding = FindingIn(verdict=Verdict.PARTLY, findings=PARTLY[1], fixes=FIXES_PARTLY,
                                    fix_due=when.date() + 20 * DAY)  # fmt: skip
            else:
                finding = FindingIn(verdict=Verdict.FULFILLED, findings=FULFILLED[i % len(FULFILLED)])
            with at(when):
                sc.record_finding(item, actor=office if i % 2 else cppcc, data=finding)
        first = items[0]
        with at(_moment(moments, [first], moment(check.checked_on + 8 * DAY, 10, 40))):
            sc.answer_finding(first, actor=_handler(first), text=ANSWER_NOT)
        checks.append(check)
    return checks
