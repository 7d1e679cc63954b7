"""Typer's own words in the rep's language: usage lines, panel titles, types, usage errors.

Our texts go through `_()` where they are written. What Typer prints by itself
(`Usage:`, `Options`, `Show this message and exit.`, `Missing argument 'deal'.`,
`<str>`) is English in the library, so `localise(command)` translates it on the
click command tree `cli.app` builds, just before it runs:

- command help texts taken from docstrings are looked up in the catalog
  (`scripts/i18n.py` extracts them from the built app);
- argument names shown in usage lines and errors get their Chinese name
  (context "argument" in the catalog);
- Typer's panel titles and markers, the `Usage:` prefix, the help option's text
  and the type labels are translated when they are printed;
- usage errors are recognised by their English wording and re-worded
  (`USAGE_ERRORS`); an error not recognised stays as Typer wrote it.

In English every step leaves the text as it was. The hooks are installed once
per process and look the language up each time they run, so a process that
changes language (tests running `sd` in-process) stays consistent.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from salesdiary.i18n import N_, _, current_language, pgettext

# Typer's module-level texts in typer.rich_utils, set again before each run.
RICH_TEXTS = {
    "DEPRECATED_STRING": N_("(deprecated) "),
    "DEFAULT_STRING": N_("[default: {}]"),
    "ENVVAR_STRING": N_("[env var: {}]"),
    "REQUIRED_LONG_STRING": N_("[required]"),
    "ARGUMENTS_PANEL_TITLE": N_("Arguments"),
    "OPTIONS_PANEL_TITLE": N_("Options"),
    "COMMANDS_PANEL_TITLE": N_("Commands"),
    "ERRORS_PANEL_TITLE": N_("Error"),
    "ABORTED_TEXT": N_("Aborted."),
    "RICH_HELP": N_("Try [blue]'{command_path} {help_option}'[/] for help."),
}
USAGE_PREFIX = N_("Usage: ")
OPTIONS_METAVAR = N_("[OPTIONS]")
SUBCOMMAND_METAVAR = N_("COMMAND [ARGS]...")
HELP_OPTION_HELP = N_("Show this message and exit.")


def typer_text(key: str) -> str:
    """One of Typer's Rich texts (RICH_TEXTS) in the chosen language."""
    return _(RICH_TEXTS[key])


def type_names() -> dict[str, str]:
    """Type labels Typer shows beside options (`<str>`), in the chosen language."""
    return {
        "str": pgettext("type", "str"),
        "int": pgettext("type", "int"),
        "float": pgettext("type", "float"),
        "bool": pgettext("type", "bool"),
        "int range": pgettext("type", "int range"),
        "float range": pgettext("type", "float range"),
        "datetime": pgettext("type", "datetime"),
        "path": pgettext("type", "path"),
        "file": pgettext("type", "file"),
        "directory": pgettext("type", "directory"),
        "list": pgettext("type", "list"),
    }


# Typer's usage errors, by their English wording: (pattern, message template).
# Named groups fill the template; a group called `problem` is translated too.
USAGE_ERRORS: tuple[tuple[str, str], ...] = (
    (
        r"No such command (?P<name>'.*')\. Did you mean (?P<suggestions>.+)\?",
        N_("No such command {name}. Did you mean {suggestions}?"),
    ),
    (r"No such command (?P<name>'.*')\.", N_("No such command {name}.")),
    (r"Missing command\.", N_("Missing command.")),
    (
        r"No such option: (?P<name>\S+) \(Possible options: (?P<options>.+)\)",
        N_("No such option: {name} (possible options: {options})"),
    ),
    (r"No such option: (?P<name>.+)", N_("No such option: {name}")),
    (r"Missing argument (?P<name>.+?)\.", N_("Missing argument {name}.")),
    (r"Missing option (?P<name>.+?)\.", N_("Missing option {name}.")),
    (r"Missing parameter:? (?P<name>.+?)\.?", N_("Missing parameter {name}.")),
    (r"Got unexpected extra argument(?:\(s\)|s)? \((?P<args>.*)\)", N_("Got unexpected extra argument(s) ({args})")),
    (r"Option (?P<name>'.+') requires an argument\.", N_("Option {name} requires a value.")),
    (r"Option (?P<name>'.+') requires (?P<n>\d+) arguments\.", N_("Option {name} requires {n} values.")),
    (r"Option (?P<name>'.+') does not take a value\.", N_("Option {name} does not take a value.")),
    (r"Argument (?P<name>'.+') takes (?P<n>\d+) values\.", N_("Argument {name} takes {n} values.")),
    (r"Invalid value for (?P<name>.+?): (?P<problem>.+)", N_("Invalid value for {name}: {problem}")),
    (r"Invalid value: (?P<problem>.+)", N_("Invalid value: {problem}")),
    (r"Value (?P<value>.+) is not a valid (?P<type>\w+)\.", N_("Value {value} is not a valid {type}.")),
)
# What pydantic says about a value Typer could not convert (the `problem` above).
VALUE_PROBLEMS: tuple[tuple[str, str], ...] = (
    (r"Input should be a valid integer, unable to parse string as an integer", N_("a whole number is needed")),
    (r"Input should be a valid integer, got a number with a fractional part", N_("a whole number is needed")),
    (r"Input should be a valid integer.*", N_("a whole number is needed")),
    (r"Input should be a valid number.*", N_("a number is needed")),
    (r"Input should be a valid boolean.*", N_("yes or no is needed")),
    (r"Input should be a valid date.*", N_("a date is needed")),
    (r"Input should be greater than or equal to (?P<n>\S+)", N_("it must be at least {n}")),
    (r"Input should be greater than (?P<n>\S+)", N_("it must be more than {n}")),
    (r"Input should be less than or equal to (?P<n>\S+)", N_("it must be at most {n}")),
    (r"Input should be less than (?P<n>\S+)", N_("it must be less than {n}")),
)


def localise(command: Any) -> Any:
    """Translate the click command tree COMMAND (built by Typer) in place; return it."""
    _install()
    # typer.rich_utils (Rich help and error panels, with rich.markdown) costs ~50 ms to import; a command
    # that prints neither never loads it, so its texts are set when Typer first imports it.
    _when_imported("typer.rich_utils", _localise_rich_utils)
    chinese = current_language() != "en"
    for cmd in walk(command):
        if chinese:
            for field in ("help", "short_help", "epilog"):
                text = getattr(cmd, field, None)
                if text:
                    setattr(cmd, field, _(text))
        if cmd.options_metavar:
            cmd.options_metavar = _(OPTIONS_METAVAR)
        if hasattr(cmd, "subcommand_metavar"):
            cmd.subcommand_metavar = _(SUBCOMMAND_METAVAR)
        for param in cmd.params:
            # option and argument help is given to Typer in English (N_) when the modules are imported, and
            # put into the chosen language here, on the tree built for this run, as the command help above
            if chinese and getattr(param, "help", None):
                param.help = _(param.help)
            if param.param_type_name == "argument" and param.metavar is None:
                # Typer 0.29 shows an argument as `{name}`; usage lines and errors name it NAME (or in Chinese)
                param.metavar = pgettext("argument", param.name) if chinese else param.name.upper()
    return command


def walk(command: Any) -> Iterator[Any]:
    """COMMAND and every command below it, hidden ones included."""
    yield command
    for sub in getattr(command, "commands", {}).values():
        yield from walk(sub)


def translate_error(message: str) -> str:
    """A usage error Typer wrote in English, in the chosen language (in English, pydantic's wording of a bad
    value — 'Input should be a valid integer, unable to parse…' — becomes the rep's: 'a whole number is needed')."""
    return _reword(message, USAGE_ERRORS)


def _reword(message: str, table: tuple[tuple[str, str], ...]) -> str:
    for pattern, template in table:
        found = re.fullmatch(pattern, message.strip(), flags=re.S)
        if found:
            values = found.groupdict()
            if "problem" in values:
                values["problem"] = _reword(values["problem"], VALUE_PROBLEMS)
            return _(template).format(**values)
    return message


def translate_type(label: str) -> str:
    """A type label such as `<str>` or `<int range>` in the chosen language."""
    if current_language() == "en" or not (label.startswith("<") and label.endswith(">")):
        return label

    names = type_names()

    def word(found: re.Match[str]) -> str:
        return names.get(found.group(), found.group())

    return "<" + re.sub(r"[a-z]+(?: range)?", word, label[1:-1]) + ">"


def _install() -> None:
    """Hook the places where Typer prints fixed English text (once per process: the
    mark is kept on Typer's module, as this module is imported again when the language changes)."""
    from typer import core
    from typer._click import decorators, formatting

    if getattr(core, "_salesdiary_localised", False):
        return
    core._salesdiary_localised = True  # type: ignore[attr-defined]

    write_usage = formatting.HelpFormatter.write_usage

    def localised_write_usage(self: Any, prog: str, args: str = "", prefix: str | None = None) -> None:
        write_usage(self, prog, args, _(USAGE_PREFIX) if prefix is None else prefix)

    formatting.HelpFormatter.write_usage = localised_write_usage  # type: ignore[method-assign]

    help_option = decorators.help_option

    def localised_help_option(param_decls: list[str]) -> Any:
        add = help_option(param_decls)

        def decorator(command: Any) -> Any:
            command = add(command)
            command.params[-1].help = _(HELP_OPTION_HELP)
            # An absent flag is False; as a bool it skips Typer's pydantic conversion, which would
            # otherwise import pydantic (~70 ms) for the parent group of every `sd GROUP --help`.
            command.params[-1].default = False
            return command

        return decorator

    decorators.help_option = localised_help_option

    display_type = core._TyperParameter.display_type

    def localised_display_type(self: Any, ctx: Any) -> str:
        label = display_type(self, ctx)
        if getattr(self.type_descriptor, "is_choice", False):
            return label
        return translate_type(label)

    core._TyperParameter.display_type = localised_display_type  # type: ignore[method-assign]


def _localise_rich_utils(rich_utils: Any) -> None:
    """Typer's Rich texts in the chosen language, and its usage errors re-worded (hooked once)."""
    for attribute, text in RICH_TEXTS.items():
        setattr(rich_utils, attribute, _(text))
    if getattr(rich_utils, "_salesdiary_localised", False):
        return
    rich_utils._salesdiary_localised = True

    # Rich wraps at spaces; a Chinese sentence has none, so in Typer's help tables it would be cut
    # off with "…". Folding lets it break between characters instead.
    command_help = rich_utils._make_command_help

    def folding_command_help(**kwargs: Any) -> Any:
        return fold_text(command_help(**kwargs))

    rich_utils._make_command_help = folding_command_help

    parameter_help = rich_utils._get_parameter_help

    def folding_parameter_help(**kwargs: Any) -> Any:
        columns = parameter_help(**kwargs)
        for item in getattr(columns, "renderables", ()):
            fold_text(item)
        return columns

    rich_utils._get_parameter_help = folding_parameter_help
    _wrap_between_chinese_characters()

    def localised_format_error(error: Any) -> None:
        """A usage error in sd's one error style (one line, `sd: error: …`, as every other error), re-worded in
        the rep's language, with where to find help — instead of Typer's usage line and boxed panel."""
        from salesdiary.render.console import error_line

        if error.__class__.__name__ == "NoArgsIsHelpError":  # the help was printed: nothing to add (as Typer)
            return
        text = _("sd: error: ") + translate_error(error.format_message())
        ctx = getattr(error, "ctx", None)
        if ctx is not None:
            text += " " + _("(see '{command} -h')").format(command=ctx.command_path)
        error_line(text)

    rich_utils.rich_format_error = localised_format_error


def _when_imported(name: str, apply: Any) -> None:
    """APPLY(module) now if module NAME is loaded, else right after its first import (a one-shot finder)."""
    import sys

    module = sys.modules.get(name)
    if module is not None:
        apply(module)
        return
    for finder in sys.meta_path:
        if getattr(finder, "salesdiary_after_import", None) == name:
            waiting: Any = finder  # an _AfterImport, perhaps made by an earlier import of this module
            waiting.apply = apply  # already waiting: use this (re-imported) module's function
            return
    sys.meta_path.insert(0, _AfterImport(name, apply))


class _AfterImport:
    """Finds nothing itself: lets the usual finders load NAME, then calls APPLY on the new module."""

    def __init__(self, name: str, apply: Any) -> None:
        self.salesdiary_after_import = name
        self.apply = apply

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        if fullname != self.salesdiary_after_import:
            return None
        import importlib.util
        import sys

        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(fullname)
        if spec is None or spec.loader is None:
            return spec
        loader, apply = spec.loader, self.apply
        exec_module = loader.exec_module

        def exec_then_apply(module: Any) -> None:
            exec_module(module)
            apply(module)

        loader.exec_module = exec_then_apply  # type: ignore[method-assign]
        return spec


def fold_text(renderable: Any) -> Any:
    """RENDERABLE, a Rich Text, set to break anywhere when too long (Chinese has no spaces to wrap at)."""
    from rich.text import Text

    if isinstance(renderable, Text):
        renderable.overflow = "fold"
    return renderable


# Where a line of help may break in Chinese: between two characters, but not before closing punctuation (，。、）…)
# nor after opening punctuation (（“…); a run of Latin letters ("demo", "--playbook") is one word, never cut.
_HAN = "\u2e80-\u2fff\u3040-\u30ff\u3100-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CLOSING = "，。、：；！？）」』】〉》”’…·％\uff0c\uff0e\uff1a\uff1b\uff01\uff1f\uff09"
_OPENING = "（「『【〈《“‘\uff08"
_FULL = _HAN + _CLOSING + _OPENING + "\u3000-\u303f\uff00-\uffef"
_WORD = re.compile(rf"\s*[{_OPENING}]*(?:[{_HAN}]|[{_CLOSING}{_OPENING}]|[^\s{_FULL}]+)[{_CLOSING}]*\s*")


def _wrap_between_chinese_characters() -> None:
    """Rich wraps a line only at spaces, and folds a longer "word" at any cell: a Chinese help sentence (one
    "word") was cut inside the Latin words it holds ("de|mo", "pro|posal"). While Typer draws help (this runs
    once typer.rich_utils is imported, which only help and usage errors do), Rich's line breaking treats each
    Chinese character as a word of its own. Text without Chinese is wrapped by Rich's own function, unchanged."""
    import rich.text

    original = rich.text.divide_line
    if getattr(original, "salesdiary", False):
        return

    def divide_line(text: str, width: int, fold: bool = True) -> list[int]:
        if not re.search(f"[{_FULL}]", text):
            return original(text, width, fold)
        return _divide(text, width, fold)

    divide_line.salesdiary = True  # type: ignore[attr-defined]
    rich.text.divide_line = divide_line


def _divide(text: str, width: int, fold: bool) -> list[int]:
    """Rich's `divide_line` (rich/_wrap.py) with Chinese-aware words (_WORD): offsets to break TEXT at."""
    from rich.cells import cell_len, chop_cells

    breaks: list[int] = []
    offset = 0
    position = 0
    while (found := _WORD.match(text, position)) is not None and found.end() > position:
        start, end = found.span()
        word = found.group(0)
        position = end
        length = cell_len(word.rstrip())
        if width - offset >= length:
            offset += cell_len(word)
        elif length > width:
            if fold:
                pieces = chop_cells(word, width=width)
                for i, piece in enumerate(pieces):
                    if start:
                        breaks.append(start)
                    if i == len(pieces) - 1:
                        offset = cell_len(piece)
                    else:
                        start += len(piece)
            else:
                if start:
                    breaks.append(start)
                offset = cell_len(word)
        elif offset and start:
            breaks.append(start)
            offset = cell_len(word)
    return breaks
