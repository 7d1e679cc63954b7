"""The 20-question opportunity evaluation (商机评估) of 《大客户销售管理》: four groups, a score and a verdict.

The book screens an opportunity like a funnel (漏斗筛选): is it a real project (是否项目), is it our
opportunity (是否我的商机, shown as 是否我的项目: a deal is 项目 on every screen), can we win (是否能赢), and is
it worth winning. The questions' Chinese text is copied from the book as written (in full-width punctuation,
and 决策因素 for its 决策因数); the English says the same thing.

The book heads the fourth group "商机评估——是否能赢" a second time, but its five questions (business
now and later, profit, risk, strategic value) ask whether the deal is worth winning — 《项目销售十步法》's
"值得赢吗？" — so the group is labelled 是否值得赢 here.

Every question is answered on a three-step scale plus "don't know". The stored answer is the step:
`yes` (the favourable end: yes / large / low risk / in our favour), `partly` (the middle) or `no`
(the unfavourable end), or `unknown`. A favourable answer scores 1, the middle ½, anything else 0, so
each group scores 0–5. The verdict walks the groups in the book's order and stops at the first one
that is weak, or where too little is known to judge.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from salesdiary.core.errors import BadInput
from salesdiary.core.text import Label
from salesdiary.i18n import N_, _, series

ANSWERS = ("yes", "partly", "no", "unknown")
POINTS = {"yes": 1.0, "partly": 0.5, "no": 0.0, "unknown": 0.0}
STRONG = 4.0  # a group scoring at least this is strong
WEAK = 2.5  # below this it is weak
MIN_KNOWN = 3  # a group with fewer known answers cannot be judged


def _l(en: str, zh: str) -> Label:
    return Label(N_(en), zh)


@dataclass(frozen=True)
class Scale:
    """The words of the answers to one kind of question, favourable end first."""

    yes: Label
    partly: Label
    no: Label

    def label(self, answer: str) -> Label:
        if answer == "unknown":
            return UNKNOWN
        return {"yes": self.yes, "partly": self.partly, "no": self.no}[answer]


UNKNOWN = _l("Don't know", "不清楚")
YES_NO = Scale(_l("Yes", "是"), _l("Partly", "部分"), _l("No", "否"))
SIZE = Scale(_l("Large", "大"), _l("Medium", "中"), _l("Small", "小"))
RISK = Scale(_l("Small", "小"), _l("Medium", "中"), _l("Large", "大"))
VALUE = Scale(_l("High", "高"), _l("Medium", "中"), _l("Low", "低"))
LEANING = Scale(
    _l("Yes, towards us", "倾向我方"), _l("No clear preference", "无明显倾向"), _l("Yes, towards a rival", "倾向对手")
)
INFORMAL = Scale(
    _l("Yes, in our favour", "有,有利于我方"),
    _l("None that matter", "无明显影响"),
    _l("Yes, against us", "有,不利于我方"),
)


@dataclass(frozen=True)
class Question:
    key: str
    number: int
    group: str
    label: Label
    scale: Scale = YES_NO
    hint: Label | None = None

    def __str__(self) -> str:
        return str(self.label)


@dataclass(frozen=True)
class Group:
    key: str
    number: int
    label: Label
    focus: Label  # the book's funnel words for the group
    questions: tuple[Question, ...]

    def __str__(self) -> str:
        return str(self.label)


def _q(
    key: str, number: int, group: str, en: str, zh: str, scale: Scale = YES_NO, hint: Label | None = None
) -> Question:
    return Question(key, number, group, _l(en, zh), scale, hint)


_REAL = (
    _q(
        "business_challenge",
        1,
        "real",
        "Is the customer's business facing a challenge?",
        "业务状况是否面临挑战？",
        hint=_l(
            "Its operating and competitive environment, core business structure, this year's finances",
            "经营/竞争环境，核心业务结构，今年财务情况",
        ),
    ),
    _q(
        "need_clear",
        2,
        "real",
        "Is the project's need clear?",
        "项目需求是否清晰？",
        hint=_l(
            "The application need, a description of the project, the implementation goals",
            "应用需求，项目描述，实施目标",
        ),
    ),
    _q("decision_process", 3, "real", "Is the decision process settled?", "决策过程是否确定？"),
    _q("funding", 4, "real", "Is the project's money secured?", "项目资金是否落实？"),
    _q(
        "drivers",
        5,
        "real",
        "Are the drivers for carrying it out evident?",
        "实施驱动因素是否明显？",
        hint=_l(
            "The return of the project, the risk after it, business or technical emphasis, a set date or other push",
            "项目实施的回报，项目实施后的风险，业务与技术的侧重，特定的日期或其它实施动力",
        ),
    ),
)
_OURS = (
    _q(
        "decision_factors",
        6,
        "ours",
        "Are the decision factors clear?",
        "决策因素是否明确？",
        hint=_l(
            "Technical or business factors, personal factors, other factors — and their priority",
            "技术因素/业务因素，个人因素，其它因素，决策因素优先级别",
        ),
    ),
    _q("solution_fit", 7, "ours", "Is our solution a good fit?", "解决方案是否合适？"),
    _q("resources_reasonable", 8, "ours", "Are the resources it needs reasonable?", "资源需求是否合理？"),
    _q(
        "relationship_basis",
        9,
        "ours",
        "Do we have a relationship with the customer to build on?",
        "客户关系有无基础？",
    ),
    _q("unique_value", 10, "ours", "Can we show our unique value?", "独特价值能否体现？"),
)
_WINNABLE = (
    _q("inside_support", 11, "winnable", "Can we count on support inside the customer?", "能否期盼内部支持？"),
    _q("leadership_buy_in", 12, "winnable", "Can we win the decision makers' approval?", "能否得到决策层认同？"),
    _q("vendor_preference", 13, "winnable", "Does the customer lean towards a vendor?", "是否存在厂家倾向？", LEANING),
    _q(
        "informal_factors",
        14,
        "winnable",
        "Are there informal decision factors?",
        "是否存在非正式决策因素？",
        INFORMAL,
        hint=_l(
            "Competition for internal resources, personal wins and losses, what the outcome means for people",
            "内部资源竞争/个人输赢/项目结果影响等",
        ),
    ),
    _q("political_structure", 15, "winnable", "Do we understand the political structure?", "是否清楚政治关联结构？"),
)
_WORTH = (
    _q("near_term_business", 16, "worth", "How large is the business now?", "近期业务大小？", SIZE),
    _q("future_business", 17, "worth", "How large is the business to come?", "未来业务大小？", SIZE),
    _q("profit", 18, "worth", "How large is this project's profit?", "本项目利润大小？", SIZE),
    _q("risk", 19, "worth", "How large is this project's risk?", "本项目风险大小？", RISK),
    _q("strategic_value", 20, "worth", "How high is this customer's strategic value?", "该客户战略价值高低？", VALUE),
)

GROUPS: tuple[Group, ...] = (
    Group(
        "real",
        1,
        _l("Is it a real project?", "是否项目"),
        _l(
            "A real project: the need, the decision process, the resources to carry it out, the drivers",
            "落实项目：项目需求-决策过程-实施资源-驱动因素",
        ),
        _REAL,
    ),
    Group(
        "ours",
        2,
        _l("Is it our opportunity?", "是否我的项目"),
        _l(
            "Our project: unique value, a complete solution, assured delivery, the customer's trust",
            "我的项目：独特价值-完备方案-实施保障-客户信任",
        ),
        _OURS,
    ),
    Group(
        "winnable",
        3,
        _l("Can we win?", "是否能赢"),
        _l(
            "Our chances: support inside, approval at the decision level, vendor leaning, decision links",
            "项目胜算：内部支持-决策认同-厂家倾向-决策关联",
        ),
        _WINNABLE,
    ),
    Group(
        "worth",
        4,
        _l("Is it worth winning?", "是否值得赢"),
        _l(
            "The value: business now and later, profit, risk, the customer's strategic value",
            "项目价值：近期业务-未来业务-利润-风险-战略价值",
        ),
        _WORTH,
    ),
)
QUESTIONS: tuple[Question, ...] = tuple(q for g in GROUPS for q in g.questions)


def group(key: str) -> Group:
    for g in GROUPS:
        if g.key == key:
            return g
    raise KeyError(key)


def question(text: str | int) -> Question:
    """The question named by number (3, "3", "q3"), key, or its English or Chinese text."""
    wanted = str(text).strip()
    folded = wanted.casefold().rstrip("?？")
    number = folded[1:] if folded.startswith("q") and folded[1:].isdigit() else folded
    for q in QUESTIONS:
        if number.isdigit() and int(number) == q.number:
            return q
        if folded.replace("-", "_").replace(" ", "_") == q.key:
            return q
        if folded in (q.label.en.casefold().rstrip("?"), q.label.zh.casefold().rstrip("?？")):
            return q
    raise BadInput(
        _("There is no evaluation question {text!r}: use its number 1–20 or its key ({keys}, …).").format(
            text=wanted, keys=", ".join(q.key for q in QUESTIONS[:3])
        )
    )


_ALIASES = {
    "yes": ("yes", "y", "true", "1", "是", "有", "favourable", "good"),
    "partly": ("partly", "partial", "p", "some", "somewhat", "部分", "一般", "中", "medium", "m"),
    "no": ("no", "n", "false", "0", "否", "无", "没有", "unfavourable", "bad"),
    "unknown": ("unknown", "?", "？", "u", "dk", "don't know", "dont know", "不清楚", "不知道", "未知"),
}


def parse_answer(q: Question, text: str) -> str:
    """The stored answer (yes, partly, no, unknown) for what a person typed about question Q.

    The question's own answer words come first (for the risk question "small" is the favourable
    answer, so it means yes), then the generic ones: yes/partly/no/unknown, y/p/n/?, 是/部分/否/不清楚.
    """
    folded = " ".join(str(text).strip().casefold().replace("_", " ").split())
    for answer in ANSWERS:
        label = q.scale.label(answer)
        if folded in (label.en.casefold(), label.zh.casefold()):
            return answer
    for answer, words in _ALIASES.items():
        if folded in words:
            return answer
    choices = ", ".join(f"{a} ({q.scale.label(a)})" for a in ANSWERS)
    raise BadInput(
        _("Question {number}: cannot read the answer {value!r}. Use one of: {choices}.").format(
            number=q.number, value=str(text), choices=choices
        )
    )


@dataclass(frozen=True)
class GroupScore:
    group: Group
    points: float
    known: int  # questions answered with something other than "don't know"
    status: str  # strong | fair | weak | unknown

    @property
    def out_of(self) -> int:
        return len(self.group.questions)


@dataclass(frozen=True)
class Verdict:
    key: str  # go | pursue | unclear | not_real | not_ours | cannot_win | not_worth
    text: str


@dataclass(frozen=True)
class Evaluation:
    answers: dict[str, str]
    groups: tuple[GroupScore, ...]
    verdict: Verdict

    @property
    def answered(self) -> int:
        return sum(1 for a in self.answers.values() if a != "unknown")

    @property
    def points(self) -> float:
        return sum(g.points for g in self.groups)


def score_group(g: Group, answers: Mapping[str, str]) -> GroupScore:
    given = [answers.get(q.key, "unknown") for q in g.questions]
    points = sum(POINTS.get(a, 0.0) for a in given)
    known = sum(1 for a in given if a in ("yes", "partly", "no"))
    if known < MIN_KNOWN:
        status = "unknown"
    elif points >= STRONG:
        status = "strong"
    elif points >= WEAK:
        status = "fair"
    else:
        status = "weak"
    return GroupScore(g, points, known, status)


_BLOCKED = {
    "real": (
        "not_real",
        N_(
            "Not a real project yet: keep it as a lead and confirm the need, the decision process and the money "
            "before you invest more."
        ),
    ),
    "ours": (
        "not_ours",
        N_(
            "A real project, but not yet ours: build unique value and a relationship first, or keep the "
            "investment small."
        ),
    ),
    "winnable": (
        "cannot_win",
        N_("Ours, but hard to win: win support inside the customer and at the decision level before spending more."),
    ),
    "worth": ("not_worth", N_("Winnable, but hardly worth winning: keep the investment small.")),
}


def evaluate(answers: Mapping[str, str]) -> Evaluation:
    """Scores per group and a plain verdict for ANSWERS (question key → yes/partly/no/unknown)."""
    clean = {q.key: answers.get(q.key, "unknown") for q in QUESTIONS}
    scores = tuple(score_group(g, clean) for g in GROUPS)
    verdict: Verdict | None = None
    for s in scores:
        if s.status == "unknown":
            verdict = Verdict(
                "unclear",
                _("Too little is known to judge “{group}”: find out what you don't know yet, then answer.").format(
                    group=s.group.label
                ),
            )
            break
        if s.status == "weak":
            key, text = _BLOCKED[s.group.key]
            verdict = Verdict(key, _(text))
            break
    if verdict is None:
        fair = [str(s.group.label) for s in scores if s.status != "strong"]
        if not fair:
            verdict = Verdict("go", _("Go for it: a real project, ours, winnable and worth winning."))
        else:
            verdict = Verdict("pursue", _("Pursue it, and work on: {groups}").format(groups=series(fair)))
    return Evaluation(clean, scores, verdict)


def status_label(status: str) -> str:
    return {
        "strong": _("strong"),
        "fair": _("fair"),
        "weak": _("weak"),
        "unknown": _("too little known"),
    }[status]
