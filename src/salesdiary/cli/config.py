"""sd config: show and change settings in the config file."""

from __future__ import annotations

import typer

from salesdiary.i18n import _

app = typer.Typer(help=_("Settings: language, your name, the database, thresholds."), no_args_is_help=True)

KNOWN = {
    "language": _("Language of messages: zh or en."),
    "user.name": _("Your name as owner of new records (default: the OS user)."),
    "database.url": _("An SQLAlchemy URL for a shared database (e.g. PostgreSQL)."),
    "database.lock_timeout": _("Seconds a write waits for a lock another session holds (default 10)."),
    "database.statement_timeout": _("Seconds one statement of a write may run on PostgreSQL (default 60)."),
    "playbook": _("Default playbook for new deals: ten_step or six_step."),
    "currency": _("Default currency of new deals."),
    "backup.keep": _("How many automatic backups to keep."),
}


@app.command("show")
def show(as_json: bool = typer.Option(False, "--json", help=_("Print JSON for programs instead of a table."))) -> None:
    """Show the config file's path, the settings in force and the database in use."""
    from salesdiary.cli.common import target
    from salesdiary.render.data import print_json
    from salesdiary.render.tables import print_record
    from salesdiary.store.paths import config_path, config_value, load_config, redact_url

    values = {key: config_value(key) for key in KNOWN}
    if values.get("database.url"):
        values["database.url"] = redact_url(str(values["database.url"]))
    extra = {k: v for k, v in _flatten(load_config()).items() if k not in KNOWN}
    info = {"config_file": str(config_path()), "database": target().describe(), **values, **extra}
    if as_json:
        print_json(info)
        return
    rows = [(_("Config file"), info["config_file"]), (_("Database"), info["database"])]
    rows += [(key, "" if value is None else str(value)) for key, value in {**values, **extra}.items()]
    print_record(_("Settings"), rows)


@app.command("set")
def set_(
    key: str = typer.Argument(..., help=_("Setting, e.g. language or user.name.")),
    value: str = typer.Argument(..., help=_("New value ('' removes the setting).")),
) -> None:
    """Change a setting in the config file."""
    from salesdiary.store.config_file import set_value

    path = set_value(key, value)
    from salesdiary.render.console import success

    success(_("Set {key} in {path}.").format(key=key, path=path))


@app.command("path")
def path() -> None:
    """Print where the config file is."""
    from salesdiary.store.paths import config_path

    print(config_path())


def _flatten(node: dict, prefix: str = "") -> dict:
    out: dict = {}
    for k, v in node.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict):
            out.update(_flatten(v, key + "."))
        else:
            out[key] = v
    return out


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="config")
