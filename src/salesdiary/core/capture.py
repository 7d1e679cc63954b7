"""One-line capture (`sd log "拜访了华为张伟，下周三回电"`): a note as a rep types it, read into a visit.

Deterministic and local: no model, no network. What the note says is found by

- dates: core/dates.py's `find_dates` (the journal's own date rules): the first past or present date is when it
  happened (default today), the first future one the follow-up;
- words: core/data/capture_words.json (activity kinds, honorifics, surnames, the words around a follow-up),
  one table for zh and en;
- names: a `Directory` (store/reads/capture_reads.py) that answers from the database's indexes: accounts whose
  normalised name (account.name_key) starts with a few characters of the note, people of one account, people of
  a given name, an account's open deals. The note is never compared with every account name in Python.

`read_note` returns a `Capture`: what was understood, what it is unsure of (and why), and what is missing for it
to be written (no account, a person that could be several).
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from salesdiary.core.errors import NotFound, SdError
from salesdiary.i18n import _

# --- what a directory answers ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Found:
    """A record the note names: its id and name; ACCOUNT_ID for a contact or a deal; DETAIL: an account's
    name_key, a contact's title."""

    id: int
    name: str
    account_id: int | None = None
    detail: str = ""

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name}


class Directory(Protocol):
    """The journal's names, as the note reader asks for them (each answer from an index)."""

    def account(self, ref: str) -> Found:
        """The account REF names (id, name, prefix, close match) as `sd` resolves it; NotFound, Ambiguous."""
        ...

    def accounts_starting(self, probes: Sequence[str]) -> list[Found]:
        """Accounts whose name_key starts with one of PROBES (a few per probe); DETAIL holds the name_key."""
        ...

    def people_named(self, names: Sequence[str], first_names: Sequence[str]) -> list[Found]:
        """Contacts named exactly one of NAMES, or whose name starts with one of FIRST_NAMES and a space."""
        ...

    def people_of(self, account_id: int) -> list[Found]:
        """The contacts of one account (DETAIL: their title)."""
        ...

    def deal(self, ref: str, account_id: int | None) -> Found:
        """The deal REF names (at the account, when known); NotFound, Ambiguous."""
        ...

    def open_deals(self, account_id: int) -> list[Found]:
        """The account's open deals."""
        ...


# --- the words ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Words:
    """core/data/capture_words.json, ready to use."""

    kinds: tuple[tuple[str, str], ...]  # (word, kind), longest first
    generic_kinds: frozenset[str]
    titles: tuple[str, ...]
    roles: tuple[str, ...]  # titles and roles that may stand before or after a name (采购刘建国, 黄丽工程师)
    familiar: tuple[str, ...]
    en_honorifics: frozenset[str]
    surnames: frozenset[str]
    double_surnames: tuple[str, ...]
    not_names: frozenset[str]
    name_enders: frozenset[str]
    zh_drop: tuple[str, ...]
    en_drop: tuple[str, ...]
    en_actions: tuple[str, ...]
    zh_past: tuple[str, ...]  # told_in_past: the words that tell a bare weekday is past or ahead
    zh_not_past: tuple[str, ...]
    zh_ahead_at_once: tuple[str, ...]
    zh_ahead: tuple[str, ...]
    en_past: tuple[str, ...]
    en_ahead: tuple[str, ...]
    places: tuple[str, ...]  # place names an account's name may start with and a note leave out, longest first


@functools.cache
def words() -> Words:
    import json
    import os

    with open(os.path.join(os.path.dirname(__file__), "data", "capture_words.json"), encoding="utf-8") as file:
        data = json.load(file)
    kinds = [(w.lower(), kind) for kind, ws in data["kinds"]["words"].items() for w in ws]
    h = data["honorifics"]
    return Words(
        kinds=tuple(sorted(kinds, key=lambda p: -len(p[0]))),
        generic_kinds=frozenset(data["kinds"]["generic"]),
        titles=tuple(sorted(h["zh_titles"], key=len, reverse=True)),
        roles=tuple(sorted({*h["zh_titles"], *h["zh_roles"]}, key=len, reverse=True)),
        familiar=tuple(h["zh_familiar"]),
        en_honorifics=frozenset(h["en"]),
        surnames=frozenset(data["surnames"]["single"]),
        double_surnames=tuple(data["surnames"]["double"]),
        not_names=frozenset(data["not_names"]["words"]),
        name_enders=frozenset(data["names_end_before"]["chars"]),
        zh_drop=tuple(data["follow_up"]["zh_drop"]),
        en_drop=tuple(sorted(data["follow_up"]["en_drop"], key=len, reverse=True)),
        en_actions=tuple(sorted(data["follow_up"]["en_actions"], key=len, reverse=True)),
        zh_past=tuple(data["told_in_past"]["zh_past"]),
        zh_not_past=tuple(data["told_in_past"]["zh_not_past"]),
        zh_ahead_at_once=tuple(sorted(data["told_in_past"]["zh_ahead_at_once"], key=len, reverse=True)),
        zh_ahead=tuple(data["told_in_past"]["zh_ahead"]),
        en_past=tuple(data["told_in_past"]["en_past"]),
        en_ahead=tuple(data["told_in_past"]["en_ahead"]),
        places=tuple(sorted(data["places"]["words"], key=len, reverse=True)),
    )


# --- what a note says --------------------------------------------------------------------------------------


@dataclass
class Capture:
    """One note read: the records it names, what it says, and what is uncertain or missing.

    `unsure` maps a field to why its value is a guess; `missing` maps a field to what must be settled before the note
    can be written (without a terminal to ask, it is an error)."""

    text: str
    date: dt.date
    kind: str
    summary: str
    account: Found | None = None
    deal: Found | None = None
    contacts: list[Found] = field(default_factory=list)
    new_contacts: list[str] = field(default_factory=list)
    next_step: str | None = None
    follow_up_date: dt.date | None = None
    unsure: dict[str, str] = field(default_factory=dict)
    missing: dict[str, str] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        """What `sd log --json` prints for the note."""
        return {
            "account": self.account.as_json() if self.account else None,
            "deal": self.deal.as_json() if self.deal else None,
            "contacts": [c.as_json() for c in self.contacts],
            "new_contacts": list(self.new_contacts),
            "kind": self.kind,
            "date": self.date.isoformat(),
            "summary": self.summary,
            "next_step": self.next_step,
            "follow_up_date": self.follow_up_date.isoformat() if self.follow_up_date else None,
            "unsure": dict(self.unsure),
        }


_MARKER = re.compile(r"(?<![A-Za-z0-9_@#.])([@#])(?=[^\s@#])")
_CLAUSE_END = re.compile(r"[，,。；;！!？?\n]|\.(?=\s|$)|\s[-–—]\s")
_NOT_AFTER_LETTER = r"(?<![A-Za-z])"  # a Latin word's edge (\b would not see one between 的 and Priya)
_NOT_BEFORE_LETTER = r"(?![A-Za-z])"
_SPACE_OR_PUNCT = " \t，,。；;！!？?、：:.()（）\"'“”‘’-—~～"


def _is_han(c: str) -> bool:
    """A Chinese character (CJK unified ideographs, extension A, compatibility forms): a range test, cheaper on
    every start than compiling a character class."""
    o = ord(c[0]) if c else 0
    return 0x4E00 <= o <= 0x9FFF or 0x3400 <= o <= 0x4DBF or 0xF900 <= o <= 0xFAFF


def _is_word(c: str) -> bool:
    return c.isascii() and (c.isalnum() or c in "'&")


class _Note:
    """The note's characters and who has claimed which (a marker, a date, a kind word, a name)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.lower = "".join(c.lower() if len(c.lower()) == 1 else c for c in text)
        self.claimed: list[str | None] = [None] * len(text)

    def claim(self, start: int, end: int, what: str) -> None:
        for i in range(start, end):
            self.claimed[i] = what

    def free(self, start: int, end: int) -> bool:
        return all(self.claimed[i] is None for i in range(start, end))

    def word_at(self, start: int, end: int) -> bool:
        """TEXT[start:end] stands as a whole word where it begins or ends in Latin letters."""
        t = self.text
        if _is_word(t[start]) and start > 0 and _is_word(t[start - 1]):
            return False
        return not (_is_word(t[end - 1]) and end < len(t) and _is_word(t[end]))

    def find_all(self, word: str) -> list[int]:
        out, i = [], self.lower.find(word)
        while i >= 0:
            if self.word_at(i, i + len(word)):
                out.append(i)
            i = self.lower.find(word, i + 1)
        return out


def read_note(text: str, today: dt.date, names: Directory) -> Capture:
    """What the note TEXT says (see the module doc), TODAY being the day dates are read from."""
    from salesdiary.core.dates import find_dates

    w = words()
    note = _Note(text)
    summary = _MARKER.sub("", text).strip()
    cap = Capture(text=text, date=today, kind="visit", summary=summary)

    account_ref, deal_ref = _markers(note, names, cap)

    spans = [s for s in find_dates(text, today) if note.free(s.start, s.end)]  # not inside an @name or #name
    spans = [s.in_the_past(today) if s.weekday is not None and _told_in_past(note, s, spans, w) else s for s in spans]
    past = [s for s in spans if s.date <= today]
    future = [s for s in spans if s.date > today]
    for s in spans:
        note.claim(s.start, s.end, "date")
    if past:
        cap.date = past[0].date
    _unread_slash_dates(text, today, spans, cap)

    kind_hits = _kind_words(note, w)

    if account_ref is not None:
        cap.account = account_ref
    else:
        _account_in_text(note, names, cap)
    _people(note, names, cap, w)
    if cap.account is None and "account" not in cap.missing:
        _account_by_place(note, names, cap)
        if cap.account is not None:
            _people(note, names, cap, w)
    _deal(note, names, cap, deal_ref)
    if future:
        _follow_up(note, cap, future[0], w)
    _kind(note, cap, kind_hits, w)
    _new_people(note, cap, w)
    if cap.account is None:
        cap.missing.setdefault("account", _("no account: name it in the note or with @name"))
    return cap


def _told_in_past(note: _Note, span: Any, spans: Sequence[Any], w: Words) -> bool:
    """Whether the note tells the bare weekday SPAN in the past ("周一拜访了华为张总", "met Priya at Contoso on
    Monday": the day it last was) rather than ahead ("周五前发报价", "call back Monday": a follow-up). The words
    are capture_words.json's told_in_past; with none of them the weekday stays ahead, as `parse_date` reads it."""
    text = note.text
    clause_start = max([m.end() for m in _CLAUSE_END.finditer(text, 0, span.start)], default=0)
    m = _CLAUSE_END.search(text, span.end)
    clause_end = min([m.start() if m else len(text), *(s.start for s in spans if s.start >= span.end)])
    if _is_han(text[span.start]):
        if any(text.startswith(word, span.end) for word in w.zh_ahead_at_once):
            return False
        for k in range(span.end, clause_end):
            if any(text.startswith(word, k) for word in w.zh_ahead):
                return False
            if any(text.startswith(word, k) for word in w.zh_past) and not any(
                text.startswith(word, k - word.index(text[k])) for word in w.zh_not_past if text[k] in word
            ):
                return True
        return False
    cues: list[tuple[int, bool]] = []  # (where, told in the past)
    for words_, past in ((w.en_past, True), (w.en_ahead, False), (w.en_actions, False)):
        for word in words_:
            cues.extend((i, past) for i in note.find_all(word) if clause_start <= i and i + len(word) <= clause_end)
    before = [c for c in cues if c[0] < span.start]
    if before:
        return max(before)[1]
    after = [c for c in cues if c[0] >= span.end]
    return bool(after) and min(after)[1]


def _unread_slash_dates(text: str, today: dt.date, spans: Sequence[Any], cap: Capture) -> None:
    """A slash date that reads two ways (12/02) is not taken; the note says why it kept today (or the date it
    read) instead: `--dates` or `dates.order` settle the order."""
    from salesdiary.core.dates import parse_date

    for m in re.finditer(r"(?<![0-9/])[0-9]{1,2}/[0-9]{1,2}(?:/[0-9]{4})?(?![0-9/])", text):
        if any(s.start <= m.start() < s.end for s in spans):
            continue
        try:
            parse_date(m.group(), today)
        except SdError as exc:
            cap.unsure.setdefault("date", exc.message)


# --- @account and #deal ------------------------------------------------------------------------------------


def _markers(note: _Note, names: Directory, cap: Capture) -> tuple[Found | None, str | None]:
    """@name and #name: the longest run after the marker that names a record (a marker may run into the next
    words: "@华为张伟"). The deal is resolved once the account is known."""
    account: Found | None = None
    deal_ref: str | None = None
    text = note.text
    for m in _MARKER.finditer(text):
        start = end = m.start() + 1
        while end < len(text) and text[end] not in _SPACE_OR_PUNCT and text[end] not in "@#":
            end += 1
        word = text[start:end]
        if m.group(1) == "#":
            deal_ref = word
            note.claim(start - 1, end, "deal")
            continue
        error: str | None = None
        for stop in range(len(word), 0, -1):
            try:
                account = names.account(word[:stop])
            except NotFound as exc:
                error = error or exc.message
                continue
            except SdError as exc:
                error = exc.message
                break
            note.claim(start - 1, start + stop, "account")
            error = None
            break
        if error:
            cap.missing["account"] = error
            note.claim(start - 1, end, "marker")
    return account, deal_ref


# --- kinds -------------------------------------------------------------------------------------------------


def _kind_words(note: _Note, w: Words) -> list[tuple[int, int, str]]:
    """Every activity word in the note, (start, end, kind), claimed (so that no name is read into it)."""
    hits: list[tuple[int, int, str]] = []
    for word, kind in w.kinds:
        for i in note.find_all(word):
            if note.free(i, i + len(word)):
                note.claim(i, i + len(word), "kind")
                hits.append((i, i + len(word), kind))
    return sorted(hits)


def _kind(note: _Note, cap: Capture, hits: list[tuple[int, int, str]], w: Words) -> None:
    """The first specific kind outside the follow-up (and outside any name), else visit."""
    mine = [(i, kind) for i, end, kind in hits if all(note.claimed[k] == "kind" for k in range(i, end))]
    specific = [kind for _i, kind in mine if kind not in w.generic_kinds]
    if specific:
        cap.kind = specific[0]
    elif mine:
        cap.kind = mine[0][1]


# --- the account -------------------------------------------------------------------------------------------


def _keyed(note: _Note) -> tuple[str, list[int]]:
    """The note folded as account keys are (store/…name_key), one character at a time, with letters and digits
    only, and where each came from in the note. A claimed character (a date, a kind word) is kept as a gap."""
    from salesdiary.core.naming import name_fold

    chars: list[str] = []
    where: list[int] = []
    for i, c in enumerate(note.text):
        if note.claimed[i] is not None:
            chars.append("\0")
            where.append(i)
            continue
        folded = name_fold(c) if not c.isascii() else c.lower()
        kept = "".join(ch for ch in folded if ch.isalnum())
        if not kept:
            chars.append(" ")
            where.append(i)
            continue
        for ch in kept:
            chars.append(ch)
            where.append(i)
    return "".join(chars), where


def _starts(keyed: str) -> list[int]:
    """Where an account name may start: at any Chinese character, at the start of a Latin word."""
    out = []
    for i, c in enumerate(keyed):
        if c in " \0":
            continue
        if _is_han(c) or not (i > 0 and keyed[i - 1].isascii() and keyed[i - 1].isalnum()):
            out.append(i)
    return out


def _run(keyed: str, i: int) -> str:
    """The note's letters from I to the next gap (space or claimed character), spaces between Latin words
    dropped as the key drops them."""
    out = []
    j = i
    while j < len(keyed) and keyed[j] != "\0":
        if keyed[j] != " ":
            out.append(keyed[j])
        j += 1
    return "".join(out)


def _account_in_text(note: _Note, names: Directory, cap: Capture) -> None:
    keyed, where = _keyed(note)
    starts = _starts(keyed)
    probes: list[str] = []
    for i in starts:
        c = keyed[i]
        if _is_han(c):
            run = _run(keyed, i)
            if len(run) >= 2:
                probes.append(run[:2])
            if len(run) >= 4:
                probes.append(run[:4])
        else:
            m = re.match(r"[a-z0-9&']+", keyed[i:])
            if m and len(m.group()) >= 3:
                probes.append(m.group())
    if not probes:
        return
    accounts = names.accounts_starting(list(dict.fromkeys(probes)))
    _choose(note, cap, _named(keyed, where, starts, accounts, lambda key: key))


def _account_by_place(note: _Note, names: Directory, cap: Capture) -> None:
    """A short form without its leading place (申通 for 上海申通地铁…, 移动 for 中国移动江苏公司), asked when the
    note named no account otherwise (nor its people did): the note's two-character runs after each place of
    capture_words.json's places, from the index (a bounded number of probes; no account name is read otherwise).
    Taken only when one account fits."""
    keyed, where = _keyed(note)
    starts = _starts(keyed)
    places = words().places
    runs = {_run(keyed, i)[:2] for i in starts if _is_han(keyed[i])}
    short = [place + run for run in sorted(runs) if len(run) == 2 for place in places]
    if not short:
        return

    def unplaced(key: str) -> str:
        place = next((p for p in places if key.startswith(p)), "")
        return key[len(place) :] if place else "\0"

    _choose(note, cap, _named(keyed, where, starts, names.accounts_starting(short), unplaced))


def _choose(note: _Note, cap: Capture, best: dict[int, tuple[tuple[int, int], int, int, Found]]) -> None:
    """The account the note names best, or (several named as well) what is unsure and missing."""
    if not best:
        return
    ranked = sorted(best.values(), key=lambda b: b[0], reverse=True)
    top = ranked[0]
    rivals = [b for b in ranked if b[0] == top[0] and b[3].id != top[3].id]
    if rivals:
        shown = ", ".join(f"#{b[3].id} {b[3].name}" for b in [top, *rivals][:5])
        typed = note.text[top[1] : top[2]]
        cap.unsure["account"] = _("{text!r} could be {records}").format(text=typed, records=shown)
        cap.missing["account"] = _("which account {text!r} is: {records}").format(text=typed, records=shown)
        return
    cap.account = top[3]
    note.claim(top[1], top[2], "account")


def _named(
    keyed: str, where: list[int], starts: list[int], accounts: list[Found], key_of: Any
) -> dict[int, tuple[tuple[int, int], int, int, Found]]:
    """The ACCOUNTS the note names, by how much of KEY_OF(name_key) a run of the note spells from its start: account
    id → (score, start, end in the note, the account)."""
    best: dict[int, tuple[tuple[int, int], int, int, Found]] = {}
    for i in starts:
        run_end, run = _mapped_run(keyed, i)
        for a in accounts:
            key = key_of(a.detail)
            n = _common(key, run)
            if n < 2:
                continue
            whole = n == len(key)
            latin = not _is_han(key[0])
            if latin:
                if n < 3 or not _ends_word(keyed, run_end[n - 1]):
                    continue
            score = (1 if whole else 0, n)
            end = where[run_end[n - 1]] + 1
            if a.id not in best or score > best[a.id][0]:
                best[a.id] = (score, where[i], end, a)
    return best


def _mapped_run(keyed: str, i: int) -> tuple[list[int], str]:
    """_run() with the keyed index of each of its characters."""
    idx: list[int] = []
    out: list[str] = []
    j = i
    while j < len(keyed) and keyed[j] != "\0":
        if keyed[j] != " ":
            idx.append(j)
            out.append(keyed[j])
        j += 1
    return idx, "".join(out)


def _common(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


def _ends_word(keyed: str, j: int) -> bool:
    return j + 1 >= len(keyed) or not (keyed[j + 1].isascii() and keyed[j + 1].isalnum()) or _is_han(keyed[j])


# --- people ------------------------------------------------------------------------------------------------


def _candidate_names(note: _Note, w: Words) -> tuple[list[str], list[str]]:
    """Words of the note that may be a person's full name (Chinese: a surname and one or two characters; Latin:
    one or two capitalised words) and Latin first names, for a lookup by name."""
    text = note.text
    full: list[str] = []
    first: list[str] = []
    for i, c in enumerate(text):
        if note.claimed[i] is not None:
            continue
        if c in w.surnames or text[i : i + 2] in w.double_surnames:
            for n in (2, 3, 4):
                chunk = text[i : i + n]
                if len(chunk) == n and all(_is_han(x) for x in chunk) and note.free(i, i + n):
                    full.append(chunk)
    for m in re.finditer(rf"{_NOT_AFTER_LETTER}([A-Z][a-z]+)(?:\s+([A-Z][a-z'-]+))?{_NOT_BEFORE_LETTER}", text):
        if not note.free(m.start(), m.end()):
            continue
        first.append(m.group(1))
        if m.group(2):
            full.append(f"{m.group(1)} {m.group(2)}")
    return full, first


def _people(note: _Note, names: Directory, cap: Capture, w: Words) -> None:
    if cap.account is None:
        full, first = _candidate_names(note, w)
        if not full and not first:
            return
        known = names.people_named(full, first)
        accounts = {p.account_id for p in known if _mentioned(note, p, w)}
        if len(accounts) == 1:
            account_id = accounts.pop()
            assert account_id is not None
            try:
                cap.account = names.account(str(account_id))
            except SdError:
                return
            cap.unsure.pop("account", None)
            cap.missing.pop("account", None)
        elif len(accounts) > 1:
            shown = ", ".join(sorted({p.name for p in known}))
            why = _("the people named work at several accounts: {people}").format(people=shown)
            cap.unsure.setdefault("account", why)
            cap.missing.setdefault("account", why)
            return
        else:
            return
    assert cap.account is not None
    people = names.people_of(cap.account.id)
    chosen: dict[int, tuple[int, Found]] = {}  # id → (where the note names them, who)
    for p in sorted(people, key=lambda p: -len(p.name)):  # full names first
        for i in note.find_all(p.name.lower()):
            if note.free(i, i + len(p.name)):
                end = i + len(p.name)
                role = next((r for r in w.roles if note.text.startswith(r, end) and note.free(end, end + len(r))), "")
                note.claim(i, end + len(role), "person")
                chosen.setdefault(p.id, (i, p))
    _addressed(note, people, chosen, cap, w)
    cap.contacts = [p for _i, p in sorted(chosen.values(), key=lambda c: c[0])]


def _mentioned(note: _Note, person: Found, w: Words) -> bool:
    name = person.name.lower()
    if name in note.lower:
        return True
    first = name.split(" ")[0]
    return " " in name and bool(note.find_all(first))


def _addressed(note: _Note, people: list[Found], chosen: dict[int, tuple[int, Found]], cap: Capture, w: Words) -> None:
    """张总, 李主任, 王工, 老张, 小李, Mr Shah, Priya: one person of that surname (or first name) at the account.
    When several could be meant, a title that contains the honorific decides (张总: the one whose title is 总经理)."""
    text = note.text
    forms: list[tuple[int, int, str, str]] = []  # start, end, surname or first name, honorific
    i = 0
    while i < len(text):
        if note.claimed[i] is not None:
            i += 1
            continue
        for fam in w.familiar:
            if text.startswith(fam, i) and i + 1 < len(text) and note.claimed[i + 1] is None:
                surname = _surname_at(text, i + 1, w)
                if surname:
                    forms.append((i, i + 1 + len(surname), surname, fam))
        surname = _surname_at(text, i, w)
        if surname:
            after = i + len(surname)
            title = next((t for t in w.titles if text.startswith(t, after)), None)
            if title and note.free(i, after):
                forms.append((i, after + len(title), surname, title))
                i = after + len(title)
                continue
        i += 1
    honorifics = "|".join(sorted(w.en_honorifics, key=len, reverse=True))
    for m in re.finditer(rf"(?i:{_NOT_AFTER_LETTER}({honorifics}))\.?\s+([A-Z][a-z'-]+){_NOT_BEFORE_LETTER}", text):
        if note.free(m.start(), m.end()):
            forms.append((m.start(), m.end(), m.group(2), m.group(1)))
    for m in re.finditer(rf"{_NOT_AFTER_LETTER}([A-Z][a-z'-]+){_NOT_BEFORE_LETTER}", text):
        if note.free(m.start(), m.end()):
            forms.append((m.start(), m.end(), m.group(1), ""))
    for start, end, name, honorific in forms:
        if not note.free(start, end):
            continue
        latin = name.isascii()
        if latin and honorific:
            fits = [p for p in people if p.name.lower().split(" ")[-1] == name.lower()]
        elif latin:
            fits = [p for p in people if p.name.lower().split(" ")[0] == name.lower() and " " in p.name]
        else:
            fits = [p for p in people if p.name.startswith(name) and len(p.name) > len(name)]
            if len(fits) > 1 and honorific not in w.familiar:
                titled = [p for p in fits if honorific in (p.detail or "")]
                fits = titled or fits
        typed = text[start:end]
        if len(fits) == 1:
            chosen.setdefault(fits[0].id, (start, fits[0]))
            note.claim(start, end, "person")
        elif len(fits) > 1:
            shown = ", ".join(f"#{p.id} {p.name}" for p in fits[:5])
            cap.unsure["contacts"] = _("{text!r} could be {people}").format(text=typed, people=shown)
            cap.missing["contacts"] = _("who {text!r} is: {people}").format(text=typed, people=shown)
            note.claim(start, end, "person")
        elif not latin:
            note.claim(start, end, "person")
            cap.unsure["contacts"] = _("no one at {account} is {text!r}").format(
                account=cap.account.name if cap.account else "", text=typed
            )


def _surname_at(text: str, i: int, w: Words) -> str | None:
    two = text[i : i + 2]
    if two in w.double_surnames:
        return two
    if i < len(text) and text[i] in w.surnames:
        return text[i]
    return None


def _new_people(note: _Note, cap: Capture, w: Words) -> None:
    """Unknown names that look like people (刘建国, John Smith) where the note has not placed anything else."""
    text = note.text
    i = 0
    found: list[str] = []
    while i < len(text):
        inside = (
            i > 0
            and _is_han(text[i - 1])
            and note.claimed[i - 1] is None
            and text[i - 1] not in w.name_enders
            and not any(text.endswith(r, 0, i) for r in w.roles)
        )
        if note.claimed[i] is not None or inside:
            i += 1
            continue
        surname = _surname_at(text, i, w)
        if surname:
            s = len(surname)
            for n in (s + 1, s + 2):
                end = i + n
                name = text[i:end]
                if (
                    len(name) == n
                    and all(_is_han(c) for c in name)
                    and note.free(i, end)
                    and (
                        end == len(text)
                        or text[end] in w.name_enders
                        or note.claimed[end] is not None
                        or not _is_han(text[end])
                    )
                    and name[:2] not in w.not_names
                    and name[s:] not in w.titles
                ):
                    found.append(name)
                    note.claim(i, end, "new person")
                    i = end
                    break
            else:
                i += 1
            continue
        i += 1
    for m in re.finditer(rf"{_NOT_AFTER_LETTER}([A-Z][a-z'-]+)\s+([A-Z][a-z'-]+){_NOT_BEFORE_LETTER}", text):
        if note.free(m.start(), m.end()):
            found.append(m.group(0))
            note.claim(m.start(), m.end(), "new person")
    cap.new_contacts = list(dict.fromkeys(found))


# --- the deal ----------------------------------------------------------------------------------------------


def _deal(note: _Note, names: Directory, cap: Capture, ref: str | None) -> None:
    account_id = cap.account.id if cap.account else None
    if ref:
        try:
            cap.deal = names.deal(ref, account_id)
        except SdError as exc:
            cap.missing["deal"] = exc.message
        return
    if account_id is None:
        return
    deals = names.open_deals(account_id)
    named: list[tuple[int, int, Found]] = []  # (length named, where, deal)
    for d in deals:
        name = d.name.lower()
        # the whole name, or (a Chinese name) its first four characters or more: 调度大楼 for 调度大楼综合布线
        shortest = min(len(name), 4) if _is_han(name[0]) else len(name)
        for n in range(len(name), shortest - 1, -1):
            hits = [i for i in note.find_all(name[:n]) if note.free(i, i + n)]
            if hits:
                named.append((n, hits[0], d))
                break
    best = max((n for n, _at, _d in named), default=0)
    top = [(at, d) for n, at, d in named if n == best]
    if len(top) == 1:
        at, cap.deal = top[0]
        note.claim(at, at + best, "deal")
    elif len(top) > 1:
        shown = ", ".join(f"#{d.id} {d.name}" for _at, d in top[:5])
        cap.unsure["deal"] = _("{text!r} could be {records}").format(
            text=note.text[top[0][0] : top[0][0] + best], records=shown
        )
    elif len(deals) == 1:
        cap.deal = deals[0]
    elif deals and cap.account is not None:
        cap.unsure["deal"] = _("{n} open deals at {account}, none named").format(n=len(deals), account=cap.account.name)


# --- the follow-up -----------------------------------------------------------------------------------------


def _follow_up(note: _Note, cap: Capture, when: Any, w: Words) -> None:
    """The future date's action: the words after it to the clause's end (下周三回电, 周五前发技术方案), else the
    words of its clause before it (send the quote by Friday), from the action's verb when the clause also tells
    what happened (met Priya at Contoso call back next Wed)."""
    text = note.text
    cap.follow_up_date = when.date
    clause_start = max([m.end() for m in _CLAUSE_END.finditer(text, 0, when.start)], default=0)
    m = _CLAUSE_END.search(text, when.end)
    clause_end = m.start() if m else len(text)
    after_end = clause_end
    for k in range(when.end, clause_end):  # stop at the next date, or at a space before Chinese in Chinese text
        if note.claimed[k] == "date":
            after_end = k
            break
        if text[k].isspace() and k + 1 < clause_end and _is_han(text[k + 1]) and _is_han(text[when.end]):
            after_end = k
            break
    after = _trim(text, when.end, after_end, w, leading=True)
    if after is not None:
        start, end = after
    else:
        lo = clause_start
        for k in range(when.start - 1, clause_start - 1, -1):
            if note.claimed[k] == "date":
                lo = k + 1
                break
        # "met Priya at Contoso call back next Wed": the clause also tells what happened (an activity word before
        # the action), so the action starts at its verb; else the clause is the next step ("Globex wants a demo")
        lower = note.lower
        for a in sorted(p for p in (lower.find(v, lo, when.start) for v in w.en_actions) if p >= 0):
            if note.word_at(a, a + 1) and any(note.claimed[k] == "kind" for k in range(lo, a)):
                lo = a
                break
        before = _trim(text, lo, when.start, w, leading=False)
        if before is None:
            cap.unsure["next_step"] = _("a follow-up date without what to do")
            note.claim(when.start, when.end, "follow-up")
            return
        start, end = before
    cap.next_step = text[start:end]
    note.claim(min(start, when.start), max(end, when.end), "follow-up")


def _trim(text: str, start: int, end: int, w: Words, *, leading: bool) -> tuple[int, int] | None:
    """TEXT[start:end] without spaces, punctuation and the words that tie a date to its action at its ends."""
    changed = True
    while changed and start < end:
        changed = False
        while start < end and text[start] in _SPACE_OR_PUNCT:
            start += 1
            changed = True
        while end > start and text[end - 1] in _SPACE_OR_PUNCT:
            end -= 1
            changed = True
        piece = text[start:end].lower()
        for word in (*w.zh_drop, *w.en_drop):
            latin = word.isascii()
            if piece.startswith(word) and (not latin or len(piece) == len(word) or not _is_word(piece[len(word)])):
                if latin or leading:
                    start += len(word)
                    changed = True
                    break
            if piece.endswith(word) and (not latin or len(piece) == len(word) or not _is_word(piece[-len(word) - 1])):
                if latin:
                    end -= len(word)
                    changed = True
                    break
    return (start, end) if start < end else None
