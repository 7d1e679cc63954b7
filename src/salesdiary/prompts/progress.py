"""Guided steps about a deal's stage: its goal, the markers as a checklist, the offer to advance."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from salesdiary.core.playbook import Marker, Playbook, Stage
from salesdiary.i18n import _, ngettext
from salesdiary.prompts import ask

Say = Callable[..., None]  # say(text, style="")
TOP_TIPS = 3


def stage_title(stage: Stage) -> str:
    return f"{stage.number}. {stage.label} ({stage.probability}%)"


def marker_title(marker: Marker) -> str:
    """A marker as a checklist line: `* ` first when it is needed to leave the stage, so a narrow terminal that
    cuts a long label keeps it (a trailing star was cut off at 60 columns)."""
    return ("* " if marker.required else "  ") + str(marker.label)


def show_stage(say: Say, stage: Stage) -> None:
    say(_("Stage {stage} — goal: {goal}").format(stage=stage_title(stage), goal=stage.goal), "bold")


def show_tips(say: Say, stage: Stage, tips: int = TOP_TIPS) -> None:
    """The stage's own top tips (操作指南): what the method advises while the deal is in it."""
    if stage.tips:
        say(_("Tips for this stage:"))
    for tip in stage.tips[:tips]:
        say(_("  • {tip}").format(tip=tip))


def show_next_stage(say: Say, stage: Stage, tips: int = TOP_TIPS) -> None:
    """The next stage's goal and its top tips (操作指南)."""
    say(_("Next stage {stage} — goal: {goal}").format(stage=stage_title(stage), goal=stage.goal), "bold")
    for tip in stage.tips[:tips]:
        say(_("  • {tip}").format(tip=tip))


def unmet(stage: Stage, ticked: Iterable[str], *, required_only: bool = False) -> list[Marker]:
    done = set(ticked)
    return [m for m in stage.markers if m.key not in done and (m.required or not required_only)]


def ask_markers(stage: Stage, ticked: Iterable[str], *, required_only: bool = False) -> list[str]:
    """Which of the stage's markers not yet met are now true? Returns their keys."""
    open_markers = unmet(stage, ticked, required_only=required_only)
    if not open_markers:
        return []
    return ask.checklist(
        _("Which of these are now true? (* = needed to leave the stage)"),
        [(m.key, marker_title(m)) for m in open_markers],
    )


def ready_to_leave(stage: Stage, ticked: Iterable[str]) -> bool:
    return not unmet(stage, ticked, required_only=True)


def offer_advance(say: Say, book: Playbook, stage: Stage, ticked: Iterable[str]) -> Stage | None:
    """When the stage's required markers are met, show the next stage and ask to advance to it."""
    following = book.next_stage(stage)
    if following is None or not ready_to_leave(stage, ticked):
        return None
    say(_("Every marker needed to leave {stage} is met.").format(stage=stage_title(stage)), "green")
    show_next_stage(say, following)
    if ask.confirm(_("Advance the deal to {stage}?").format(stage=stage_title(following)), default=True):
        return following
    return None


@dataclass
class MarkerChanges:
    tick: list[str] = field(default_factory=list)
    untick: list[str] = field(default_factory=list)


def edit_markers(say: Say, stage: Stage, ticked: Iterable[str]) -> MarkerChanges:
    """The whole checklist of a stage, the met markers ticked; returns what changed."""
    before = set(ticked)
    show_stage(say, stage)
    chosen = set(
        ask.checklist(
            _("Which markers are met? (* = needed to leave the stage)"),
            [(m.key, marker_title(m)) for m in stage.markers],
            checked=before,
        )
    )
    keys = [m.key for m in stage.markers]
    return MarkerChanges(
        tick=[k for k in keys if k in chosen and k not in before],
        untick=[k for k in keys if k in before and k not in chosen],
    )


@dataclass
class AdvancePlan:
    ticks: list[str] = field(default_factory=list)
    advance: bool = False
    forced: bool = False
    reason: str | None = None


def guided_advance(
    say: Say, book: Playbook, stage: Stage, ticked: Iterable[str], *, reason: str | None = None
) -> AdvancePlan:
    """The exit check, guided: tick what is now true; when something required is still unmet, the rep
    may move on anyway (forced) with a reason."""
    plan = AdvancePlan(reason=reason)
    done = set(ticked)
    following = book.next_stage(stage)
    if following is None:
        return plan
    show_stage(say, stage)
    missing = unmet(stage, done, required_only=True)
    if missing:
        say(_("Needed to leave this stage and not yet met:"), "yellow")
        plan.ticks = ask_markers(stage, done, required_only=True)
        done |= set(plan.ticks)
        missing = unmet(stage, done, required_only=True)
    if missing:
        if not ask.confirm(
            ngettext(
                "{n} needed marker is still unmet. Advance anyway (recorded as forced)?",
                "{n} needed markers are still unmet. Advance anyway (recorded as forced)?",
                len(missing),
            ).format(n=len(missing)),
            default=False,
        ):
            return plan
        plan.forced = True
        if not plan.reason:
            plan.reason = ask.required_text(_("Why does the deal move on anyway?"))
    show_next_stage(say, following)
    plan.advance = ask.confirm(_("Advance the deal to {stage}?").format(stage=stage_title(following)), default=True)
    return plan
