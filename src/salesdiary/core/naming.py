"""Names: normalising account names and choosing a record from what a person typed."""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from salesdiary.core.errors import Ambiguous, NotFound
from salesdiary.core.validate import show
from salesdiary.i18n import _

_SUFFIXES = (
    "股份有限公司",
    "有限责任公司",
    "有限公司",
    "集团公司",
    "集团",
    "公司",
    "corporation",
    "incorporated",
    "company",
    "limited",
    "holdings",
    "group",
    "corp",
    "inc",
    "ltd",
    "llc",
    "gmbh",
    "plc",
    "co",
)
_PUNCT = re.compile(r"[\W_]+", re.UNICODE)


def fold(text: str) -> str:
    """Case- and width-insensitive form for comparing what people type."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def account_key(name: str) -> str:
    """The normalised account name that identifies an organisation.

    Full/half width, case, spaces, punctuation and legal suffixes (有限公司, 集团,
    Co., Ltd.) do not make a different organisation.
    """
    words = _PUNCT.sub(" ", fold(name)).split()
    while len(words) > 1 and words[-1] in _SUFFIXES:
        words.pop()
    key = "".join(words)
    changed = True
    while changed:
        changed = False
        for suffix in _SUFFIXES:
            if len(key) > len(suffix) and key.endswith(suffix) and not suffix.isascii():
                key = key[: -len(suffix)]
                changed = True
    return key or fold(name)


@dataclass(frozen=True)
class Candidate:
    id: int
    name: str
    detail: str = ""

    def __str__(self) -> str:
        return f"#{self.id} {self.name}" + (f" ({self.detail})" if self.detail else "")


def choose(text: str, candidates: Sequence[Candidate], what: str) -> Candidate:
    """Pick the record TEXT names: exact, then unique prefix, then one close match.

    Several matches at any step is an error that lists them; never a guess.
    """
    return match(text, candidates, what)[0]


def match(text: str, candidates: Sequence[Candidate], what: str) -> tuple[Candidate, bool]:
    """The record TEXT names (as choose()) and whether it was only a close match: a part of the name or a near
    spelling, not the name itself nor the start of it. A write command says what it took then, so a typo does
    not land on another record unseen."""
    wanted = fold(text)
    for close_step, matches in (
        (False, [c for c in candidates if fold(c.name) == wanted]),
        (False, [c for c in candidates if fold(c.name).startswith(wanted)]),
        (True, [c for c in candidates if wanted and wanted in fold(c.name)]),
    ):
        if len(matches) == 1:
            return matches[0], close_step
        if len(matches) > 1:
            raise Ambiguous(_ambiguous(text, matches, what))
    by_name = {fold(c.name): c for c in candidates}
    close = difflib.get_close_matches(wanted, list(by_name), n=5, cutoff=0.75)
    if len(close) == 1:
        return by_name[close[0]], True
    if close:
        raise Ambiguous(_ambiguous(text, [by_name[n] for n in close], what))
    raise NotFound(_("No {what} matches {text!r}.").format(what=what, text=show(text, 80)))


def _ambiguous(text: str, matches: Sequence[Candidate], what: str) -> str:
    shown = "; ".join(str(c) for c in matches[:10])
    more = _(" and {n} more").format(n=len(matches) - 10) if len(matches) > 10 else ""
    return _("{text!r} matches more than one {what}: {shown}{more}. Use the id or a longer name.").format(
        text=show(text, 80), what=what, shown=shown, more=more
    )
