"""The words of the demo's records: reply letters (答复函), co-handling opinions, notes, reasons and comments.

Every text is built from templates around the proposal's title and the unit, so that no two letters are
alike and each reads like a real one: point-by-point (逐条答复), in the standard format of domain.md §5.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date

from handling.models import ContactStage, Rating, ResultClass

NUMERALS = "一二三四五六七八九十"


def cn_date(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


@dataclass(frozen=True)
class LetterContext:
    """What a letter needs to know about its proposal and unit."""

    ref: str  # 市政协十四届二次会议第12号提案
    number: str
    title: str
    topic: str
    salutation: str  # 王建国委员 / 民进示例市委
    unit: str
    division: str
    head: str
    year: int

    @property
    def we(self) -> str:
        """How the unit names itself in its letters: 我局, 我委, 我会."""
        if self.unit.endswith("委员会"):
            return "我委"
        if self.unit.endswith(("联合会", "工会")):
            return "我会"
        return "我局"


_ASPECTS = (
    "完善政策措施",
    "加强部门协同联动",
    "加大资金和要素保障",
    "加强专业人才队伍建设",
    "推进信息化和数字化建设",
    "加强宣传引导和社会参与",
    "健全监督考核机制",
    "开展试点示范",
)

_POINTS: dict[str, tuple[str, ...]] = {
    ResultClass.A: (
        "您提出的这一建议很有针对性，我们已积极吸收采纳。{year}年以来，{we}会同有关部门出台了《关于{topic}的"
        "实施意见》，明确了{n}项具体措施，目前各项措施已落实到位，相关问题已基本解决。",
        "我们认真研究了您的建议并已采纳。今年{we}把{aspect}作为重点任务，建立了工作专班和月度调度机制，"
        "已完成{n}个重点项目，群众反映的突出问题得到有效解决。",
        "这一建议已被吸收进我市相关政策文件。{we}已在全市范围推广相关做法，累计投入资金{money}万元，"
        "覆盖{n}个区县，取得了良好成效。",
    ),
    ResultClass.B: (
        "这一建议与我们正在推进的工作高度契合。目前，我们已将其列入{next_year}年度重点工作计划，正在会同有关部门"
        "研究制定具体实施方案，力争在{next_year}年底前取得实质性进展。",
        "您的建议具有较强的可操作性。{we}已启动前期调研，拟在{n}个区县先行试点，待总结经验后在全市推广，"
        "相关经费已申请列入{next_year}年度部门预算。",
        "对于{aspect}的建议，我们正在逐步推进。目前已完成调研摸底和方案起草，下一步将按程序报批后组织实施，"
        "并将实施进展及时向您反馈。",
    ),
    ResultClass.C: (
        "经认真研究，该建议涉及国家和省有关政策调整，且需要较大规模的财政投入，受现有条件限制，近期暂不具备全面"
        "实施的条件。我们将加强政策研究，待条件成熟时积极推进。",
        "您的建议出发点很好。但由于该事项需报请省级主管部门审批，且与现行规定存在一定冲突，目前我市暂无法单独实施，"
        "我们已将相关情况向上级部门反映，并将您的建议留作今后工作的重要参考。",
        "受用地、资金等条件制约，{aspect}方面的建议短期内难以全部落实。我们将结合“十五五”规划编制统筹考虑，"
        "逐步创造条件。",
    ),
}

_CLOSINGS: dict[str, str] = {
    ResultClass.A: "总体来看，您提出的建议已基本采纳落实，相关问题已经解决或基本解决。",
    ResultClass.B: (
        "下一步，我们将按照答复中的承诺，制定跟踪落实方案，明确责任单位和完成时限，逐项抓好落实，并及时向您反馈进展。"
    ),
    ResultClass.C: "对暂时不能解决的问题，我们已向您作了说明。今后我们将结合工作实际，积极创造条件，逐步加以推进。",
}

_ACKS = (
    "{unit}高度重视，主要负责同志专题研究，明确由{division}具体承办，并通过走访、座谈等方式与您进行了深入沟通，"
    "认真听取了您的意见。",
    "{unit}收到提案后，第一时间召开专题会议研究部署，由{division}牵头，会同相关处室和单位逐条研究，"
    "多次与您沟通办理思路。",
    "我们对提案进行了认真研究，结合全市工作实际，会同有关部门进行了专题调研，并就有关问题与您交换了意见。",
)


def reply_letter(rng: random.Random, ctx: LetterContext, *, result_class: str, doc_no: str, on: date,
                 public: bool) -> str:  # fmt: skip
    """Return a reply letter answering the proposal point by point.

    The contact person and phone go in the reply's fields, never in the letter, which may be published.
    Without ``doc_no`` the letter starts at its title: the class and publication markers, the 文号 and the
    签发人 are the records' (given at signing), which the documents draw.
    """
    aspects = rng.sample(_ASPECTS, 3)
    classes = [result_class] * 3
    if result_class != ResultClass.A:
        classes[0] = ResultClass.A  # even a B or C letter usually reports something already done
    head = [
        f"{result_class}类　　　　　　　　　　　　　　　　　　{'主动公开' if public else '不予公开'}",
        f"{doc_no}　　　　　　　　　　　　　签发人：{ctx.head}",
        "",
    ]
    lines = [
        *(head if doc_no else []),
        f"关于{ctx.ref}的答复",
        "",
        f"{ctx.salutation}：",
        f"　　您提出的《{ctx.title}》收悉。" + rng.choice(_ACKS).format(unit=ctx.unit, division=ctx.division)
        + "现将办理情况答复如下：",
    ]  # fmt: skip
    for i, (aspect, cls) in enumerate(zip(aspects, classes, strict=True)):
        text = rng.choice(_POINTS[cls]).format(
            year=ctx.year, next_year=ctx.year + 1, we=ctx.we, topic=ctx.topic, aspect=aspect,
            n=rng.randint(3, 12), money=rng.randrange(200, 5000, 50),
        )  # fmt: skip
        lines += [f"　　{NUMERALS[i]}、关于{aspect}的建议", f"　　{text}"]
    lines += [
        f"　　{_CLOSINGS[result_class]}",
        f"　　感谢您对{ctx.we}工作的关心和支持，欢迎继续提出宝贵意见和建议。",
        "",
        f"　　　　　　　　　　　　　　　　　　　　{ctx.unit}",
        f"　　　　　　　　　　　　　　　　　　　　{cn_date(on)}",
        "",
        "抄送：市政府督查室，市政协提案委员会。",
    ]
    return "\n".join(lines)


def co_opinion(rng: random.Random, ctx: LetterContext, *, lead_unit: str, on: date) -> str:
    """Return a co-handling unit's opinion (会办意见) to the lead unit."""
    measures = rng.sample(
        (
            f"我单位将结合职能，在{ctx.topic}相关工作中积极配合主办单位做好政策衔接",
            "建议主办单位在答复中明确牵头责任和时间节点，我单位负责相关配套措施的落实",
            "我单位已将涉及本单位职责的事项纳入年度工作计划，所需经费按程序申报",
            "建议建立部门间信息共享机制，我单位可提供相关业务数据支持",
            "对提案中涉及本单位的具体建议，我们拟采取试点先行、逐步推广的方式落实",
        ),
        2,
    )
    return "\n".join(
        [
            f"关于{ctx.ref}的会办意见",
            f"{lead_unit}：",
            f"　　《{ctx.title}》已收悉。我单位认真研究后，提出如下会办意见：",
            f"　　一、{measures[0]}。",
            f"　　二、{measures[1]}。",
            "　　以上意见供参考。",
            f"　　　　　　　　　　　　{ctx.unit}",
            f"　　　　　　　　　　　　{cn_date(on)}",
        ]
    )


def form_opinion(rng: random.Random, ctx: LetterContext, handler: str) -> str:
    return rng.choice(
        (
            f"拟由{ctx.division}牵头办理，{handler}具体负责，会同相关处室研究提出办理意见，按期答复提案人。",
            f"该提案由{ctx.division}承办，经办人{handler}。办理前先与提案人见面沟通，了解提案意图后制定办理方案。",
            f"建议由{ctx.division}办理，{handler}负责，重点围绕“{ctx.topic}”提出具体措施，三个月内答复。",
        )
    )


def form_instruction(rng: random.Random) -> str:
    return rng.choice(("同意。请抓紧办理，确保按期答复。", "同意拟办意见，注意加强与提案人的沟通。",
                       "同意。请认真研究，把提案办理与推进工作结合起来。", ""))  # fmt: skip


def contact_note(rng: random.Random, stage: str, topic: str) -> str:
    notes: dict[str, tuple[str, str]] = {
        ContactStage.BEFORE: (
            f"听取提案人对“{topic}”问题的具体意见和诉求，商定办理思路和时间安排。",
            "介绍本单位相关工作情况，了解提案人的调研情况和关注重点。",
        ),
        ContactStage.DURING: (
            "通报办理进展，就拟采取的具体措施与提案人深入交换意见，提案人提出了补充建议。",
            "陪同提案人实地察看有关现场，共同研究解决问题的办法。",
        ),
        ContactStage.AFTER: (
            "当面送达答复函，征询提案人对办理工作的意见，提案人对办理态度表示认可。",
            "电话告知答复主要内容并寄送答复函，提案人表示将继续关注落实情况。",
        ),
    }
    return rng.choice(notes[stage])


def return_reason(topic: str, other_unit: str) -> str:
    return (
        f"经认真研究，该提案所提“{topic}”事项主要属于{other_unit}职责范围，"
        f"我单位不具备牵头办理条件，申请退回，建议改由{other_unit}主办。"
    )


def extension_reason(rng: random.Random, topic: str) -> str:
    return rng.choice(
        (
            f"该提案涉及{topic}，需会同多个部门开展专题调研并报市政府研究，难以在规定期限内答复，申请延期。",
            "提案所提事项需纳入明年预算统筹安排，相关方案尚在征求意见，申请延期答复。",
            "办理中需与提案人进行现场调研，受汛期工作安排影响，申请适当延期。",
        )
    )


FORM_REJECT = "拟办意见不够具体，请补充办理措施和时间安排后重报。"
REMINDERS = (
    "请抓紧办理，按时答复提案人。",
    "该件办理期限临近，请加快进度，确保按期办复。",
    "该件已超过办复期限，请于5个工作日内报送办理情况和答复函。",
    "请单位主要负责同志亲自过问，加快办理进度。",
)
INSTRUCTIONS = (
    "请{unit}主要负责同志牵头，认真研究提案所提建议，拿出切实可行的措施，确保办理实效。",
    "这件提案很有价值。请{unit}会同相关部门抓紧研究，把办理提案与推进工作结合起来。",
    "请{unit}高度重视，加强与提案人的沟通，办理情况及时报我。",
)
FEEDBACK_COMMENTS: dict[str, tuple[str, ...]] = {
    Rating.SATISFIED: ("办理态度认真，答复具体，措施可行。", "与提案人沟通充分，办理效果好。", ""),
    Rating.BASICALLY_SATISFIED: ("答复基本回应了建议，希望进一步加大落实力度。", "措施较为原则，希望持续跟进。", ""),
    Rating.UNSATISFIED: (
        "答复较为笼统，对所提具体建议回应不够，希望再次研究办理。",
        "答复未涉及问题的实质，请再次研究。",
    ),
}
REVIEW_COMMENTS = ("答复内容完整，同意报政府领导审定。", "经审核，答复规范，措施具体，同意。")
REVIEW_REJECTS = ("答复对第二条建议回应不够具体，请补充完善后重新报送。",)
APPROVAL_COMMENTS = ("同意。请按此答复，并认真抓好落实。", "同意答复意见，注意跟踪落实。")
APPROVAL_REJECTS = ("请进一步细化落实措施和时间节点后再报。",)


def self_check_findings(rng: random.Random, fulfilled: bool) -> str:
    if fulfilled:
        return rng.choice(
            (
                "经回头看，答复中承诺的各项工作均已按计划推进落实。",
                "对照答复逐项检查，承诺事项已全部落实，提案人对落实情况表示认可。",
            )
        )
    return "经回头看，答复中承诺的部分工作进度滞后，已制定整改措施，明确完成时限。"


def follow_up_texts(topic: str) -> tuple[str, ...]:
    return (
        f"制定{topic}专项实施方案并报市政府审定",
        "争取将相关经费列入下一年度部门预算",
        "会同有关部门开展专项督导检查",
        "选取试点区县先行先试并总结推广经验",
    )


def second_feedback_text(topic: str) -> str:
    return f"答复中承诺的{topic}相关落实事项已全部完成，现将落实情况向提案人作二次反馈，并听取提案人的进一步意见。"


def meeting_notes(titles: list[str]) -> str:
    listed = "、".join(f"《{t}》" for t in titles)
    return f"座谈会集中答复{listed}等{len(titles)}件提案，承办单位主要负责同志逐件介绍办理情况，提案人发表了意见。"
