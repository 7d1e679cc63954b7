"""sd config: show and change settings in the config file (every key is described in core.settings)."""

from __future__ import annotations

import typer

from salesdiary.i18n import N_, _

app = typer.Typer(help=N_("Settings: language, your name, the database, thresholds."), no_args_is_help=True)

KeyArg = typer.Argument(..., help=N_("Setting, e.g. language, user.name or health.stale_days."))


@app.command("show")
def show(as_json: bool = typer.Option(False, "--json", help=N_("Print JSON for programs instead of a table."))) -> None:
    """Show the config file's path, the settings in force and the database in use."""
    from salesdiary.cli.common import target
    from salesdiary.core.settings import SETTINGS
    from salesdiary.render.data import print_json
    from salesdiary.render.tables import print_record
    from salesdiary.store.paths import config_path

    values = {key: _in_force(key) for key in SETTINGS}
    info = {"config_file": str(config_path()), "database": target().describe(), **values}
    if as_json:
        print_json(info)
        return
    rows = [(_("Config file"), info["config_file"]), (_("Database"), info["database"])]
    # every setting, set or not, with what it may be: the table is where a rep learns the keys
    rows += [
        (key, f"{_text(value) if value is not None else '—'}   ({SETTINGS[key].expected()})")
        for key, value in values.items()
    ]
    print_record(_("Settings"), rows)


@app.command("get")
def get(
    key: str = KeyArg,
    as_json: bool = typer.Option(False, "--json", help=N_("Print JSON for programs instead of text.")),
) -> None:
    """Print the value of one setting in force (the config file's, else the default); exit 1 when it has none."""
    from salesdiary.core.settings import known

    setting = known(key)
    value = _in_force(key)
    if value is None:
        from salesdiary.render.console import message

        message(_("{key} is not set. {meaning}").format(key=key, meaning=_(setting.help)))
        raise typer.Exit(1)
    if as_json:
        from salesdiary.render.data import print_json

        print_json(value)
        return
    print(_text(value))


@app.command("set", context_settings={"ignore_unknown_options": True})  # a value may start with "-": -3
def set_(
    key: str = KeyArg,
    value: str = typer.Argument(..., help=N_("New value ('' removes the setting; a list: names separated by commas).")),
) -> None:
    """Change a setting in the config file (key and value are checked first)."""
    from salesdiary.store.config_file import set_value

    path = set_value(key, value)
    from salesdiary.render.console import success

    success(_("Set {key} in {path}.").format(key=key, path=path))


@app.command("unset")
def unset(key: str = KeyArg) -> None:
    """Remove a setting from the config file (its default applies again)."""
    from salesdiary.render.console import message, success
    from salesdiary.store.config_file import unset_value
    from salesdiary.store.paths import config_path

    if unset_value(key):
        success(_("Removed {key} from {path}.").format(key=key, path=config_path()))
    else:
        message(_("{key} was not set in {path}.").format(key=key, path=config_path()))


@app.command("path")
def path() -> None:
    """Print where the config file is."""
    from salesdiary.store.paths import config_path

    print(config_path())


def _in_force(key: str) -> object:
    """KEY's value from the config file, else its default (a database URL with its password hidden)."""
    from salesdiary.core.settings import find
    from salesdiary.store.paths import config_value, redact_url

    missing = object()
    value = config_value(key, missing)
    if value is missing:
        found = find(key)
        value = found[0].default_value() if found and found[1] is None else None
    if key == "database.url" and value:
        value = redact_url(str(value))
    if isinstance(value, tuple):
        value = list(value)
    return value


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
