"""The coach (`sd next`): what the method says a rep should do next on a deal, an account, or all of them.

Pure: the caller (journal.py) reads the deal, its stage's ticked markers, its people, its 20-question answers,
its next follow-up and the findings `sd check` has for it, and hands them over; this module turns them into a
plan — the stage, its goal, its markers and tips, the gaps in the decision map, and 3–5 actions ranked by how
much they matter now, each one sentence with its reason and its source named as a person names the book
(《项目销售十步法》第 5 步, "Ten-step method, step 5").

How the actions rank (a higher weight first; ties keep the order below):
  overdue next step 100 · opponent in the decision chain 95 · no next step 90 · required markers left unmet 85 ·
  no known decision maker 80 · evaluation verdict blocked 78 · a required marker of this stage 70 · stale 65 ·
  key person below the stage's relationship 60 · analysis meeting 55 · evaluation not answered 50 ·
  account rules 45 · missing buying roles 40 · no coach on the deal 35 · the stage's tips 10.

The relationship a stage needs (摧龙六式's ladder 认识 → 约会 → 信赖 → 同盟) follows the stage's win probability:
below 25 % acquainted, below 50 % dating (摧龙六式 stage 3 starts at 约会), else trusting.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from salesdiary.core import enums
from salesdiary.core.text import Label
from salesdiary.i18n import N_, _, series

if TYPE_CHECKING:
    from salesdiary.core.health import Finding
    from salesdiary.core.playbook import Marker, Playbook, Stage

MIN_ACTIONS = 3
MAX_ACTIONS = 5
MARKER_ACTIONS = 2  # unmet required markers turned into actions (the plan lists them all)
EVALUATION_FROM_STAGE = 2  # the 20 questions ask whether the project is real: the method's step 2 (项目确认)
KEY_ROLES = ("decision_maker", "influencer")  # key people (关键人), as health.key_roles defaults them
MAP_ROLES = ("decision_maker", "evaluator", "user", "purchaser")  # roles a decision map should fill


def _l(en: str, zh: str) -> Label:
    return Label(N_(en), zh)


# --- sources: the books as a person names them -----------------------------------------------------------

BOOKS = {
    "ten_step": _l("Ten-step method", "《项目销售十步法》"),
    "six_step": _l("Six-step method", "《摧龙六式》"),
    "handbook": _l("Sales handbook", "《销售业务手册》"),
    "key_account": _l("Key-account management", "《大客户销售管理》"),
}


def source(book: str, step: int | None = None) -> str:
    """BOOK ("ten_step", "six_step", "handbook", "key_account" or a user playbook's name) with its STEP, as a
    rep names it: "《项目销售十步法》第 5 步" / "Ten-step method, step 5"."""
    label = BOOKS.get(book)
    name = str(label) if label is not None else book
    if step is None:
        return name
    return _("{book}, step {step}").format(book=name, step=step)


# the book (and step) each `sd check` rule comes from
RULE_SOURCES: dict[str, tuple[str, int | None]] = {
    "no_next_step": ("handbook", None),
    "next_step_overdue": ("handbook", None),
    "stale_deal": ("handbook", None),
    "no_coach": ("handbook", None),
    "prospect_below_b": ("handbook", None),
    "still_at_c": ("handbook", None),
    "analysis_meeting": ("ten_step", 4),
    "no_decision_maker": ("ten_step", 3),
    "opponent_late": ("ten_step", 6),
}

RULE_WEIGHTS = {
    "next_step_overdue": 100,
    "opponent_late": 95,
    "no_next_step": 90,
    "markers_unmet": 85,
    "no_decision_maker": 80,
    "stale_deal": 65,
    "analysis_meeting": 55,
    "no_coach": 45,
    "still_at_c": 45,
    "prospect_below_b": 45,
}


# --- what the plan holds ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Action:
    """One thing to do: a sentence, why it matters now, and where the method says so."""

    text: str
    why: str
    source: str
    weight: int = 0
    kind: str = ""  # the rule key, "marker", "relationship", "evaluation", "roles", "coach", "tip", "receivable"

    def as_json(self) -> dict[str, Any]:
        return {"text": self.text, "why": self.why, "source": self.source}


@dataclass
class DealFacts:
    """What the journal knows of one deal, read by store/ for the coach."""

    deal: Mapping[str, Any]  # id, name, account_id, account, playbook, stage, status, amount, currency, …
    book: Playbook | None
    ticked: set[str] = field(default_factory=set)  # the current stage's markers met
    answers: Mapping[str, str] = field(default_factory=dict)  # the 20 questions: key → yes/partly/no/unknown
    people: Sequence[Mapping[str, Any]] = ()  # id, name, title, role, stance, relationship, coach
    findings: Sequence[Finding] = ()
    followup: Mapping[str, Any] | None = None  # the next open follow-up: id, due, action
    owed: float = 0.0  # receivables not yet paid
    today: dt.date | None = None


@dataclass
class DealPlan:
    """`sd next DEAL`: the deal's stage and goal, its markers, the stage's tips, the findings of `sd check`, the
    evaluation, the people and the gaps in the decision map, the next follow-up, and the ranked actions."""

    deal: dict[str, Any]
    stage: dict[str, Any] | None
    markers: list[dict[str, Any]]
    tips: list[str]
    findings: list[Finding]
    evaluation: dict[str, Any]
    people: list[dict[str, Any]]
    gaps: dict[str, Any]
    followup: dict[str, Any] | None
    actions: list[Action]

    @property
    def closed(self) -> bool:
        return self.deal.get("status") != "open"

    def as_json(self) -> dict[str, Any]:
        return {
            "deal": self.deal,
            "stage": self.stage,
            "markers": self.markers,
            "tips": self.tips,
            "findings": [f.as_json() for f in self.findings],
            "evaluation": self.evaluation,
            "people": self.people,
            "gaps": self.gaps,
            "next_followup": self.followup,
            "actions": [a.as_json() for a in self.actions],
        }


@dataclass
class AccountPlan:
    """`sd next ACCOUNT`: the account's own findings (coach within 3 visits, still at C, grades) with their
    actions, and each open deal's top action."""

    account: dict[str, Any]
    findings: list[Finding]
    actions: list[Action]
    deals: list[dict[str, Any]]  # {deal, stage, action}

    def as_json(self) -> dict[str, Any]:
        return {
            "account": self.account,
            "findings": [f.as_json() for f in self.findings],
            "actions": [a.as_json() for a in self.actions],
            "deals": [{**d, "action": d["action"].as_json() if d["action"] else None} for d in self.deals],
        }


@dataclass
class Agenda:
    """`sd next`: today's top action on each open deal, overdue first, then by the weighted amount at risk."""

    items: list[dict[str, Any]]  # {deal, stage, action, days_late, weighted}
    total: int

    def as_json(self) -> dict[str, Any]:
        return {
            "items": [{**i, "action": i["action"].as_json() if i["action"] else None} for i in self.items],
            "total": self.total,
        }


# --- building a plan -------------------------------------------------------------------------------------


def stage_json(book: Playbook | None, stage: Stage | None) -> dict[str, Any] | None:
    if stage is None:
        return None
    return {"key": stage.key, "number": stage.number, "label": str(stage.label), "goal": str(stage.goal)}


def book_source(book: Playbook | None, stage: Stage | None) -> str:
    """The deal's own playbook at STAGE, as a source."""
    name = book.name if book is not None else ""
    if name not in BOOKS and book is not None:
        name = str(book.label)
    return source(name, stage.number if stage is not None else None)


def needed_relationship(stage: Stage | None) -> str:
    """The relationship the stage needs with each key person (摧龙六式's ladder, by the stage's probability)."""
    if stage is None or stage.probability < 25:
        return "acquainted"
    if stage.probability < 50:
        return "dating"
    return "trusting"


def activities_for(relationship: str) -> list[str]:
    """The activity kinds that build RELATIONSHIP (enums.RELATIONSHIP_BUILT_BY_KIND), as labels."""
    return [enums.VISIT_KIND.label(k) for k, built in enums.RELATIONSHIP_BUILT_BY_KIND.items() if built == relationship]


def _rank(relationship: str | None) -> int:
    keys = enums.RELATIONSHIP.keys
    return keys.index(relationship) if relationship in keys else -1


def finding_action(f: Finding, book: Playbook | None = None, stage: Stage | None = None) -> Action:
    """A finding of `sd check` as an action: its advice, its detail as the reason, its rule's book."""
    if f.rule in RULE_SOURCES:
        where, step = RULE_SOURCES[f.rule]
        src = source(where, step)
    else:
        src = book_source(book, stage)
    # TRANSLATORS: a finding of `sd check` as the reason of an action: its rule's name and what it found
    why = _("{rule}: {detail}").format(rule=f.rule_name, detail=f.detail) if f.rule_name else f.detail
    return Action(f.action, why, src, RULE_WEIGHTS.get(f.rule, 40), f.rule)


def deal_plan(
    facts: DealFacts, *, key_roles: Iterable[str] = KEY_ROLES, map_roles: Iterable[str] = MAP_ROLES
) -> DealPlan:
    """The plan for one deal from FACTS."""
    from salesdiary.core.evaluation import evaluate

    d = facts.deal
    book = facts.book
    stage: Stage | None = None
    if book is not None:
        try:
            stage = book.stage(str(d["stage"]))
        except Exception:  # a stage the playbook no longer has: the plan goes without it
            stage = None
    deal = {
        "id": int(d["id"]),
        "name": d["name"],
        "account_id": int(d["account_id"]),
        "account": d["account"],
        "playbook": d.get("playbook"),
        "status": d.get("status", "open"),
        "amount": d.get("amount"),
        "currency": d.get("currency"),
        "owner": d.get("owner"),
        "next_step": d.get("next_step"),
        "next_step_date": str(d["next_step_date"])[:10] if d.get("next_step_date") else None,
    }
    markers = (
        [
            {"key": m.key, "label": str(m.label), "required": m.required, "met": m.key in facts.ticked}
            for m in sorted(stage.markers, key=lambda m: not m.required)
        ]
        if stage is not None
        else []
    )
    tips = [str(t) for t in stage.tips] if stage is not None else []
    ev = evaluate(facts.answers)
    asked = stage is not None and stage.number >= EVALUATION_FROM_STAGE
    weak = [str(s.group.label) for s in ev.groups if s.status == "weak"]
    evaluation = {
        "answered": ev.answered,
        "asked": asked,
        "verdict": {"key": ev.verdict.key, "text": ev.verdict.text} if ev.answered else None,
        "weak": weak,
        "groups": {s.group.key: s.status for s in ev.groups} if ev.answered else {},
    }
    needed = needed_relationship(stage)
    keys = set(key_roles)
    people: list[dict[str, Any]] = []
    below: list[dict[str, Any]] = []
    for p in facts.people:
        rel = p.get("relationship")
        is_key = p.get("role") in keys
        nxt_i = _rank(rel) + 1
        nxt = enums.RELATIONSHIP.keys[nxt_i] if nxt_i < len(enums.RELATIONSHIP.keys) else None
        person = {
            "id": int(p["id"]),
            "name": p["name"],
            "title": p.get("title"),
            "role": p.get("role"),
            "stance": p.get("stance"),
            "relationship": rel,
            "coach": bool(p.get("coach")),
            "key": is_key,
            "next_relationship": nxt,
            "activities": activities_for(nxt) if nxt else [],
        }
        people.append(person)
        if is_key and _rank(rel) < _rank(needed):
            below.append(person)
    filled = {p.get("role") for p in facts.people}
    missing = [r for r in map_roles if r not in filled]
    gaps = {
        "roles_missing": missing,
        "needed_relationship": needed,
        "below": [p["id"] for p in below],
        "coach": any(p["coach"] for p in people),
    }
    followup = dict(facts.followup) if facts.followup else None
    if followup and followup.get("due") is not None:
        followup["due"] = str(followup["due"])[:10]
    plan = DealPlan(
        deal, stage_json(book, stage), markers, tips, list(facts.findings), evaluation, people, gaps, followup, []
    )
    if deal["status"] != "open":
        plan.actions = _closed_actions(facts, book)
        return plan
    acts = [finding_action(f, book, stage) for f in facts.findings]
    here = book_source(book, stage)
    if stage is not None:
        unmet = [m for m in stage.required_markers if m.key not in facts.ticked]
        acts.extend(_marker_action(book, stage, m) for m in unmet[:MARKER_ACTIONS])
    if ev.answered and ev.verdict.key in ("not_real", "not_ours", "cannot_win", "not_worth"):
        acts.append(
            Action(
                ev.verdict.text,
                _("The 20-question evaluation finds it weak: {groups}.").format(groups=series(weak) or "-"),
                source("key_account"),
                78,
                "evaluation",
            )
        )
    elif asked and not ev.answered:
        acts.append(
            Action(
                _("Answer the 20 questions of the opportunity evaluation (sd qualify {id}).").format(id=deal["id"]),
                _(
                    "From stage {stage} the method asks whether the project is real, ours, winnable and worth winning."
                ).format(stage=EVALUATION_FROM_STAGE),
                source("key_account"),
                50,
                "evaluation",
            )
        )
    below.sort(key=lambda p: (_rank(p["relationship"]), p["name"]))
    for p in below[:2]:
        acts.append(
            Action(
                _("Move {name} from {now} to {next}: {activities}.").format(
                    name=p["name"],
                    now=enums.RELATIONSHIP.label(p["relationship"]) or _("not known"),
                    next=enums.RELATIONSHIP.label(p["next_relationship"]),
                    activities=series(p["activities"]) or "-",
                ),
                _("Stage {stage} needs key people at “{needed}” or closer.").format(
                    stage=stage.number if stage else "-", needed=enums.RELATIONSHIP.label(needed)
                ),
                source("six_step", 2),
                60,
                "relationship",
            )
        )
    if missing:
        acts.append(
            Action(
                _("Find out who fills these buying roles: {roles}.").format(
                    roles=series(enums.ROLE.label(r) for r in missing)
                ),
                _("Nobody in this deal is known to fill them; the decision map shows the rest."),
                source("six_step", 1),
                40,
                "roles",
            )
        )
    if stage is not None and stage.number >= 3 and not gaps["coach"]:
        acts.append(
            Action(
                _("Develop a coach in this deal: someone inside who guides you."),
                _("Nobody in this deal is marked as a coach."),
                source("ten_step", 3),
                35,
                "coach",
            )
        )
    acts.sort(key=lambda a: -a.weight)  # stable: ties keep the order above
    acts = acts[:MAX_ACTIONS]
    for tip in tips:
        if len(acts) >= MIN_ACTIONS:
            break
        acts.append(
            Action(tip, _("A tip of stage {stage}.").format(stage=stage.number if stage else "-"), here, 10, "tip")
        )
    plan.actions = acts
    return plan


def _marker_action(book: Playbook | None, stage: Stage, m: Marker) -> Action:
    return Action(
        _("Reach this progress marker: {marker}.").format(marker=m.label),
        _("It is needed to leave stage {stage} ({label}).").format(stage=stage.number, label=stage.label),
        book_source(book, stage),
        70,
        "marker",
    )


def _closed_actions(facts: DealFacts, book: Playbook | None) -> list[Action]:
    """A closed deal: what is left is the money owed on it."""
    if facts.owed > 0:
        last = book.last_stage if book is not None else None
        return [
            Action(
                _("Collect the {amount} still owed on this deal.").format(amount=f"{facts.owed:,.0f}"),
                _("The deal is closed, but its receivables are not paid in full."),
                book_source(book, last),
                100,
                "receivable",
            )
        ]
    return []


def top_action(
    deal: Mapping[str, Any], book: Playbook | None, ticked: set[str], findings: Sequence[Finding]
) -> Action | None:
    """The one action that matters most on a deal, from its findings and its stage's required markers only
    (what `sd next` alone and `sd next ACCOUNT` show per deal: cheap to compute for many deals)."""
    stage: Stage | None = None
    if book is not None:
        try:
            stage = book.stage(str(deal["stage"]))
        except Exception:
            stage = None
    best: Action | None = None
    for f in findings:
        a = finding_action(f, book, stage)
        if best is None or a.weight > best.weight:
            best = a
    if stage is not None and (best is None or best.weight < 70):
        for m in stage.required_markers:
            if m.key not in ticked:
                return _marker_action(book, stage, m)
    if best is None and stage is not None and stage.tips:
        best = Action(
            str(stage.tips[0]),
            _("A tip of stage {stage}.").format(stage=stage.number),
            book_source(book, stage),
            10,
            "tip",
        )
    return best


def account_actions(findings: Sequence[Finding]) -> list[Action]:
    return sorted((finding_action(f) for f in findings), key=lambda a: -a.weight)
