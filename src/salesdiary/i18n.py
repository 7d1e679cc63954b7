"""Language: gettext catalogs for every user-facing string.

`_()` marks and translates a message. The language is chosen once per process
(`set_language`), before command modules are imported, so help texts given to
Typer at import time are translated too. English is the fallback.

The catalogs live in `locale/zh/LC_MESSAGES/salesdiary.po` (compiled to `.mo`
beside it); `scripts/i18n.py` extracts the messages, updates the catalog and
compiles it. Source texts are English; placeholders use `.format(name=...)`.
`pgettext(context, text)` is for a word that needs two Chinese translations.

A process that changes language after the command modules were imported (tests
running `sd` in-process in both languages) imports them again, so that texts they
translated at import follow; a monkeypatch on a command module does not survive that.
"""

from __future__ import annotations

import gettext
import os
from collections.abc import Iterable
from pathlib import Path

DOMAIN = "salesdiary"
LOCALE_DIR = Path(__file__).parent / "locale"
LANGUAGES = ("en", "zh")

_translation: gettext.NullTranslations = gettext.NullTranslations()
_language = "en"


def normalise_language(value: str | None) -> str | None:
    """Map 'zh_CN.UTF-8', 'zh-Hans', 'ZH', 'en_US' … to 'zh' or 'en'; None if unknown."""
    if not value:
        return None
    code = value.strip().lower().replace("-", "_").split(".")[0].split("@")[0]
    if code.startswith("zh"):
        return "zh"
    if code.startswith("en") or code in ("c", "posix"):
        return "en"
    return None


def language_from_locale(environ: dict[str, str] | os._Environ[str] | None = None) -> str | None:
    env = os.environ if environ is None else environ
    for name in ("LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"):
        value = env.get(name)
        if value:
            # LANGUAGE may be a list like "zh_CN:en"
            return normalise_language(value.split(":")[0])
    return None


# Modules that call `_()` when they are imported (option help texts, table headings).
_TRANSLATED_AT_IMPORT = "salesdiary.cli."
_KEPT_MODULES = ("salesdiary.cli.app", "salesdiary.cli.state")


def set_language(lang: str) -> None:
    global _translation, _language
    previous = _language
    _language = lang if lang in LANGUAGES else "en"
    if _language == "en":
        _translation = gettext.NullTranslations()
    else:
        _translation = gettext.translation(DOMAIN, LOCALE_DIR, languages=[_language], fallback=True)
    if _language != previous:
        _forget_translated_modules()


def _forget_translated_modules() -> None:
    """A process that changes language (tests running `sd` in-process) imports the
    command modules again, so the texts they translated at import follow the new language."""
    import sys

    for name in [m for m in sys.modules if m.startswith(_TRANSLATED_AT_IMPORT) and m not in _KEPT_MODULES]:
        del sys.modules[name]


def current_language() -> str:
    return _language


def _(message: str) -> str:
    return _translation.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return _translation.ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    """Translate MESSAGE in CONTEXT (the same English word may need two Chinese ones)."""
    return _translation.pgettext(context, message)


def N_(message: str) -> str:
    """Mark a string for extraction without translating it now."""
    return message


def series(items: Iterable[str]) -> str:
    """Items of a list in a sentence, with the language's one separator: `a, b, c`; in Chinese `a、b、c`."""
    # TRANSLATORS: between the items of a list in a sentence (Chinese: the enumeration comma 、)
    return pgettext("list", ", ").join(items)
