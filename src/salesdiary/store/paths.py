"""Where the journal and the config live, and which database a command opens."""

from __future__ import annotations

import os
import re
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


def read_config_file(path: Path) -> dict[str, Any]:
    """The config file at PATH as TOML gives it, not checked against the schema (`sd config set/unset` repair a
    file that is wrong); {} when there is none. Read within CONFIG_MAX_BYTES; what cannot be read is BadInput."""
    try:
        with open(path, "rb") as fh:
            raw = fh.read(CONFIG_MAX_BYTES + 1)  # never more: SD_CONFIG=/dev/zero must not fill the memory
        if len(raw) > CONFIG_MAX_BYTES:
            raise BadInput(
                _("The config file {path} is larger than {limit} KB; a config file is a few lines.").format(
                    path=path, limit=CONFIG_MAX_BYTES // 1024
                )
            )
        return tomllib.loads(raw.decode("utf-8"))
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


@lru_cache(maxsize=1)
def load_config() -> dict[str, Any]:
    """The user's config file as a dict (empty when there is none), checked against the settings' schema
    (core.settings): a file of the wrong shape or type is a BadConfig naming the file, key and expected type."""
    path = config_path()
    data = read_config_file(path)
    if not data:
        return data
    from salesdiary.core.settings import check

    check(data, path, stage_keys)
    return data


def stage_keys() -> set[str]:
    """The stage keys of every playbook (shipped and the user's): what a table by stage may name. Empty when a
    playbook cannot be read (its own error says why, where it is used)."""
    from salesdiary.core.errors import SdError
    from salesdiary.core.playbook import list_playbooks

    try:
        return {stage.key for book in list_playbooks(config_dir()) for stage in book.stages}
    except SdError:
        return set()


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


# Connection parameters whose value is a secret, or says where one is kept: never shown, in any spelling.
SECRET_KEYS = frozenset({"password", "passfile", "sslpassword"})
# libpq's connection keywords (a keyword DSN such as `host=db user=wang password=…` is PostgreSQL).
DSN_KEYWORDS = frozenset(
    {
        "host", "hostaddr", "port", "dbname", "user", "password", "passfile", "require_auth", "channel_binding",
        "connect_timeout", "client_encoding", "options", "application_name", "fallback_application_name",
        "keepalives", "keepalives_idle", "keepalives_interval", "keepalives_count", "tcp_user_timeout",
        "replication", "gssencmode", "sslmode", "requiressl", "sslcompression", "sslcert", "sslkey",
        "sslpassword", "sslcertmode", "sslrootcert", "sslcrl", "sslcrldir", "sslsni", "requirepeer",
        "ssl_min_protocol_version", "ssl_max_protocol_version", "krbsrvname", "gsslib", "gssdelegation",
        "service", "target_session_attrs", "load_balance_hosts",
    }
)  # fmt: skip
# What --db, SD_DATABASE_URL and database.url may name: a file, or a URL with one of these schemes.
SQLITE_SCHEMES = ("sqlite", "sqlite+pysqlite")
POSTGRES_SCHEMES = ("postgresql", "postgres", "postgresql+psycopg", "postgres+psycopg")
_QUERY = re.compile(r"[A-Za-z0-9_.~%+-]+(?:=[^&]*)?(?:&[A-Za-z0-9_.~%+-]+(?:=[^&]*)?)*(?:#.*)?")
_PARAM = re.compile(r"([?&;])([^=&;#?]*)=([^&;#]*)")
_DSN_PAIR = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*('(?:[^'\\]|\\.)*'|[^\s']+)?")


def _is_secret_key(key: str) -> bool:
    """Whether a query or DSN key names a secret, however it is spelled (case, percent-encoding, even twice)."""
    from urllib.parse import unquote

    for _pass in range(4):
        decoded = unquote(key)
        if decoded == key:
            break
        key = decoded
    return key.strip().lower() in SECRET_KEYS


def redact_url(url: str) -> str:
    """URL (or a libpq keyword DSN) with every secret hidden as ***: the password of the user part (any
    characters, even unencoded `@`, `/` or `?`), and the values of `password`, `passfile` and `sslpassword`
    parameters however their names are spelled (`PASSWORD=`, `%70assword=`)."""
    return _redacted(url)[0]


def url_secrets(url: str) -> list[str]:
    """The secrets redact_url hides in URL, as written, percent-decoded and in pieces (to hide them in a driver's
    message)."""
    from urllib.parse import unquote

    found = _redacted(url)[1]
    found += [unquote(s) for s in found]
    # a password with an unencoded / ? @ # : & is cut there by libpq, which may quote a piece in its message
    found += [piece for s in found for piece in re.split(r"[/?@#:&]", s)]
    return [s for s in dict.fromkeys(found) if s]


def _redacted(url: str) -> tuple[str, list[str]]:
    found: list[str] = []
    if "://" not in url:
        if not is_keyword_dsn(url):
            return url, found

        def hide_pair(m: re.Match[str]) -> str:
            if not _is_secret_key(m.group(1)):
                return m.group(0).strip()
            found.append(m.group(2) or "")
            found.append((m.group(2) or "").strip("'"))
            return f"{m.group(1)}=***"

        return " ".join(hide_pair(m) for m in _DSN_PAIR.finditer(url)) or url, found
    scheme, rest = url.split("://", 1)

    def hide(m: re.Match[str]) -> str:
        if not _is_secret_key(m.group(2)):
            return m.group(0)
        found.append(m.group(3))
        return f"{m.group(1)}{m.group(2)}=***"

    # the query starts at the first `?` followed by nothing but key=value pairs (a `?` before it is in the password)
    start = next((i for i, c in enumerate(rest) if c == "?" and _QUERY.fullmatch(rest, i + 1)), len(rest))
    head, query = rest[:start], _PARAM.sub(hide, rest[start:])
    if "@" in head:
        creds, host = head.rsplit("@", 1)
        if ":" in creds:
            user, password = creds.split(":", 1)
            found.append(password)
            head = user + ":***@" + host
    return f"{scheme}://{head}{query}", found


def is_keyword_dsn(value: str) -> bool:
    """Whether VALUE is a libpq keyword connection string (`host=db dbname=sales user=wang`), not a file name."""
    if "://" in value or "=" not in value:
        return False
    first = _DSN_PAIR.match(value)  # it starts with a libpq keyword (a path such as ./host=a/j.sqlite does not)
    return first is not None and first.group(1).lower() in DSN_KEYWORDS


def _dsn_pairs(value: str) -> list[tuple[str, str]] | None:
    """The keyword/value pairs of a keyword DSN, unquoted as libpq reads them; None when it cannot be read."""
    pairs, pos = [], 0
    while pos < len(value.rstrip()):
        m = _DSN_PAIR.match(value, pos)
        if m is None or m.end() == pos:
            return None
        raw = m.group(2) or ""
        if raw.startswith("'"):
            raw = re.sub(r"\\(.)", r"\1", raw[1:-1])
        elif "\\" in raw:
            raw = re.sub(r"\\(.)", r"\1", raw)
        pairs.append((m.group(1).lower(), raw))
        pos = m.end()
        if pos < len(value) and not value[pos].isspace():
            return None
    return pairs


def dsn_to_url(value: str) -> str:
    """A libpq keyword DSN as the postgresql:// URL that says the same (every value percent-encoded), or BadInput
    (without the DSN's secrets) when it cannot be read or names a keyword libpq does not know."""
    from urllib.parse import quote

    pairs = _dsn_pairs(value)
    unknown = sorted({k for k, _v in pairs or () if k not in DSN_KEYWORDS})
    if pairs is None or unknown:
        raise BadInput(
            _(
                "{dsn} looks like a PostgreSQL connection string (keyword=value …) but sd cannot read it{detail}. "
                "Write it as a URL: postgresql://USER@HOST:PORT/DATABASE"
            ).format(
                dsn=redact_url(value),
                detail=(" (" + _("unknown keyword {names}").format(names=", ".join(unknown)) + ")") if unknown else "",
            )
        )
    given = dict(pairs)
    user = given.pop("user", "")
    password = given.pop("password", None)
    host = given.get("host", "")
    netloc = ""
    if host and "," not in host and not host.startswith("/") and not host.startswith("@"):
        given.pop("host")
        netloc = f"[{host}]" if ":" in host else quote(host, safe="")
        port = given.get("port", "")
        if port.isdigit():
            netloc += ":" + given.pop("port")
    if user or password is not None:
        creds = quote(user, safe="") + (":" + quote(password, safe="") if password is not None else "")
        netloc = creds + "@" + netloc
    path = "/" + quote(given.pop("dbname"), safe="") if "dbname" in given else "/"
    query = "&".join(f"{k}={quote(v, safe='')}" for k, v in given.items())
    return f"postgresql://{netloc}{path}" + (f"?{query}" if query else "")


def target_from(value: str, *, where: str = "--db") -> Target:
    """The database VALUE names: a file path, a sqlite:/// or postgresql:// URL, or a libpq keyword DSN (taken
    as PostgreSQL, never as a file name); BadInput for a URL whose scheme sd does not speak."""
    if "://" in value:
        scheme = value.split("://", 1)[0].lower()
        if scheme in SQLITE_SCHEMES:
            if value.startswith("sqlite:///") and "?" not in value:
                return Target(path=Path(value[len("sqlite:///") :]).expanduser())
            return Target(url=value)
        if scheme in POSTGRES_SCHEMES:
            return Target(url=value)
        raise BadInput(
            _(
                "{where} names a database sd cannot use ({scheme}://…): sd works with a SQLite file "
                "(a path, or sqlite:///PATH) and with PostgreSQL (postgresql://… or postgresql+psycopg://…)."
            ).format(where=where, scheme=_shown_scheme(scheme))
        )
    if is_keyword_dsn(value):
        return Target(url=dsn_to_url(value))
    if where == "SD_DATABASE_URL":
        raise BadInput(
            _("{where} must be a database URL (postgresql://… or sqlite:///PATH), not {value!r}.").format(
                where=where, value=redact_url(value)
            )
        )
    return Target(path=Path(value).expanduser())


def _shown_scheme(scheme: str) -> str:
    """The scheme as typed, cut short and without what cannot be a scheme (it is shown in the message)."""
    return re.sub(r"[^A-Za-z0-9+.-]", "?", scheme)[:30]


def resolve_target(cli_db: str | None = None) -> Target:
    """--db, then SD_DATABASE_URL, then SD_DB, then config, then the data dir."""
    if cli_db:
        return target_from(cli_db)
    if os.environ.get("SD_DATABASE_URL"):
        value = os.environ["SD_DATABASE_URL"]
        target = target_from(value, where="SD_DATABASE_URL")
        return target if target.url or "://" not in value else Target(url=value)  # sqlite:/// stays a URL
    if os.environ.get("SD_DB"):
        return target_from(os.environ["SD_DB"], where="SD_DB")
    url = config_value("database.url")
    if url:
        return target_from(str(url), where="database.url")
    return Target(path=data_dir() / "journal.sqlite")


# How long a write waits for a lock another session (PostgreSQL) or program (SQLite's busy wait) holds, and how
# long one PostgreSQL statement of a write may run, in seconds; nothing waits forever.
TIMEOUTS = {
    "database.lock_timeout": ("SD_LOCK_TIMEOUT", 10.0),
    "database.statement_timeout": ("SD_STATEMENT_TIMEOUT", 60.0),
}


def timeout_seconds(key: str) -> float:
    """The timeout KEY (database.lock_timeout or database.statement_timeout) in seconds: its environment variable
    (SD_LOCK_TIMEOUT, SD_STATEMENT_TIMEOUT), else the config, else the default; BadInput unless a number above 0."""
    env, default = TIMEOUTS[key]
    source, value = (env, os.environ[env]) if os.environ.get(env, "").strip() else (key, config_value(key, default))
    try:
        seconds = float(str(value).strip().removesuffix("s"))
    except ValueError:
        seconds = float("nan")
    if not 0 < seconds <= 86_400:  # (nan fails too)
        raise BadInput(
            _("{setting} must be a number of seconds above 0 (at most a day), not {value!r}.").format(
                setting=source, value=value
            )
        )
    return seconds


def current_user() -> str:
    """Who is writing: `user.name` in config, else the OS user."""
    name = config_value("user.name")
    if name:
        from salesdiary.core.validate import clean_name

        return clean_name(str(name), "user.name")  # no controls: it is stored as the owner and shown everywhere
    return login_name()


def login_name() -> str:
    """The OS user: who writes in a journal of one's own until `user.name` is set."""
    import getpass

    try:
        return getpass.getuser()
    except Exception:  # no user name in the environment (containers)
        return "me"


def own_names() -> tuple[str, ...]:
    """The names a person's commands are recorded under in a journal of their own: `user.name` and, from
    before it was set, the OS user (so setting user.name keeps the earlier commands undoable)."""
    return tuple(dict.fromkeys((current_user(), login_name())))
