"""Where `sd` leans on Typer's internals for speed: every shortcut in one place, with one switch.

Typer 0.29 is pinned (pyproject.toml): these shortcuts follow its internals, and the tests hold their output
equal to Typer's own. `SD_PLAIN_TYPER=1` turns every one of them off, so `sd` runs on Typer as shipped (CI
runs the command tests once that way): the output is the same, except the layout of help listings.

The shortcuts (what each saves is measured in bench/README.md, "Typer shortcuts"):
- fast_params.py: values that need no conversion skip pydantic (every command with parameters);
- before_building: a help listing builds its commands without their parameters (`sd --help`);
- listing.py, after_building: a help listing is drawn without importing typer.rich_utils (`sd --help`,
  `sd deal`), and `sd` / `sd deal` alone exit 2 after it without Typer's Rich error module;
- after_building: the root's --db/--lang/--dates are left out when a subcommand runs (`sd deal --help`).

Patches of Typer that are features rather than shortcuts stay on whatever the switch says: the texts in the
rep's language (cli/localise.py: usage lines, panel titles, usage errors; Chinese help wrapped between
characters) and the completion protocol that hands names to the shell as data (cli/completion.py).
"""

from __future__ import annotations

import os
from typing import Any


def plain() -> bool:
    """Whether the shortcuts are off (SD_PLAIN_TYPER set): `sd` runs on Typer as shipped."""
    return bool(os.environ.get("SD_PLAIN_TYPER"))


def install() -> None:
    """The process-wide shortcut (the fast parameter path), unless plain()."""
    if plain():
        return
    from salesdiary.cli.typer_compat.fast_params import install as skip_needless_conversions

    skip_needless_conversions()


def before_building(app: Any, args: list[str]) -> Any:
    """Before Typer builds the click tree: the group this run lists keeps only names and help (None: no
    listing this run, or plain())."""
    if plain():
        return None
    listed = _listed_group(app, args)
    if listed is not None:
        _keep_names_and_help(listed)
    return listed


def after_building(command: Any, args: list[str], listed: Any) -> None:
    """On the built click tree: the root's help-only options dropped when a subcommand runs; the listing drawn
    without typer.rich_utils."""
    if plain():
        return
    _drop_help_only_options(command, args)
    if listed is not None:
        _list_without_rich_utils(command, args)


def _listed_group(app, args: list[str]):  # noqa: ANN001, ANN202
    """The Typer group whose help lists its commands on this run (`sd`, `sd --help`, `sd deal -h`,
    `sd deal`), or None: a command's own help, a command that runs, or shell completion (which needs
    the commands whole). A group below APP is replaced in APP by a copy (command modules keep their
    Typer apps from run to run, e.g. in tests), and the copy is returned."""
    import copy

    if os.environ.get("_SD_COMPLETE"):
        return None
    path = args[:-1] if args and args[-1] in ("--help", "-h") else args
    node = app
    for word in path:
        names = [g.name or g.typer_instance.info.name for g in node.registered_groups]
        if word not in names:
            return None
        i = names.index(word)
        info = copy.copy(node.registered_groups[i])
        info.typer_instance = copy.copy(info.typer_instance)
        node.registered_groups = [*node.registered_groups[:i], info, *node.registered_groups[i + 1 :]]
        node = info.typer_instance
    return node


def _keep_names_and_help(group) -> None:  # noqa: ANN001
    """A group's help shows each command's name and help, not its options; building the options of
    every command (Typer inspects each parameter) is most of what a big Typer app adds to `--help`.
    So GROUP (a copy of its own: see _listed_group) lists copies of its commands that keep their name
    and help and lose their parameters, and copies of its subgroups without their commands."""
    import copy
    import inspect

    from typer.main import get_command_name

    def listed() -> None:
        """(a help listing does not run commands)"""

    commands = []
    for info in group.registered_commands:
        stub = copy.copy(info)
        stub.name = info.name or get_command_name(info.callback.__name__)
        stub.help = info.help if info.help is not None else inspect.getdoc(info.callback)
        stub.callback = listed
        commands.append(stub)
    group.registered_commands = commands
    subgroups = []
    for info in group.registered_groups:
        sub = copy.copy(info)
        sub.typer_instance = copy.copy(info.typer_instance)
        sub.typer_instance.registered_commands = []
        sub.typer_instance.registered_groups = []
        subgroups.append(sub)
    group.registered_groups = subgroups


def _list_without_rich_utils(command, args: list[str]) -> None:  # noqa: ANN001
    """The group this run lists draws its help with cli/listing (same output as Typer's, without the
    ~60 ms import of typer.rich_utils), when it can."""
    import types

    from salesdiary.cli.typer_compat.listing import can_list, format_listing

    group = command
    for word in args:
        if word in ("--help", "-h"):
            break
        group = getattr(group, "commands", {}).get(word)
        if group is None:
            return
    if hasattr(group, "commands") and can_list(group):
        group.format_help = types.MethodType(lambda self, ctx, formatter: format_listing(self, ctx), group)
        group.parse_args = types.MethodType(_listing_when_no_args(group.parse_args), group)


def _listing_when_no_args(parse_args):  # noqa: ANN001, ANN202
    """`sd` and `sd deal` alone print the listing and exit 2, as Typer does (click raises NoArgsIsHelpError,
    whose making prints the help); Typer then imports its Rich error module only to print nothing more for it.
    Exit 2 straight away instead."""

    def parse(self, ctx, args):  # noqa: ANN001, ANN202
        if not args and self.no_args_is_help and not ctx.resilient_parsing:
            from typer import Exit

            ctx.get_help()  # draws the listing (format_listing)
            raise Exit(2)
        return parse_args(ctx, args)

    return parse


def _drop_help_only_options(command, args: list[str]) -> None:  # noqa: ANN001
    """--db, --lang and --dates never reach Typer (split_globals takes them out first); on the root command they
    are there to be listed by `sd --help`. When a subcommand runs, leave them out: Typer would convert
    their empty values through pydantic (~70 ms, e.g. on every `sd deal --help`) for nothing."""
    if args and args[0] in getattr(command, "commands", {}):
        command.params = [p for p in command.params if p.name not in ("db", "lang", "dates")]
