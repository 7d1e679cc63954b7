"""The guided `sd visit add`: who, what happened, what moved, what comes next.

The flow asks only what the command line did not give, and returns the answers; the command shows
them as a summary and writes everything in one transaction once the rep confirms.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Protocol

from salesdiary.core import enums
from salesdiary.core.playbook import Playbook, Stage
from salesdiary.i18n import _
from salesdiary.prompts import ask
from salesdiary.prompts.progress import ask_markers, offer_advance, show_stage, show_tips, stage_title

NONE = "__none__"
NEW = "__new__"
SAME = "__same__"
UNKNOWN = "__unknown__"


class VisitJournal(Protocol):
    """What the flow reads from the journal: `Journal.visit_lookups()` (salesdiary/lookups.py)."""

    today: dt.date

    def account_names(self) -> list[str]: ...

    def find_account(self, text: str) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]: ...

    def open_deals(self, account_id: int) -> list[dict[str, Any]]: ...

    def contacts(self, account_id: int) -> list[dict[str, Any]]: ...

    def playbook(self, name: str | None) -> Playbook: ...

    def ticked(self, deal_id: int, stage: str) -> set[str]: ...

    def owned_by_another(self, account_id: int) -> tuple[str, str] | None:
        """In a team database, (owner, first reported on) when the account is another rep's; else None."""
        ...


@dataclass
class ContactMet:
    id: int | None  # None: a new contact
    name: str
    title: str | None = None
    role: str | None = None
    relationship: str | None = None  # where it stood before
    moved_to: str | None = None  # where it stands now, if it moved


@dataclass
class VisitAnswers:
    """What the rep said (or the command line gave). `given` names what came from flags."""

    given: set[str] = field(default_factory=set)
    account_id: int | None = None
    account_name: str | None = None  # for a new account: its name
    deal_id: int | None = None
    deal_name: str | None = None
    new_deal: bool = False
    deal_amount: float | None = None
    deal_playbook: str | None = None
    deal_stage: str | None = None
    deal_open: bool = True
    contacts: list[ContactMet] = field(default_factory=list)
    kind: str | None = None
    date: dt.date | None = None  # when it happened (None: today)
    purpose: str | None = None
    summary: str | None = None
    feedback: str | None = None
    ticks: list[str] = field(default_factory=list)
    advance_to: Stage | None = None
    next_step: str | None = None
    follow_up: dt.date | None = None
    assist: bool = False  # helping on another rep's account: the visit is theirs to build on

    @property
    def new_account(self) -> bool:
        return self.account_id is None and bool(self.account_name)


def guided_visit(j: VisitJournal, a: VisitAnswers) -> VisitAnswers:
    """Ask for everything A lacks, in the order a rep tells the story."""
    if a.account_id is None:
        _account(j, a)
    if a.account_id is not None and not a.assist:
        _assist(j, a)
    if "deal" not in a.given:
        _deal(j, a)
    if "contacts" not in a.given:
        _contacts(j, a)
    if "kind" not in a.given:
        a.kind = ask.select(
            _("What kind of activity?"),
            [(c.key, str(c.label)) for c in enums.VISIT_KIND.choices],
            default=a.kind or "visit",
        )
    if "date" not in a.given:
        a.date = _when_it_happened(j)
    for name, question in (
        ("purpose", _("What was it for? (Enter to skip)")),
        ("summary", _("What happened? (Enter to skip)")),
        ("feedback", _("What did the customer say? (Enter to skip)")),
    ):
        if name not in a.given:
            setattr(a, name, _long_text(question))
    if (a.deal_id is not None or a.new_deal) and a.deal_open and not a.assist:
        _progress(j, a)
    if not a.assist:
        _relationships(a)
    _next_step(j, a)
    return a


class NotYourAccount(Exception):
    """The rep was not helping on another rep's account: the visit is not theirs to log."""


def _assist(j: VisitJournal, a: VisitAnswers) -> None:
    """Another rep's account (team database): an assist, or not at all (《销售业务手册》: first to report owns).
    An assist leaves the owner's deal, its people and their relationships to the owner."""
    if a.account_id is None:  # a new account: nobody else's
        return
    other = j.owned_by_another(a.account_id)
    if other is None:
        return
    owner, since = other
    question = _(
        "{account} is {owner}'s (first reported on {since}). Were you helping there? (the visit is recorded as an "
        "assist; {owner}'s deal and people stay as they are)"
    ).format(account=a.account_name, owner=owner, since=since)
    if not ask.confirm(question, default=True):
        raise NotYourAccount(owner)
    a.assist = True


def _check_name(text: str) -> None:
    from salesdiary.core.validate import clean_name

    clean_name(text, _("name"))


def _long_text(question: str) -> str | None:
    from salesdiary.core.validate import clean_text

    return clean_text(ask.text(question, check=lambda t: clean_text(t, _("answer"))), _("answer"))


def _account(j: VisitJournal, a: VisitAnswers) -> None:
    names = j.account_names()
    while True:
        typed = ask.search(_("Account (type to search; a new name creates it):"), names, check=_check_name)
        exact, matches = j.find_account(typed)
        if exact is not None:
            a.account_id, a.account_name = int(exact["id"]), str(exact["name"])
            return
        if not matches:
            if ask.confirm(_("No account matches “{name}”. Create it as a new account?").format(name=typed)):
                a.account_name = typed
                return
            continue
        options: list[tuple[Any, str]] = [((int(m["id"]), str(m["name"])), str(m["name"])) for m in matches[:15]]
        options += [(NEW, _("Create a new account “{name}”").format(name=typed)), (NONE, _("Search again"))]
        picked = ask.select(_("Which account?"), options, search=False)
        if picked == NEW:
            a.account_name = typed
            return
        if picked != NONE:
            a.account_id, a.account_name = picked
            return


def _deal(j: VisitJournal, a: VisitAnswers) -> None:
    deals = j.open_deals(a.account_id) if a.account_id is not None else []
    options: list[tuple[Any, str]] = []
    for d in deals:
        stage = _stage_of(j, d["playbook"], d["stage"])
        options.append((int(d["id"]), f"{d['name']} — {stage_title(stage)}" if stage else str(d["name"])))
    options += [(NONE, _("No deal"))] + ([] if a.assist else [(NEW, _("A new deal…"))])
    picked = ask.select(_("Which deal was it about?"), options, default=options[0][0], search=len(options) > 6)
    if picked == NONE:
        return
    if picked == NEW:
        from salesdiary.core.validate import parse_amount

        a.new_deal = True
        a.deal_name = ask.required_text(_("Name of the new deal:"), check=_check_name)
        amount = ask.text(_("Amount (e.g. 1200000 or 120万; Enter to skip):"), check=lambda t: parse_amount(t))
        a.deal_amount = parse_amount(amount) if amount else None
        book = j.playbook(None)
        a.deal_playbook, a.deal_stage = book.name, book.first_stage.key
        return
    chosen = next(d for d in deals if int(d["id"]) == picked)
    a.deal_id, a.deal_name = int(chosen["id"]), str(chosen["name"])
    a.deal_playbook, a.deal_stage = str(chosen["playbook"]), str(chosen["stage"])


def _stage_of(j: VisitJournal, playbook: str, stage: str) -> Stage | None:
    from salesdiary.core.errors import SdError

    try:
        return j.playbook(playbook).stage(stage)
    except SdError:
        return None


def _contacts(j: VisitJournal, a: VisitAnswers) -> None:
    people = j.contacts(a.account_id) if a.account_id is not None else []
    if people:
        options = [(int(p["id"]), str(p["name"]) + (f" — {p['title']}" if p.get("title") else "")) for p in people]
        picked = set(ask.checklist(_("Who did you meet?"), options))
        for p in people:
            if int(p["id"]) in picked:
                a.contacts.append(
                    ContactMet(int(p["id"]), str(p["name"]), p.get("title"), p.get("role"), p.get("relationship"))
                )
    question = _("Did you meet someone new? (add a contact)")
    while not a.assist and ask.confirm(question, default=not a.contacts):
        name = ask.required_text(_("Their name:"), check=_check_name)
        title = ask.text(_("Their title (Enter to skip):")) or None
        role = ask.select(
            _("Their buying role:"),
            [(UNKNOWN, _("Not known yet"))] + [(c.key, str(c.label)) for c in enums.ROLE.choices],
            default=UNKNOWN,
        )
        a.contacts.append(ContactMet(None, name, title, None if role == UNKNOWN else role))
        question = _("Did you meet someone else new?")


def _progress(j: VisitJournal, a: VisitAnswers) -> None:
    book = j.playbook(a.deal_playbook)
    stage = book.stage(a.deal_stage or book.first_stage.key)
    ticked = j.ticked(a.deal_id, stage.key) if a.deal_id is not None else set()
    _say("")
    _say(_("Deal “{deal}”").format(deal=a.deal_name), "bold")
    show_stage(_say, stage)
    show_tips(_say, stage)
    a.ticks = ask_markers(stage, ticked)
    a.advance_to = offer_advance(_say, book, stage, ticked | set(a.ticks))


def _say(text: str, style: str = "") -> None:
    from salesdiary.render.console import message

    message(text, style)


def _relationships(a: VisitAnswers) -> None:
    order = enums.RELATIONSHIP.keys
    builds = enums.RELATIONSHIP_BUILT_BY_KIND.get(a.kind or "")
    hint = ""
    if builds:
        hint = " " + _("({activity} builds: {stage})").format(
            activity=enums.VISIT_KIND.label(a.kind), stage=enums.RELATIONSHIP.label(builds)
        )
    for c in a.contacts:
        now = c.relationship
        rank = order.index(now) if now in order else -1
        options: list[tuple[str, str]] = [] if c.id is None else [(SAME, _("No change"))]
        options += [(key, enums.RELATIONSHIP.label(key)) for key in order]
        if c.id is None:
            default = builds or "acquainted"
            question = _("Where does your relationship with {name} stand?").format(name=c.name)
        else:
            default = builds if builds and order.index(builds) > rank else SAME
            question = _("Did your relationship with {name} move? (now: {now})").format(
                name=c.name, now=enums.RELATIONSHIP.label(now) if now else _("not recorded")
            )
        picked = ask.select(question + hint, options, default=default, search=False)
        c.moved_to = None if picked in (SAME, now) else picked


def _when_it_happened(j: VisitJournal) -> dt.date:
    from salesdiary.core.dates import parse_date

    when = ask.text(  # empty, not pre-filled with today: typing "yesterday" must not append to a date
        _("When was it? (Enter for today; any date form: yesterday, -2d, 周一, 2026-12-01…)"),
        check=lambda t: parse_date(t, j.today) if t.strip() else None,
    )
    return parse_date(when, j.today) if when else j.today


def _next_step(j: VisitJournal, a: VisitAnswers) -> None:
    from salesdiary.core.dates import parse_date
    from salesdiary.core.validate import clean_text

    if "next_step" not in a.given:
        step = ask.text(
            _("Next step (Enter to skip):"),
            check=lambda t: clean_text(t, _("next step"), max_len=1000, multiline=False),
        )
        a.next_step = step or None
    if "follow_up" not in a.given and a.next_step:
        week = j.today + dt.timedelta(days=7)
        when = ask.text(
            _("When? (any date form: ISO, fri, +3d, next week, 下周一…)"),
            default=week.isoformat(),
            check=lambda t: parse_date(t, j.today),
        )
        a.follow_up = parse_date(when, j.today) if when else None
