"""Playbooks: a sales method as data — ordered stages with probabilities, goals, markers and tips.

A playbook is a TOML file (read with the standard library's `tomllib`)::

    name = "ten_step"                 # must equal the file name without ".toml"
    version = 1                       # optional; only version 1 exists
    source = "《项目销售十步法》, Ten-step method" # optional, free text
    [label]
    en = "Ten-step project sales"
    zh = "项目销售十步法"

    [[stages]]                        # one table per stage, in order
    key = "project_info"              # snake_case, unique in the playbook
    number = 1                        # 1, 2, 3 … in file order
    probability = 5                   # win probability in %, 0–100, never decreasing
    label = { en = "Project information", zh = "获得项目信息" }
    goal = { en = "Collect project information", zh = "收集项目信息" }

    [[stages.markers]]                # progress markers (optional list)
    key = "customer_name"             # snake_case, unique in the stage
    required = true                   # needed to leave the stage (default false)
    en = "The customer organisation's exact name is known"
    zh = "获得用户单位具体名称"

    [[stages.tips]]                   # operating tips (optional list)
    en = "…"
    zh = "…"

    [rules]                           # optional: the stage from which a health rule applies to this playbook
    opponent_from_stage = "alliance_built"      # a stage key of this playbook (core/health.py names the rules)

`sd` ships its playbooks in the package folder `salesdiary/playbooks/`. Users may add their own
as `<config dir>/playbooks/NAME.toml`; a user file with the same name as a built-in one shadows
it (that is how a user adapts a shipped method). Any problem in a file is reported as a
`PlaybookError` naming the file, the stage and the problem.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from salesdiary.core.errors import BadInput, NotFound
from salesdiary.core.text import Label
from salesdiary.core.validate import control_in
from salesdiary.i18n import _

DEFAULT_PLAYBOOK = "ten_step"
StageLabel = Callable[[str | None, str | None], str]  # (playbook, stage key) → "3. 客户分析", as a report shows it
SUPPORTED_VERSION = 1

_KEY_RE = re.compile(r"^[a-z][a-z0-9_]*$")
_TOP_KEYS = ("name", "version", "source", "label", "stages", "rules")
_STAGE_KEYS = ("key", "number", "probability", "label", "goal", "markers", "tips")
_MARKER_KEYS = ("key", "required", "en", "zh")
_LABEL_KEYS = ("en", "zh")
_TOML_POSITION_RE = re.compile(r"\(at line (\d+), column (\d+)\)")


class PlaybookError(BadInput):
    """A playbook file is unreadable or invalid. The message names the file, the stage and the problem."""

    def __init__(self, path: str, problem: str, stage: str | None = None, line: int | None = None) -> None:
        self.path = path
        self.problem = problem
        self.stage = stage
        self.line = line
        if stage is not None:
            message = _("Playbook {file}: stage {stage}: {problem}").format(file=path, stage=stage, problem=problem)
        elif line is not None:
            message = _("Playbook {file}, line {line}: {problem}").format(file=path, line=line, problem=problem)
        else:
            message = _("Playbook {file}: {problem}").format(file=path, problem=problem)
        super().__init__(message)


@dataclass(frozen=True)
class Marker:
    """A progress marker (进展标志): a fact that shows the deal has progressed in its stage."""

    key: str
    required: bool
    label: Label

    def __str__(self) -> str:
        return str(self.label)


@dataclass(frozen=True)
class Stage:
    """One stage of a playbook."""

    key: str
    number: int
    probability: int
    label: Label
    goal: Label
    markers: tuple[Marker, ...] = ()
    tips: tuple[Label, ...] = ()

    def __str__(self) -> str:
        return str(self.label)

    @property
    def required_markers(self) -> tuple[Marker, ...]:
        return tuple(m for m in self.markers if m.required)

    @property
    def marker_keys(self) -> tuple[str, ...]:
        return tuple(m.key for m in self.markers)

    def marker(self, text: str) -> Marker:
        """The marker named by key, by English or Chinese label (any case) or by 1-based index."""
        wanted = str(text).strip()
        key = _as_key(wanted)
        for m in self.markers:
            if m.key == key:
                return m
        if wanted.isdigit() and 1 <= int(wanted) <= len(self.markers):
            return self.markers[int(wanted) - 1]
        folded = wanted.casefold()
        for m in self.markers:
            if folded in (m.label.en.casefold(), m.label.zh.casefold()):
                return m
        raise NotFound(
            _("Stage {stage} has no marker '{text}'. Markers: {keys}").format(
                stage=self.key, text=wanted, keys=", ".join(self.marker_keys) or "-"
            )
        )


@dataclass(frozen=True)
class Playbook:
    """A sales method: an ordered tuple of stages."""

    name: str
    label: Label
    source: str
    stages: tuple[Stage, ...]
    path: str = ""
    # health-rule setting → the key of the stage it names in this playbook ([rules]): a stage, not a number,
    # because the same number is a different point of a six-stage and a ten-stage method
    rules: tuple[tuple[str, str], ...] = ()

    def __str__(self) -> str:
        return str(self.label)

    def rule_stage(self, setting: str) -> Stage | None:
        """The stage the playbook's [rules] table names for SETTING (None: the playbook names none)."""
        key = dict(self.rules).get(setting)
        return self.stage(key) if key is not None else None

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(s.key for s in self.stages)

    @property
    def first_stage(self) -> Stage:
        return self.stages[0]

    @property
    def last_stage(self) -> Stage:
        return self.stages[-1]

    def stage(self, text: str | int | Stage) -> Stage:
        """The stage named by key, number (3 or "3"), or English or Chinese label (any case)."""
        if isinstance(text, Stage):
            text = text.key
        if isinstance(text, int) and not isinstance(text, bool):
            for s in self.stages:
                if s.number == text:
                    return s
        else:
            wanted = str(text).strip()
            key = _as_key(wanted)
            for s in self.stages:
                if s.key == key:
                    return s
            if wanted.isdigit():
                for s in self.stages:
                    if s.number == int(wanted):
                        return s
            folded = wanted.casefold()
            for s in self.stages:
                if folded in (s.label.en.casefold(), s.label.zh.casefold()):
                    return s
        raise BadInput(
            _("Playbook {name} has no stage '{text}'. Stages: {keys}").format(
                name=self.name, text=text, keys=", ".join(self.keys)
            )
        )

    def index(self, key: str | int | Stage) -> int:
        """0-based position of a stage (given as anything `stage()` accepts)."""
        return self.stages.index(self.stage(key))

    def next_stage(self, key: str | int | Stage) -> Stage | None:
        """The stage after the given one, or None after the last."""
        i = self.index(key) + 1
        return self.stages[i] if i < len(self.stages) else None

    def previous_stage(self, key: str | int | Stage) -> Stage | None:
        """The stage before the given one, or None before the first."""
        i = self.index(key)
        return self.stages[i - 1] if i > 0 else None


def _as_key(text: str) -> str:
    return text.strip().lower().replace("-", "_").replace(" ", "_")


def playbook_key(name: str) -> str:
    """The name a playbook is known by, however it was typed or spelt in its file: `MINE`, `mine`, `Mine` → mine."""
    return _as_key(name)


# --- validation ---------------------------------------------------------------------------


class _Checker:
    """Validates one file's data; every error names the file and, where known, the stage."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.stage: str | None = None

    def fail(self, problem: str) -> PlaybookError:
        return PlaybookError(self.path, problem, stage=self.stage)

    def table(self, value: Any, what: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(_("{what} must be a table").format(what=what))
        return value

    def no_unknown(self, data: dict[str, Any], allowed: tuple[str, ...], what: str) -> None:
        unknown = [k for k in data if k not in allowed]
        if unknown:
            raise self.fail(
                _("unknown key '{key}' in {what} (allowed: {allowed})").format(
                    key=unknown[0], what=what, allowed=", ".join(allowed)
                )
            )

    def text(self, data: dict[str, Any], field: str, what: str) -> str:
        if field not in data:
            raise self.fail(_("{what} is missing '{field}'").format(what=what, field=field))
        value = data[field]
        if not isinstance(value, str) or not value.strip():
            raise self.fail(_("'{field}' of {what} must be a non-empty string").format(field=field, what=what))
        c = control_in(value, "\n\t")
        if c is not None:  # a label is shown in every table and report: nothing a terminal would act on
            raise self.fail(
                _("'{field}' of {what} holds the control character {char}").format(field=field, what=what, char=repr(c))
            )
        return value.strip()

    def key(self, data: dict[str, Any], what: str) -> str:
        value = self.text(data, "key", what)
        if not _KEY_RE.match(value):
            raise self.fail(_("key '{key}' of {what} must be snake_case (a-z, 0-9, _)").format(key=value, what=what))
        return value

    def label(self, data: dict[str, Any], field: str, what: str) -> Label:
        if field not in data:
            raise self.fail(_("{what} is missing '{field}'").format(what=what, field=field))
        where = _("'{field}' of {what}").format(field=field, what=what)
        table = self.table(data[field], where)
        self.no_unknown(table, _LABEL_KEYS, where)
        return Label(en=self.text(table, "en", where), zh=self.text(table, "zh", where))

    def integer(self, data: dict[str, Any], field: str, what: str) -> int:
        if field not in data:
            raise self.fail(_("{what} is missing '{field}'").format(what=what, field=field))
        value = data[field]
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(_("'{field}' of {what} must be an integer").format(field=field, what=what))
        return value

    def table_list(self, data: dict[str, Any], field: str, what: str) -> list[dict[str, Any]]:
        value = data.get(field, [])
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise self.fail(
                _("'{field}' of {what} must be a list of tables ([[...{field}]])").format(field=field, what=what)
            )
        return value


def parse_playbook(data: dict[str, Any], path: str) -> Playbook:
    """Build a Playbook from parsed TOML data, or raise PlaybookError naming `path`."""
    check = _Checker(path)
    top = _("the playbook")
    check.table(data, top)
    check.no_unknown(data, _TOP_KEYS, top)
    name = _as_key(check.text(data, "name", top))  # `name = "MINE"` is the playbook mine, as its file MINE.toml
    if not _KEY_RE.match(name):
        raise check.fail(_("name '{name}' must be snake_case (a-z, 0-9, _)").format(name=name))
    if "version" in data:
        version = check.integer(data, "version", top)
        if version != SUPPORTED_VERSION:
            raise check.fail(
                _("version {version} is not supported (this sd reads version {supported})").format(
                    version=version, supported=SUPPORTED_VERSION
                )
            )
    source = data.get("source", "")
    if not isinstance(source, str):
        raise check.fail(_("'source' must be a string"))
    label = check.label(data, "label", top)
    if "stages" not in data:
        raise check.fail(_("the playbook has no stages"))
    raw_stages = check.table_list(data, "stages", top)
    if not raw_stages:
        raise check.fail(_("the playbook has no stages"))

    stages: list[Stage] = []
    seen_keys: set[str] = set()
    previous_probability = 0
    for position, raw in enumerate(raw_stages, start=1):
        named = raw.get("key")
        check.stage = named.strip() if isinstance(named, str) and named.strip() else f"#{position}"
        stage = _parse_stage(check, raw, position)
        if stage.key in seen_keys:
            raise check.fail(_("duplicate stage key '{key}'").format(key=stage.key))
        seen_keys.add(stage.key)
        if stage.probability < previous_probability:
            raise check.fail(
                _("probability {probability} is lower than the previous stage's {previous}").format(
                    probability=stage.probability, previous=previous_probability
                )
            )
        previous_probability = stage.probability
        stages.append(stage)
    rules = _parse_rules(check, data.get("rules", {}), [s.key for s in stages])
    return Playbook(name=name, label=label, source=source.strip(), stages=tuple(stages), path=path, rules=rules)


def _parse_rules(check: _Checker, raw: Any, stage_keys: list[str]) -> tuple[tuple[str, str], ...]:
    """The [rules] table: snake_case setting names, each naming a stage key of the playbook."""
    check.stage = None
    table = check.table(raw, _("'rules'"))
    pairs = []
    for setting, value in table.items():
        if not _KEY_RE.match(setting):
            raise check.fail(_("rule setting '{key}' must be snake_case (a-z, 0-9, _)").format(key=setting))
        if not isinstance(value, str) or value not in stage_keys:
            raise check.fail(
                _("rules.{key} must name a stage of the playbook ({keys})").format(
                    key=setting, keys=", ".join(stage_keys)
                )
            )
        pairs.append((setting, value))
    return tuple(pairs)


def _parse_stage(check: _Checker, raw: dict[str, Any], position: int) -> Stage:
    what = _("the stage")
    check.no_unknown(raw, _STAGE_KEYS, what)
    key = check.key(raw, what)
    number = check.integer(raw, "number", what)
    if number != position:
        raise check.fail(
            _("number is {number}, expected {expected} (stages are numbered 1, 2, 3 … in file order)").format(
                number=number, expected=position
            )
        )
    probability = check.integer(raw, "probability", what)
    if not 0 <= probability <= 100:
        raise check.fail(
            _("probability must be an integer from 0 to 100, got {probability}").format(probability=probability)
        )
    label = check.label(raw, "label", what)
    goal = check.label(raw, "goal", what)

    markers: list[Marker] = []
    seen: set[str] = set()
    for i, m in enumerate(check.table_list(raw, "markers", what), start=1):
        where = _("marker {index}").format(index=i)
        check.no_unknown(m, _MARKER_KEYS, where)
        marker_key = check.key(m, where)
        if marker_key in seen:
            raise check.fail(_("duplicate marker key '{key}'").format(key=marker_key))
        seen.add(marker_key)
        required = m.get("required", False)
        if not isinstance(required, bool):
            raise check.fail(_("'required' of marker '{key}' must be true or false").format(key=marker_key))
        where = _("marker '{key}'").format(key=marker_key)
        text = Label(en=check.text(m, "en", where), zh=check.text(m, "zh", where))
        markers.append(Marker(key=marker_key, required=required, label=text))

    tips: list[Label] = []
    for i, t in enumerate(check.table_list(raw, "tips", what), start=1):
        where = _("tip {index}").format(index=i)
        check.no_unknown(t, _LABEL_KEYS, where)
        tips.append(Label(en=check.text(t, "en", where), zh=check.text(t, "zh", where)))

    return Stage(
        key=key,
        number=number,
        probability=probability,
        label=label,
        goal=goal,
        markers=tuple(markers),
        tips=tuple(tips),
    )


# --- files ----------------------------------------------------------------------------------


def builtin_dir() -> Path:
    """The folder of the playbooks shipped with sd (package data)."""
    return Path(__file__).resolve().parent.parent / "playbooks"


def user_dir(config_dir: Path | None) -> Path | None:
    """Where a user's own playbooks live: `<config dir>/playbooks`."""
    return None if config_dir is None else Path(config_dir) / "playbooks"


def playbook_paths(config_dir: Path | None = None) -> dict[str, Path]:
    """Playbook name → file: the built-in ones, then the user's (which shadow built-ins of the same name)."""
    paths: dict[str, Path] = {}
    folders = [builtin_dir()]
    users = user_dir(config_dir)
    if users is not None:
        folders.append(users)
    for folder in folders:
        if folder.is_dir():
            for path in sorted(folder.glob("*.toml")):
                if path.is_file():
                    paths[_as_key(path.stem)] = path  # MINE.toml is the playbook `mine`, named in any case
    return paths


def load_file(path: Path) -> Playbook:
    """Read and validate one playbook file (cached while the file is unchanged)."""
    try:
        stat = path.stat()
    except OSError as exc:
        raise PlaybookError(str(path), _("cannot read the file: {error}").format(error=exc.strerror or exc)) from exc
    return _load_cached(str(path), stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=32)
def _load_cached(path: str, mtime_ns: int, size: int) -> Playbook:
    try:
        with open(path, "rb") as handle:
            raw = handle.read()
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PlaybookError(path, _("the file is not UTF-8 text")) from exc
    except OSError as exc:
        raise PlaybookError(path, _("cannot read the file: {error}").format(error=exc.strerror or exc)) from exc
    data = _compiled(Path(path), text)
    if data is None:
        import tomllib

        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            found = _TOML_POSITION_RE.search(str(exc))
            line = int(found.group(1)) if found else None
            problem = _TOML_POSITION_RE.sub("", str(exc)).strip()
            raise PlaybookError(path, _("invalid TOML: {error}").format(error=problem), line=line) from exc
    playbook = parse_playbook(data, path)
    stem = Path(path).stem
    if playbook.name != _as_key(stem):
        raise PlaybookError(
            path,
            _("name '{name}' does not match the file name '{stem}.toml'").format(name=playbook.name, stem=stem),
        )
    return playbook


def compiled_path(path: Path) -> Path:
    """Where the parsed form of a built-in playbook file is kept (written by scripts/playbooks.py)."""
    return path.parent / "compiled" / f"{path.stem}.json"


def _compiled(path: Path, text: str) -> dict[str, Any] | None:
    """The parsed TOML of a built-in playbook from its compiled JSON (parsing 50 KB of TOML in pure Python costs
    several milliseconds at every run; JSON, a fraction of one) — only when the JSON was made from exactly TEXT,
    so an edited TOML is never shadowed by an older compilation. None: parse the TOML."""
    if path.parent != builtin_dir():
        return None
    import json

    try:
        compiled = json.loads(compiled_path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(compiled, dict) or compiled.get("source") != text or not isinstance(compiled.get("data"), dict):
        return None
    return compiled["data"]


def load_playbook(name: str = DEFAULT_PLAYBOOK, config_dir: Path | None = None) -> Playbook:
    """The playbook called `name` (built-in, or the user's in `<config dir>/playbooks`)."""
    paths = playbook_paths(config_dir)
    wanted = _as_key(name)
    if wanted not in paths:
        raise NotFound(
            _("Unknown playbook '{name}'. Available: {names}").format(name=name, names=", ".join(_ordered(paths)))
        )
    return load_file(paths[wanted])


def list_playbooks(config_dir: Path | None = None) -> list[Playbook]:
    """Every available playbook, the default first, then by name."""
    paths = playbook_paths(config_dir)
    return [load_file(paths[name]) for name in _ordered(paths)]


def _ordered(names: dict[str, Path] | list[str]) -> list[str]:
    return sorted(names, key=lambda n: (n != DEFAULT_PLAYBOOK, n))
