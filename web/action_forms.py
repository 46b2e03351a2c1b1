"""How each command looks on a page: its title, fields (named as in the command schema) and buttons.

Only presentation lives here. What a field accepts and what the action allows come from the command
schemas (``handling.commands``, ``handling.proposal_commands``) and the actions themselves.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from handling.models import Assignment, ContactMethod, ContactStage, Rating, ReplyMethod, ResultClass
from lib.dates import cn_date
from organisation.models import Rules

YES_NO = (("true", "是"), ("false", "否"))
ROLES = (("lead", "主办"), ("co", "协办"))


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    # text | textarea | date | select | radio | checkbox | users | departments | meeting_peers |
    # proposers | open_items | rows
    kind: str = "text"
    choices: tuple[tuple[str, str], ...] = ()
    required: bool = True
    help: str = ""
    columns: tuple[Field, ...] = ()  # the sub-fields of one row, for kind="rows"
    rows: int = 3  # blank rows offered, for kind="rows"
    lines: int = 4  # height of a textarea
    width: str = ""  # a column's grid classes in its row ("col-6 col-md-3"); "" shares the row equally
    numbered: bool = False  # rows of several lines: each headed 第N项, so that one row reads as one item


@dataclass(frozen=True)
class Button:
    label: str
    value: str = ""  # posted as <name>=<value> when set
    style: str = "primary"
    name: str = "approve"


SUBMIT = (Button("提交"),)
DECIDE = (Button("同意", "true", "success"), Button("不同意", "false", "outline-danger"))


@dataclass(frozen=True)
class ActionForm:
    title: str
    fields: tuple[Field, ...] = ()
    buttons: tuple[Button, ...] = SUBMIT
    intro: str = ""
    confirm: str = ""  # asked in the browser before an irreversible step
    primary: bool = False  # the usual next step: shown open
    wide: bool = False  # a long text (the reply letter): drawn across the main column, not the side
    extra: dict[str, str] = field(default_factory=dict)
    # The rules this step is bound by, stated with the jurisdiction's settings and this assignment's dates
    # (which the domain computed from those settings); written after ``intro``.
    rules: Callable[[Assignment, Rules], str] | None = None


def intro_for(form: ActionForm, a: Assignment) -> str:
    """What the form says above its fields for this assignment: its rules, then the fixed intro."""
    if form.rules is None:
        return form.intro
    return form.rules(a, a.proposal.jurisdiction.time_rules) + form.intro


# ---------------------------------------------------------------------------------------------------
# The rules as the forms state them. The numbers come from ``Rules``; the dates are the assignment's own
# columns, so the page never counts a deadline differently from ``handling.deadlines``.


def _return_days(r: Rules) -> str:
    return f"{r.return_window_days}个工作日" if r.return_window_working else f"{r.return_window_days}日"


def _co_opinion_due(a: Assignment, r: Rules) -> str:
    return f"协办意见应自交办之日起{r.co_opinion_months}个月内送主办单位（截至{cn_date(a.co_opinion_due)}）"


def _receive_rules(a: Assignment, r: Rules) -> str:
    if a.is_lead:
        due = f"办理期限自交办之日起计算（本辖区：{r.reply_months}个月，本件至{cn_date(a.due_on)}）"
    else:
        due = _co_opinion_due(a, r)
    return f"{due}；如不属于本单位职责，可在交办后{_return_days(r)}内申请退回（截至{cn_date(a.return_deadline)}）。"


def _return_rules(a: Assignment, r: Rules) -> str:
    return f"退回申请须在交办后{_return_days(r)}内提出（截至{cn_date(a.return_deadline)}），由督查室审批。"


def _extension_limit(a: Assignment, r: Rules) -> str:
    return f"最迟不超过交办之日起{r.max_extension_months}个月（本件至{cn_date(a.max_due_on)}）。"


def _extension_rules(a: Assignment, r: Rules) -> str:
    return "延期须与政协提案委协商并经督查室批准；办复期限" + _extension_limit(a, r)


def _extension_decision_rules(a: Assignment, r: Rules) -> str:
    return "同意的，办复期限改为申请延至的日期，" + _extension_limit(a, r)


def _self_check_rules(a: Assignment, r: Rules) -> str:
    until = f"（本件至{cn_date(a.self_check_due)}）" if a.self_check_due else ""
    return f"答复之日起{r.self_check_months}个月内自查答复中承诺事项的落实情况{until}；未落实的须列出整改措施和时限。"


def _feedback_rules(a: Assignment, r: Rules) -> str:
    return f"对办理结果不满意的，承办单位将在{r.rehandle_months}个月内再次办理。"


ASSIGNMENT_FORMS: dict[str, ActionForm] = {
    "receive": ActionForm("签收", buttons=(Button("签收"),), primary=True, rules=_receive_rules),
    "request_return": ActionForm(
        "申请退回",
        (Field("reason", "退回理由", "textarea", help="说明不属于本单位职责的理由，可建议改由哪个单位办理。"),),
        buttons=(Button("提交退回申请", style="outline-danger"),),
        rules=_return_rules,
    ),
    "decide_return": ActionForm(
        "审批退回申请",
        (
            Field("comment", "审批意见", "textarea", required=False),
            Field(
                "reassign",
                "同时改派（可选）",
                "rows",
                columns=(Field("department_id", "单位", "departments"), Field("role", "办理方式", "select", ROLES)),
                rows=2,
                required=False,
            ),
        ),
        buttons=DECIDE,
        primary=True,
    ),
    "submit_form": ActionForm(
        "填写承办单",
        (Field("opinion", "拟办意见", "textarea"), Field("handler_id", "经办人", "users")),
        intro="承办单报单位领导批准后进入办理。",
        primary=True,
    ),
    "approve_form": ActionForm(
        "批准承办单", (Field("instruction", "领导批示", "textarea", required=False),), buttons=DECIDE, primary=True
    ),
    "contact": ActionForm(
        "记录见面沟通（三见面）",
        (
            Field("stage", "阶段", "radio", tuple(ContactStage.choices)),
            Field("date", "日期", "date"),
            Field("method", "方式", "select", tuple(ContactMethod.choices)),
            Field("participants", "参加人员", required=False),
            Field("notes", "情况记录", "textarea", required=False),
        ),
    ),
    "co_opinion": ActionForm(
        "提交协办意见",
        (Field("text", "协办意见", "textarea"),),
        primary=True,
        rules=lambda a, r: _co_opinion_due(a, r) + "。",
    ),
    "government_decision": ActionForm(
        "记录政府决定（重大提案）",
        (
            Field("report", "承办单位初步意见", "textarea"),
            Field("decision", "政府决定或具体意见", "textarea"),
            Field("decided_on", "决定日期", "date"),
        ),
        primary=True,
    ),
    "draft_reply": ActionForm(
        "起草答复函",
        (
            Field("text", "答复内容", "textarea", lines=16),
            Field("result_class", "办理结果", "radio", tuple(ResultClass.choices)),
            Field("method", "答复方式", "select", tuple(ReplyMethod.choices)),
            Field("is_public", "是否公开", "radio", YES_NO),
            Field("contact_person", "联系人"),
            Field("contact_phone", "联系电话"),
        ),
        intro="答复函由单位主要负责人签发；重点提案和建议案签发后送督查室审核、政府领导审定。",
        primary=True,
        wide=True,
    ),
    "sign_reply": ActionForm(
        "签发答复函",
        (Field("signed_on", "签发日期", "date", required=False, help="不填为今天。"),),
        buttons=(Button("签发"),),
        confirm="签发后答复函不可再修改，确定签发？",
        primary=True,
    ),
    "review_reply": ActionForm(
        "审核答复",
        (
            Field("comment", "审核意见", "textarea", required=False),
            Field(
                "result_class",
                "调整办理结果（可选）",
                "select",
                tuple(ResultClass.choices),
                required=False,
            ),
        ),
        buttons=DECIDE,
        primary=True,
    ),
    "approve_reply": ActionForm(
        "审定答复", (Field("comment", "审定意见", "textarea", required=False),), buttons=DECIDE, primary=True
    ),
    "reply_meeting": ActionForm(
        "答复座谈会",
        (
            Field("date", "日期", "date"),
            Field("chair", "主持人"),
            Field("participants", "参加人员", "textarea", required=False),
            Field("notes", "会议情况", "textarea", required=False),
            Field("assignment_ids", "同场答复的其他提案", "meeting_peers", required=False),
        ),
    ),
    "request_extension": ActionForm(
        "申请延期",
        (Field("reason", "延期理由", "textarea"), Field("new_due_on", "申请延至", "date")),
        rules=_extension_rules,
    ),
    "consult_extension": ActionForm(
        "延期协商意见（政协提案委）",
        (Field("opinion", "协商意见", "textarea", required=False),),
        buttons=(
            Button("同意延期", "true", "success", "agree"),
            Button("不同意延期", "false", "outline-danger", "agree"),
        ),
        intro="延期须与政协提案委协商；协商意见记录后，督查室即可审批。",
        primary=True,
    ),
    "decide_extension": ActionForm(
        "审批延期申请",
        (
            Field("cppcc_consulted", "已与政协提案委商议", "checkbox", required=False),
            Field("comment", "审批意见", "textarea", required=False),
        ),
        buttons=DECIDE,
        primary=True,
        rules=_extension_decision_rules,
    ),
    "feedback": ActionForm(
        "反馈意见（满意度测评）",
        (
            Field("proposer_id", "提案人", "proposers", required=False, help="代录纸质反馈表时选择提案人。"),
            Field("attitude", "办理态度", "radio", tuple(Rating.choices)),
            Field("result", "办理结果", "radio", tuple(Rating.choices)),
            Field("comment", "意见建议", "textarea", required=False),
        ),
        primary=True,
        rules=_feedback_rules,
    ),
    "self_check": ActionForm(
        "回头看自查",
        (
            Field("findings", "自查情况", "textarea"),
            Field("fulfilled", "答复中的承诺已全部落实", "checkbox", required=False),
            Field(
                "actions",
                "整改措施（未落实时必填）",
                "rows",
                columns=(Field("text", "措施"), Field("due_on", "时限", "date")),
                rows=2,
                required=False,
            ),
        ),
        rules=_self_check_rules,
    ),
    "follow_up_plan": ActionForm(
        "制定跟踪落实方案（B类）",
        (
            Field(
                "items",
                "落实事项",
                "rows",
                columns=(
                    Field("text", "事项", "textarea", lines=2, width="col-12"),
                    Field("department_id", "责任单位", "departments", width="col-12 col-md-5"),
                    Field("person", "责任人", width="col-6 col-md-3"),
                    Field("due_on", "时限", "date", width="col-6 col-md-4"),
                ),
                numbered=True,
                help="至少填写一项；不用的行留空即可。",
            ),
        ),
        intro="B类答复须逐项明确落实事项的责任单位、责任人和时限；全部落实后向提案人二次反馈。",
        primary=True,
        wide=True,
    ),
    "follow_up_done": ActionForm(
        "落实事项完成",
        (Field("item_id", "落实事项", "open_items"), Field("note", "落实情况", "textarea", required=False)),
    ),
    "second_feedback": ActionForm("二次反馈", (Field("text", "二次反馈内容", "textarea"),), primary=True),
    "remind": ActionForm("催办", (Field("message", "催办内容", "textarea"),)),
}


PROPOSAL_FORMS: dict[str, ActionForm] = {
    "assign": ActionForm(
        "交办",
        (
            Field(
                "assignments",
                "承办单位",
                "rows",
                columns=(Field("department_id", "单位", "departments"), Field("role", "办理方式", "select", ROLES)),
                rows=4,
                help="可指定多个主办单位（分别主办）和若干协办单位。",
            ),
            Field("assigned_on", "交办日期", "date", required=False, help="不填为今天。"),
        ),
        buttons=(Button("交办"),),
        primary=True,
    ),
    "flags": ActionForm(
        "标记",
        (
            Field("is_key", "重点提案", "checkbox", required=False),
            Field("is_suggestion", "建议案", "checkbox", required=False),
            Field("is_major", "重大提案（须报请政府研究决定）", "checkbox", required=False),
            Field("leading_leader_id", "领办领导", "leaders", required=False),
        ),
        buttons=(Button("保存"),),
    ),
    "instruction": ActionForm("批示", (Field("text", "批示内容", "textarea"),), buttons=(Button("提交批示"),)),
}
