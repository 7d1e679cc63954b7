"""One question at a time, through questionary: text, choice, checklist, yes/no, type-to-search.

Every question can be cancelled with Ctrl-C or Esc, which raises `Cancelled`; Ctrl-D (end of input)
does the same. Choices are (value, title) pairs; values are never None.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

from salesdiary.core.errors import SdError
from salesdiary.i18n import _

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


def _ask(question: Any) -> Any:
    try:
        answer = _with_escape(question).unsafe_ask()
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
    return _ask(question)  # type: ignore[no-any-return]


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

    return bool(_ask(questionary.confirm(message, default=default)))
