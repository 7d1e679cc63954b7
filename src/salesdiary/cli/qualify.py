"""sd qualify: the 20-question opportunity evaluation of 《大客户销售管理》 (big-account sales management):
real? ours? winnable? worth winning?"""

from __future__ import annotations

from typing import Any

import typer

from salesdiary.cli.common import JsonOpt
from salesdiary.i18n import N_, _


def register(root: typer.Typer) -> None:
    root.command("qualify")(qualify)


def qualify(
    deal: str = typer.Argument(..., help=N_("Deal id or name.")),
    answer: list[str] = typer.Option(
        None, "--answer", help=N_("QUESTION=ANSWER, e.g. 4=yes, funding=partly, 19=small; repeatable.")
    ),
    note: list[str] = typer.Option(None, "--note", help=N_("QUESTION=TEXT: a note on an answer; repeatable.")),
    show: bool = typer.Option(False, "--show", help=N_("Only show the evaluation; ask nothing.")),
    as_json: bool = JsonOpt,
) -> None:
    """Evaluate a deal with the 20 questions of key-account sales: a score per group and a verdict.

    On a terminal (without --answer) the questions are asked one by one; otherwise the answers
    given are stored, and the evaluation is printed.
    """
    from salesdiary.cli.common import journal
    from salesdiary.cli.state import can_prompt

    answers = _pairs(answer or [], "--answer", _parse_answer)
    notes = _pairs(note or [], "--note", _parse_note)
    j = journal()
    found = j.deals.evaluation(deal)
    deal_id = int(found.deal["id"])
    if answers or notes:
        _save(deal_id, answers, notes)
        found = j.deals.evaluation(deal_id)
        if not as_json:
            _print_scores(found.result)
            return
    elif can_prompt() and not show and not as_json:
        _guided(found.deal, found.answers)
        return
    _print(found, as_json=as_json)


def _pairs(items: list[str], option: str, parse: Any) -> dict[str, Any]:
    from salesdiary.core.errors import BadInput
    from salesdiary.core.evaluation import question

    out: dict[str, Any] = {}
    for item in items:
        name, eq, value = item.partition("=")
        if not eq or not name.strip():
            raise BadInput(
                _("{option} takes QUESTION=VALUE (e.g. {option} 4=yes), not {item!r}.").format(option=option, item=item)
            )
        q = question(name)
        out[q.key] = parse(q, value)
    return out


def _parse_answer(q: Any, value: str) -> str:
    from salesdiary.core.evaluation import parse_answer

    return parse_answer(q, value)


def _parse_note(q: Any, value: str) -> str | None:
    from salesdiary.core.validate import clean_text

    return clean_text(value, "--note", max_len=2000)


def _save(deal_id: int, answers: dict[str, str], notes: dict[str, str | None]) -> None:
    from salesdiary.cli.common import done, journal
    from salesdiary.i18n import ngettext
    from salesdiary.render.console import message

    changed = journal().deals.qualify(deal_id, answers, notes)
    if changed:
        done(
            ngettext("Saved {n} answer of deal #{id}.", "Saved {n} answers of deal #{id}.", changed).format(
                n=changed, id=deal_id
            )
        )
    else:
        message(_("Nothing changed."))


def _say(text: str, style: str = "") -> None:
    from salesdiary.render.console import message

    message(text, style)


def _guided(row: dict[str, Any], current: dict[str, str]) -> None:
    from salesdiary.cli.common import done, guided, journal
    from salesdiary.core.evaluation import evaluate
    from salesdiary.prompts import ask
    from salesdiary.prompts.qualify import guided_evaluation
    from salesdiary.render.console import message

    _say(_("Evaluating deal #{id} {name}: 20 questions in 4 groups.").format(id=row["id"], name=row["name"]), "bold")
    with guided():
        answers = guided_evaluation(_say, current)
        _print_scores(evaluate(answers))
        if not ask.confirm(_("Save these answers?"), default=True):
            message(_("Not saved; nothing was written."))
            raise typer.Exit(1)
    journal().deals.qualify(int(row["id"]), answers)
    done(_("Saved the evaluation of deal #{id}.").format(id=row["id"]))


def _score(points: float) -> str:
    return f"{points:g}"


def _print_scores(ev: Any) -> None:
    from salesdiary.core.evaluation import status_label
    from salesdiary.render.console import out
    from salesdiary.render.tables import Column, print_table

    print_table(
        list(ev.groups),
        [
            Column(_("Group"), lambda g: f"{g.group.number}. {g.group.label}"),
            Column(_("Score"), lambda g: f"{_score(g.points)} / {g.out_of}", justify="right", no_wrap=True),
            Column(_("Known"), lambda g: f"{g.known} / {g.out_of}", justify="right", no_wrap=True),
            Column(_("Assessment"), lambda g: status_label(g.status)),
        ],
    )
    out().print(_("Verdict: {verdict}").format(verdict=ev.verdict.text), markup=False, style="bold")


def _print(found: Any, *, as_json: bool) -> None:
    """Draw the Evaluation Journal.deals.evaluation() gives (or print its JSON)."""
    from salesdiary.core.evaluation import GROUPS
    from salesdiary.render.console import message, out
    from salesdiary.render.tables import Column, print_table

    if as_json:
        from salesdiary.render.data import print_json

        print_json(found.as_json())
        return
    row, stored, ev = found.deal, found.stored, found.result
    scores = {g.group.key: g for g in ev.groups}
    out().print(
        _("Deal #{id} {name} — opportunity evaluation ({answered} of 20 answered)").format(
            id=row["id"], name=row["name"], answered=ev.answered
        ),
        markup=False,
        style="bold",
    )
    for g in GROUPS:
        s = scores[g.key]
        rows = [
            {
                "number": q.number,
                "question": str(q.label),
                "answer": str(q.scale.label(ev.answers[q.key])) if q.key in stored else "",
                "note": (stored.get(q.key) or {}).get("note"),
            }
            for q in g.questions
        ]
        print_table(
            rows,
            [
                Column(_("#"), lambda q: q["number"], justify="right", style="dim"),
                Column(_("Question"), lambda q: q["question"], max_width=60),
                Column(_("Answer"), lambda q: q["answer"], no_wrap=True),
                Column(_("Note"), lambda q: q["note"], max_width=40),
            ],
            title=f"{g.number}. {g.label} — {_score(s.points)} / {s.out_of}",
        )
    _print_scores(ev)
    if not stored:
        message(
            _("Answer the questions on a terminal with: sd qualify {id} — or with --answer 1=yes …").format(
                id=row["id"]
            )
        )
