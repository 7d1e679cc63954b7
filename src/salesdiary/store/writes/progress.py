"""Writes for a deal's progress: markers, the stage exit check, the evaluation, and a guided visit.

Each function works inside the caller's Tx (one transaction, one changeset per command).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlmodel import select

from salesdiary.core.errors import BadInput, Conflict
from salesdiary.core.evaluation import ANSWERS, QUESTIONS
from salesdiary.core.playbook import Marker, Playbook, Stage, load_playbook
from salesdiary.core.visit_plan import VisitPlan
from salesdiary.i18n import _, ngettext
from salesdiary.store.models import Deal, DealEvaluation, DealMarker
from salesdiary.store.paths import config_dir
from salesdiary.store.tx import Tx
from salesdiary.store.writes import records


class StageExitBlocked(Conflict):
    """The deal cannot leave its stage: required markers are unmet (exit 1)."""

    def __init__(self, deal: Deal, stage: Stage, unmet: Sequence[Marker]) -> None:
        self.unmet = tuple(unmet)
        lines = [
            ngettext(
                "Deal #{id} {name} cannot leave stage {stage}: {n} required marker is not met:",
                "Deal #{id} {name} cannot leave stage {stage}: {n} required markers are not met:",
                len(unmet),
            ).format(id=deal.id, name=deal.name, stage=f"{stage.number}. {stage.label}", n=len(unmet))
        ]
        lines += [f"  - {m.key}: {m.label}" for m in unmet]
        lines.append(
            _(
                "Tick them with: sd deal markers {id} --check KEY … or move on anyway with --force --reason TEXT."
            ).format(id=deal.id)
        )
        super().__init__("\n".join(lines))


@dataclass(frozen=True)
class Advanced:
    deal_id: int
    old: Stage
    new: Stage
    forced: bool
    carried: tuple[str, ...] = ()  # the new stage's start markers met on entering it (_carry_end_markers)


def playbook_of(deal: Deal) -> Playbook:
    return load_playbook(deal.playbook, config_dir())


def _deal(tx: Tx, deal_id: int) -> Deal:
    deal = records.get_record(tx, Deal, deal_id, "deal")  # the shared lookup, with its NotFound message
    tx.check_owner(deal)  # in a team database a deal's markers, stages and answers are its owner's to change
    return deal


def _open(deal: Deal) -> None:
    if deal.status != "open":
        raise Conflict(_("Deal #{id} is closed ({status}).").format(id=deal.id, status=deal.status))


def _ticked(tx: Tx, deal_id: int, stage: str) -> dict[str, DealMarker]:
    rows = tx.session.exec(select(DealMarker).where(DealMarker.deal_id == deal_id, DealMarker.stage == stage)).all()
    return {row.marker: row for row in rows}


def unmet_required(tx: Tx, deal: Deal, stage: Stage | None = None) -> list[Marker]:
    stage = stage or playbook_of(deal).stage(deal.stage)
    ticked = _ticked(tx, deal.id, stage.key)  # type: ignore[arg-type]
    return [m for m in stage.required_markers if m.key not in ticked]


def tick_markers(tx: Tx, deal_id: int, keys: Sequence[str], *, stage: str | None = None) -> list[str]:
    """Mark the markers KEYS (of STAGE, default the deal's current one) as met. Returns the newly ticked."""
    deal = _deal(tx, deal_id)
    st = playbook_of(deal).stage(stage or deal.stage)
    ticked = _ticked(tx, deal_id, st.key)
    added = []
    for key in dict.fromkeys(keys):
        marker = st.marker(key)
        if marker.key not in ticked:
            ticked[marker.key] = tx.insert(
                DealMarker(deal_id=deal_id, stage=st.key, marker=marker.key, checked_on=tx.today)
            )
            added.append(marker.key)
    return added


def untick_markers(tx: Tx, deal_id: int, keys: Sequence[str], *, stage: str | None = None) -> list[str]:
    """Mark the markers KEYS as not met. Returns those that were ticked."""
    deal = _deal(tx, deal_id)
    st = playbook_of(deal).stage(stage or deal.stage)
    ticked = _ticked(tx, deal_id, st.key)
    removed = []
    for key in dict.fromkeys(keys):
        marker = st.marker(key)
        row = ticked.pop(marker.key, None)
        if row is not None:
            tx.delete(row)
            removed.append(marker.key)
    return removed


def advance(tx: Tx, deal_id: int, *, force: bool = False, reason: str | None = None) -> Advanced:
    """Move an open deal to the next stage of its playbook after the stage exit check.

    Required markers unmet → StageExitBlocked, unless FORCE (which needs a REASON). The move is recorded
    in the stage history, forced or not, with the reason.
    """
    deal = _deal(tx, deal_id)
    _open(deal)
    book = playbook_of(deal)
    current = book.stage(deal.stage)
    following = book.next_stage(current)
    if following is None:
        raise Conflict(
            _("Deal #{id} is at the last stage ({stage}); when it is won, record it with: sd deal won {id}").format(
                id=deal_id, stage=f"{current.number}. {current.label}"
            )
        )
    unmet = unmet_required(tx, deal, current)
    if unmet and not force:
        raise StageExitBlocked(deal, current, unmet)
    if unmet and not reason:
        raise BadInput(_("--force needs --reason TEXT: say why the deal moves on with required markers unmet."))
    records.set_stage(tx, deal, following.key, forced=bool(unmet), reason=reason)
    carried = _carry_end_markers(tx, deal_id, current, following)
    return Advanced(deal_id, current, following, bool(unmet), tuple(carried))


def _carry_end_markers(tx: Tx, deal_id: int, left: Stage, entered: Stage) -> list[str]:
    """Tick the start markers of ENTERED that repeat an end marker of LEFT the deal met (《摧龙六式》: a stage
    starts where the previous one ended, and the playbook gives that fact one key in both stages), so the rep
    does not tick the same fact twice. Part of the advance's write: its history and `sd undo` take it along.
    Returns the keys ticked."""
    ends = {m.key for m in left.required_markers}
    met = _ticked(tx, deal_id, left.key)
    carried = [m.key for m in entered.markers if not m.required and m.key in ends and m.key in met]
    if not carried:
        return []
    ticked = _ticked(tx, deal_id, entered.key)
    for key in carried:
        if key not in ticked:
            tx.insert(DealMarker(deal_id=deal_id, stage=entered.key, marker=key, checked_on=tx.today))
    return carried


def save_evaluation(
    tx: Tx, deal_id: int, answers: Mapping[str, str], notes: Mapping[str, str | None] | None = None
) -> int:
    """Store evaluation answers (question key → yes/partly/no/unknown) and notes. Returns how many changed."""
    _deal(tx, deal_id)
    known = {q.key for q in QUESTIONS}
    notes = notes or {}
    existing = {
        row.question: row
        for row in tx.session.exec(select(DealEvaluation).where(DealEvaluation.deal_id == deal_id)).all()
    }
    changed = 0
    for key in dict.fromkeys([*answers, *notes]):
        if key not in known:
            raise BadInput(_("There is no evaluation question {text!r}.").format(text=key))
        row = existing.get(key)
        answer = answers.get(key, row.answer if row else "unknown")
        if answer not in ANSWERS:
            raise BadInput(
                _("An answer is one of {answers}, not {value!r}.").format(answers=", ".join(ANSWERS), value=answer)
            )
        values: dict[str, Any] = {"answer": answer}
        if key in notes:
            values["note"] = notes[key]
        if row is None:
            tx.insert(DealEvaluation(deal_id=deal_id, question=key, answered_on=tx.today, **values))
            changed += 1
        elif any(getattr(row, k) != v for k, v in values.items()):
            tx.update(row, {**values, "answered_on": tx.today})
            changed += 1
    return changed


# A visit logged through the guided flow (its plan: core/visit_plan.py) ---------------------------------


@dataclass
class LoggedVisit:
    visit_id: int
    followup_id: int | None
    account_id: int
    deal_id: int | None
    contact_ids: list[int]
    advanced: Advanced | None


def log_visit(tx: Tx, plan: VisitPlan) -> LoggedVisit:
    """Create what is new (account, deal, contacts), log the visit, tick markers, advance, move relationships."""
    if plan.account_id is not None:
        account_id = plan.account_id
    elif plan.new_account:
        account_id = records.add_account(tx, plan.new_account)
    else:
        raise BadInput(_("A visit needs an account."))
    deal_id = plan.deal_id
    if deal_id is None and plan.new_deal:
        deal_id = records.add_deal(tx, account_id, plan.new_deal)
    contact_ids = []
    for met in plan.contacts:
        if met.contact_id is None:
            values = dict(met.values)
            if met.relationship:
                values["relationship"] = met.relationship
            contact_ids.append(records.add_contact(tx, account_id, values))
        else:
            contact_ids.append(met.contact_id)
            if met.relationship:
                records.edit_contact(tx, met.contact_id, {"relationship": met.relationship})
    visit_id, followup_id = records.add_visit(
        tx, account_id, dict(plan.visit), deal_id=deal_id, contact_ids=contact_ids
    )
    advanced = None
    if deal_id is not None:
        if plan.ticks:
            tick_markers(tx, deal_id, plan.ticks)
        if plan.advance:
            advanced = advance(tx, deal_id)
    return LoggedVisit(visit_id, followup_id, account_id, deal_id, contact_ids, advanced)
