"""Drawing a playbook for `sd playbook show`: its stages, probabilities, goals, markers and tips."""

from __future__ import annotations

from typing import Any

from salesdiary.i18n import _


def print_playbook(book: Any, stages: list[Any], *, tips: bool) -> None:
    """BOOK's STAGES, each with its goal and markers (TIPS: and its tips)."""
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
