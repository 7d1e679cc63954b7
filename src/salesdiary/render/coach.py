"""Drawing the coach's plans (`sd next`) for people: a deal's plan, an account's, and the agenda of all deals.

Knows nothing of the database: it draws the dataclasses of core/coach.py, plain lines through Rich's stdout
console (no tables: a plan is read top to bottom, and lines cost little to draw).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from salesdiary.core import enums
from salesdiary.i18n import _, series

if TYPE_CHECKING:
    from salesdiary.core.coach import AccountPlan, Action, Agenda, DealPlan


def _say(text: str = "", style: str = "") -> None:
    from salesdiary.render.console import out

    out().print(text, markup=False, style=style or None)


def _stage(stage: dict[str, Any] | None) -> str:
    return f"{stage['number']}. {stage['label']}" if stage else "-"


def action_lines(actions: list[Action], *, numbered: bool = True) -> list[str]:
    lines = []
    for i, a in enumerate(actions, 1):
        head = f"{i}. " if numbered else ""
        lines.append(f"{head}{a.text}")
        lines.append("   " + _("Why: {why} ({source})").format(why=a.why, source=a.source))
    return lines


def print_deal_plan(plan: DealPlan) -> None:
    d = plan.deal
    _say(_("Deal #{id} {name} — {account}").format(id=d["id"], name=d["name"], account=d["account"]), "bold")
    if plan.closed:
        _say(_("This deal is closed ({status}).").format(status=enums.DEAL_STATUS.label(d["status"])))
        if not plan.actions:
            _say(_("Nothing is left to do on it: no receivable is waiting."))
    s = plan.stage
    if s is not None and not plan.closed:
        _say(_("Stage {stage} — goal: {goal}").format(stage=_stage(s), goal=s["goal"]))
    if plan.markers and not plan.closed:
        _say()
        _say(_("Markers (* = needed to leave the stage):"), "bold")
        for m in plan.markers:
            tick = "[x]" if m["met"] else "[ ]"
            _say(f"  {tick} {'*' if m['required'] else ' '} {m['label']}")
    if plan.tips and not plan.closed:
        _say()
        _say(_("Tips for this stage:"), "bold")
        for tip in plan.tips[:3]:
            _say(_("  • {tip}").format(tip=tip))
        if len(plan.tips) > 3:
            _say(_("  … {n} more: sd playbook show").format(n=len(plan.tips) - 3), "dim")
    if plan.findings:
        _say()
        _say(_("What sd check finds:"), "bold")
        for f in plan.findings:
            _say("  • " + _("{rule}: {detail}").format(rule=f.rule_name, detail=f.detail))
    ev = plan.evaluation
    if not plan.closed:
        _say()
        if ev["verdict"]:
            _say(_("Evaluation: {verdict}").format(verdict=ev["verdict"]["text"]))
        elif ev["asked"]:
            _say(_("Evaluation: not evaluated yet."))
    if plan.people and not plan.closed:
        _say(_("People:"), "bold")
        for p in plan.people:
            bits = [x for x in (enums.ROLE.label(p["role"]), enums.STANCE.label(p["stance"])) if x]
            rel = enums.RELATIONSHIP.label(p["relationship"]) or _("relationship not known")
            who = _("{name} ({what})").format(name=p["name"], what=series(bits)) if bits else p["name"]
            line = "  " + _("{rule}: {detail}").format(rule=who, detail=rel)
            if p["coach"]:
                line += " · " + _("coach")
            if p["key"] and p["activities"]:
                line += " → " + _("{next} by {activities}").format(
                    next=enums.RELATIONSHIP.label(p["next_relationship"]), activities=series(p["activities"])
                )
            _say(line)
    gaps = plan.gaps
    if gaps["roles_missing"] and not plan.closed:
        _say(
            _("Buying roles nobody fills: {roles}").format(
                roles=series(enums.ROLE.label(r) for r in gaps["roles_missing"])
            )
        )
    if plan.followup:
        due = plan.followup
        _say(_("Next follow-up: {due} {action}").format(due=due["due"], action=due["action"]))
    if plan.actions:
        _say()
        _say(_("Next actions:"), "bold")
        for line in action_lines(plan.actions):
            _say(line)


def print_account_plan(plan: AccountPlan) -> None:
    a = plan.account
    _say(_("Account #{id} {name}").format(id=a["id"], name=a["name"]), "bold")
    if plan.actions:
        for line in action_lines(plan.actions):
            _say(line)
    else:
        _say(_("The account's own rules find nothing."))
    _say()
    if not plan.deals:
        _say(_("No open deals here."))
        return
    _say(_("Open deals, the top action of each:"), "bold")
    for d in plan.deals:
        _say(_("#{id} {name} ({stage})").format(id=d["deal"]["id"], name=d["deal"]["name"], stage=_stage(d["stage"])))
        if d["action"] is not None:
            for line in action_lines([d["action"]], numbered=False):
                _say("  " + line.lstrip())


def print_agenda(agenda: Agenda) -> None:
    if not agenda.items:
        _say(_("No open deals: nothing to do next."))
        return
    for i, item in enumerate(agenda.items, 1):
        d = item["deal"]
        line = _("#{id} {name} — {account} ({stage})").format(
            id=d["id"], name=d["name"], account=d["account"], stage=_stage(item["stage"])
        )
        _say(f"{i}. {line}", "bold")
        if item["action"] is not None:
            for line in action_lines([item["action"]], numbered=False):
                _say("   " + line.lstrip())


def next_lines(actions: list[Action], limit: int = 2) -> list[str]:
    """The `Next:` lines shown after a visit is logged."""
    return [_("Next: {text} ({source})").format(text=a.text, source=a.source) for a in actions[:limit]]
