"""Help listings (`sd`, `sd --help`, `sd deal -h`) drawn without Typer's Rich help module.

Typer draws help with `typer.rich_utils`, whose import (it brings rich.markdown, markdown-it and
rich.traceback) costs ~60 ms — more than everything else `sd --help` does. A group's listing is simple
(usage, the group's help, its options, its commands), so `format_listing` draws it here with the same
Rich pieces, styles and layout as Typer: a test holds the two outputs equal for every group, in both
languages, with and without colour. Anything Typer would add that a listing here does not know how to
draw (arguments, option defaults or environment variables, deprecated commands, help panels) makes
`can_list` false, and Typer draws that help itself.
"""

from __future__ import annotations

import inspect
from typing import Any

# typer.rich_utils' styles (Typer 0.29), kept identical.
_THEME = {
    "option": "bold cyan",
    "switch": "bold green",
    "negative_option": "bold magenta",
    "negative_switch": "bold red",
    "types": "bold yellow",
    "types_sep": "dim",
    "usage": "yellow",
}
_STYLE_USAGE_COMMAND = "bold"
_STYLE_HELPTEXT = "dim"
_STYLE_REQUIRED_SHORT = "red"
_STYLE_REQUIRED_LONG = "dim red"
_STYLE_PANEL_BORDER = "dim"
_STYLE_COMMAND_NAME = "bold cyan"


def can_list(group: Any) -> bool:
    """Whether `format_listing` draws GROUP's help exactly as Typer would."""
    if getattr(group, "deprecated", False) or getattr(group, "epilog", None):
        return False
    if getattr(group, "rich_markup_mode", "rich") != "rich":
        return False
    for param in group.params:
        if getattr(param, "hidden", False):
            continue
        if param.param_type_name != "option" or getattr(param, "rich_help_panel", None):
            return False
        if param.secondary_opts or getattr(param, "envvar", None) is not None:
            return False
        if getattr(param, "allow_from_autoenv", None) and getattr(group.context_settings, "get", dict[str, Any]().get)(
            "auto_envvar_prefix"
        ):
            return False
        if getattr(param, "_get_number_range_help_str", lambda: None)():
            return False
    for command in group.commands.values():
        if command.deprecated or getattr(command, "rich_help_panel", None):
            return False
    return True


def format_listing(group: Any, ctx: Any) -> None:
    """Print GROUP's help (usage, help text, options, commands) as Typer's Rich help does."""
    import os

    from rich.console import Console
    from rich.highlighter import RegexHighlighter
    from rich.padding import Padding
    from rich.text import Text
    from rich.theme import Theme

    from salesdiary.cli.localise import fold_text as fold
    from salesdiary.cli.localise import typer_text

    class OptionHighlighter(RegexHighlighter):
        highlights = [
            r"(^|\W)(?P<switch>\-\w+)(?![a-zA-Z0-9])",
            r"(^|\W)(?P<option>\-\-[\w\-]+)(?![a-zA-Z0-9])",
            r"(?P<types>\<[^\>]+\>)",
            r"(?P<usage>Usage: )",
        ]

    class TypesHighlighter(RegexHighlighter):
        highlights = [r"^(?P<types_sep>(\[|<))", r"(?P<types_sep>\|)", r"(?P<types_sep>(\]|>))(\.\.\.)?$"]

    highlighter = OptionHighlighter()
    width = os.environ.get("TERMINAL_WIDTH")
    force = True if any(os.environ.get(k) for k in ("GITHUB_ACTIONS", "FORCE_COLOR", "PY_COLORS")) else None
    if os.environ.get("_TYPER_FORCE_DISABLE_TERMINAL"):
        force = False
    console = Console(
        theme=Theme(_THEME),
        highlighter=highlighter,
        color_system="auto",
        force_terminal=force,
        width=int(width) if width else None,
    )

    def rich_text(text: str, style: str = "") -> Any:
        text = inspect.cleandoc(text)
        if "\033[" in text:
            return highlighter(Text.from_ansi(text, style=style))
        return highlighter(Text.from_markup(text, style=style))

    console.print(Padding(highlighter(group.get_usage(ctx)), 1), style=_STYLE_USAGE_COMMAND)
    if group.help:
        _print_help_text(console, group.help, rich_text)
    options = [p for p in group.get_params(ctx) if not getattr(p, "hidden", False)]
    if options:
        _print_options(console, ctx, options, typer_text("OPTIONS_PANEL_TITLE"), rich_text, fold, TypesHighlighter())
    commands = [group.commands[name] for name in group.list_commands(ctx)]
    commands = [c for c in commands if c is not None and not c.hidden]
    if commands:
        _print_commands(console, commands, typer_text("COMMANDS_PANEL_TITLE"), rich_text, fold)


def _print_help_text(console: Any, help_text: str, rich_text: Any) -> None:
    from rich.align import Align
    from rich.console import Group
    from rich.padding import Padding
    from rich.text import Text

    first, *rest = inspect.cleandoc(help_text).partition("\f")[0].split("\n\n")
    if not first.startswith("\b"):
        first = first.replace("\n", " ")
    parts = [rich_text(first.strip())]
    if rest:
        parts += [Text(""), rich_text("\n\n".join(rest), _STYLE_HELPTEXT)]
    console.print(Padding(Align(Group(*parts), pad=False), (0, 1, 1, 1)))


def _print_options(
    console: Any, ctx: Any, params: list[Any], title: str, rich_text: Any, fold: Any, types_highlighter: Any
) -> None:
    from rich.columns import Columns
    from rich.panel import Panel
    from rich.text import Text

    from salesdiary.cli.localise import typer_text

    highlighter = console.highlighter
    rows = []
    required = []
    for param in params:
        longs = [o for o in param.opts if "--" in o]
        shorts = [o for o in param.opts if "--" not in o]
        types = Text(style="bold yellow", overflow="fold")
        shown = param.display_type_rich(ctx=ctx)
        if shown is not None:
            types.append(shown)
        items = []
        if param.help:
            paragraphs = [
                x.replace("\n", " ").strip() if not x.startswith("\b") else "{}\n".format(x.strip("\b\n"))
                for x in param.help.split("\n\n")
            ]
            items.append(rich_text("\n".join(paragraphs).strip()))
        default_value = param._extract_default_help_str(ctx=ctx)
        show_default_is_str = isinstance(param.show_default, str)
        if show_default_is_str or (default_value is not None and (param.show_default or ctx.show_default)):
            shown_default = param._get_default_string(
                ctx=ctx, show_default_is_str=show_default_is_str, default_value=default_value
            )
            if shown_default:
                items.append(Text(typer_text("DEFAULT_STRING").format(shown_default), style="dim"))
        if param.required:
            items.append(Text(typer_text("REQUIRED_LONG_STRING"), style=_STYLE_REQUIRED_LONG))
        for item in items:
            fold(item)
        required.append(Text("*", style=_STYLE_REQUIRED_SHORT) if param.required else "")
        rows.append(
            [
                highlighter(",".join(longs)),
                highlighter(",".join(shorts)),
                Text(""),
                Text(""),
                types_highlighter(types),
                Columns(items),
            ]
        )
    if any(required):
        rows = [[mark, *row] for mark, row in zip(required, rows, strict=True)]
    table = _panel_table(highlight=True)
    for row in rows:
        table.add_row(*row)
    console.print(Panel(table, border_style=_STYLE_PANEL_BORDER, title=title, title_align="left"))


def _panel_table(*, highlight: bool) -> Any:
    """The borderless table inside a help panel (typer.rich_utils' STYLE_*_TABLE_* settings)."""
    from rich.table import Table

    return Table(
        highlight=highlight,
        show_header=False,
        expand=True,
        box=None,
        show_lines=False,
        leading=0,
        border_style=None,
        row_styles=None,
        pad_edge=False,
        padding=(0, 1),
    )


def _print_commands(console: Any, commands: list[Any], title: str, rich_text: Any, fold: Any) -> None:
    from rich.panel import Panel
    from rich.text import Text

    table = _panel_table(highlight=False)
    table.add_column(style=_STYLE_COMMAND_NAME, no_wrap=True, width=max(len(c.name or "") for c in commands))
    table.add_column("Description", justify="left", no_wrap=False, ratio=10)
    for command in commands:
        paragraphs = inspect.cleandoc(command.short_help or command.help or "").split("\n\n")
        if paragraphs[0].startswith("\b"):
            paragraphs[0] = paragraphs[0].replace("\b\n", "")
        table.add_row(Text(command.name or ""), fold(rich_text(paragraphs[0].strip())))
    console.print(Panel(table, border_style=_STYLE_PANEL_BORDER, title=title, title_align="left"))
