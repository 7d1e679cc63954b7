"""sd config: show and change settings in the config file (every key is described in core.settings)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from salesdiary.i18n import N_, _

if TYPE_CHECKING:
    from salesdiary.journal_config import Settings

app = typer.Typer(help=N_("Settings: language, your name, the database, thresholds."), no_args_is_help=True)

KeyArg = typer.Argument(..., help=N_("Setting, e.g. language, user.name or health.stale_days."))


@app.command("show")
def show(as_json: bool = typer.Option(False, "--json", help=N_("Print JSON for programs instead of a table."))) -> None:
    """Show the config file's path, the settings in force and the database in use."""
    from salesdiary.cli.common import journal
    from salesdiary.core.settings import SETTINGS
    from salesdiary.render.data import print_json
    from salesdiary.render.tables import print_record

    found = journal().settings.show()
    if as_json:
        print_json(found.as_json())
        return
    rows = [(_("Config file"), found.config_file), (_("Database"), found.database)]
    # every setting, set or not, with what it may be: the table is where a rep learns the keys
    rows += [
        (key, f"{_text(value) if value is not None else '—'}   ({SETTINGS[key].expected()})")
        for key, value in found.values.items()
    ]
    print_record(_("Settings"), rows)


def _settings() -> Settings:
    """The settings API without the journal: the config file may name a database sd cannot reach yet."""
    from salesdiary.journal_config import Settings

    return Settings()


@app.command("get")
def get(
    key: str = KeyArg,
    as_json: bool = typer.Option(False, "--json", help=N_("Print JSON for programs instead of text.")),
) -> None:
    """Print the value of one setting in force (the config file's, else the default); exit 1 when it has none."""
    found = _settings().get(key)
    if found.value is None:
        from salesdiary.render.console import message

        message(_("{key} is not set. {meaning}").format(key=key, meaning=_(found.help)))
        raise typer.Exit(1)
    if as_json:
        from salesdiary.render.data import print_json

        print_json(found.value)
        return
    print(_text(found.value))


@app.command("set", context_settings={"ignore_unknown_options": True})  # a value may start with "-": -3
def set_(
    key: str = KeyArg,
    value: str = typer.Argument(..., help=N_("New value ('' removes the setting; a list: names separated by commas).")),
) -> None:
    """Change a setting in the config file (key and value are checked first)."""
    path = _settings().set(key, value)
    from salesdiary.render.console import success

    success(_("Set {key} in {path}.").format(key=key, path=path))


@app.command("unset")
def unset(key: str = KeyArg) -> None:
    """Remove a setting from the config file (its default applies again)."""
    from salesdiary.render.console import message, success

    done = _settings().unset(key)
    if done.removed:
        success(_("Removed {key} from {path}.").format(key=key, path=done.path))
    else:
        message(_("{key} was not set in {path}.").format(key=key, path=done.path))


@app.command("path")
def path() -> None:
    """Print where the config file is."""
    print(_settings().path())


def _text(value: object) -> str:
    """A value as one line of text: lists and tables as JSON, true/false as TOML writes them."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | dict):
        import json

        return json.dumps(value, ensure_ascii=False)
    return str(value)


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="config")
