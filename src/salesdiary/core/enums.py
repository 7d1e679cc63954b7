"""The method's vocabularies: each value has a key, an English and a Chinese label.

Typed values may be the key, either label or a listed alias (`拍板者` is a
decision maker). Keys are what the database stores and exports carry.
"""

from __future__ import annotations

from dataclasses import dataclass

from salesdiary.core.errors import BadInput
from salesdiary.core.text import Label
from salesdiary.core.validate import show
from salesdiary.i18n import N_, _


@dataclass(frozen=True)
class Choice:
    key: str
    label: Label
    aliases: tuple[str, ...] = ()


class Vocabulary:
    """An ordered set of choices, looked up by key, label or alias."""

    def __init__(
        self, name: str, title: Label, choices: list[tuple[str, str, str] | tuple[str, str, str, tuple[str, ...]]]
    ):
        self.name = name
        self.title = title
        self.choices: tuple[Choice, ...] = tuple(
            Choice(c[0], Label(c[1], c[2]), tuple(c[3]) if len(c) > 3 else ()) for c in choices
        )
        self._forms: dict[str, str] | None = None  # folded key, label or alias → key; built when first asked

    @property
    def _index(self) -> dict[str, str]:
        if self._forms is None:
            self._forms = {
                _fold(form): c.key for c in self.choices for form in (c.key, c.label.en, c.label.zh, *c.aliases)
            }
        return self._forms

    @property
    def keys(self) -> list[str]:
        return [c.key for c in self.choices]

    def parse(self, text: str) -> str:
        """The key for TEXT, or BadInput listing the accepted values."""
        key = self._index.get(_fold(text))
        if key is None:
            raise BadInput(
                _("Unknown {what} {value!r}. Use one of: {choices}.").format(
                    what=str(self.title).lower() if self.title.en else self.name,
                    value=show(text, 80),
                    choices=", ".join(f"{c.key} ({c.label})" for c in self.choices),
                )
            )
        return key

    def label(self, key: str | None) -> str:
        if not key:
            return ""
        for c in self.choices:
            if c.key == key:
                return str(c.label)
        return key

    def __contains__(self, key: object) -> bool:
        return any(c.key == key for c in self.choices)


def _fold(text: str) -> str:
    return " ".join(text.strip().lower().replace("_", " ").replace("-", " ").split())


def _t(en: str, zh: str) -> Label:
    return Label(N_(en), zh)


PURCHASE_MODE = Vocabulary(
    "purchase_mode",
    _t("Purchase mode", "采购方式"),
    [
        ("single", "Single purchase", "单独采购", ("单独",)),
        ("group", "Group purchase", "集团采购", ("集团",)),
        ("strategic", "Strategic purchase", "战略采购", ("战略",)),
    ],
)

SOURCE = Vocabulary(
    "source",
    _t("Source", "信息来源"),
    [
        ("canvassing", "Canvassing", "扫楼"),
        ("internet", "Internet", "互联网"),
        ("publications", "Publications", "杂志报刊"),
        ("relationships", "Relationships", "关系渠道"),
        ("exhibition", "Exhibition", "展会", ("exhibitions",)),
        ("association", "Industry association", "行业协会", ("associations",)),
        ("outsourced", "Outsourced information", "信息外包"),
        ("government", "Government", "政府部门"),
        ("inbound", "Inbound enquiry", "上门咨询"),
        ("referral", "Customer referral", "客户介绍"),
        ("tender", "Tender notice", "招标"),
        ("other", "Other", "其他"),
    ],
)

INFO_STAGE = Vocabulary(
    "info_stage",
    _t("Information stage", "信息阶段"),
    [
        ("lead", "Lead", "普通信息"),
        ("qualified", "Qualified", "有效信息"),
        ("prospect", "Prospect", "准客户"),
        ("customer", "Customer", "成交客户"),
    ],
)

RELATION_GRADE = Vocabulary(
    "relation",
    _t("Company relationship", "公司关系"),
    [
        ("C", "C", "C"),
        ("B", "B", "B"),
        ("A", "A", "A"),
    ],
)

TIER = Vocabulary(
    "tier",
    _t("Value tier", "客户价值"),
    [
        ("strategic", "Strategic account", "战略客户"),
        ("important", "Important account", "重要客户"),
        ("ordinary", "Ordinary account", "普通客户"),
    ],
)

LIFECYCLE = Vocabulary(
    "lifecycle",
    _t("Lifecycle", "生命周期"),
    [
        ("potential", "Potential", "潜在"),
        ("new", "New", "新"),
        ("growing", "Growing", "成长"),
        ("stable", "Stable", "稳定"),
        ("declining", "Declining", "衰退"),
        ("lost", "Lost", "流失"),
    ],
)

LEVEL = Vocabulary(
    "level",
    _t("Level", "层级"),
    [
        ("operational", "Operational", "操作层"),
        ("management", "Management", "管理层"),
        ("executive", "Executive", "决策层"),
    ],
)

ROLE = Vocabulary(
    "role",
    _t("Buying role", "采购角色"),
    [
        ("decision_maker", "Decision maker", "决策者", ("拍板者", "决策人", "dm")),
        ("influencer", "Influencer", "影响者"),
        ("gatekeeper", "Gatekeeper", "把关者"),
        ("user", "User", "使用者"),
        ("purchaser", "Purchaser", "采购者", ("购买者", "buyer")),
        ("evaluator", "Expert / evaluator", "专家/评估者", ("expert", "专家", "评估者")),
        ("initiator", "Initiator", "发起者"),
        ("designer", "Designer", "设计者"),
    ],
)

RELATIONSHIP = Vocabulary(
    "relationship",
    _t("Relationship stage", "关系阶段"),
    [
        ("acquainted", "Acquainted", "认识"),
        ("dating", "Meeting socially", "约会"),
        ("trusting", "Trusting", "信赖"),
        ("allied", "Allied", "同盟"),
    ],
)

STANCE = Vocabulary(
    "stance",
    _t("Stance", "立场"),
    [
        ("supporter", "Supporter", "支持者"),
        ("neutral", "Neutral", "中立"),
        ("non_supporter", "Non-supporter", "不支持者"),
        ("opponent", "Opponent", "敌人", ("反对者",)),
    ],
)

STYLE = Vocabulary(
    "style",
    _t("Communication style", "沟通风格"),
    [
        ("analytical", "Analytical", "分析型"),
        ("amiable", "Amiable", "亲切型"),
        ("expressive", "Expressive", "表现型"),
        ("driver", "Driver", "进取型"),
    ],
)

ATTITUDE = Vocabulary(
    "attitude",
    _t("Attitude to innovation", "创新态度"),
    [
        ("innovator", "Innovator", "领先创造型"),
        ("visionary", "Visionary", "前瞻先进型"),
        ("pragmatist", "Pragmatist", "实用求是型"),
        ("conservative", "Conservative", "保守求稳型"),
        ("laggard", "Laggard", "不求进取型"),
    ],
)

DEAL_STATUS = Vocabulary(
    "status",
    _t("Status", "状态"),
    [
        ("open", "Open", "进行中"),
        ("won", "Won", "赢单", ("赢",)),
        ("lost", "Lost", "丢单", ("输",)),
        ("dropped", "Dropped", "放弃"),
    ],
)

# A rep's forecast category of an open deal (`sd deal edit --forecast`); unset, it follows the stage's probability
FORECAST_CATEGORY = Vocabulary(
    "forecast",
    _t("Forecast category", "预测类别"),
    [
        ("commit", "Commit", "承诺", ("承诺成交",)),
        ("best_case", "Best case", "最佳情况", ("best", "乐观")),
        ("pipeline", "Pipeline", "管道", ("漏斗",)),
        ("omit", "Omit", "不计入", ("排除",)),
    ],
)

STRATEGY = Vocabulary(
    "strategy",
    _t("Competitive strategy", "竞争策略"),
    [
        ("head_on", "Head-on", "硬碰硬"),
        ("indirect", "Indirect", "迂回"),
        ("divide", "Divide and conquer", "各个击破"),
        ("delay", "Delay", "拖延"),
    ],
)

# Activity kinds, each with the relationship stage it builds (《摧龙六式》's ladder: calls, visits and small gifts
# make people acquainted; meals, events, local tours and technical exchanges build 约会; social events, family
# activities, out-of-town visits, valuable gifts and our executives' visits build 信赖).
VISIT_KIND = Vocabulary(
    "kind",
    _t("Activity", "活动类型"),
    [
        ("call", "Phone call", "电话"),
        ("visit", "Visit", "拜访"),
        ("executive_visit", "Executive visit", "高层拜访", ("高层",)),
        ("gift", "Small gift", "小礼品", ("礼品",)),
        ("valuable_gift", "Valuable gift", "贵重礼品"),
        ("event", "Business event", "商务活动"),
        ("tour", "Site tour", "参观考察", ("参观",)),
        ("tech_exchange", "Technical exchange", "技术交流"),
        ("demo", "Demo / test", "演示测试", ("测试", "演示")),
        ("meal", "Meal or tea", "吃饭喝茶", ("吃饭", "喝茶", "饭局")),
        ("social", "Social event", "联谊活动", ("联谊", "宴请", "联谊宴请", "宴会", "聚餐")),
        ("family", "Family activity", "家庭活动"),
        ("reference_visit", "Out-of-town visit", "异地参观", ("reference site visit",)),
        ("proposal", "Proposal", "方案提交", ("方案",)),
        ("tender", "Tender", "投标"),
        ("negotiation", "Negotiation", "商务谈判", ("谈判",)),
        ("other", "Other", "其他"),
    ],
)

RELATIONSHIP_BUILT_BY_KIND = {
    "call": "acquainted",
    "visit": "acquainted",
    "gift": "acquainted",
    "event": "dating",
    "tour": "dating",
    "tech_exchange": "dating",
    "demo": "dating",
    "meal": "dating",
    "social": "trusting",
    "valuable_gift": "trusting",
    "executive_visit": "trusting",
    "family": "trusting",
    "reference_visit": "trusting",
}

FOLLOWUP_KIND = Vocabulary(
    "followup_kind",
    _t("Follow-up kind", "跟进类型"),
    [
        ("todo", "To do", "待办"),
        ("visit", "Planned visit", "计划拜访"),
        ("call", "Call", "电话"),
    ],
)

CURRENCIES = ("CNY", "USD", "EUR", "HKD", "JPY", "GBP")
