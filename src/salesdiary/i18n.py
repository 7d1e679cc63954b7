"""Language: gettext catalogs for every user-facing string.

`_()` marks and translates a message. The language is chosen once per process
(`set_language`); English is the fallback. Texts given to Typer when the command
modules are imported (option help) are marked `N_()` and stay English there:
`cli.localise` translates them on the command tree built for each run.

The catalogs live in `locale/zh/LC_MESSAGES/salesdiary.po` (compiled to `.mo`
beside it); `scripts/i18n.py` extracts the messages, updates the catalog and
compiles it. Source texts are English; placeholders use `.format(name=...)`.
`pgettext(context, text)` is for a word that needs two Chinese translations.

So a process may change language at any time (tests run `sd` in-process in both
languages): nothing is translated at import, and no module is imported again.
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


def set_language(lang: str) -> None:
    global _translation, _language
    _language = lang if lang in LANGUAGES else "en"
    if _language == "en":
        _translation = gettext.NullTranslations()
    else:
        _translation = gettext.translation(DOMAIN, LOCALE_DIR, languages=[_language], fallback=True)


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
