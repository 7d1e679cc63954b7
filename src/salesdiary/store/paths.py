"""Where the journal and the config live, and which database a command opens."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from salesdiary.core.errors import BadInput
from salesdiary.i18n import _

APP = "salesdiary"


def data_dir() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP, appauthor=False))


def config_dir() -> Path:
    from platformdirs import user_config_dir

    return Path(user_config_dir(APP, appauthor=False))


def private_folder(folder: Path) -> None:
    """Create FOLDER and every missing folder above it 0700 (mkdir(parents=True) makes the ones above by the
    umask, usually 0755): what sd creates, nobody else reads."""
    missing: list[Path] = []
    while not folder.exists() and folder != folder.parent:
        missing.append(folder)
        folder = folder.parent
    for each in reversed(missing):
        each.mkdir(mode=0o700, exist_ok=True)


def config_path() -> Path:
    return Path(os.environ["SD_CONFIG"]) if os.environ.get("SD_CONFIG") else config_dir() / "config.toml"


CONFIG_MAX_BYTES = 1024 * 1024


@lru_cache(maxsize=1)
def load_config() -> dict[str, Any]:
    """The user's config file as a dict (empty when there is none)."""
    path = config_path()
    try:
        with open(path, "rb") as fh:
            data = fh.read(CONFIG_MAX_BYTES + 1)  # never more: SD_CONFIG=/dev/zero must not fill the memory
        if len(data) > CONFIG_MAX_BYTES:
            raise BadInput(
                _("The config file {path} is larger than {limit} KB; a config file is a few lines.").format(
                    path=path, limit=CONFIG_MAX_BYTES // 1024
                )
            )
        return tomllib.loads(data.decode("utf-8"))
    except FileNotFoundError:
        return {}
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise BadInput(_("The config file {path} cannot be read: {error}").format(path=path, error=exc)) from None
    except (RecursionError, ValueError):  # nested too deeply; a number longer than Python reads
        raise BadInput(
            _("The config file {path} cannot be read: a value is nested too deeply or has too many digits.").format(
                path=path
            )
        ) from None
    except OSError as exc:
        raise BadInput(
            _("The config file {path} cannot be opened: {error}").format(path=path, error=exc.strerror)
        ) from None


def config_value(dotted: str, default: Any = None) -> Any:
    node: Any = load_config()
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return default
        node = node[part]
    return node


@dataclass(frozen=True)
class Target:
    """The database a command works on: a SQLite file, or an SQLAlchemy URL."""

    path: Path | None = None
    url: str | None = None

    @property
    def is_sqlite_file(self) -> bool:
        return self.path is not None

    @property
    def sqlalchemy_url(self) -> str:
        return self.url if self.url else f"sqlite:///{self.path}"

    def describe(self) -> str:
        if self.path is not None:
            return str(self.path)
        return redact_url(self.url or "")


def redact_url(url: str) -> str:
    """The URL with any password hidden (in the user part, or a `password=` query parameter)."""
    if "://" not in url:
        return url
    import re

    url = re.sub(r"([?&]password=)[^&]*", r"\1***", url, flags=re.IGNORECASE)
    if "@" not in url:
        return url
    scheme, rest = url.split("://", 1)
    creds, host = rest.rsplit("@", 1)
    if ":" in creds:
        creds = creds.split(":", 1)[0] + ":***"
    return f"{scheme}://{creds}@{host}"


def resolve_target(cli_db: str | None = None) -> Target:
    """--db, then SD_DATABASE_URL, then SD_DB, then config, then the data dir."""
    if cli_db:
        return _target_from(cli_db)
    if os.environ.get("SD_DATABASE_URL"):
        return Target(url=os.environ["SD_DATABASE_URL"])
    if os.environ.get("SD_DB"):
        return _target_from(os.environ["SD_DB"])
    url = config_value("database.url")
    if url:
        return _target_from(str(url))
    return Target(path=data_dir() / "journal.sqlite")


def _target_from(value: str) -> Target:
    if "://" in value:
        if value.startswith("sqlite:///") and "?" not in value:
            return Target(path=Path(value[len("sqlite:///") :]).expanduser())
        return Target(url=value)
    return Target(path=Path(value).expanduser())


def current_user() -> str:
    """Who is writing: `user.name` in config, else the OS user."""
    name = config_value("user.name")
    if name:
        from salesdiary.core.validate import clean_name

        return clean_name(str(name), "user.name")  # no controls: it is stored as the owner and shown everywhere
    import getpass

    try:
        return getpass.getuser()
    except Exception:  # no user name in the environment (containers)
        return "me"
