"""Writes: each function changes the journal inside a Tx, which records history.

Names given by the user have been resolved to ids by the caller; values have
been converted (core/fields.py). Rules about the records live here, e.g. the
first reporter owns an account and a visit's follow-up date makes a follow-up.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlmodel import select

from salesdiary.core.currency import default_currency
from salesdiary.core.enums import DEAL_STATUS
from salesdiary.core.errors import BadInput, Conflict, NotFound
from salesdiary.core.naming import account_key, fold
from salesdiary.i18n import _
from salesdiary.store.models import (
    Account,
    Contact,
    Deal,
    DealContact,
    DealEvaluation,
    DealMarker,
    FollowUp,
    Receivable,
    StageHistory,
    Visit,
    VisitContact,
)
from salesdiary.store.paths import config_value
from salesdiary.store.reads import record_reads
from salesdiary.store.tx import Tx, now


def get_record(tx: Tx, model: type, record_id: int, entity: str, *, as_row: bool = False) -> Any:
    """The record, or NotFound. AS_ROW: read as a row (Tx.fetch), for the writes that change a few records
    (e.g. a visit) and so need no ORM object."""
    obj = (tx.fetch if as_row else tx.get)(model, record_id)
    if obj is None:
        raise NotFound(_("There is no {what} #{id}.").format(what=record_reads.entity_label(entity), id=record_id))
    return obj


# Accounts ---------------------------------------------------------------------------------------------


def _check_name_free(tx: Tx, name: str, except_id: int | None = None) -> str:
    key = account_key(name)
    existing = record_reads.account_by_key(tx.reader, key)
    if existing and existing["id"] != except_id:
        raise Conflict(
            _("{name!r} is already reported as account #{id} {existing!r}, owned by {owner} since {since}.").format(
                name=name,
                id=existing["id"],
                existing=existing["name"],
                owner=existing["owner"],
                since=str(existing["reported_at"])[:10],
            )
        )
    return key


def add_account(tx: Tx, values: dict[str, Any]) -> int:
    key = _check_name_free(tx, values["name"])
    stamp = now()
    values = {k: v for k, v in values.items() if v is not None}
    values.setdefault("owner", tx.user)
    account = Account(**values, name_key=key, created_by=tx.user, reported_at=stamp, created_at=stamp, updated_at=stamp)
    return _first_reporter(tx, values["name"], lambda: tx.insert(account)).id


def _first_reporter(tx: Tx, name: str, write: Any, except_id: int | None = None) -> Any:
    """Run WRITE (which stores an account name); when another sd stored the same normalised name at the same
    moment, the unique index on account.name_key refuses this one: say who owns it, as the check above does.

    The check before the write is for the message; the unique index is what makes exactly one of two reps
    adding the same new account at once win (on PostgreSQL the loser's insert waits for the winner's commit).
    """
    from sqlalchemy.exc import IntegrityError

    try:
        with tx.session.begin_nested():
            return write()
    except IntegrityError as exc:
        if "name_key" not in str(exc.orig):
            raise
        _check_name_free(tx, name, except_id=except_id)
        raise


def edit_account(tx: Tx, account_id: int, values: dict[str, Any]) -> dict[str, list[Any]]:
    account = get_record(tx, Account, account_id, "account")
    if values.get("name"):
        values["name_key"] = _check_name_free(tx, values["name"], except_id=account_id)
    if "info_stage" in values and values["info_stage"] is None:
        values["info_stage"] = "lead"
    if "owner" in values and not values["owner"]:
        raise BadInput(_("--owner cannot be empty."))
    if values.get("name"):
        return _first_reporter(tx, values["name"], lambda: tx.update(account, values), except_id=account_id)
    return tx.update(account, values)


def reassign_account(tx: Tx, account_id: int, new_owner: str, reason: str) -> dict[str, Any]:
    """A manager gives an account, with its open deals and open follow-ups, to another rep (kept in history
    with the reason). Returns what moved: {"from", "to", "deals", "followups"}."""
    from salesdiary.store.team import role_exists

    if not tx.is_manager:
        raise Conflict(_("Only a manager can reassign an account (you are {user}).").format(user=tx.user))
    account = get_record(tx, Account, account_id, "account")
    old = account.owner
    if old == new_owner:
        raise Conflict(_("Account #{id} is already owned by {owner}.").format(id=account_id, owner=new_owner))
    if not role_exists(tx.reader, new_owner):
        raise BadInput(
            _("--to: {name} is not a database role that can log in (create it first: see sd db status).").format(
                name=new_owner
            )
        )
    note = {"reason": reason}
    tx.update(account, {"owner": new_owner}, note=note)
    s = tx.session
    deals = s.exec(select(Deal).where(Deal.account_id == account_id, Deal.status == "open", Deal.owner == old)).all()
    for deal in deals:
        tx.update(deal, {"owner": new_owner}, note=note)
    followups = s.exec(
        select(FollowUp).where(
            FollowUp.account_id == account_id,
            FollowUp.done_on.is_(None),  # type: ignore[union-attr]
            FollowUp.owner == old,
        )
    ).all()
    for followup in followups:
        tx.update(followup, {"owner": new_owner}, note=note)
    return {"from": old, "to": new_owner, "deals": len(deals), "followups": len(followups)}


def _check_nothing_of_others(tx: Tx, record: Any, rows: list[Any]) -> None:
    """In a team database, refuse (for a rep) to remove RECORD while ROWS hanging on it belong to someone else:
    removing it would remove or change them, which only their owner or a manager may do (the database refuses
    it too, less clearly). The message names each such record and its owner."""
    if not tx.team or tx.is_manager:
        return
    from salesdiary.core.history import record_label
    from salesdiary.store.tx import record_key

    others = list({(row.__tablename__, record_key(row)): row for row in rows if row.owner != tx.user}.values())
    if not others:
        return
    names = [f"{record_label(row.__tablename__, record_key(row))} ({row.owner})" for row in others[:5]]
    if len(others) > 5:
        names.append(_("{n} more").format(n=len(others) - 5))
    raise Conflict(
        _(
            "{record} holds records of other reps: {records}. Only their owners or a manager can remove those; "
            "nothing was written."
        ).format(
            record=record_label(record.__tablename__, record_key(record), getattr(record, "name", None)),
            records=", ".join(names),
        )
    )


def remove_account(tx: Tx, account_id: int, *, force: bool) -> None:
    account = get_record(tx, Account, account_id, "account")
    tx.check_owner(account)
    s = tx.session
    contacts = s.exec(select(Contact).where(Contact.account_id == account_id)).all()
    deals = s.exec(select(Deal).where(Deal.account_id == account_id)).all()
    visits = s.exec(select(Visit).where(Visit.account_id == account_id)).all()
    if tx.team and not tx.is_manager:
        hanging: list[Any] = [*deals, *visits]
        hanging += s.exec(select(FollowUp).where(FollowUp.account_id == account_id)).all()
        for deal in deals:
            hanging += _hanging_on_deal(tx, deal)
        _check_nothing_of_others(tx, account, hanging)
    if (contacts or deals or visits) and not force:
        from salesdiary.store.doctor import record_counts

        held = record_counts({"contact": len(contacts), "deal": len(deals), "visit": len(visits)})
        raise Conflict(
            _("Account #{id} holds {records}; pass --force to remove it with all of them.").format(
                id=account_id, records=held
            )
        )
    for f in s.exec(select(FollowUp).where(FollowUp.account_id == account_id)).all():
        tx.delete(f)
    for v in visits:
        _remove_visit(tx, v)
    for d in deals:
        _remove_deal(tx, d)
    for c in contacts:
        _remove_contact(tx, c)
    tx.delete(account)


# Contacts ---------------------------------------------------------------------------------------------


def add_contact(tx: Tx, account_id: int, values: dict[str, Any], reports_to_id: int | None = None) -> int:
    tx.check_owner(get_record(tx, Account, account_id, "account"))  # an account's people are its owner's to keep
    if reports_to_id is not None:
        _check_reports_to(tx, account_id, None, reports_to_id)
    stamp = now()
    values = {k: v for k, v in values.items() if v is not None}
    contact = Contact(**values, account_id=account_id, reports_to_id=reports_to_id, created_at=stamp, updated_at=stamp)
    return tx.insert(contact).id


def _check_reports_to(tx: Tx, account_id: int, contact_id: int | None, boss_id: int) -> None:
    boss = get_record(tx, Contact, boss_id, "contact")
    if boss.account_id != account_id:
        raise BadInput(_("--reports-to: {name} works at another account.").format(name=boss.name))
    seen = set()
    node: Contact | None = boss
    while node is not None and node.id not in seen:
        if contact_id is not None and node.id == contact_id:
            raise BadInput(_("--reports-to: that would make a loop in the org chart."))
        seen.add(node.id)
        node = tx.get(Contact, node.reports_to_id) if node.reports_to_id else None


def edit_contact(
    tx: Tx,
    contact_id: int,
    values: dict[str, Any],
    account_id: int | None = None,
    reports_to_id: int | None | bool = False,
) -> dict[str, list[Any]]:
    contact = get_record(tx, Contact, contact_id, "contact")
    tx.check_owner(get_record(tx, Account, contact.account_id, "account"))
    if account_id is not None and account_id != contact.account_id:
        tx.check_owner(get_record(tx, Account, account_id, "account"))
        values["account_id"] = account_id
        if reports_to_id is False:
            reports_to_id = None
        for sub in tx.session.exec(select(Contact).where(Contact.reports_to_id == contact_id)).all():
            tx.update(sub, {"reports_to_id": None})
    if reports_to_id is not False:
        if reports_to_id is not None:
            _check_reports_to(tx, values.get("account_id", contact.account_id), contact_id, int(reports_to_id))
        values["reports_to_id"] = reports_to_id
    if "coach" in values and values["coach"] is None:
        values["coach"] = False
    return tx.update(contact, values)


def _remove_contact(tx: Tx, contact: Contact) -> None:
    s = tx.session
    for link in s.exec(select(VisitContact).where(VisitContact.contact_id == contact.id)).all():
        tx.delete(link)
    for deal_link in s.exec(select(DealContact).where(DealContact.contact_id == contact.id)).all():
        tx.delete(deal_link)
    for f in s.exec(select(FollowUp).where(FollowUp.contact_id == contact.id)).all():
        tx.update(f, {"contact_id": None})
    for sub in s.exec(select(Contact).where(Contact.reports_to_id == contact.id)).all():
        tx.update(sub, {"reports_to_id": None})
    tx.delete(contact)


def remove_contact(tx: Tx, contact_id: int) -> None:
    contact = get_record(tx, Contact, contact_id, "contact")
    tx.check_owner(get_record(tx, Account, contact.account_id, "account"))
    _remove_contact(tx, contact)


# Deals ------------------------------------------------------------------------------------------------


# Kept here for callers that import them from records; they live in reads (no SQLModel on the read path).
default_playbook = record_reads.default_playbook
stage_key = record_reads.stage_key


def add_deal(
    tx: Tx,
    account_id: int,
    values: dict[str, Any],
    *,
    playbook: str | None = None,
    stage: str | None = None,
    refuse_duplicate: bool = False,
) -> int:
    """Open a deal at the account. REFUSE_DUPLICATE (sd deal add without --allow-duplicate): a deal of the same
    name there (any case or width, open or closed) is a conflict, as a second "14号线通信系统" would split one
    sale's visits and figures between two records."""
    account = get_record(tx, Account, account_id, "account")
    tx.check_owner(account)  # the first reporter owns the account's deals
    if refuse_duplicate and values.get("name"):
        wanted = fold(str(values["name"]))
        same = tx.session.exec(select(Deal.id, Deal.name).where(Deal.account_id == account_id)).all()
        for deal_id, name in same:
            if fold(name) == wanted:
                raise Conflict(
                    _(
                        "{account} already has deal #{id} {name}: name the new one apart, or add it anyway with "
                        "--allow-duplicate."
                    ).format(account=account.name, id=deal_id, name=name)
                )
    playbook = record_reads.playbook_name(playbook or default_playbook())
    key = stage_key(playbook, stage)
    stamp = now()
    values = {k: v for k, v in values.items() if v is not None}
    values.setdefault("owner", tx.user)
    values.setdefault("currency", default_currency(config_value))
    deal = Deal(
        **values,
        account_id=account_id,
        playbook=playbook,
        stage=key,
        stage_entered_on=tx.today,
        created_by=tx.user,
        created_at=stamp,
        updated_at=stamp,
    )
    tx.insert(deal)
    assert deal.id is not None  # inserted (flushed): the database gave it its id
    tx.insert(StageHistory(deal_id=deal.id, playbook=playbook, stage=key, entered_on=tx.today))
    return deal.id


def set_stage(tx: Tx, deal: Deal, stage: str, *, forced: bool = False, reason: str | None = None) -> bool:
    """Move DEAL to STAGE (a key), closing the open stage-history row. False if already there."""
    if deal.stage == stage:
        return False
    open_rows = tx.session.exec(
        select(StageHistory).where(StageHistory.deal_id == deal.id, StageHistory.left_on.is_(None))  # type: ignore[union-attr]
    ).all()
    for row in open_rows:
        tx.update(row, {"left_on": tx.today})
    tx.update(deal, {"stage": stage, "stage_entered_on": tx.today})
    assert deal.id is not None  # a deal read from the database
    tx.insert(
        StageHistory(
            deal_id=deal.id, playbook=deal.playbook, stage=stage, entered_on=tx.today, forced=forced, reason=reason
        )
    )
    return True


def edit_deal(
    tx: Tx,
    deal_id: int,
    values: dict[str, Any],
    *,
    account_id: int | None = None,
    stage: str | None = None,
    playbook: str | None = None,
) -> dict[str, list[Any]]:
    deal = get_record(tx, Deal, deal_id, "deal")
    if account_id is not None:
        get_record(tx, Account, account_id, "account")
        values["account_id"] = account_id
    if playbook:
        playbook = record_reads.playbook_name(playbook)
    if playbook and playbook != deal.playbook:
        key = stage_key(playbook, stage)
        values["playbook"] = playbook
        stage = key
    changes = tx.update(deal, values)
    if stage:
        if deal.status != "open":
            raise Conflict(
                _("Deal #{id} is closed ({status}); its stage cannot change.").format(
                    id=deal_id, status=DEAL_STATUS.label(deal.status)
                )
            )
        if set_stage(tx, deal, stage_key(deal.playbook, stage)):
            changes["stage"] = [None, deal.stage]
    return changes


def close_deal(
    tx: Tx,
    deal_id: int,
    status: str,
    *,
    reason: str | None = None,
    on: dt.date | None = None,
    amount: float | None = None,
) -> None:
    deal = get_record(tx, Deal, deal_id, "deal")
    tx.check_owner(deal)
    if deal.status == status:
        raise Conflict(_("Deal #{id} is already {status}.").format(id=deal_id, status=DEAL_STATUS.label(status)))
    values: dict[str, Any] = {"status": status, "closed_on": on or tx.today}
    values["loss_reason"] = reason if status == "lost" else None  # a deal lost, then won, has no loss reason
    if amount is not None:
        values["amount"] = amount
    if status == "open":
        values.update(closed_on=None, loss_reason=None)
    for row in tx.session.exec(
        select(StageHistory).where(StageHistory.deal_id == deal.id, StageHistory.left_on.is_(None))  # type: ignore[union-attr]
    ).all():
        tx.update(row, {"left_on": values["closed_on"] or tx.today})
    if status == "open":
        tx.insert(StageHistory(deal_id=deal.id, playbook=deal.playbook, stage=deal.stage, entered_on=tx.today))
    tx.update(deal, values)


def _hanging_on_deal(tx: Tx, deal: Deal) -> list[Any]:
    """The records with an owner that removing DEAL removes or changes: its receivables, visits and follow-ups."""
    s = tx.session
    return [
        *s.exec(select(Receivable).where(Receivable.deal_id == deal.id)).all(),
        *s.exec(select(Visit).where(Visit.deal_id == deal.id)).all(),
        *s.exec(select(FollowUp).where(FollowUp.deal_id == deal.id)).all(),
    ]


def _remove_deal(tx: Tx, deal: Deal) -> None:
    tx.check_owner(deal)
    _check_nothing_of_others(tx, deal, _hanging_on_deal(tx, deal))
    s = tx.session
    for model in (DealContact, DealMarker, StageHistory, DealEvaluation, Receivable):
        for row in s.exec(select(model).where(model.deal_id == deal.id)).all():
            tx.delete(row)
    for v in s.exec(select(Visit).where(Visit.deal_id == deal.id)).all():
        tx.update(v, {"deal_id": None})
    for f in s.exec(select(FollowUp).where(FollowUp.deal_id == deal.id)).all():
        tx.update(f, {"deal_id": None})
    tx.delete(deal)


def remove_deal(tx: Tx, deal_id: int) -> None:
    _remove_deal(tx, get_record(tx, Deal, deal_id, "deal"))


def link_deal_contact(
    tx: Tx, deal_id: int, contact_id: int, role: str | None = None, stance: str | None = None
) -> None:
    link = tx.fetch(DealContact, (deal_id, contact_id))
    if link is None:
        tx.add(DealContact, {"deal_id": deal_id, "contact_id": contact_id, "role": role, "stance": stance})
    else:
        tx.update(link, {k: v for k, v in (("role", role), ("stance", stance)) if v is not None})


# Visits and follow-ups --------------------------------------------------------------------------------


def add_visit(
    tx: Tx, account_id: int, values: dict[str, Any], *, deal_id: int | None = None, contact_ids: Sequence[int] = ()
) -> tuple[int, int | None]:
    """Log a visit; a follow-up date makes a follow-up. Returns (visit id, follow-up id).

    In a team database, a visit on another rep's account is refused unless values["assist"] says the rep was
    helping there; it is then recorded with assist = true, and the owner's deal (its next step, its people) is
    left to the owner.
    """
    account = get_record(tx, Account, account_id, "account", as_row=True)
    deal = None
    if deal_id is not None:
        deal = get_record(tx, Deal, deal_id, "deal", as_row=True)
        if deal.account_id != account_id:
            raise BadInput(_("--deal: deal #{id} belongs to another account.").format(id=deal_id))
    for cid in contact_ids:
        if get_record(tx, Contact, cid, "contact", as_row=True).account_id != account_id:
            raise BadInput(_("--contact: contact #{id} works at another account.").format(id=cid))
    stamp = now()
    values = {k: v for k, v in values.items() if v is not None}
    values.setdefault("date", tx.today)
    values.setdefault("owner", tx.user)
    # In a team database a visit on another rep's account is an assist, and must say so. A journal of one's
    # own (SQLite) has no teammates to protect: its owners are labels (imports, records kept for others),
    # and --assist is recorded as given.
    helping = tx.team and account.owner != values["owner"]
    if helping and not values.get("assist"):
        raise Conflict(
            _(
                "Account #{id} {name} is {owner}'s (first reported on {since}). If you were helping there, "
                "log the visit with --assist (it is recorded as an assist)."
            ).format(id=account_id, name=account.name, owner=account.owner, since=str(account.reported_at)[:10])
        )
    values["assist"] = helping if tx.team else bool(values.get("assist"))
    if helping and not dt.date(1900, 1, 1) <= values["date"] <= tx.today + dt.timedelta(days=2):
        # the database refuses it too: a future assist would stand as the owner's deal's last visit
        raise BadInput(
            _("--date: an assist on {owner}'s account is logged once it happened (by today), not {date}.").format(
                owner=account.owner, date=values["date"].isoformat()
            )
        )
    visit = tx.add(
        Visit,
        {
            **values,
            "account_id": account_id,
            "deal_id": deal_id,
            "created_by": tx.user,
            "created_at": stamp,
            "updated_at": stamp,
        },
    )
    for cid in dict.fromkeys(contact_ids):
        tx.add(VisitContact, {"visit_id": visit.id, "contact_id": cid})
        if deal_id is not None and not helping:
            link_deal_contact(tx, deal_id, cid)
    followup_id = None
    if visit.follow_up_date:
        action = visit.next_step or _("Follow up on the visit of {date}").format(date=visit.date.isoformat())
        followup_id = add_followup(
            tx,
            account_id,
            {"action": action, "due": visit.follow_up_date, "owner": visit.owner},
            deal_id=deal_id,
            contact_id=contact_ids[0] if contact_ids else None,
            visit_id=visit.id,
        )
    if deal is not None and not helping and (visit.next_step or visit.follow_up_date):
        tx.update(
            deal,
            {
                "next_step": visit.next_step or deal.next_step,
                "next_step_date": visit.follow_up_date or deal.next_step_date,
            },
        )
    return visit.id, followup_id


def edit_visit(
    tx: Tx,
    visit_id: int,
    values: dict[str, Any],
    *,
    deal_id: int | None | bool = False,
    contact_ids: list[int] | None = None,
) -> dict[str, list[Any]]:
    visit = get_record(tx, Visit, visit_id, "visit")
    if deal_id is not False:
        if deal_id is not None and get_record(tx, Deal, int(deal_id), "deal").account_id != visit.account_id:
            raise BadInput(_("--deal: deal #{id} belongs to another account.").format(id=deal_id))
        values["deal_id"] = deal_id
    if "date" in values and values["date"] is None:
        raise BadInput(_("--date: a visit needs a date."))
    if "kind" in values and values["kind"] is None:
        values["kind"] = "visit"
    changes = tx.update(visit, values)
    if "follow_up_date" in changes and visit.follow_up_date is not None:
        _follow_visit(tx, visit)
    if contact_ids is not None:
        current = {
            link.contact_id: link
            for link in tx.session.exec(select(VisitContact).where(VisitContact.visit_id == visit_id)).all()
        }
        for cid in contact_ids:
            if get_record(tx, Contact, cid, "contact").account_id != visit.account_id:
                raise BadInput(_("--contact: contact #{id} works at another account.").format(id=cid))
            if cid not in current:
                tx.insert(VisitContact(visit_id=visit_id, contact_id=cid))
        for cid, link in current.items():
            if cid not in contact_ids:
                tx.delete(link)
        if set(current) != set(contact_ids):
            changes["contacts"] = [sorted(current), sorted(set(contact_ids))]
    return changes


def _follow_visit(tx: Tx, visit: Visit) -> None:
    """The visit's follow-up date changed: move its open follow-up there, or make one."""
    open_ones = tx.session.exec(
        select(FollowUp).where(FollowUp.visit_id == visit.id, FollowUp.done_on.is_(None))  # type: ignore[union-attr]
    ).all()
    if open_ones:
        for f in open_ones:
            tx.update(f, {"due": visit.follow_up_date})
        return
    first = tx.session.exec(select(VisitContact).where(VisitContact.visit_id == visit.id)).first()
    add_followup(
        tx,
        visit.account_id,
        {
            "action": visit.next_step or _("Follow up on the visit of {date}").format(date=visit.date.isoformat()),
            "due": visit.follow_up_date,
            "owner": visit.owner,
        },
        deal_id=visit.deal_id,
        contact_id=first.contact_id if first else None,
        visit_id=visit.id,
    )


def _remove_visit(tx: Tx, visit: Visit) -> None:
    s = tx.session
    for link in s.exec(select(VisitContact).where(VisitContact.visit_id == visit.id)).all():
        tx.delete(link)
    for f in s.exec(select(FollowUp).where(FollowUp.visit_id == visit.id)).all():
        tx.update(f, {"visit_id": None})
    tx.delete(visit)


def remove_visit(tx: Tx, visit_id: int) -> None:
    _remove_visit(tx, get_record(tx, Visit, visit_id, "visit"))


def add_followup(
    tx: Tx,
    account_id: int,
    values: dict[str, Any],
    *,
    deal_id: int | None = None,
    contact_id: int | None = None,
    visit_id: int | None = None,
) -> int:
    account = get_record(tx, Account, account_id, "account", as_row=True)
    deal = get_record(tx, Deal, deal_id, "deal", as_row=True) if deal_id is not None else None
    if deal is not None and deal.account_id != account_id:
        raise BadInput(_("--deal: deal #{id} belongs to another account.").format(id=deal_id))
    theirs = account if account.owner != tx.user else deal if deal is not None and deal.owner != tx.user else None
    if tx.team and theirs is not None and visit_id is None and not tx.is_manager:
        # on a teammate's account a rep follows up on their own assist visit (the database refuses the rest)
        raise Conflict(
            _(
                "{record} is {owner}'s: follow-ups there are {owner}'s to set. If you helped there, log the visit "
                "with --assist --follow-up DATE. Nothing was written."
            ).format(record=record_reads.entity_label(theirs.__tablename__) + f" #{theirs.id}", owner=theirs.owner)
        )
    if contact_id is not None and get_record(tx, Contact, contact_id, "contact", as_row=True).account_id != account_id:
        raise BadInput(_("--contact: contact #{id} works at another account.").format(id=contact_id))
    stamp = now()
    values = {k: v for k, v in values.items() if v is not None}
    values.setdefault("owner", tx.user)
    followup = {
        **values,
        "account_id": account_id,
        "deal_id": deal_id,
        "contact_id": contact_id,
        "visit_id": visit_id,
        "created_by": tx.user,
        "created_at": stamp,
        "updated_at": stamp,
    }
    return int(tx.add(FollowUp, followup).id)


def complete_followup(tx: Tx, followup_id: int, *, undo: bool = False) -> None:
    followup = get_record(tx, FollowUp, followup_id, "followup")
    if undo:
        tx.update(followup, {"done_on": None})
        return
    if followup.done_on is not None:
        raise Conflict(
            _("Follow-up #{id} was already done on {date}.").format(id=followup_id, date=followup.done_on.isoformat())
        )
    tx.update(followup, {"done_on": tx.today})


def remove_followup(tx: Tx, followup_id: int) -> None:
    tx.delete(get_record(tx, FollowUp, followup_id, "followup"))
