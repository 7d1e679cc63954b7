"""One question at a time, through questionary: text, choice, checklist, yes/no, type-to-search.

Every question can be cancelled with Ctrl-C or Esc, which raises `Cancelled`; Ctrl-D (end of input)
does the same. Choices are (value, title) pairs; values are never None.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

from salesdiary.core.errors import SdError
from salesdiary.i18n import N_, _, ngettext

T = TypeVar("T")


class Cancelled(Exception):
    """The rep pressed Ctrl-C or Esc: stop, write nothing."""


def _with_escape(question: Any) -> Any:
    """Esc cancels the question, like Ctrl-C."""
    from prompt_toolkit.key_binding import KeyBindings, merge_key_bindings
    from prompt_toolkit.keys import Keys

    bindings = KeyBindings()

    @bindings.add(Keys.Escape, eager=True)
    def _cancel(event: Any) -> None:
        event.app.exit(exception=KeyboardInterrupt, style="class:aborting")

    app = question.application
    app.key_bindings = merge_key_bindings([app.key_bindings, bindings]) if app.key_bindings else bindings
    return question


# questionary's own words on the screen (its answers, instructions and the checklist's "done"), which it writes
# in English whatever the language: (style class, English) → the rep's words. Counted ones are matched below.
_QUESTIONARY_WORDS = {
    "Yes": N_("Yes"),
    "No": N_("No"),
    "(Y/n)": N_("(Y/n)"),
    "(y/N)": N_("(y/N)"),
    "done": N_("done"),
    "(Use arrow keys)": N_("(Use arrow keys)"),
    "(Use shortcuts or arrow keys)": N_("(Use shortcuts or arrow keys)"),
    "(Use arrow keys to move, <space> to select, <a> to toggle, <i> to invert)": N_(
        "(space ticks or unticks, enter accepts)"
    ),
}
_DONE_SELECTIONS = re.compile(r"done \((\d+) selections?\)")


def _in_language(question: Any) -> Any:
    """QUESTION with questionary's own English words shown in the rep's language (nothing changes in English)."""
    from salesdiary.i18n import current_language

    if current_language() == "en":
        return question
    from prompt_toolkit.layout import Window, walk
    from prompt_toolkit.layout.controls import FormattedTextControl

    # the question's line is drawn as the input line's prefix (prompt_toolkit's PromptSession), other lines by
    # formatted-text controls: pass both through the translation
    for window in walk(question.application.layout.container):
        if not isinstance(window, Window):
            continue
        control = window.content
        if isinstance(control, FormattedTextControl) and callable(control.text):
            control.text = _translated_tokens(control.text)
        if window.get_line_prefix is not None:
            window.get_line_prefix = _translated_tokens(window.get_line_prefix)
    return question


def _translated_tokens(tokens: Callable[..., Any]) -> Callable[..., Any]:
    from prompt_toolkit.formatted_text import to_formatted_text

    def translated(*args: Any) -> Any:
        runs: list[list[Any]] = []  # a line prefix comes one character a fragment: join runs of one style first
        for style, text, *rest in to_formatted_text(tokens(*args)):
            if runs and not rest and not runs[-1][2:] and runs[-1][0] == style:
                runs[-1][1] += text
            else:
                runs.append([style, text, *rest])
        return [
            (style, _questionary_word(text) if "answer" in style or "instruction" in style else text, *rest)
            for style, text, *rest in runs
        ]

    return translated


def _questionary_word(text: str) -> str:
    key = text.strip()
    if key in _QUESTIONARY_WORDS:
        return text.replace(key, _(_QUESTIONARY_WORDS[key]))
    found = _DONE_SELECTIONS.fullmatch(key)
    if found:
        n = int(found.group(1))
        return text.replace(key, ngettext("done ({n} selection)", "done ({n} selections)", n).format(n=n))
    return text


def _ask(question: Any) -> Any:
    try:
        answer = _in_language(_with_escape(question)).unsafe_ask()
    except (KeyboardInterrupt, EOFError):
        raise Cancelled from None
    if answer is None:
        raise Cancelled
    return answer


def _validator(check: Callable[[str], Any] | None) -> Callable[[str], bool | str] | None:
    """A questionary validator from a function that raises SdError on bad text."""
    if check is None:
        return None

    def validate(text: str) -> bool | str:
        try:
            check(text)
        except SdError as exc:
            return exc.message
        return True

    return validate


def text(
    message: str, *, default: str = "", check: Callable[[str], Any] | None = None, instruction: str | None = None
) -> str:
    """A line of text (empty allowed unless CHECK refuses it)."""
    import questionary

    question = questionary.text(message, default=default, validate=_validator(check), instruction=instruction)
    return str(_ask(question)).strip()


def required_text(message: str, *, default: str = "", check: Callable[[str], Any] | None = None) -> str:
    def must(value: str) -> None:
        if not value.strip():
            from salesdiary.core.errors import BadInput

            raise BadInput(_("Please type something (Esc to cancel)."))
        if check is not None:
            check(value)

    return text(message, default=default, check=must)


def search(message: str, names: Sequence[str], *, check: Callable[[str], Any] | None = None) -> str:
    """Type to search: names containing what is typed are offered; any text may be entered."""
    import questionary

    def must(value: str) -> None:
        if not value.strip():
            from salesdiary.core.errors import BadInput

            raise BadInput(_("Please type a name (Esc to cancel)."))
        if check is not None:
            check(value)

    choices = list(dict.fromkeys(names))
    if choices:
        question = questionary.autocomplete(message, choices=choices, match_middle=True, validate=_validator(must))
    else:  # nothing to search yet: a plain question
        question = questionary.text(message, validate=_validator(must))
    return str(_ask(question)).strip()


def _choices(choices: Iterable[tuple[Any, str]], checked: Iterable[Any] = ()) -> list[Any]:
    import questionary

    ticked = set(checked)
    return [questionary.Choice(title=title, value=value, checked=value in ticked) for value, title in choices]


def select(message: str, choices: Sequence[tuple[T, str]], *, default: T | None = None, search: bool = True) -> T:
    """One of CHOICES; with SEARCH, typing letters filters the list."""
    import questionary

    built = _choices(choices)
    start = next((c for c in built if c.value == default), None) if default is not None else None
    question = questionary.select(
        message,
        choices=built,
        default=start,
        use_search_filter=search,
        use_jk_keys=not search,
        instruction=_("(arrow keys; type to filter)") if search else _("(arrow keys)"),
    )
    return _ask(question)


def keys(message: str, actions: dict[str, T], *, enter: T) -> T:
    """One key press: Enter gives ENTER, a key of ACTIONS ("e") its value at once; Esc or Ctrl-C cancel."""
    from prompt_toolkit import PromptSession
    from prompt_toolkit.key_binding import KeyBindings

    bindings = KeyBindings()

    def answer(value: object) -> Callable[[Any], None]:
        return lambda event: event.app.exit(result=value)

    for key, value in actions.items():
        bindings.add(key)(answer(value))
    bindings.add("enter")(answer(enter))

    def cancel(event: Any) -> None:
        event.app.exit(exception=KeyboardInterrupt)

    bindings.add("escape", eager=True)(cancel)
    bindings.add("c-c")(cancel)
    try:
        return PromptSession(message, key_bindings=bindings).prompt()
    except (KeyboardInterrupt, EOFError):
        raise Cancelled from None


def checklist(message: str, choices: Sequence[tuple[T, str]], *, checked: Iterable[T] = ()) -> list[T]:
    """Any number of CHOICES (space ticks, Enter accepts)."""
    import questionary

    if not choices:
        return []
    question = questionary.checkbox(
        message,
        choices=_choices(choices, checked),
        instruction=_("(space ticks or unticks, enter accepts)"),
    )
    return list(_ask(question))


def confirm(message: str, *, default: bool = True) -> bool:
    import questionary
    from questionary.prompts import confirm as confirm_prompt

    # the confirm prompt reads its words from its module when it draws: set them in the rep's language
    for name in ("YES", "NO", "YES_OR_NO", "NO_OR_YES"):
        english = getattr(questionary.constants, name)
        setattr(confirm_prompt, name, _(_QUESTIONARY_WORDS[english]))
    return bool(_ask(questionary.confirm(message, default=default)))
