"""The demo's 动态督办: a plan for each of this year's key proposals and 建议案, made through
``supervision.actions`` only.

The office sets the milestones the day after it assigns the proposal (played then, with the clock fixed
there, so the history keeps them in their place: ``demo.backdate`` keeps their times). Once every
session is played and dated, the units mark the milestones done that their handling has reached, report
progress, and a leader instructs (``finish``), each after the proposal's last event. The dates follow
the demo's today: one plan has a milestone overdue (红灯), one a milestone due within 15 days (黄灯), the
others are green.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.utils import timezone

from handling.models import Assignment, CoOpinion
from handling.states import State
from lib.dates import cn_date
from organisation.models import Department, User
from proposals.models import Proposal
from supervision import actions as sv
from supervision.models import Milestone

from .moments import Moments, moment
from .moments import at as clock_at
from .plans import LeadPlan

S = State
DAY = timedelta(days=1)
REVIEW = frozenset({S.OFFICE_REVIEW, S.LEADER_APPROVAL, S.APPROVED})
ANSWERED = frozenset({S.REPLIED, S.REHANDLING, S.CLOSED})

# When a milestone is done: a day after it was set, the lead's signing or reply meeting, the co-handler's
# opinion, or not yet (None).
PLANNED, SIGNED, MET, CO = "planned", "signed", "met", "co"


@dataclass
class Step:
    title: str
    department: Department
    due_on: date
    done: str | None = None  # PLANNED, SIGNED, MET, CO or None
    done_after: int = 0  # PLANNED: days after the plan was set
    note: str = ""
    milestone_id: int = 0


@dataclass
class Supervised:
    proposal: Proposal
    lead: Assignment
    plan: LeadPlan
    handler: User
    topic: str
    set_on: date
    light: str
    steps: list[Step] = field(default_factory=list)
    co: Assignment | None = None


@dataclass
class SupervisionScene:
    today: date
    seed: int
    plans: list[Supervised] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)  # noqa: S311 (demo data); its own, so the rest of the demo is unchanged

    # ------------------------------------------------------------------------------------------------
    # Right after the assignment: the office sets the milestones

    def set_up(self, proposal: Proposal, *, office: User, lead: Assignment, plan: LeadPlan, cos: list[Assignment],
               co_answers: bool, handler: User, topic: str) -> None:  # fmt: skip
        assert plan.assigned_on is not None
        set_on = min(plan.assigned_on + DAY, self.today)
        light = self._light(plan.target)
        s = Supervised(proposal, lead, plan, handler, topic, set_on, light, co=cos[0] if cos else None)
        s.steps = self._steps(s, co_answers)
        for i, step in enumerate(s.steps):
            with clock_at(moment(set_on, 9, 20 + 6 * i)):
                m = sv.add_milestone(proposal, actor=office, title=step.title, due_on=max(step.due_on, set_on),
                                     department=step.department)  # fmt: skip
            step.milestone_id = m.pk
        self.plans.append(s)

    def _light(self, target: str) -> str:
        """One red plan (a handling one), one yellow (one waiting for its reply meeting), the rest green."""
        taken = {s.light for s in self.plans}
        if target == S.HANDLING and "red" not in taken:
            return "red"
        if target in REVIEW and "yellow" not in taken:
            return "yellow"
        return "green"

    def _steps(self, s: Supervised, co_answers: bool) -> list[Step]:
        rng, today, lp, lead_unit = self.rng, self.today, s.plan, s.lead.department
        target, set_on = lp.target, s.set_on
        steps = [
            Step("制定办理工作方案，明确责任处室、办理措施和完成时限", lead_unit, set_on + 12 * DAY, PLANNED,
                 rng.randint(4, 10), "工作方案已经单位党组（党委）会议审议通过，明确了责任处室和时间表。"),
            Step("走访提案人，围绕提案所提问题开展专题调研", lead_unit, set_on + 35 * DAY, PLANNED,
                 rng.randint(18, 32), "已登门走访提案人，赴基层实地调研，形成调研报告。"),
        ]  # fmt: skip
        if s.co is not None:
            co_unit = s.co.department
            if co_answers:
                steps.append(Step(f"{co_unit.name}提出会办意见", co_unit, set_on + 25 * DAY, CO,
                                  note="会办意见已按时送主办单位。"))  # fmt: skip
            else:
                steps.append(Step(f"{co_unit.name}提出会办意见", co_unit, today + rng.randint(20, 30) * DAY))
        signed = lp.signs and target != S.HANDLING
        # an open milestone is green unless this plan is the red or yellow one: due more than 15 days ahead
        reply_due = s.lead.due_on if signed else max(s.lead.due_on, today + 16 * DAY)
        reply = Step("形成答复意见，按程序报送审核", lead_unit, reply_due, SIGNED if signed else None,
                     note="答复意见已经单位主要负责同志签发。")  # fmt: skip
        if target == S.HANDLING:
            due = today - 6 * DAY if s.light == "red" else today + rng.randint(20, 30) * DAY
            steps.append(Step("形成阶段性办理成果，书面报送督查室", lead_unit, due))
            steps.append(reply)
        elif target in REVIEW:
            steps.append(reply)
            due = today + 9 * DAY if s.light == "yellow" else today + rng.randint(22, 40) * DAY
            steps.append(Step("召开答复座谈会，当面听取提案人意见", lead_unit, due))
        else:
            steps.append(reply)
            steps.append(Step("召开答复座谈会，当面听取提案人意见", lead_unit, s.lead.due_on, MET,
                              note="答复座谈会已召开，提案人对办理工作表示认可。"))  # fmt: skip
            if target != S.CLOSED:
                steps.append(Step("落实答复中承诺的各项措施，报送落实情况", lead_unit,
                                  today + rng.randint(30, 60) * DAY))  # fmt: skip
        return steps

    # ------------------------------------------------------------------------------------------------
    # Once every session is played and dated: milestones done, progress, instructions

    def finish(self, moments: Moments, *, office: User, mayor: User,
               leader_for: Callable[[Department], User]) -> None:  # fmt: skip
        for s in self.plans:
            self._finish_steps(s, moments)
            self._notes(s, moments, office)
        red = next((s for s in self.plans if s.light == "red"), None)
        if red is not None:
            text = (f"请{red.lead.department.name}主要负责同志亲自过问，对照督办节点倒排工期，"
                    f"于{cn_date(self.today + 7 * DAY)}前报送阶段性办理成果。"
                    "重点提案要办出实效，不能只答复不落实。")  # fmt: skip
            with moments.at([red.proposal.pk], moment(self.today - 2 * DAY, 15, 10)):
                sv.record_instruction(red.proposal, actor=mayor, text=text)
        # a 建议案 still being carried out (a closed one needs no more instructions)
        suggestions = [s for s in self.plans if s.proposal.is_suggestion]
        suggestion = next(
            (s for s in suggestions if s.plan.target != S.CLOSED), suggestions[0] if suggestions else None
        )
        if suggestion is not None:
            leader = leader_for(suggestion.lead.department)
            text = "建议案事关全局，请主办单位会同有关部门认真研究，把建议转化为具体政策措施，办理情况及时报我。"
            with moments.at([suggestion.proposal.pk], moment(suggestion.set_on + 3 * DAY, 16, 40)):
                sv.record_instruction(suggestion.proposal, actor=office, leader=leader, text=text)

    def _done_on(self, s: Supervised, step: Step) -> date | None:
        lp = s.plan
        if step.done == PLANNED:
            day: date | None = s.set_on + step.done_after * DAY
        elif step.done == SIGNED:
            day = lp.sign_on
        elif step.done == MET:
            day = lp.meeting_on or lp.sign_on
        elif step.done == CO and s.co is not None:
            opinion = CoOpinion.objects.filter(assignment=s.co).order_by("pk").first()
            day = timezone.localtime(opinion.created_at).date() if opinion is not None else None
        else:
            day = None
        return None if day is None else min(max(day, s.set_on), self.today)

    def _finish_steps(self, s: Supervised, moments: Moments) -> None:
        done = [(d, step) for step in s.steps if (d := self._done_on(s, step)) is not None]
        for day, step in sorted(done, key=lambda x: x[0]):
            m = Milestone.objects.get(pk=step.milestone_id)  # read only: the row the action wrote
            actor = s.handler if step.department == s.lead.department else _handler_of(step.department)
            with moments.at([s.proposal.pk], moment(day, 16, self.rng.randint(0, 50))):
                sv.finish_milestone(m, actor=actor, note=step.note, done_on=day)

    def _notes(self, s: Supervised, moments: Moments, office: User) -> None:
        unit, topic = s.lead.department.name, s.topic
        target = s.plan.target
        if s.light == "red":
            text = (f"因该件涉及多个部门职责，{topic}相关政策需进一步会商，阶段性办理成果未能按期报送。"
                    f"{unit}已倒排工期，力争于{cn_date(self.today + 7 * DAY)}前书面报送。")  # fmt: skip
        elif target == S.HANDLING:
            text = (f"{unit}已成立工作专班，围绕{topic}完成实地调研{self.rng.randint(2, 5)}次，"
                    "正在起草答复意见，将按督办节点按期报送。")  # fmt: skip
        elif target in REVIEW:
            text = f"答复意见已签发并报送审核，{unit}正与提案人商定答复座谈会时间。"
        elif target == S.CLOSED:
            text = f"答复中承诺的各项措施已落实到位，{topic}工作取得阶段性成效，相关材料已归档。"
        else:
            text = f"答复函已送达提案人，{unit}正按答复中的承诺逐项推进落实，每月报送一次进展。"
        ago = 4 if s.light == "red" else self.rng.randint(3, 12)
        planned = moment(max(s.set_on, self.today - ago * DAY), 11, self.rng.randint(0, 50))
        with moments.at([s.proposal.pk], planned):
            sv.add_progress_note(s.proposal, actor=s.handler, text=text)
        if s.light == "red":
            office_text = (f"督查室已电话督办，要求{unit}说明逾期原因，并于{cn_date(self.today + 7 * DAY)}前"
                           "报送阶段性办理成果。")  # fmt: skip
            with moments.at([s.proposal.pk], moment(self.today - 3 * DAY, 9, 40)):
                sv.add_progress_note(s.proposal, actor=office, text=office_text)


def _handler_of(department: Department) -> User:
    user = User.objects.filter(department=department, username__endswith="_handler").order_by("pk").first()
    assert user is not None, department
    return user
