"""Writing the config file (TOML), keeping what else is in it."""

from __future__ import annotations

import copy
import os
import re
from pathlib import Path
from typing import Any

from salesdiary.core.errors import BadInput
from salesdiary.i18n import _
from salesdiary.store.paths import config_path, load_config, private_folder

_KEY = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$")


def parse_value(text: str) -> Any:
    """'true'/'false' → bool, digits → int, a decimal → float, else the text."""
    lowered = text.strip().lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    if re.fullmatch(r"-?\d+", text.strip()):
        if len(text.strip()) > 18:  # beyond any count or amount sd reads (and past 4300 digits int() refuses)
            raise BadInput(
                _("The value has {n} digits; a number in the config has at most 18.").format(n=len(text.strip()))
            )
        return int(text)
    if re.fullmatch(r"-?\d+\.\d+", text.strip()):
        return float(text)
    return text


def set_value(key: str, value: str) -> Path:
    if not _KEY.match(key):
        raise BadInput(_("A setting is written like language or user.name, not {key!r}.").format(key=key))
    if key == "language" and value and value not in ("zh", "en"):
        raise BadInput(_("language must be zh or en."))
    if value:
        from salesdiary.core.validate import clean_text

        value = clean_text(value, key, max_len=1000, multiline=False) or ""  # no controls in any setting
    path = config_path()
    data: dict[str, Any] = {}
    if path.exists():
        load_config.cache_clear()
        data = copy.deepcopy(load_config())  # read as every command reads it (size limit, errors as one line)
    node = data
    parts = key.split(".")
    for part in parts[:-1]:
        child = node.setdefault(part, {})
        if not isinstance(child, dict):
            raise BadInput(_("{key} cannot be set: {part} is a value, not a section.").format(key=key, part=part))
        node = child
    if value == "":
        node.pop(parts[-1], None)
    else:
        node[parts[-1]] = parse_value(value)
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
    return path
