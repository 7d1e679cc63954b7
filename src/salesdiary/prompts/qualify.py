"""The guided `sd qualify`: the 20 questions of 《大客户销售管理》, group by group."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from salesdiary.core.evaluation import ANSWERS, GROUPS, Question
from salesdiary.i18n import _
from salesdiary.prompts import ask


def ask_question(q: Question, current: str | None) -> str:
    options = [(answer, str(q.scale.label(answer))) for answer in ANSWERS]
    title = _("{number}. {question}").format(number=q.number, question=q.label)
    if q.hint is not None:
        title += "\n   " + _("({hint})").format(hint=q.hint)
    return ask.select(title, options, default=current or "yes", search=False)


def guided_evaluation(say: Callable[..., None], current: Mapping[str, str]) -> dict[str, str]:
    """Ask all 20 questions (the current answers preselected); returns question key → answer."""
    answers: dict[str, str] = {}
    for g in GROUPS:
        say("")
        say(_("{number}/4 {group} — {focus}").format(number=g.number, group=g.label, focus=g.focus), "bold")
        for q in g.questions:
            answers[q.key] = ask_question(q, current.get(q.key))
    return answers
