"""Names: normalising account names and choosing a record from what a person typed."""

from __future__ import annotations

import difflib
import functools
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from salesdiary.core.errors import Ambiguous, NotFound
from salesdiary.core.validate import show
from salesdiary.i18n import _

# Chinese characters (CJK unified ideographs, their extensions and compatibility forms): a text without one of
# them is compared with names without the traditional → simplified conversion (it cannot change the answer).
_HAN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")


@dataclass(frozen=True)
class Fold:
    """The account-key fold as data: core/data/name_rules.json (legal forms, look-alike letters…, edited by hand)
    and core/data/name_tables.json (case folding, spaces, letters and digits, traditional → simplified Chinese
    characters, written by scripts/name_tables.py). PostgreSQL's sd_account_key() (migration 0009) is built from
    the same two files, so that the database and sd compute the same key for every name."""

    rules: dict
    tables: dict

    @functools.cached_property
    def before_nfkc(self) -> dict[int, int]:
        return str.maketrans(self.rules["before_nfkc"]["from"], self.rules["before_nfkc"]["to"])

    @functools.cached_property
    def casefold(self) -> dict[int, str]:
        table = self.tables["casefold"]
        return {**str.maketrans(table["from"], table["to"]), **{ord(c): f for c, f in table["long"]}}

    @functools.cached_property
    def spaces(self) -> re.Pattern[str]:
        return re.compile(f"[{re.escape(self.tables['spaces'])}]+")

    @functools.cached_property
    def separators(self) -> _Separators:
        """A str.translate table turning every character that is not a letter or digit (punctuation, spaces,
        symbols, "_") into a space."""
        return _Separators(self.tables["word"])

    @functools.cached_property
    def lookalikes(self) -> dict[int, int]:
        pairs = " ".join(self.rules["lookalikes"]["pairs"]).split()
        return str.maketrans("".join(p[0] for p in pairs), "".join(p[1] for p in pairs))

    @functools.cached_property
    def t2s(self) -> dict[int, int]:
        return str.maketrans(self.tables["t2s"]["from"], self.tables["t2s"]["to"])

    @functools.cached_property
    def legal_forms(self) -> frozenset[str]:
        return frozenset(" ".join(self.rules["legal_forms"]["forms"]).split())

    @functools.cached_property
    def joiners(self) -> frozenset[str]:
        return frozenset(self.rules["joiners"]["words"])

    @functools.cached_property
    def cjk_forms(self) -> tuple[str, ...]:
        return tuple(self.rules["cjk_forms"]["forms"])

    @functools.cached_property
    def cjk_leading(self) -> tuple[str, ...]:
        return tuple(self.rules["cjk_leading"]["forms"])


class _Separators(dict):
    """Code point → itself (a letter or digit: in one of the ranges of WORD) or " ", filled in as characters are
    met: cheaper than compiling a regular expression of the 700 ranges on every start."""

    def __init__(self, word: list[list[int]]) -> None:
        super().__init__()
        self.starts = [lo for lo, _hi in word]
        self.ends = [hi for _lo, hi in word]

    def __missing__(self, code: int) -> int | str:
        import bisect

        i = bisect.bisect_right(self.starts, code) - 1
        value: int | str = code if i >= 0 and code <= self.ends[i] else " "
        self[code] = value
        return value


@functools.cache
def the_fold() -> Fold:
    """The fold's data, read on first use (≈ 1 ms; a read that compares no names never reads it)."""
    import json
    import os

    def load(name: str) -> dict:
        with open(os.path.join(os.path.dirname(__file__), "data", f"{name}.json"), encoding="utf-8") as file:
            return json.load(file)

    return Fold(load("name_rules"), load("name_tables"))


def fold(text: str) -> str:
    """Case- and width-insensitive form for comparing what people type."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def name_fold(text: str, *, simplify: bool = True) -> str:
    """TEXT in the form in which two spellings of one organisation's name are equal: NFKC (full/half width),
    case folded, runs of spaces as one, look-alike letters as the Latin letter and traditional Chinese
    characters as simplified ones: 華東電網 and 华东电网, "Сontoso" with a Cyrillic С and "Contoso".

    SIMPLIFY=False skips the Chinese conversion (for a text that is compared with one without Chinese characters,
    where it cannot change the answer).
    """
    f = the_fold()
    folded = unicodedata.normalize("NFKC", text.translate(f.before_nfkc)).translate(f.casefold)
    folded = f.spaces.sub(" ", folded).strip(" ").translate(f.lookalikes)
    return simplified(folded) if simplify else folded


def simplified(text: str) -> str:
    """TEXT with traditional Chinese characters (mainland, Taiwan and Hong Kong forms) as simplified ones, one
    character at a time (OpenCC's character tables, without its phrase rules)."""
    return text.translate(the_fold().t2s)


def account_key(name: str) -> str:
    """The normalised account name that identifies an organisation: first reporter owns it.

    Full/half width, case, spaces, punctuation, traditional/simplified Chinese, look-alike letters of other
    scripts and legal forms at the end (有限公司, 集团, Co., Ltd., GmbH & Co. KG, S.A., K.K./株式会社 …) do not
    make a different organisation. On PostgreSQL the database computes the same key itself (sd_account_key()).
    """
    f = the_fold()
    folded = name_fold(name)
    words = [w for w in folded.translate(f.separators).split(" ") if w]
    words = [w for i, w in enumerate(words) if not (0 < i < len(words) - 1 and w in f.joiners)]
    changed = True
    while changed and len(words) > 1:
        changed = False
        for n in range(1, min(len(words) - 1, 4) + 1):  # the shortest form first: "Plan A S.A." keeps its "a"
            if "".join(words[-n:]) in f.legal_forms:
                del words[-n:]
                changed = True
                break
        else:
            last = words[-1]
            form = next((c for c in f.cjk_forms if last.endswith(c)), None)
            if form and len(last) > len(form):
                words[-1] = last[: -len(form)]
                changed = True
            elif form:
                words.pop()
                changed = True
    key = "".join(words)
    changed = True
    while changed:
        changed = False
        for form in f.cjk_forms:
            if len(key) > len(form) and key.endswith(form):
                key = key[: -len(form)]
                changed = True
        for form in f.cjk_leading:
            if len(key) > len(form) and key.startswith(form):
                key = key[len(form) :]
                changed = True
    return key or folded


@dataclass(frozen=True)
class Candidate:
    id: int
    name: str
    detail: str = ""

    def __str__(self) -> str:
        return f"#{self.id} {self.name}" + (f" ({self.detail})" if self.detail else "")


def choose(text: str, candidates: Sequence[Candidate], what: str) -> Candidate:
    """Pick the record TEXT names: exact, then unique prefix, then one close match.

    Names are compared as name_fold() has them, so 华东电网 finds 華東電網 and "Contoso" finds "Сontoso";
    a name spelt exactly as typed wins over one that is only equal folded. Several matches at any step is an
    error that lists them; never a guess.
    """
    return match(text, candidates, what)[0]


def match(text: str, candidates: Sequence[Candidate], what: str) -> tuple[Candidate, bool]:
    """The record TEXT names (as choose()) and whether it was only a close match: a part of the name or a near
    spelling, not the name itself nor the start of it. A write command says what it took then, so a typo does
    not land on another record unseen."""
    exact = [c for c in candidates if fold(c.name) == fold(text)]
    if len(exact) == 1:
        return exact[0], False
    simplify = _HAN.search(text) is not None  # text without Chinese: converting the names changes no answer
    wanted = name_fold(text, simplify=simplify)
    folded = [(name_fold(c.name, simplify=simplify), c) for c in candidates]
    for close_step, matches in (
        (False, [c for name, c in folded if name == wanted]),
        (False, [c for name, c in folded if name.startswith(wanted)]),
        (True, [c for name, c in folded if wanted and wanted in name]),
    ):
        if len(matches) == 1:
            return matches[0], close_step
        if len(matches) > 1:
            raise Ambiguous(_ambiguous(text, matches, what))
    by_name = {name: c for name, c in folded}
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
