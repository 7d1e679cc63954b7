"""Writing the config file (TOML), keeping what else is in it.

Keys and values are checked against the settings' schema (core.settings) before anything is written, and the
file is replaced whole (a temporary file renamed over it), so it is never left half-written.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from salesdiary.core import settings
from salesdiary.core.errors import BadConfig, BadInput
from salesdiary.i18n import _
from salesdiary.store.paths import config_path, load_config, private_folder, read_config_file


def set_value(key: str, value: str) -> Path:
    """Set KEY to VALUE as typed ('' removes it); BadConfig when KEY is not a setting or VALUE not one of its
    values. One entry of a table by stage (`health.stale_days.tender_prepared`) turns a plain number into a
    table whose `default` keeps it."""
    if value == "":
        unset_value(key)
        return config_path()
    found = settings.find(key)
    if found is None:
        raise BadConfig(_unknown(key))
    setting, stage = found
    if stage is not None and stage != "default" and not stage.isdigit():
        from salesdiary.store.paths import stage_keys

        wrong = settings.problems(_nested(key, 1), stage_keys)  # a stage no playbook has: a typo, refused
        if wrong:
            raise BadConfig(wrong[0])
    from salesdiary.core.validate import clean_text

    value = clean_text(value, key, max_len=1000, multiline=False) or ""  # no terminal controls in any setting
    parsed = setting.parse(value, key)
    path = config_path()
    data = _read(path)
    parts = key.split(".")
    node = data
    for i, part in enumerate(parts[:-1]):
        child = node.setdefault(part, {})
        if stage is not None and i == len(parts) - 2 and not isinstance(child, dict):
            child = node[part] = {"default": child}  # stale_days = 30 → { default = 30, STAGE = N }
        if not isinstance(child, dict):
            raise BadInput(_("{key} cannot be set: {part} is a value, not a section.").format(key=key, part=part))
        node = child
    node[parts[-1]] = parsed
    _write(path, data)
    return path


def unset_value(key: str) -> bool:
    """Remove KEY from the config file (and the sections it leaves empty); False when it was not there.
    A key the schema does not know may be removed too: that is how a file with a stray key is repaired."""
    path = config_path()
    data = _read(path) if path.exists() else {}
    parts = key.split(".")
    trail = [data]
    for part in parts[:-1]:
        child = trail[-1].get(part)
        if not isinstance(child, dict):
            trail = []
            break
        trail.append(child)
    if not trail or parts[-1] not in trail[-1]:
        if settings.find(key) is None:
            raise BadConfig(_unknown(key))
        return False
    del trail[-1][parts[-1]]
    for parent, part in zip(reversed(trail[:-1]), reversed(parts[:-1]), strict=True):
        if parent[part]:
            break
        del parent[part]
    _write(path, data)
    return True


def _unknown(key: str) -> str:
    return settings.problems(_nested(key))[0]


def _nested(key: str, value: Any = None) -> dict[str, Any]:
    """{"a": {"b": VALUE}} for "a.b": how the file would hold KEY (to ask the schema about it)."""
    out: dict[str, Any] = {}
    node = out
    parts = key.split(".")
    for part in parts[:-1]:
        node = node.setdefault(part, {})
    node[parts[-1]] = value
    return out


def _read(path: Path) -> dict[str, Any]:
    """The file as it is (not checked: set and unset are how a bad file is repaired); {} when there is none."""
    return read_config_file(path)


def _write(path: Path, data: dict[str, Any]) -> None:
    import tomli_w

    private_folder(path.parent)
    import secrets

    # a temp file of our own (O_EXCL|O_NOFOLLOW, random name): a file or link planted beside it is never written
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    fd = os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_WRONLY, 0o600)
    try:
        with os.fdopen(fd, "wb") as fh:
            tomli_w.dump(data, fh)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    load_config.cache_clear()
