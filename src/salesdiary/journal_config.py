"""The config folder: `Journal.settings` (`sd config`) and `Journal.playbooks` (`sd playbook`).

    with Journal.open() as j:
        print(j.settings.get("health.stale_days").value)   # the config file's value, else the default
        j.settings.set("user.name", "王磊")                   # checked first, as `sd config set` does
        for row in j.playbooks.list().rows:                 # what `sd playbook list --json` prints
            print(row["name"], row["stages"])

Neither needs the journal itself: `Settings()` and `Playbooks()` work without one (`sd config set` must work
while the config names a database sd cannot reach). Importing this module costs nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from salesdiary.core.playbook import Playbook, Stage
    from salesdiary.journal import Journal


@dataclass
class SettingsView:
    """`sd config show`: the CONFIG_FILE's path, the DATABASE in use and every setting's VALUES in force (None:
    not set and no default; a database URL with its password hidden)."""

    config_file: str
    database: str
    values: dict[str, object]

    def as_json(self) -> dict[str, Any]:
        return {"config_file": self.config_file, "database": self.database, **self.values}


@dataclass
class SettingValue:
    """One setting in force: its KEY, VALUE (None: none) and HELP (what it means, an N_() text)."""

    key: str
    value: object
    help: str


@dataclass
class Unset:
    """A setting taken out of the config file (REMOVED; False: it was not set) at PATH."""

    removed: bool
    path: Path


class Settings:
    """Settings in the config file (every key is described in core/settings.py)."""

    def __init__(self, journal: Journal | None = None) -> None:
        self._journal = journal

    def path(self) -> Path:
        """Where the config file is (SD_CONFIG, else the config folder's config.toml)."""
        from salesdiary.store.paths import config_path

        return config_path()

    def in_force(self, key: str) -> object:
        """KEY's value from the config file, else its default (a database URL with its password hidden; a list
        as a list)."""
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

    def show(self) -> SettingsView:
        """The config file's path, every setting in force and the database in use."""
        from salesdiary.core.settings import SETTINGS

        values = {key: self.in_force(key) for key in SETTINGS}
        if self._journal is not None:
            database = self._journal.target.describe()
        else:
            from salesdiary.store.paths import resolve_target

            database = resolve_target(None).describe()
        return SettingsView(str(self.path()), database, values)

    def get(self, key: str) -> SettingValue:
        """The setting KEY in force (BadInput for a key sd does not know)."""
        from salesdiary.core.settings import known

        setting = known(key)
        return SettingValue(key, self.in_force(key), setting.help)

    def set(self, key: str, value: str) -> Path:
        """Set KEY to VALUE, as typed ('' removes it; a list: names separated by commas), in the config file,
        after checking both; returns the file's path."""
        from salesdiary.store.writes.config_file import set_value

        return set_value(key, value)

    def unset(self, key: str) -> Unset:
        """Take KEY out of the config file (its default applies again)."""
        from salesdiary.store.writes.config_file import unset_value

        removed = unset_value(key)
        return Unset(removed, self.path())


@dataclass
class PlaybookList:
    """`sd playbook list`: one row per playbook (the default first), and the PROBLEMS of those that could not be
    read (one line each; `sd playbook list` exits 1 when there is one)."""

    rows: list[dict[str, Any]]
    problems: list[str]

    def as_json(self) -> list[dict[str, Any]]:
        return self.rows


def _label(label: Any) -> dict[str, str]:
    return {"en": label.en, "zh": label.zh}


@dataclass
class PlaybookView:
    """`sd playbook show`: the BOOK and the STAGES asked for (all of them, or one)."""

    book: Playbook
    stages: list[Stage]

    def as_json(self) -> dict[str, Any]:
        book = self.book
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
                for s in self.stages
            ],
        }


class Playbooks:
    """The sales methods deals follow: those shipped with sd and your own (the config folder's playbooks/)."""

    def __init__(self, journal: Journal | None = None) -> None:
        self._journal = journal

    def default(self) -> str:
        """The playbook new deals follow (the config's `playbook`, else ten_step)."""
        from salesdiary.core.playbook import playbook_key
        from salesdiary.store.paths import config_value

        return playbook_key(str(config_value("playbook", "ten_step")))

    def list(self) -> PlaybookList:
        """Every playbook, the default first, then by name."""
        from salesdiary.core.errors import SdError
        from salesdiary.core.playbook import builtin_dir, load_file, playbook_paths
        from salesdiary.store.paths import config_dir

        default = self.default()
        rows, problems = [], []
        paths = playbook_paths(config_dir())
        for name in sorted(paths, key=lambda n: (n != default, n)):
            try:
                book = load_file(paths[name])
            except SdError as exc:
                problems.append(exc.message)
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
        return PlaybookList(rows, problems)

    def show(self, name: str | None = None, *, stage: str | None = None) -> PlaybookView:
        """The playbook NAME (default: the one new deals follow), all its stages or only STAGE (key, number or
        label)."""
        from salesdiary.core.playbook import load_playbook
        from salesdiary.store.paths import config_dir

        book = load_playbook(name or self.default(), config_dir())
        return PlaybookView(book, [book.stage(stage)] if stage else list(book.stages))
