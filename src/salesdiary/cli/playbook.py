"""sd playbook: the sales methods deals follow — stages, probabilities, goals, markers and tips."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from salesdiary.cli.common import JsonOpt
from salesdiary.i18n import N_, _

if TYPE_CHECKING:
    from salesdiary.journal_config import Playbooks

app = typer.Typer(help=N_("Playbooks: the sales methods your deals follow, stage by stage."), no_args_is_help=True)


def _playbooks() -> Playbooks:
    """The playbooks API without the journal: playbooks live in the package and the config folder."""
    from salesdiary.journal_config import Playbooks

    return Playbooks()


@app.command("list")
def list_(as_json: bool = JsonOpt) -> None:
    """List the playbooks: those shipped with sd and your own (in the config folder's playbooks/)."""
    from salesdiary.render.console import error_line

    found = _playbooks().list()
    for problem in found.problems:
        error_line(problem)
    rows = found.rows
    if as_json:
        from salesdiary.render.data import print_json_rows

        print_json_rows(found.as_json())
    else:
        from salesdiary.render.tables import Column, print_table

        print_table(
            rows,
            [
                Column(_("Name"), lambda r: r["name"] + (" *" if r["default"] else ""), style="bold"),
                Column(_("Method"), lambda r: r["label"]),
                Column(_("Stages"), lambda r: r["stages"], justify="right"),
                Column(_("Markers"), lambda r: r["markers"], justify="right"),
                Column(_("From"), lambda r: _("shipped with sd") if r["builtin"] else r["path"]),
            ],
            empty=_("No playbooks found."),
        )
        if rows:
            from salesdiary.render.console import message

            message(_("* = the default for new deals (set `playbook` in the config file to change it)."))
    if found.problems:
        raise typer.Exit(1)


@app.command("show")
def show(
    name: str = typer.Argument(None, help=N_("Playbook name (default: the one new deals follow).")),
    stage: str = typer.Option(None, "--stage", help=N_("Only this stage (key, number or label), with its tips.")),
    tips: bool = typer.Option(False, "--tips", help=N_("Also print the operating tips of every stage.")),
    as_json: bool = JsonOpt,
) -> None:
    """Show a playbook's stages with win probabilities, goals and progress markers (* = needed to leave)."""
    found = _playbooks().show(name, stage=stage)
    if as_json:
        from salesdiary.render.data import print_json

        print_json(found.as_json())
        return
    from salesdiary.render.playbooks import print_playbook

    print_playbook(found.book, found.stages, tips=tips or bool(stage))


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="playbook")
