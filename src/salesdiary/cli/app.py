"""The `sd` command: global options, the command tree, and the one exit point.

Global options (--db, --lang, --no-input, --debug) may stand before or after
the subcommand; they are taken out of the argument list before Typer parses
it, so that the language is set before any help text is built. Errors a user
can cause become one line on stderr and an exit code (CLI.md); a traceback is
shown only with --debug.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Sequence

# Each module has register(app); the order is the order of `sd --help`.
COMMAND_MODULES = (
    "account",
    "contact",
    "deal",
    "visit",
    "log",
    "followup",  # the journal
    "reports",
    "coach",  # sd next
    "forecast",
    "receivable",
    "qualify",
    "playbook",  # the method and what it shows
    "data",  # data in and out
    "history",  # what changed, undo and redo
    "backups",  # backups, restore, doctor
    "db",  # the database, settings, completion, the demo
    "config",
    "completion",
    "demo",
)
# Top-level commands registered by a module of another name (see modules_for).
COMMAND_HOME = {
    **dict.fromkeys(("due", "today", "overdue", "funnel", "check", "map", "report"), "reports"),
    **dict.fromkeys(("export", "import"), "data"),
    "next": "coach",
    **dict.fromkeys(("redo", "undo"), "history"),
    **dict.fromkeys(("backup", "doctor", "restore"), "backups"),
}
GLOBAL_VALUE_OPTIONS = ("--db", "--lang", "--dates")
# Commands that run with a config file that cannot be read: they are how it gets repaired or diagnosed.
CONFIG_REPAIRS = ("config", "doctor", "completion")
GLOBAL_FLAGS = ("--no-input", "--no-pager", "--debug")
# Commands whose output may run over a screen: on a terminal it goes through a pager (render/pager.py).
PAGED = {"history", "playbook show", "check", "account list", "contact list", "deal list", "visit list",
         "followup list", "receivable list", "map", "report"}  # fmt: skip


def split_globals(argv: Sequence[str]) -> tuple[dict[str, str | bool], list[str]]:
    """Take the global options out of ARGV (up to a `--`), wherever they stand."""
    found: dict[str, str | bool] = {}
    rest: list[str] = []
    i = 0
    args = list(argv)
    while i < len(args):
        arg = args[i]
        if arg == "--":
            rest.extend(args[i:])
            break
        name, eq, value = arg.partition("=")
        if name in GLOBAL_VALUE_OPTIONS:
            if eq:
                found[name] = value
            elif i + 1 < len(args):
                found[name] = args[i + 1]
                i += 1
            else:
                found[name] = ""
        elif arg in GLOBAL_FLAGS:
            found[arg] = True
        else:
            rest.append(arg)
        i += 1
    return found, rest


def choose_language(cli_lang: str | None) -> str:
    from salesdiary.i18n import language_from_locale, normalise_language

    for candidate in (cli_lang, os.environ.get("SD_LANG")):
        lang = normalise_language(candidate)
        if lang:
            return lang
    try:
        from salesdiary.journal_target import config_value

        lang = normalise_language(str(config_value("language", "") or ""))
        if lang:
            return lang
    except Exception:  # a broken config file is reported by the command that reads it
        pass
    return language_from_locale() or "en"


def build_app(modules: Sequence[str] = COMMAND_MODULES):  # noqa: ANN201
    """The `sd` Typer app with the commands of MODULES (all of them by default)."""
    from importlib import import_module

    import typer

    from salesdiary.i18n import N_

    app = typer.Typer(
        name="sd",
        help=N_("salesdiary — a sales journal for big, relationship-driven deals."),
        no_args_is_help=True,
        add_completion=False,
        context_settings={"help_option_names": ["-h", "--help"]},
    )

    def _print_version(value: bool) -> None:
        if value:
            from salesdiary import __version__

            print(f"sd {__version__}")
            raise typer.Exit()

    @app.callback()
    def _globals(
        db: str = typer.Option(
            None, "--db", help=N_("Journal file (or SQLAlchemy URL); also SD_DB / SD_DATABASE_URL.")
        ),
        lang: str = typer.Option(None, "--lang", help=N_("Language: zh or en (also SD_LANG).")),
        dates: str = typer.Option(
            None, "--dates", help=N_("How to read a slash date like 11/12: dmy, mdy or ymd (also config dates.order).")
        ),
        no_input: bool = typer.Option(False, "--no-input", help=N_("Never prompt; a missing value is an error.")),
        no_pager: bool = typer.Option(
            False, "--no-pager", help=N_("Print long output as it is, not through a pager (also SD_PAGER=).")
        ),
        version: bool = typer.Option(
            False, "--version", callback=_print_version, is_eager=True, help=N_("Print the version and exit.")
        ),
    ) -> None:
        """Global options (they may also follow the subcommand)."""

    for name in modules:
        import_module(f"salesdiary.cli.{name}").register(app)
    return app


def modules_for(args: Sequence[str]) -> tuple[str, ...]:
    """The command modules a run needs: only the one that defines its subcommand, when that is known.

    Importing the dozen command modules and turning their fifty commands into click commands costs
    ~40 ms on every run; one module is enough to run one command. A noun's module has the noun's
    name; COMMAND_HOME lists the others. `sd --help`, completion and unknown names get every module.
    """
    if args:
        home = COMMAND_HOME.get(args[0], args[0])
        if home in COMMAND_MODULES:
            return (home,)
    return COMMAND_MODULES


def main(argv: Sequence[str] | None = None) -> int:
    """Run `sd` with ARGV; return the exit code."""
    from salesdiary.cli.state import STATE
    from salesdiary.i18n import _, set_language

    found, args = split_globals(sys.argv[1:] if argv is None else argv)
    from salesdiary.journal_target import record_command

    record_command(list(sys.argv[1:] if argv is None else argv))
    STATE.db = str(found["--db"]) if found.get("--db") else None
    STATE.no_input = bool(found.get("--no-input"))
    STATE.no_pager = bool(found.get("--no-pager"))
    STATE.debug = bool(found.get("--debug")) or bool(os.environ.get("SD_DEBUG"))
    STATE.taken.clear()
    lang_arg = found.get("--lang")
    STATE.lang = choose_language(str(lang_arg) if lang_arg else None)
    set_language(STATE.lang)
    from salesdiary.render.console import error_line, reset

    reset()
    if lang_arg is not None and str(lang_arg).lower() not in ("zh", "en") and not _known_lang(str(lang_arg)):
        error_line(_error_prefix() + _("--lang must be zh or en, not {value!r}.").format(value=lang_arg))
        return 2
    if "--db" in found and not found["--db"]:
        error_line(_error_prefix() + _("--db needs a file path."))
        return 2
    from salesdiary.core.errors import SdError

    try:
        _settle_config(found, args)
    except SdError as exc:
        error_line(_error_prefix() + exc.message)
        return exc.exit_code
    return _invoke(args)


def _settle_config(found: dict[str, str | bool], args: list[str]) -> None:
    """Check the config file once, before any command runs (a file of the wrong shape or type stops every
    command the same way, exit 2), and set how slash dates are read (--dates, else config dates.order).
    `sd config`, `sd doctor`, completion and help run with a broken file: they are how it gets repaired."""
    from salesdiary.core import dates
    from salesdiary.core.errors import BadInput, SdError
    from salesdiary.core.settings import DATE_ORDERS
    from salesdiary.i18n import _
    from salesdiary.journal_target import config_value

    dates.set_order(None)
    order = found.get("--dates")
    if order is not None and str(order).lower() not in DATE_ORDERS:
        raise BadInput(_("--dates must be dmy, mdy or ymd, not {value!r}.").format(value=order))
    try:
        configured = config_value("dates.order")
    except SdError:
        if not _repairs_config(args):
            raise
        configured = None
    if order is not None and args and args[0] == "import":
        args += ["--dates", str(order)]  # `sd import` has its own --dates: the date order of the file
    dates.set_order(str(order or configured or "").lower() or None)


def _repairs_config(args: list[str]) -> bool:
    """Whether this run may go on with a config file that cannot be read (it shows help or the version,
    completes a word, or is `sd config …` / `sd doctor`, which repair and diagnose the file)."""
    words = _command_words(args)
    if not words or words[0] in CONFIG_REPAIRS or os.environ.get("_SD_COMPLETE"):
        return True
    return any(a in ("--help", "-h", "--version") for a in args)


def _known_lang(value: str) -> bool:
    from salesdiary.i18n import normalise_language

    return normalise_language(value) is not None


def _journal_damage(exc: BaseException) -> str | None:
    """What SQLite said if EXC (or what it wraps) reports a damaged journal file; None otherwise."""
    import sqlite3

    seen: BaseException | None = exc
    for _depth in range(8):
        if seen is None:
            return None
        if isinstance(seen, sqlite3.DatabaseError) and any(
            words in str(seen) for words in ("malformed", "not a database", "disk I/O error")
        ):
            return str(seen)
        seen = getattr(seen, "orig", None) or seen.__cause__ or seen.__context__  # SQLAlchemy keeps it in .orig
    return None


def _error_prefix() -> str:
    from salesdiary.i18n import _

    return _("sd: error: ")


def _invoke(args: list[str]) -> int:
    from salesdiary.cli.state import STATE
    from salesdiary.core.errors import SdError
    from salesdiary.i18n import _
    from salesdiary.render.console import error_line

    try:
        import typer.main

        from salesdiary.cli import typer_compat
        from salesdiary.cli.completion import attach_completion
        from salesdiary.cli.localise import localise

        typer_compat.install()

        words = _command_words(args)
        modules = modules_for(words)
        app = build_app(modules)
        listed = typer_compat.before_building(app, args)
        command = typer.main.get_command(app)
        if modules != COMMAND_MODULES and words[0] not in getattr(command, "commands", {}):
            command = typer.main.get_command(build_app())  # not where modules_for looked: every module
        command = attach_completion(localise(command))
        typer_compat.after_building(command, args, listed)
        with _pager_for(words):
            command.main(args=args, prog_name="sd", standalone_mode=True)
        return 0
    except SystemExit as exc:  # Typer's own exit: help, usage errors (already printed), Exit(n)
        if _interrupted(exc):  # Typer turns Ctrl-C into a silent Exit(130): say what happened
            error_line(_("Cancelled; nothing was written."))
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except SdError as exc:
        error_line(_error_prefix() + exc.message)
        return exc.exit_code
    except KeyboardInterrupt:
        error_line(_("Cancelled; nothing was written."))
        return 130
    except BrokenPipeError:
        _quiet_broken_pipe()
        return 0
    except Exception as exc:  # a bug: one line for the user, the traceback with --debug
        if STATE.debug:
            raise
        damage = _journal_damage(exc)
        if damage:  # not a bug of ours: the file is damaged, and the user needs to know what to do
            error_line(
                _error_prefix() + _("the journal is damaged ({error}); sd doctor says what to do.").format(error=damage)
            )
            return 1
        error_line(
            _("sd: internal error: {error}. Run again with --debug for details, and please report it.").format(
                error=f"{type(exc).__name__}: {exc}"
            )
        )
        return 70


def _pager_for(words: list[str]) -> contextlib.AbstractContextManager[None]:
    """Long output of the commands in PAGED through a pager on a terminal (as git); nothing for the rest."""
    from salesdiary.cli.state import STATE

    named = [w for w in words if not w.startswith("-")][:2]
    if (
        STATE.no_pager
        or os.environ.get("_SD_COMPLETE")
        or not (" ".join(named[:1]) in PAGED or " ".join(named) in PAGED)
    ):
        return contextlib.nullcontext()
    from salesdiary.render.pager import paged

    return paged()


def _interrupted(exc: BaseException) -> bool:
    """Whether EXC is Typer's exit for a Ctrl-C: an Exit(130) raised *from* a KeyboardInterrupt (a guided
    prompt's own Exit(130) is raised from nothing, after its message)."""
    seen: BaseException | None = exc.__context__
    while seen is not None:
        if isinstance(seen.__cause__, KeyboardInterrupt):
            return True
        seen = seen.__cause__
    return False


def _command_words(args: list[str]) -> list[str]:
    """The words that name the command: ARGS, or when the shell asks for completions, the words of the
    line before the one being completed (bash passes COMP_WORDS/COMP_CWORD, zsh and fish the line)."""
    if not os.environ.get("_SD_COMPLETE"):
        return args
    line = os.environ.get("COMP_WORDS") or os.environ.get("_TYPER_COMPLETE_ARGS") or ""
    words = line.split()
    cword = os.environ.get("COMP_CWORD", "")
    if cword.isdigit():
        words = words[: int(cword)]
    elif not line.endswith(" "):
        words = words[:-1]
    return words[1:]


def _quiet_broken_pipe() -> None:
    """`sd … | head` closed the pipe: stop quietly."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def run() -> None:
    """Console-script entry point."""
    import signal

    from salesdiary.cli.loading import loading

    loading()  # collection off until the command reaches the journal (cli.loading)

    if hasattr(signal, "SIGPIPE"):  # `sd … | head`: stop quietly when the reader goes away, like other Unix tools
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    sys.exit(main())
