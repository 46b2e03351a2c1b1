"""Where the demo's proposals come from: the real Jiangsu 2019 proposals, read at run time, or generated ones.

The real data lives outside the repository (``../shared/data/jiangsu-2019/``, see its README) and must
never be copied into it; when the folder is absent the demo generates plausible Chinese proposals from
the templates below instead.
"""

from __future__ import annotations

import csv
import os
import random
import re
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from .units import CATEGORY_UNIT, UnitSpec

CSV_NAME = "proposals-dev.csv"

# Proposers that are parties, CPPCC committees, sectors or groups file collective proposals.
COLLECTIVE_MARKERS = (
    "民盟", "民建", "九三", "委员会", "界", "农工", "致公", "民进", "台盟", "台联", "工商联", "民革", "省委", "市委",
)  # fmt: skip
JOINT = re.compile(r"^(?P<first>.+?)等(?P<n>\d+)人$")


@dataclass(frozen=True)
class SourceProposal:
    title: str
    body: str
    category: str
    proposer: str  # as filed: a name, "某某等3人", or a party / committee


def default_data_dir() -> Path:
    """Return the real data folder: $DEMO_DATA_DIR, else ``../shared/data/jiangsu-2019`` beside the checkout."""
    env = os.environ.get("DEMO_DATA_DIR")
    if env:
        return Path(env)
    return Path(settings.BASE_DIR).parent / "shared" / "data" / "jiangsu-2019"


def read_real(data_dir: Path) -> list[SourceProposal] | None:
    """Return the real proposals, or None when the folder or file is absent."""
    path = data_dir / CSV_NAME
    if not path.is_file():
        return None
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    out = []
    for row in rows:
        title = " ".join(row["title"].split())
        body = row["content"].strip()
        if not title or not body:
            continue
        out.append(SourceProposal(title=title[:500], body=body, category=row["category"].strip()[:50],
                                  proposer=row["proposer"].strip()))  # fmt: skip
    return out


def localize_collective(name: str) -> str:
    """Turn a provincial party or committee into the demo city's (民进江苏省委 → 民进示例市委)."""
    name = name.replace("江苏省", "示例市").replace("江苏", "示例市")
    if name.startswith("省"):
        name = "市" + name[1:]
    return name


def is_collective(proposer: str) -> bool:
    return any(m in proposer for m in COLLECTIVE_MARKERS)


def parse_joint(proposer: str) -> tuple[str, int] | None:
    """Return (first proposer, number of proposers) for "某某等3人", else None."""
    m = JOINT.match(proposer)
    return (m["first"], int(m["n"])) if m else None


def topic_of(title: str) -> str:
    """Return what the proposal is about, for the phrases of generated letters (关于X的建议 → X)."""
    t = title.strip().rstrip("。.！!")
    if "——" in t:
        t = t.split("——")[-1]
    if "，建议" in t:
        t = t.split("，建议", 1)[1]
    t = re.sub(r"^关于", "", t)
    t = re.sub(r"(的)?(建议|提案|意见)$", "", t)
    t = t.strip(" ，,。")
    return t or title


def route(source: SourceProposal, units: tuple[UnitSpec, ...]) -> list[tuple[str, int]]:
    """Return (unit code, score) by relevance: keywords in the title weigh most, then the body's opening, then
    the category; never empty."""
    head = source.body[:600]
    scores: dict[str, int] = {}
    for unit in units:
        score = 0
        for kw in unit.keywords:
            if kw in source.title:
                score += 4
            elif kw in head:
                score += 1
        if score:
            scores[unit.code] = score
    fallback = CATEGORY_UNIT.get(source.category)
    if fallback and any(u.code == fallback for u in units):
        scores[fallback] = scores.get(fallback, 0) + 3
    ranked = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))
    return ranked or [(units[0].code, 0)]


# ---------------------------------------------------------------------------------------------------
# Generated proposals, for when the real data is absent

# category → things a member would ask the city to do something about
SUBJECTS: dict[str, tuple[str, ...]] = {
    "教育事业": (
        "中小学课后服务质量",
        "义务教育优质均衡发展",
        "普惠性托育服务体系",
        "职业教育产教融合",
        "中小学心理健康教育",
        "乡村教师队伍建设",
        "特殊教育融合发展",
        "校园周边交通安全治理",
        "学前教育资源配置",
        "青少年近视防控工作",
        "中小学劳动教育实践基地建设",
    ),
    "医卫体育": (
        "基层医疗卫生服务能力",
        "紧密型城市医疗集团建设",
        "社区家庭医生签约服务",
        "院前急救体系建设",
        "中医药传承创新发展",
        "老年人心理健康服务",
        "全民健身场地设施建设",
        "学校体育场馆向社会开放",
        "罕见病患者医疗保障",
        "公共场所自动体外除颤器配置",
        "精神卫生服务体系",
    ),
    "社会事业": (
        "社区居家养老服务体系",
        "老年助餐服务",
        "困境儿童关爱保护",
        "城乡社区治理能力",
        "残疾人就业帮扶",
        "新就业形态劳动者权益保障",
        "高校毕业生就业创业支持",
        "无障碍环境建设",
        "退役军人就业创业服务",
        "婴幼儿照护服务",
        "社会救助精准化",
        "养老护理员队伍建设",
    ),
    "经济发展": (
        "民营经济高质量发展",
        "营商环境持续优化",
        "县域经济特色产业培育",
        "现代物流体系建设",
        "重大项目前期工作机制",
        "社会信用体系建设",
        "数字经济与实体经济融合",
        "消费新场景培育",
        "夜间经济发展",
        "跨境电商综合试验区建设",
    ),
    "工业商贸": (
        "制造业智能化改造和数字化转型",
        "专精特新中小企业培育",
        "先进制造业集群建设",
        "工业互联网平台应用",
        "老字号传承创新",
        "外贸企业稳订单拓市场",
        "化工园区安全环保整治提升",
        "新能源汽车充电设施布局",
        "商业街区提档升级",
    ),
    "科学技术": (
        "科技成果转移转化",
        "企业研发投入激励机制",
        "科技型中小企业培育",
        "新型研发机构建设",
        "科技人才引进和培养",
        "知识产权保护和运用",
        "人工智能产业创新发展",
        "科普阵地建设",
    ),
    "城乡建设": (
        "老旧小区加装电梯",
        "城市更新中历史风貌保护",
        "保障性租赁住房供给",
        "住宅小区物业管理",
        "城市停车设施建设",
        "城市公厕建设管理",
        "背街小巷环境整治",
        "海绵城市建设",
        "城市生活垃圾分类",
        "公交线网优化",
        "城市慢行交通系统建设",
        "城乡客运一体化",
    ),
    "资源环境": (
        "大气污染联防联控",
        "农村生活污水治理",
        "河湖长制落实",
        "城市内涝防治",
        "建筑垃圾资源化利用",
        "噪声污染防治",
        "工业固体废物监管",
        "湿地保护修复",
        "节约用水",
    ),
    "农林水利": (
        "高标准农田建设",
        "乡村特色产业发展",
        "农村人居环境整治",
        "新型农业经营主体培育",
        "农村集体经济发展",
        "农产品品牌建设",
        "乡村旅游和民宿规范发展",
        "农村饮水安全保障",
    ),
    "文化宣传": (
        "公共文化服务体系建设",
        "非物质文化遗产保护传承",
        "文物保护利用",
        "全民阅读推广",
        "文旅融合发展",
        "城市书房建设",
        "红色文化资源保护利用",
        "博物馆之城建设",
    ),
    "法制建设": (
        "公共法律服务体系建设",
        "矛盾纠纷多元化解",
        "电信网络诈骗防范治理",
        "未成年人保护工作",
        "行政执法规范化",
        "社区矫正工作",
        "法律援助工作",
        "电动自行车安全管理",
    ),
    "财税金融": (
        "普惠金融服务小微企业",
        "政府采购支持中小企业",
        "财政资金绩效管理",
        "科技金融发展",
        "防范化解非法集资风险",
        "企业上市培育",
        "惠民保险推广",
    ),
    "政治建设": (
        "政务服务一网通办",
        "公共数据开放共享",
        "基层减负",
        "信访工作法治化",
        "政府信息公开",
    ),
}

VERBS = ("加快推进", "进一步完善", "着力提升", "加强", "统筹推进", "健全", "优化", "推动")

COLLECTIVE_NAMES = (
    "民革示例市委", "民盟示例市委", "民建示例市委", "民进示例市委", "农工党示例市委", "致公党示例市委",
    "九三学社示例市委", "市工商联", "市政协经济委员会", "市政协教科卫体委员会", "市政协社会和法制委员会",
    "市政协农业和农村委员会", "市政协文化文史和学习委员会", "市政协医药卫生界",
)  # fmt: skip

_SITUATION = (
    "近年来，我市高度重视{object}工作，出台了一系列政策措施，取得了积极成效。但从我们在部分区县和基层单位的"
    "调研情况看，与群众的期盼相比仍有一定差距，{concern}。",
    "{object}事关群众切身利益，是推进高质量发展、创造高品质生活的重要内容。去年以来，我们通过走访座谈、"
    "问卷调查等方式开展了专题调研，发现{concern}。",
    "随着经济社会的发展，社会各界对{object}的关注度不断提高。我市在这方面起步较早、基础较好，"
    "但调研中也发现，{concern}。",
)
_CONCERNS = (
    "相关工作在城乡之间、区域之间发展还不平衡",
    "部门之间统筹协调不够，政策落地“最后一公里”还没有完全打通",
    "资金、人才等要素保障不足，难以满足日益增长的需求",
    "群众的知晓度和参与度不高，工作成效有待进一步提升",
)
_PROBLEMS = (
    "统筹协调机制不够健全，相关部门职责交叉，信息共享和工作联动不足",
    "投入保障相对不足，财政资金以项目补助为主，社会资本参与积极性不高",
    "专业人才队伍短缺，基层工作力量薄弱，人员流动性大",
    "标准规范不够完善，部分领域监管存在空白，考核评价机制有待健全",
    "信息化水平不高，数据分散在多个部门，服务便捷性有待提升",
    "宣传引导不够到位，群众对相关政策知晓度不高",
)
_SUGGESTIONS = (
    "强化统筹协调。建议由市政府牵头建立联席会议制度，明确各部门职责分工，定期研究解决{object}中的重点难点问题。",
    "加大投入保障。建议设立专项资金，将{object}相关经费纳入年度财政预算，并通过以奖代补等方式引导社会资本参与。",
    "加强队伍建设。建议完善人才引进、培养和激励政策，充实基层工作力量，提高从业人员的专业化水平。",
    "完善标准规范。建议结合我市实际，制定出台{object}的实施细则和服务标准，健全监督考核机制。",
    "推进数字赋能。建议依托城市大数据平台，打通部门数据壁垒，提升{object}的智慧化、精细化水平。",
    "注重宣传引导。建议通过多种渠道加大政策宣传力度，及时总结推广典型经验，营造全社会共同参与的良好氛围。",
)


def _generated_body(rng: random.Random, obj: str) -> str:
    numerals = "一二三四五六"
    problems = rng.sample(_PROBLEMS, 3)
    suggestions = rng.sample(_SUGGESTIONS, 3)
    parts = [
        "调研情况：",
        rng.choice(_SITUATION).format(object=obj, concern=rng.choice(_CONCERNS)),
        "存在问题：",
        "；".join(f"{numerals[i]}是{p}" for i, p in enumerate(problems)) + "。",
        "具体建议：",
        *(f"{numerals[i]}、{s.format(object=obj)}" for i, s in enumerate(suggestions)),
    ]
    return "\n".join(parts)


def generate(rng: random.Random, count: int, names: list[str], categories: dict[str, tuple[str, ...]] | None = None,
             collective_share: float = 0.12, joint_share: float = 0.15) -> list[SourceProposal]:  # fmt: skip
    """Return ``count`` proposals with distinct titles, their proposers drawn from ``names`` and the collectives."""
    subjects = [(cat, obj) for cat, objs in (categories or SUBJECTS).items() for obj in objs]
    titles: set[str] = set()
    out: list[SourceProposal] = []
    attempts = 0
    while len(out) < count:
        attempts += 1
        if attempts > count * 50:
            raise RuntimeError("not enough subjects to generate distinct proposals")
        cat, obj = rng.choice(subjects)
        title = f"关于{rng.choice(VERBS)}{obj}的建议"
        if title in titles:
            continue
        titles.add(title)
        roll = rng.random()
        if roll < collective_share:
            proposer = rng.choice(COLLECTIVE_NAMES)
        elif roll < collective_share + joint_share:
            proposer = f"{rng.choice(names)}等{rng.randint(2, 12)}人"
        else:
            proposer = rng.choice(names)
        out.append(SourceProposal(title=title, body=_generated_body(rng, obj), category=cat, proposer=proposer))
    return out


COUNTY_SUBJECTS: dict[str, tuple[str, ...]] = {
    "教育事业": ("乡村小规模学校建设", "农村学生校车安全管理", "县域普通高中提质", "乡村学校课后服务"),
    "医卫体育": ("乡镇卫生院服务能力", "紧密型县域医共体建设", "村卫生室标准化建设", "农村医养结合服务"),
    "城乡建设": ("县城老旧小区改造", "农房质量安全管理", "县城停车难问题治理", "城镇污水管网建设"),
    "农林水利": ("高标准农田建后管护", "特色农产品品牌培育", "农村集体经济增收", "家庭农场和合作社发展"),
}
