"""Shell completion: what `sd` offers when the rep presses Tab.

Typer completes subcommands and options by itself (the shell scripts in
`completions/` call `sd` with `_SD_COMPLETE` set). This module adds values:

- account, deal and contact names (and owners) from the journal, through the
  journal API's completion entry (salesdiary/lookups.py `completion_names`:
  stdlib sqlite3, read-only, or a team database on PostgreSQL through the read
  commands' libpq reader with a short connect timeout); nothing heavy is
  imported, and a journal that is missing, not up to date or not reachable
  gives no names rather than an error or a migration;
- the keys of the method's vocabularies (`--role decision_maker`, with the
  label as hint), or the labels when the rep starts typing one (`--role 拍`);
- stage keys and labels of the deal's playbook, playbook names, currencies,
  languages and config keys.

`attach_completion(command)` gives each option and argument of the built
command tree its completer by name (tables below), so new commands that use
the usual option names complete without further wiring; an option declared
with its own `autocompletion=` keeps it. The functions `accounts`, `deals`,
`contacts`, `owners`, `stages` and `vocabulary(name)` also work as Typer
`autocompletion=` callbacks.

The shell scripts (package data in salesdiary/completions/, copied to completions/ at the
repository root) ask with `_SD_COMPLETE=complete_bash0|complete_zsh0|complete_fish0` and
`_TYPER_COMPLETE_ARGS` (the line up to the cursor). The reply is data, never code: each candidate
(and for zsh its hint, for fish "value<TAB>hint") ended by a NUL byte, so that a name holding `$(…)`,
backticks, quotes, backslashes, colons or a newline reaches the shell as the text it is; the scripts
hand the candidates to compadd (zsh), to COMPREPLY through printf %q (bash) or to complete -a (fish)
and evaluate nothing. Typer's own replies stay for scripts installed before: `complete_bash` and
`complete_fish` (which never evaluated them), while `complete_zsh`, whose script evaluated the reply
(issue 23), now gets a fixed message asking to install the script again, and no candidate.

`sd completion show SHELL` prints a script and `sd completion install [SHELL]` writes it where the
shell looks for it (see register()).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

# Options and arguments completed with names from the journal.
NAME_OPTIONS = {
    "--account": "account",
    "--deal": "deal",
    "--contact": "contact",
    "--reports-to": "contact",
    "--owner": "owner",
}
NAME_ARGUMENTS = {"account": "account", "deal": "deal", "contact": "contact"}

# Options completed with the keys of a vocabulary in core.enums.
VOCABULARY_OPTIONS = {
    "--mode": "PURCHASE_MODE",
    "--source": "SOURCE",
    "--info-stage": "INFO_STAGE",
    "--relation": "RELATION_GRADE",
    "--tier": "TIER",
    "--lifecycle": "LIFECYCLE",
    "--level": "LEVEL",
    "--role": "ROLE",
    "--relationship": "RELATIONSHIP",
    "--stance": "STANCE",
    "--style": "STYLE",
    "--attitude": "ATTITUDE",
    "--strategy": "STRATEGY",
    "--kind": "VISIT_KIND",
}
# The same option name meaning another thing in one command group: (group, option) → completer name.
GROUP_OPTIONS = {
    ("followup", "--kind"): "FOLLOWUP_KIND",
    ("followup", "--status"): "followup_status",
    ("deal", "--status"): "deal_status",
}
OTHER_OPTIONS = {"--stage": "stages", "--playbook": "playbooks", "--currency": "currencies", "--lang": "languages"}
GROUP_ARGUMENTS = {
    ("config", "key"): "config_keys",
    ("log", "text"): "note_names",
    ("next", "record"): "deals_and_accounts",
}

Pairs = list[tuple[str, str]]
PROG_NAME = "sd"
COMPLETE_VAR = "_SD_COMPLETE"
SHELLS = ("bash", "zsh", "fish")


def _journal_names(ctx: Any, entity: str, incomplete: str) -> Pairs:
    """Names from the journal this command line would open (`--db` on it, else as `sd` would), through the
    journal API's completion entry (salesdiary/lookups.py completion_names: read-only, quick, never an error)."""
    from salesdiary.cli.state import STATE
    from salesdiary.lookups import completion_names

    db = ctx.find_root().params.get("db") if ctx is not None else None
    return completion_names(db or STATE.db, entity, incomplete)


def accounts(ctx: Any, incomplete: str) -> Pairs:
    return _journal_names(ctx, "account", incomplete)


def deals(ctx: Any, incomplete: str) -> Pairs:
    return _journal_names(ctx, "deal", incomplete)


def deals_and_accounts(ctx: Any, incomplete: str) -> Pairs:
    """`sd next DEAL|ACCOUNT`: the deals, then the accounts."""
    return deals(ctx, incomplete) + accounts(ctx, incomplete)


def contacts(ctx: Any, incomplete: str) -> Pairs:
    return _journal_names(ctx, "contact", incomplete)


def owners(ctx: Any, incomplete: str) -> Pairs:
    return _journal_names(ctx, "owner", incomplete)


def note_names(ctx: Any, incomplete: str) -> Pairs:
    """A note of `sd log` being typed: account names after its last "@", deal names after its last "#" (the
    rest of the note kept before them); nothing elsewhere in a note."""
    at = max(incomplete.rfind("@"), incomplete.rfind("#"))
    if at < 0 or any(c.isspace() for c in incomplete[at + 1 :]):
        return []
    entity = "account" if incomplete[at] == "@" else "deal"
    head = incomplete[: at + 1]
    return [(head + name, hint) for name, hint in _journal_names(ctx, entity, incomplete[at + 1 :])]


def matching(choices: Iterable[tuple[str, Iterable[str], str]], incomplete: str) -> Pairs:
    """(key, other forms, hint) choices for INCOMPLETE: keys that start with it, else the
    other forms (labels in either language, aliases, numbers) that do, each hinting its key."""
    typed = incomplete.casefold()
    choices = list(choices)
    keys = [(key, hint) for key, _forms, hint in choices if key.casefold().startswith(typed)]
    if keys:
        return keys
    found: Pairs = []
    for key, forms, _hint in choices:
        for form in forms:
            if form and form.casefold().startswith(typed) and (form, key) not in found:
                found.append((form, key))
    return found


def vocabulary(name: str) -> Callable[[Any, str], Pairs]:
    """A completer for the vocabulary NAME of core.enums (e.g. "ROLE")."""

    def complete(ctx: Any, incomplete: str) -> Pairs:
        from salesdiary.core import enums

        vocab = getattr(enums, name)
        return matching(
            ((c.key, (c.label.en, c.label.zh, *c.aliases), str(c.label)) for c in vocab.choices), incomplete
        )

    complete.__name__ = f"complete_{name.lower()}"
    return complete


def stages(ctx: Any, incomplete: str) -> Pairs:
    """Stage keys of the playbook given on the line (else the default), labels as hints."""
    from salesdiary.lookups import completion_playbook

    book = completion_playbook(ctx.params.get("playbook") if ctx is not None else None)
    if book is None:
        return []
    return matching(
        ((s.key, (str(s.number), s.label.en, s.label.zh), f"{s.number}. {s.label}") for s in book.stages),
        incomplete,
    )


def playbooks(ctx: Any, incomplete: str) -> Pairs:
    from salesdiary.lookups import completion_playbooks

    return matching(((b.name, (b.label.en, b.label.zh), str(b.label)) for b in completion_playbooks()), incomplete)


def currencies(ctx: Any, incomplete: str) -> Pairs:
    from salesdiary.core.enums import CURRENCIES

    return matching(((c, (), "") for c in CURRENCIES), incomplete)


def languages(ctx: Any, incomplete: str) -> Pairs:
    return matching((("zh", ("中文",), "中文"), ("en", ("English",), "English")), incomplete)


def deal_status(ctx: Any, incomplete: str) -> Pairs:
    from salesdiary.core.enums import DEAL_STATUS
    from salesdiary.i18n import _

    choices = [(c.key, (c.label.en, c.label.zh, *c.aliases), str(c.label)) for c in DEAL_STATUS.choices]
    return matching([*choices, ("all", ("全部",), _("all deals"))], incomplete)


def followup_status(ctx: Any, incomplete: str) -> Pairs:
    from salesdiary.i18n import _

    return matching(
        (
            ("open", (), _("follow-ups not done yet")),
            ("done", (), _("follow-ups done")),
            ("all", ("全部",), _("all follow-ups")),
        ),
        incomplete,
    )


def config_keys(ctx: Any, incomplete: str) -> Pairs:
    from salesdiary.core.settings import SETTINGS
    from salesdiary.i18n import _

    return matching(((key, (), _(s.help)) for key, s in SETTINGS.items()), incomplete)


def completer_for(param: Any, group: str) -> Callable[[Any, str], Pairs] | None:
    """The completer for a click PARAM of a command in GROUP ("" at the top), by its name."""
    if param.param_type_name == "argument":
        name = GROUP_ARGUMENTS.get((group, param.name))
        if name:
            return globals()[name]
        entity = NAME_ARGUMENTS.get(param.name or "")
        return _entity_completer(entity) if entity else None
    for opt in param.opts:
        name = GROUP_OPTIONS.get((group, opt))
        if name:
            return vocabulary(name) if name.isupper() else globals()[name]
    for opt in param.opts:
        if opt in NAME_OPTIONS:
            return _entity_completer(NAME_OPTIONS[opt])
        if opt in VOCABULARY_OPTIONS:
            return vocabulary(VOCABULARY_OPTIONS[opt])
        if opt in OTHER_OPTIONS:
            return globals()[OTHER_OPTIONS[opt]]
    return None


def _entity_completer(entity: str) -> Callable[[Any, str], Pairs]:
    return {"account": accounts, "deal": deals, "contact": contacts, "owner": owners}[entity]


def attach_completion(command: Any) -> Any:
    """Give every option and argument of the click tree COMMAND its completer; return COMMAND.

    When the shell asks for completions (`_SD_COMPLETE` set), Typer's shell classes are registered
    too: the app is built with add_completion=False (no --install-completion option), which
    otherwise leaves them out."""
    import os

    _attach(command, "")
    if os.environ.get(COMPLETE_VAR):
        from typer._completion_classes import completion_init

        completion_init()
        _add_data_replies()
        _parse_without_conversion()
    return command


def _parse_without_conversion() -> None:
    """While completing, click parses the line "resiliently" and throws conversion errors away; Typer would
    still convert every value through pydantic (importing it costs ~70 ms on each Tab). Values stay text."""
    from typer import core

    convert = core._TyperParameter.process_value
    if getattr(convert, "_salesdiary_completing", False):
        return

    def process_value(self: Any, ctx: Any, value: Any) -> Any:
        return value if ctx.resilient_parsing else convert(self, ctx, value)

    process_value._salesdiary_completing = True  # type: ignore[attr-defined]
    core._TyperParameter.process_value = process_value  # type: ignore[method-assign]


def _attach(command: Any, group: str) -> None:
    for param in command.params:
        if getattr(param, "_custom_shell_complete", None) is not None:
            continue
        complete = completer_for(param, group)
        if complete is not None:
            param._custom_shell_complete = _as_click(complete)
    for name, sub in getattr(command, "commands", {}).items():
        _attach(sub, group or name)


def _as_click(complete: Callable[[Any, str], Pairs]) -> Callable[[Any, Any, str], list[Any]]:
    def shell_complete(ctx: Any, param: Any, incomplete: str) -> list[Any]:
        import os

        from typer._click.shell_completion import CompletionItem

        # bash puts a value in the line as it is: a name with spaces must come escaped (the script of
        # completions/ quotes the candidates itself; this is for one installed from Typer's template).
        escape = _bash_escape if os.environ.get(COMPLETE_VAR) == "complete_bash" else str
        return [CompletionItem(escape(value), help=hint or None) for value, hint in complete(ctx, incomplete)]

    return shell_complete


def _bash_escape(value: str) -> str:
    import re

    return re.sub(r"""([\s'"\\$`&|;<>()!*?\[\]#~{}])""", r"\\\1", value)


def _add_data_replies() -> None:
    """Register the replies of the scripts in completions/ (`complete_bash0`, `complete_zsh0`,
    `complete_fish0`: candidates as NUL-ended data), and make the reply to Typer's zsh script,
    which evaluated it, a fixed message."""
    import sys

    from typer._click.shell_completion import ShellComplete, add_completion_class
    from typer._completion_classes import BashComplete, FishComplete, ZshComplete

    class DataReply(ShellComplete):
        """Candidates for the line in _TYPER_COMPLETE_ARGS (up to the cursor), written as NUL-ended data."""

        def source(self) -> str:  # `_SD_COMPLETE=source_…`: the script itself
            return completion_script(self.name.rstrip("0"))

        def source_vars(self) -> dict[str, Any]:
            return {}

        def format_completion(self, item: Any) -> str:
            return "".join(f + "\0" for f in self.fields(str(item.value), " ".join(str(item.help or "").split())))

        def get_completion_args(self) -> tuple[list[str], str]:
            import os

            from typer._click.shell_completion import split_arg_string

            line = os.environ.get("_TYPER_COMPLETE_ARGS", "")
            words = split_arg_string(line)[1:]
            if words and not line[-1:].isspace():
                return words[:-1], words[-1]
            return words, ""

        def complete(self) -> str:
            args, incomplete = self.get_completion_args()
            reply = "".join(
                self.format_completion(item)
                for item in self.get_completions(args, incomplete)
                if "\0" not in str(item.value)  # no shell word can hold a NUL byte: such a name cannot be typed
            )
            sys.stdout.write(reply)
            sys.stdout.flush()
            raise SystemExit(0)  # Typer would add a line break after the reply

        def fields(self, value: str, hint: str) -> list[str]:
            return [value]

    class BashReply(DataReply):
        name = "bash0"

    class ZshReply(DataReply):
        name = "zsh0"

        def fields(self, value: str, hint: str) -> list[str]:
            return [value, hint]

    class FishReply(DataReply):
        name = "fish0"

        def fields(self, value: str, hint: str) -> list[str]:
            if "\t" in value:  # fish would cut the value at its first tab and insert a wrong name: leave it out
                return []
            return [f"{value}\t{hint}" if hint else value]

    class OldZshReply(ZshComplete):
        """Typer's zsh script evaluates what `sd` prints (issue 23): give it a fixed message, no candidate."""

        def complete(self) -> str:
            from salesdiary.i18n import _

            text = _("sd: this zsh completion script is unsafe and out of date; run: sd completion install zsh")
            return "_message -r " + "'" + text.replace("'", "'\\''") + "'"

    # `_SD_COMPLETE=source_SHELL sd` (click's way to print a script) prints ours, not Typer's templates.
    for typer_reply in (BashComplete, OldZshReply, FishComplete):
        add_completion_class(type(typer_reply.__name__, (typer_reply,), {"source": DataReply.source}), typer_reply.name)
    for reply in (BashReply, ZshReply, FishReply):
        add_completion_class(reply, reply.name)


def completion_script(shell: str) -> str:
    """The script that makes SHELL (bash, zsh or fish) complete `sd`: package data, as in completions/."""
    from importlib.resources import files

    return (files("salesdiary") / "completions" / f"sd.{shell}").read_text(encoding="utf-8")


# The `sd completion` command group ------------------------------------------------------------------


def register(app: Any) -> None:
    """`sd completion show SHELL` and `sd completion install [SHELL]` (the bare `sd completion SHELL`
    of earlier versions still prints the script)."""
    import typer

    from salesdiary.i18n import N_

    group = typer.Typer(help=N_("Shell completion: print or install the script for bash, zsh or fish."))

    @group.command("show")
    def show(shell: str = typer.Argument(..., help=N_("bash, zsh or fish."))) -> None:
        """Print the completion script for SHELL (bash, zsh or fish)."""
        print(completion_script(_checked_shell(shell)), end="")

    @group.command("install")
    def install(
        shell: str = typer.Argument(
            None, help=N_("bash, zsh or fish (default: the one in $SHELL)."), show_default=False
        ),  # noqa: E501
    ) -> None:
        """Write the completion script where the shell looks for it (readable only by you); say what was done
        and any line to add to the shell's start-up file."""
        from salesdiary.render.console import message, success

        installed = install_script(_checked_shell(shell if shell is not None else _login_shell()))
        success(installed.summary)
        for line in installed.advice:
            message(line)

    for name in SHELLS:
        group.command(name, hidden=True, help=f"sd completion show {name}")(_show_shell(name))
    app.add_typer(group, name="completion")


def _show_shell(shell: str) -> Callable[[], None]:
    def show_this() -> None:
        print(completion_script(shell), end="")

    return show_this


def _login_shell() -> str:
    import os
    from pathlib import PurePath

    from salesdiary.core.errors import BadInput
    from salesdiary.i18n import _

    name = PurePath(os.environ.get("SHELL", "")).name
    if name not in SHELLS:
        raise BadInput(_("Which shell? Name it: sd completion install bash|zsh|fish."))
    return name


def _checked_shell(shell: str) -> str:
    from salesdiary.core.errors import BadInput
    from salesdiary.i18n import _

    if shell not in SHELLS:
        raise BadInput(_("No completion for {shell!r}: use bash, zsh or fish.").format(shell=shell))
    return shell


class Installed:
    """What `install_script` did: the file, a one-line summary and the lines the user still has to add."""

    def __init__(self, path: Any, summary: str, advice: list[str]) -> None:
        self.path = path
        self.summary = summary
        self.advice = advice


def script_path(shell: str) -> Any:
    """Where SHELL looks for the completion of `sd` in the user's own files."""
    import os
    from pathlib import Path

    home = Path.home()
    if shell == "bash":
        data = Path(os.environ.get("XDG_DATA_HOME") or home / ".local" / "share")
        return data / "bash-completion" / "completions" / PROG_NAME
    if shell == "zsh":
        return home / ".zfunc" / f"_{PROG_NAME}"
    config = Path(os.environ.get("XDG_CONFIG_HOME") or home / ".config")
    return config / "fish" / "completions" / f"{PROG_NAME}.fish"


def install_script(shell: str) -> Installed:
    """Write the script for SHELL to script_path(SHELL): private (0600; folders made 0700), whole or not at
    all (a temporary file renamed over the old one), nothing written when it is already there."""
    import os
    import tempfile

    from salesdiary.core.errors import SdError
    from salesdiary.i18n import _

    path = script_path(shell)
    text = completion_script(shell)
    try:
        old = path.read_text(encoding="utf-8") if path.is_file() else None
    except (OSError, UnicodeDecodeError):
        old = None
    if old == text:
        summary = _("The {shell} completion for sd is already installed at {path}.")
    else:
        try:
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as f:
                    f.write(text)
                os.chmod(tmp, 0o600)
                os.replace(tmp, path)
            except BaseException:
                os.unlink(tmp)
                raise
        except OSError as exc:
            raise SdError(_("Could not write {path}: {error}.").format(path=path, error=exc.strerror or exc)) from None
        summary = (
            _("Installed the {shell} completion for sd at {path}.")
            if old is None
            else _("Updated the {shell} completion for sd at {path}.")
        )
    return Installed(path, summary.format(shell=shell, path=path), _advice(shell, path))


def _advice(shell: str, path: Any) -> list[str]:
    """The lines the user must still add for SHELL to find the script at PATH, with what to do then."""
    import os
    from pathlib import Path

    from salesdiary.i18n import _

    if shell == "fish":
        return [_("Open a new fish to use it.")]
    import shlex

    if shell == "bash":
        return [
            _("Open a new bash to use it (the bash-completion package loads it)."),
            _("Without bash-completion, add this line to ~/.bashrc: source {path}").format(path=shlex.quote(str(path))),
        ]
    zshrc = Path(os.environ.get("ZDOTDIR") or Path.home()) / ".zshrc"
    try:
        rc = zshrc.read_text(encoding="utf-8", errors="replace")
    except OSError:
        rc = ""
    if ".zfunc" in rc and "compinit" in rc:
        return [_("Open a new zsh to use it (if Tab does not offer it, remove ~/.zcompdump first).")]
    return [
        _("Add these lines to {zshrc}, before any other compinit, then open a new zsh:").format(zshrc=zshrc),
        "fpath=(~/.zfunc $fpath)",
        "autoload -Uz compinit && compinit",
    ]
