"""sd playbook: the sales methods deals follow — stages, probabilities, goals, markers and tips."""

from __future__ import annotations

from typing import Any

import typer

from salesdiary.cli.common import JsonOpt
from salesdiary.i18n import N_, _

app = typer.Typer(help=N_("Playbooks: the sales methods your deals follow, stage by stage."), no_args_is_help=True)


def _default() -> str:
    from salesdiary.core.playbook import playbook_key
    from salesdiary.store.paths import config_value

    return playbook_key(str(config_value("playbook", "ten_step")))


@app.command("list")
def list_(as_json: bool = JsonOpt) -> None:
    """List the playbooks: those shipped with sd and your own (in the config folder's playbooks/)."""
    from salesdiary.core.errors import SdError
    from salesdiary.core.playbook import builtin_dir, load_file, playbook_paths
    from salesdiary.render.console import error_line
    from salesdiary.store.paths import config_dir

    default = _default()
    rows, broken = [], 0
    paths = playbook_paths(config_dir())
    for name in sorted(paths, key=lambda n: (n != default, n)):
        try:
            book = load_file(paths[name])
        except SdError as exc:
            error_line(exc.message)
            broken += 1
            continue
        rows.append(
            {
                "name": book.name,
                "label": str(book.label),
                "label_en": book.label.en,
                "label_zh": book.label.zh,
                "stages": len(book.stages),
                "markers": sum(len(s.markers) for s in book.stages),
                "default": book.name == default,
                "builtin": paths[name].parent == builtin_dir(),
                "source": book.source,
                "path": str(paths[name]),
            }
        )
    if as_json:
        from salesdiary.render.data import print_json_rows

        print_json_rows(rows)
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
    if broken:
        raise typer.Exit(1)


@app.command("show")
def show(
    name: str = typer.Argument(None, help=N_("Playbook name (default: the one new deals follow).")),
    stage: str = typer.Option(None, "--stage", help=N_("Only this stage (key, number or label), with its tips.")),
    tips: bool = typer.Option(False, "--tips", help=N_("Also print the operating tips of every stage.")),
    as_json: bool = JsonOpt,
) -> None:
    """Show a playbook's stages with win probabilities, goals and progress markers (* = needed to leave)."""
    from salesdiary.core.playbook import load_playbook
    from salesdiary.store.paths import config_dir

    book = load_playbook(name or _default(), config_dir())
    stages = [book.stage(stage)] if stage else list(book.stages)
    if as_json:
        from salesdiary.render.data import print_json

        print_json(_as_json(book, stages))
        return
    _print(book, stages, tips=tips or bool(stage))


def _label(label: Any) -> dict[str, str]:
    return {"en": label.en, "zh": label.zh}


def _as_json(book: Any, stages: list[Any]) -> dict[str, Any]:
    return {
        "name": book.name,
        "label": _label(book.label),
        "source": book.source,
        "path": book.path,
        "stages": [
            {
                "key": s.key,
                "number": s.number,
                "probability": s.probability,
                "label": _label(s.label),
                "goal": _label(s.goal),
                "markers": [{"key": m.key, "required": m.required, **_label(m.label)} for m in s.markers],
                "tips": [_label(t) for t in s.tips],
            }
            for s in stages
        ],
    }


def _print(book: Any, stages: list[Any], *, tips: bool) -> None:
    from rich.markup import escape

    from salesdiary.render.console import out

    console = out()
    console.print(f"[bold]{escape(str(book.label))}[/] ({escape(book.name)})")
    if book.source:
        console.print(escape(_("Source: {source}").format(source=book.source)), style="dim")
    for s in stages:
        console.print()
        console.print(f"[bold]{s.number}. {escape(str(s.label))}[/]  {s.probability}%")
        console.print("   " + escape(_("Goal: {goal}").format(goal=s.goal)))
        if s.markers:
            console.print("   " + escape(_("Progress markers (* = needed to leave the stage):")))
        for m in s.markers:
            console.print(f"   {'*' if m.required else '-'} {escape(str(m.label))}  [dim]{m.key}[/]")
        if tips and s.tips:
            console.print("   " + escape(_("Tips:")))
            for t in s.tips:
                console.print("   • " + escape(str(t)))


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="playbook")
