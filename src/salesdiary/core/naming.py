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

# Legal forms: a trailing run of words that names the kind of company, not the company. Written without their
# dots, spaces and slashes, as the words at the end of a name join ("S.A." → s a → "sa", "GmbH & Co. KG" →
# gmbh co kg, each a form). Only stripped at the end and never the first word: "AG Bank" stays "agbank".
_LEGAL_FORMS = frozenset(
    # English-speaking countries, and what the old key already treated as a suffix
    "co company corp corporation inc incorporated ltd limited llc llp lp plc pty pte pvt private holdings group"
    " sdn bhd"
    # German-speaking countries
    " gmbh mbh ag kg kgaa ohg ug eg"
    # Romance languages (S.A. de C.V.: cv, then s a de → "sade")
    " sa sas sasu sarl sca scs snc eurl spa sapa srl sl slu ltda sade"
    # Low Countries, Nordics, Baltics, Central Europe
    " bv nv cv vof bvba oy oyj ab publ as asa aps se hf ehf oü uab spzoo sro doo kft zrt nyrt"
    # Japan (K.K., G.K., Y.K.) in Latin letters
    " kk gk yk".split()
)
# Words that join two legal forms or two parts of a name: dropped between words, as "&" is (it is punctuation).
_JOINERS = frozenset({"and", "und", "et"})
# Chinese and Japanese legal forms, after conversion to simplified characters: at the end (有限公司…), and the
# Japanese ones also at the start (株式会社東芝). Longest first, since the shorter end the longer.
_CJK_FORMS = (
    "股份有限公司",
    "有限责任公司",
    "有限合伙企业",
    "集团有限公司",
    "株式会社",
    "有限会社",
    "合同会社",
    "股份公司",
    "有限公司",
    "集团公司",
    "控股",
    "集团",
    "公司",
    "会社",
)
_CJK_LEADING = ("株式会社", "有限会社", "合同会社")
_PUNCT = re.compile(r"[\W_]+", re.UNICODE)
# Chinese characters (CJK unified ideographs, their extensions and compatibility forms): only a text with one
# of them needs the traditional → simplified conversion, and only then is OpenCC imported.
_HAN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")

# Look-alike letters: Cyrillic and Greek letters (and a few Latin ones) that are drawn like a Latin letter, as the
# Latin letter, so "Сontoso" with a Cyrillic С is "contoso". Derived from Unicode's confusables.txt (UTS #39,
# version 13.0): its single-letter mappings of a Cyrillic or Greek letter to an ASCII letter, applied to text
# already NFKC-normalised and case-folded. So each letter maps from its lower case: where the two cases look like
# different Latin letters (Greek Ν/ν: N and v; Υ/υ: Y and u), the capital, drawn exactly like the Latin one, wins,
# which keeps the key the same in any case. Digits (0/O, 1/l) and Latin-to-Latin look-alikes (l/I) are not folded:
# they are real differences in real names.
_LOOKALIKES = str.maketrans(
    dict(  # each pair: the letter (lower case), the Latin letter it is drawn like
        (pair[0], pair[1])
        for pairs in (
            "аa вb сc ԁd еe ҽe ԍg һh нh іi ӏi ꙇi јj кk мm оo ԛq рp ѕs гr тt ѵv ѡw ԝw хx уy үy",  # Cyrillic
            "αa βb εe ϝf ηh ιi ϳj κk μm ϻm νn οo σo ρp τt υy χx γy ζz",  # Greek
            "ıi ɑa ɡg ɩi",  # Latin
        )
        for pair in pairs.split()
    )
)
# Look-alikes that NFKC would turn into another letter first (the lunate sigma Ϲ ϲ into Σ ς).
_BEFORE_NFKC = str.maketrans("Ϲϲ", "Cc")


def fold(text: str) -> str:
    """Case- and width-insensitive form for comparing what people type."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def name_fold(text: str, *, simplify: bool = True) -> str:
    """FOLD(TEXT), with look-alike letters as the Latin letter and traditional Chinese as simplified.

    The form in which two spellings of one organisation's name are equal: 華東電網 and 华东电网, "Сontoso"
    with a Cyrillic С and "Contoso". SIMPLIFY=False skips the Chinese conversion (for a text that is compared
    with one without Chinese characters, where it cannot change the answer).
    """
    folded = fold(text.translate(_BEFORE_NFKC)).translate(_LOOKALIKES)
    if simplify and _HAN.search(folded):
        folded = simplified(folded)
    return folded


def simplified(text: str) -> str:
    """TEXT with traditional Chinese characters (mainland, Taiwan and Hong Kong forms) as simplified ones."""
    for convert in _converters():
        text = convert(text)
    return text


@functools.cache
def _converters() -> tuple:
    """OpenCC's Hong Kong and Taiwan → simplified conversions (imported on first use: ≈ 20 ms)."""
    import opencc

    return tuple(opencc.OpenCC(config).convert for config in ("hk2s", "tw2s"))


def account_key(name: str) -> str:
    """The normalised account name that identifies an organisation: first reporter owns it.

    Full/half width, case, spaces, punctuation, traditional/simplified Chinese, look-alike letters of other
    scripts and legal forms at the end (有限公司, 集团, Co., Ltd., GmbH & Co. KG, S.A., K.K./株式会社 …) do not
    make a different organisation.
    """
    folded = name_fold(name)
    words = _PUNCT.sub(" ", folded).split()
    words = [w for i, w in enumerate(words) if not (0 < i < len(words) - 1 and w in _JOINERS)]
    changed = True
    while changed and len(words) > 1:
        changed = False
        for n in range(1, min(len(words) - 1, 4) + 1):  # the shortest form first: "Plan A S.A." keeps its "a"
            if "".join(words[-n:]) in _LEGAL_FORMS:
                del words[-n:]
                changed = True
                break
        else:
            last = words[-1]
            form = next((f for f in _CJK_FORMS if last.endswith(f)), None)
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
        for form in _CJK_FORMS:
            if len(key) > len(form) and key.endswith(form):
                key = key[: -len(form)]
                changed = True
        for form in _CJK_LEADING:
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
