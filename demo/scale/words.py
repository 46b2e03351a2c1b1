"""The words of a provincial data set, as pools of templates built once from ``demo.texts``.

Building a letter with ``demo.texts`` per row would cost more than writing it; instead each text is made a
few dozen times with markers in place of the proposal's own words (``{title}``, ``{topic}`` …) and each row
fills one template with ``str.format``. Reply letters get a paragraph on the next steps so that they reach
the length of real ones (~1,000 characters).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from demo import texts
from demo.source import SourceProposal, default_data_dir, generate, read_real
from handling.models import ContactStage, ResultClass

POOL = 24  # templates per kind and variant
MARK = "\x00"
FIELDS = ("ref", "title", "topic", "salutation", "unit", "division", "head", "lead_unit", "handler")
SENTINEL_DAY = date(1901, 2, 3)  # stands for the letter's date in a template: 1901年2月3日

NEXT_STEPS = (
    "　　下一步，我们将以此次提案办理为契机，把提案办理与推进{topic}工作紧密结合起来：一是压实工作责任，将答复中"
    "承诺的事项逐项分解到相关科室和责任人，明确时间节点，实行清单化管理；二是加强协同配合，主动对接有关部门和"
    "各区县，定期会商解决推进中的难点问题，形成工作合力；三是强化跟踪问效，建立办理情况回访制度，及时向提案人"
    "通报工作进展，认真听取意见建议，持续改进工作方法，确保各项措施落地见效、群众切实受益。",
    "　　下一步，我们将继续围绕{topic}，认真梳理提案所提问题，对已经落实的措施巩固提升，对正在推进的事项加快"
    "进度，对暂不具备条件的事项加强研究论证、积极创造条件；同时加强政策宣传解读，及时总结推广各地好的经验做法，"
    "主动接受政协委员和社会各界的监督，以提案办理的实际成效回应群众关切，推动相关工作迈上新台阶。",
)


def _we_of(unit: str) -> str:
    if unit.endswith("委员会"):
        return "我委"
    if unit.endswith(("联合会", "工会")):
        return "我会"
    return "我局"


def _template(text: str) -> str:
    """Turn a text made with markers into a ``str.format`` template (its own braces escaped)."""
    text = text.replace("{", "{{").replace("}", "}}").replace(texts.cn_date(SENTINEL_DAY), "{on}")
    for name in FIELDS:
        text = text.replace(f"{MARK}{name}{MARK}", "{" + name + "}")
    return text


def _marks(year: int, unit_suffix: str) -> texts.LetterContext:
    m = {name: f"{MARK}{name}{MARK}" for name in FIELDS}
    return texts.LetterContext(
        ref=m["ref"], number="", title=m["title"], topic=m["topic"], salutation=m["salutation"],
        unit=m["unit"] + unit_suffix, division=m["division"], head=m["head"], year=year,
    )  # fmt: skip


@dataclass
class Pools:
    """Templates by kind; ``letters[(year, class, we)]`` and the like. Filled by ``build``."""

    letters: dict[tuple[int, str, str, bool], list[str]]  # (year, class, 我局/我委/我会, public)
    co_opinions: list[str]
    form_opinions: list[str]
    contact_notes: dict[str, list[str]]
    extension_reasons: list[str]
    return_reasons: list[str]
    findings: dict[bool, list[str]]
    follow_ups: list[str]
    second_feedback: str
    form_instructions: tuple[str, ...]


def build(rng: random.Random, years: list[int]) -> Pools:
    # The unit suffix chooses how the letter names its unit (我局/我委/我会) and is cut off again.
    suffixes = {"我局": "", "我委": "委员会", "我会": "联合会"}
    letters: dict[tuple[int, str, str, bool], list[str]] = {}
    for year in years:
        for we, suffix in suffixes.items():
            ctx = _marks(year, suffix)
            for cls in ResultClass.values:
                for public in (True, False):
                    pool = []
                    for i in range(POOL if public else POOL // 4):
                        # no 文号 in the text: the head is the records' (letters.py numbers the signed ones)
                        letter = texts.reply_letter(
                            rng, ctx, result_class=cls, doc_no="", on=SENTINEL_DAY, public=public
                        )
                        letter = letter.replace(f"{MARK}unit{MARK}{suffix}", f"{MARK}unit{MARK}")
                        head, sep, tail = letter.partition("　　感谢您")
                        steps = NEXT_STEPS[i % len(NEXT_STEPS)].replace("{topic}", f"{MARK}topic{MARK}")
                        pool.append(_template(head + steps + "\n" + sep + tail))
                    letters[(year, cls, we, public)] = pool
    ctx = _marks(years[-1], "")
    co = [
        _template(texts.co_opinion(rng, ctx, lead_unit=f"{MARK}lead_unit{MARK}", on=SENTINEL_DAY)) for _ in range(POOL)
    ]
    forms = [_template(texts.form_opinion(rng, ctx, f"{MARK}handler{MARK}")) for _ in range(POOL)]
    notes = {
        stage: sorted({_template(texts.contact_note(rng, stage, f"{MARK}topic{MARK}")) for _ in range(POOL)})
        for stage in ContactStage.values
    }
    extensions = sorted({_template(texts.extension_reason(rng, f"{MARK}topic{MARK}")) for _ in range(POOL)})
    returns = [_template(texts.return_reason(f"{MARK}topic{MARK}", f"{MARK}lead_unit{MARK}"))]
    findings = {f: sorted({texts.self_check_findings(rng, f) for _ in range(POOL)}) for f in (True, False)}
    follow_ups = [_template(t) for t in texts.follow_up_texts(f"{MARK}topic{MARK}")]
    second = _template(texts.second_feedback_text(f"{MARK}topic{MARK}"))
    instructions = tuple(sorted({texts.form_instruction(rng) for _ in range(POOL)}))
    return Pools(letters, co, forms, notes, extensions, returns, findings, follow_ups, second, instructions)


def we_of(unit_name: str) -> str:
    return _we_of(unit_name)


# ---------------------------------------------------------------------------------------------------
# Proposals: the real ones from the data folder, or generated ones of the same length


def sources(rng: random.Random, data_dir: str | None) -> tuple[list[SourceProposal], str]:
    """The proposals to draw from and a note on where they came from."""
    folder = Path(data_dir) if data_dir else default_data_dir()
    real = read_real(folder)
    if real:
        return real, f"真实提案 {len(real)} 件（{folder}，运行时读取，不复制进仓库）"
    surnames, given = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗", "伟芳敏静丽强磊军洋勇艳杰娟涛明超霞平刚华"
    names = [f"{s}{g}" for s, g in zip(surnames, given, strict=True)]
    made = generate(rng, 300, names)
    # Generated bodies are short (~360 characters); four of them make one of a real proposal's length.
    out = []
    for i, src in enumerate(made):
        extra = [made[(i + k * 37) % len(made)].body for k in (1, 2, 3)]
        out.append(SourceProposal(src.title, "\n".join([src.body, *extra]), src.category, src.proposer))
    return out, f"未找到真实提案数据（{folder}），使用生成的提案 {len(out)} 件"


def localize(text: str, place: str, level: str) -> str:
    """A provincial proposal as one of this place's (江苏省/全省/我省 → 示例市/全市/我市)."""
    return (
        text.replace("江苏省", place)
        .replace("江苏", place)
        .replace("全省", f"全{level}")
        .replace("我省", f"我{level}")
        .replace("省委", f"{level}委")
        .replace("省政府", f"{level}政府")
    )
