"""sd deal advance / sd deal markers: the stage exit check and the progress markers (进展标志) of a deal.

Imported by `deal.register()`; adds its commands to the deal app.
"""

from __future__ import annotations

from typing import Any

import typer

from salesdiary.cli.common import JsonOpt
from salesdiary.cli.deal import app
from salesdiary.i18n import N_, _, ngettext

DealArg = typer.Argument(..., help=N_("Deal id or name."))


def _say(text: str, style: str = "") -> None:
    from salesdiary.render.console import message

    message(text, style)


def _title(stage: Any) -> str:
    return f"{stage.number}. {stage.label} ({stage.probability}%)"


def _unmet(stage: Any, ticked: Any) -> list[Any]:
    return [m for m in stage.required_markers if m.key not in ticked]


def _show_next(stage: Any, tips: int = 3) -> None:
    _say(_("Next stage {stage} — goal: {goal}").format(stage=_title(stage), goal=stage.goal), "bold")
    for tip in stage.tips[:tips]:
        _say(_("  • {tip}").format(tip=tip))


@app.command("advance")
def advance(
    deal: str = DealArg,
    force: bool = typer.Option(False, "--force", help=N_("Advance even though required markers are unmet.")),
    reason: str = typer.Option(None, "--reason", help=N_("Why (recorded in the stage history; needed with --force).")),
) -> None:
    """Move a deal to its next stage once the stage's required markers are met (the stage exit check)."""
    from salesdiary.cli.common import guided, journal
    from salesdiary.cli.state import can_prompt
    from salesdiary.core.errors import BadInput, Conflict
    from salesdiary.core.validate import clean_text

    why = clean_text(reason, "--reason", max_len=2000)
    found = journal().deals.progress(deal)
    row, book, stage, deal_id = found.deal, found.playbook, found.stage, int(found.deal["id"])
    if row["status"] != "open":
        raise Conflict(_("Deal #{id} is closed ({status}).").format(id=deal_id, status=row["status"]))
    ticked = set(found.ticked)
    missing = found.unmet
    if force and not why:
        if not can_prompt():
            raise BadInput(_("--force needs --reason TEXT: say why the deal moves on with required markers unmet."))
        if missing:
            from salesdiary.prompts import ask

            with guided():
                why = ask.required_text(_("Why does the deal move on anyway?"))
    if missing and not force and can_prompt() and book.next_stage(stage) is not None:
        _guided_advance(deal_id, book, stage, ticked, why)
        return
    moved = journal().deals.advance(deal_id, force=force, reason=why)
    _report(moved)


def _report(moved: Any) -> None:
    from salesdiary.cli.common import done
    from salesdiary.render.console import warning

    done(
        _("Deal #{id} moved from {old} to {new}.").format(
            id=moved.deal_id, old=_title(moved.old), new=_title(moved.new)
        )
    )
    if moved.forced:
        warning(_("Recorded as forced: required markers of {stage} were unmet.").format(stage=_title(moved.old)))
    if getattr(moved, "carried", ()):
        labels = ", ".join(str(moved.new.marker(key).label) for key in moved.carried)
        done(
            _("Met on entering {stage} (the previous stage ended with it): {markers}.").format(
                stage=_title(moved.new), markers=labels
            )
        )
    _show_next(moved.new)


def _guided_advance(deal_id: int, book: Any, stage: Any, ticked: set[str], reason: str | None) -> None:
    from salesdiary.cli.common import done, guided, journal
    from salesdiary.prompts import ask
    from salesdiary.prompts.progress import guided_advance

    with guided():
        plan = guided_advance(_say, book, stage, ticked, reason=reason)
        save_ticks = (
            bool(plan.ticks)
            and not plan.advance
            and ask.confirm(
                ngettext("Save the marker you ticked?", "Save the {n} markers you ticked?", len(plan.ticks)).format(
                    n=len(plan.ticks)
                ),
                default=True,
            )
        )
    if plan.advance:
        moved = journal().deals.advance(deal_id, force=plan.forced, reason=plan.reason, ticks=plan.ticks)
        _report(moved)
        return
    if save_ticks:
        journal().deals.markers(deal_id, tick=plan.ticks)
        done(
            ngettext("Ticked {n} marker of deal #{id}.", "Ticked {n} markers of deal #{id}.", len(plan.ticks)).format(
                n=len(plan.ticks), id=deal_id
            )
        )
    _say(_("Deal #{id} stays at {stage}.").format(id=deal_id, stage=_title(stage)), "yellow")
    raise typer.Exit(1)


@app.command("markers")
def markers(
    deal: str = DealArg,
    check: list[str] = typer.Option(None, "--check", help=N_("Tick this marker (key, label or number); repeatable.")),
    uncheck: list[str] = typer.Option(None, "--uncheck", help=N_("Untick this marker; repeatable.")),
    stage: str = typer.Option(
        None, "--stage", help=N_("Another stage of the deal's playbook (default: its current one).")
    ),
    as_json: bool = JsonOpt,
) -> None:
    """List the progress markers of a deal's stage with ticks; tick or untick them (a checklist on a terminal)."""
    from salesdiary.cli.common import journal
    from salesdiary.cli.state import can_prompt

    j = journal()
    found = j.deals.progress(deal, stage)
    deal_id, st = int(found.deal["id"]), found.stage
    if check or uncheck:
        _change_markers(deal_id, st, check or [], uncheck or [])
        found = j.deals.progress(deal_id, st.key)
    elif can_prompt() and not as_json:
        _guided_markers(deal_id, st, set(found.ticked))
        found = j.deals.progress(deal_id, st.key)
    _print_markers(found, as_json=as_json)


def _change_markers(deal_id: int, st: Any, check: list[str], uncheck: list[str]) -> None:
    from salesdiary.cli.common import done, journal
    from salesdiary.core.errors import BadInput
    from salesdiary.render.console import message

    ticks = [st.marker(k).key for k in check]
    unticks = [st.marker(k).key for k in uncheck]
    both = sorted(set(ticks) & set(unticks))
    if both:
        raise BadInput(_("Marker {key} is both in --check and --uncheck.").format(key=both[0]))
    added, removed = journal().deals.markers(deal_id, tick=ticks, untick=unticks, stage=st.key)
    labels = {m.key: str(m.label) for m in st.markers}
    for key in added:
        done(_("Ticked: {marker}").format(marker=labels[key]))
    for key in removed:
        done(_("Unticked: {marker}").format(marker=labels[key]))
    if not added and not removed:
        message(_("Nothing changed."))


def _guided_markers(deal_id: int, st: Any, ticked: set[str]) -> None:
    from salesdiary.cli.common import done, guided, journal
    from salesdiary.prompts import ask
    from salesdiary.prompts.progress import edit_markers
    from salesdiary.render.console import message

    labels = {m.key: str(m.label) for m in st.markers}
    with guided():
        changes = edit_markers(_say, st, ticked)
        if not changes.tick and not changes.untick:
            message(_("Nothing changed."))
            return
        for key in changes.tick:
            _say(_("  ✓ now met: {marker}").format(marker=labels[key]))
        for key in changes.untick:
            _say(_("  ✗ no longer met: {marker}").format(marker=labels[key]))
        if not ask.confirm(_("Save these changes?"), default=True):
            message(_("Not saved; nothing was written."))
            raise typer.Exit(1)
    journal().deals.markers(deal_id, tick=changes.tick, untick=changes.untick, stage=st.key)
    done(_("Saved the markers of deal #{id}.").format(id=deal_id))


def _print_markers(found: Any, *, as_json: bool) -> None:
    """Draw the StageProgress Journal.deals.progress() gives (or print its JSON)."""
    from salesdiary.render.console import message, out
    from salesdiary.render.tables import Column, print_table

    row, book, st, ticked = found.deal, found.playbook, found.stage, found.ticked
    rows = found.as_json()
    if as_json:
        from salesdiary.render.data import print_json_rows

        print_json_rows(rows)
        return
    out().print(
        _("Deal #{id} {name} — stage {stage}").format(id=row["id"], name=row["name"], stage=_title(st)),
        markup=False,
        style="bold",
    )
    out().print(_("Goal: {goal}").format(goal=st.goal), markup=False)
    columns = [
        Column("", lambda m: "✓" if m["met"] else "·", justify="center"),
        Column(_("#"), lambda m: m["number"], justify="right", style="dim"),
        Column(_("Marker"), lambda m: m["label"], max_width=70),
        Column(_("Needed"), lambda m: "*" if m["required"] else "", justify="center"),
        Column(_("Key"), lambda m: m["key"], style="dim"),
        Column(_("Met on"), lambda m: m["met_on"], no_wrap=True),
    ]
    print_table(rows, columns, empty=_("This stage has no markers."))
    needed = [m for m in st.markers if m.required]
    missing = _unmet(st, ticked)
    if st.key != row["stage"]:
        return
    if not missing:
        if book.next_stage(st) is not None:
            message(_("Every needed marker is met: sd deal advance {id}").format(id=row["id"]), "green")
    else:
        message(
            _("{met} of {total} needed markers met (* = needed to leave the stage).").format(
                met=len(needed) - len(missing), total=len(needed)
            )
        )
