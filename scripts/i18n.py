"""Keep the Chinese catalog in step with the code.

Run with the project's virtualenv (babel comes with the `test` extra):

    .venv/bin/python scripts/i18n.py            # the usual pass: update, compile, check
    .venv/bin/python scripts/i18n.py extract    # write locale/salesdiary.pot
    .venv/bin/python scripts/i18n.py update     # extract, then merge into zh/LC_MESSAGES/salesdiary.po
    .venv/bin/python scripts/i18n.py compile    # salesdiary.po -> salesdiary.mo
    .venv/bin/python scripts/i18n.py check      # list what has no Chinese yet (exit 1 if anything)

Messages come from two places:
- the sources under src/, by babel's Python extractor, keywords `_`, `N_`,
  `ngettext:1,2` and `pgettext:1c,2`;
- the command tree Typer builds from the app: command help taken from
  docstrings, and argument names as usage lines show them (context "argument").

`update` keeps every translation whose msgid still exists, offers a fuzzy
guess for a changed msgid (a fuzzy entry counts as untranslated until a person
checks it and removes the flag) and drops msgids the code no longer has. After
translating, run `compile`, then `check`. The .mo is committed; a test fails
when it is not what the .po compiles to.
"""

from __future__ import annotations

import io
import re
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src"
LOCALE = SRC / "salesdiary" / "locale"
POT = LOCALE / "salesdiary.pot"
PO = LOCALE / "zh" / "LC_MESSAGES" / "salesdiary.po"
MO = PO.with_suffix(".mo")
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2), "pgettext": ((1, "c"), 2)}
WIDTH = 120
_PLACEHOLDER = re.compile(r"(?<!\{)\{([^{}]*)\}(?!\})")


def extract() -> object:
    """A babel Catalog of every message in the sources and the built app."""
    from babel.messages.extract import extract_from_dir

    catalog = _new_catalog(None)
    for filename, lineno, message, comments, context in extract_from_dir(
        str(SRC), method_map=[("**.py", "python")], keywords=KEYWORDS, comment_tags=("TRANSLATORS:",)
    ):
        catalog.add(
            message,
            locations=[(f"src/{filename}", lineno)],
            auto_comments=comments,
            context=context,
            flags=_flags(message),
        )
    for message, location, comment, context in app_messages():
        if (context, message) not in _keys(catalog):
            catalog.add(message, locations=[location], auto_comments=[comment], context=context, flags=_flags(message))
        else:
            catalog.get(message, context=context).locations.append(location)
    return catalog


def app_messages() -> Iterator[tuple[str, tuple[str, int], str, str | None]]:
    """(message, location, comment, context) for what only the built app knows: docstring help, argument names."""
    import inspect

    import typer.main

    from salesdiary.i18n import set_language

    set_language("en")
    from salesdiary.cli.app import build_app
    from salesdiary.cli.localise import walk

    for command in walk(typer.main.get_command(build_app())):
        location = _location(command.callback)
        if command.help and command.callback is not None and inspect.getdoc(_unwrap(command.callback)) == command.help:
            yield (
                command.help,
                location,
                "Help of a command (from its docstring); the first line is shown in lists.",
                None,
            )
        for param in command.params:
            if param.param_type_name == "argument" and param.metavar is None and param.name:
                yield (
                    param.name,
                    location,
                    "An argument's name as usage lines show it, e.g. `sd deal show {deal}`.",
                    "argument",
                )


def _unwrap(fn: object) -> object:
    import inspect

    return inspect.unwrap(fn)  # type: ignore[arg-type]


def _location(callback: object) -> tuple[str, int]:
    import inspect

    try:
        fn = _unwrap(callback)
        path = Path(inspect.getsourcefile(fn) or "").resolve()  # type: ignore[arg-type]
        return str(path.relative_to(ROOT)), inspect.getsourcelines(fn)[1]  # type: ignore[arg-type]
    except (TypeError, ValueError, OSError):
        return "src/salesdiary/cli/app.py", 0


def _keys(catalog: object) -> set[tuple[str | None, object]]:
    return {(m.context, m.id) for m in catalog if m.id}  # type: ignore[attr-defined]


def _flags(message: object) -> tuple[str, ...]:
    texts = message if isinstance(message, tuple) else (message,)
    return ("python-brace-format",) if any(_PLACEHOLDER.search(t or "") for t in texts) else ()


def _new_catalog(locale: str | None) -> object:
    from babel.messages.catalog import Catalog

    return Catalog(
        locale=locale,
        project="salesdiary",
        version=_version(),
        copyright_holder="the salesdiary authors",
        msgid_bugs_address="",
        last_translator="the salesdiary authors",
        language_team="Simplified Chinese" if locale else None,
        header_comment="# Messages of salesdiary (`sd`). Maintained with scripts/i18n.py; see its docstring.",
        fuzzy=False,
    )


def _version() -> str:
    from salesdiary import __version__

    return __version__


def _po_bytes(catalog: object) -> bytes:
    from babel.messages.pofile import write_po

    buf = io.BytesIO()
    write_po(buf, catalog, width=WIDTH, include_lineno=False, ignore_obsolete=True)  # type: ignore[arg-type]
    return buf.getvalue()


def _without_dates(data: bytes) -> bytes:
    return re.sub(rb'"(POT-Creation-Date|PO-Revision-Date): [^"]*"', b"", data)


def _write_if_changed(path: Path, data: bytes) -> bool:
    """Write DATA unless the file already says the same (dates in the header aside)."""
    if path.exists() and _without_dates(path.read_bytes()) == _without_dates(data):
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return True


def read_po(path: Path | None = None) -> object:
    from babel.messages.pofile import read_po as _read

    with open(path or PO, "rb") as fh:
        return _read(fh, locale="zh")


def cmd_extract() -> object:
    template = extract()
    changed = _write_if_changed(POT, _po_bytes(template))
    print(f"{POT.relative_to(ROOT)}: {len(template)} messages{' (updated)' if changed else ''}")
    return template


def cmd_update() -> None:
    template = cmd_extract()
    catalog = read_po() if PO.exists() else _new_catalog("zh")
    before = {key for key in _keys(catalog)}
    catalog.update(template, update_creation_date=False)  # type: ignore[attr-defined]
    added = _keys(catalog) - before
    _write_if_changed(PO, _po_bytes(catalog))
    print(f"{PO.relative_to(ROOT)}: {len(catalog)} messages, {len(added)} new")  # type: ignore[arg-type]


def compiled(catalog: object) -> bytes:
    """The .mo bytes for CATALOG (fuzzy entries left out)."""
    from babel.messages.mofile import write_mo

    buf = io.BytesIO()
    write_mo(buf, catalog, use_fuzzy=False)  # type: ignore[arg-type]
    return buf.getvalue()


def cmd_compile() -> None:
    data = compiled(read_po())
    if not MO.exists() or MO.read_bytes() != data:
        MO.write_bytes(data)
        print(f"{MO.relative_to(ROOT)}: compiled")
    else:
        print(f"{MO.relative_to(ROOT)}: up to date")


def problems(template: object | None = None) -> list[str]:
    """What a Chinese reader would miss: msgids of the code without a usable translation,
    translations whose {placeholders} differ from the English, and a stale .mo."""
    template = extract() if template is None else template
    catalog = read_po()
    found: list[str] = []
    for message in template:  # type: ignore[attr-defined]
        if not message.id:
            continue
        entry = catalog.get(message.id, context=message.context)  # type: ignore[attr-defined]
        label = _label(message)
        if entry is None:
            found.append(f"missing from the .po (run update): {label}")
            continue
        strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        if entry.fuzzy:
            found.append(f"fuzzy (check the translation, then remove the flag): {label}")
        elif not all(strings):
            found.append(f"untranslated: {label}")
        else:
            ids = message.id if isinstance(message.id, tuple) else (message.id,)
            wanted = set(_PLACEHOLDER.findall(ids[-1]))
            for text in strings:
                if set(_PLACEHOLDER.findall(text)) != wanted:
                    found.append(f"placeholders differ from the English: {label} -> {text!r}")
    if not MO.exists() or MO.read_bytes() != compiled(catalog):
        found.append(f"{MO.relative_to(ROOT)} is not what the .po compiles to (run compile)")
    return found


def _label(message: object) -> str:
    msgid = message.id  # type: ignore[attr-defined]
    text = repr(msgid[0] if isinstance(msgid, tuple) else msgid)
    return f"[{message.context}] {text}" if message.context else text  # type: ignore[attr-defined]


def cmd_check(template: object | None = None) -> int:
    found = problems(template)
    for line in found:
        print(line)
    print(f"{len(found)} problem(s)" if found else "Every message has a Chinese translation.")
    return 1 if found else 0


def main(argv: list[str]) -> int:
    action = argv[0] if argv else "all"
    if action == "extract":
        cmd_extract()
    elif action == "update":
        cmd_update()
    elif action == "compile":
        cmd_compile()
    elif action == "check":
        return cmd_check()
    elif action == "all":
        cmd_update()
        cmd_compile()
        return cmd_check()
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(SRC))
    sys.exit(main(sys.argv[1:]))
