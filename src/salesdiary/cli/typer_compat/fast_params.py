"""Parameter values Typer would hand to pydantic only to get them back unchanged.

Typer 0.29 converts every parameter value through a pydantic TypeAdapter, and builds the adapter (importing
pydantic, ~70 ms) even for an option that was not given (None) or a text option given as text. Most `sd`
commands have only such values: `sd due`, `sd funnel`, `sd deal show 12`, `sd visit add --account …`.
`install()` makes those values skip the adapter when the result is certain to be the same:

- an option not given (None): what Typer's RuntimeParam.coerce returns for it (`()` for a repeatable
  option, else None);
- a `str` parameter given text, and a `list[str]` one given several texts (as a list, as pydantic makes it);
- an `int` or `float` parameter whose value already has that type and meets its min/max (a default);
- an `int` parameter given a whole number written plainly (`5`, `-3`, `30`: digits, no sign but minus, no
  leading zero, no space) that meets its min/max: `sd check -n 5`, `sd due --days 30`.

Everything else (another spelling of a number, a float typed on the command line, a choice, a path, a file, a
custom parser, a value outside its range) goes through Typer and pydantic as before, with their messages.
A test holds the fast results equal to Typer's own for every parameter of every command.
"""

from __future__ import annotations

import re
from typing import Any, get_args, get_origin

SLOW = object()  # "let Typer convert it"
_PLAIN_INT = re.compile(r"-?[1-9][0-9]{0,17}|0")


def fast_value(param: Any, value: Any) -> Any:
    """VALUE converted as Typer would for PARAM, or SLOW when only Typer can say."""
    desc: Any = getattr(param, "type_descriptor", None)
    info = getattr(desc, "parameter_info", None)
    if info is None:
        return SLOW
    if desc.is_file or info.parser is not None or getattr(info, "click_type", None) is not None:
        return SLOW
    if value is None:
        return () if (param.multiple or param.nargs == -1) else None
    annotation = desc.annotation
    if desc.is_path or desc.is_choice:
        return SLOW
    if annotation is str:
        return value if type(value) is str else SLOW
    if get_origin(annotation) is list and get_args(annotation) == (str,):
        if isinstance(value, (list, tuple)) and all(type(v) is str for v in value):
            return list(value)
        return SLOW
    if annotation is int and type(value) is str and _PLAIN_INT.fullmatch(value):
        value = int(value)
    if annotation in (int, float) and type(value) is annotation:
        low, high = info.min, info.max
        if (low is None or value >= low) and (high is None or value <= high):
            return value
    return SLOW


def install() -> None:
    """Hook Typer's parameter processing (once per process)."""
    from typer import core
    from typer._click import exceptions

    if getattr(core, "_salesdiary_fast_params", False):
        return
    if not all(hasattr(core._TyperParameter, name) for name in ("process_value", "value_is_missing")):
        return  # not the Typer this was written for: let it convert everything itself
    core._salesdiary_fast_params = True  # type: ignore[attr-defined]
    typers = core._TyperParameter.process_value

    def process_value(self: Any, ctx: Any, value: Any) -> Any:
        if self.type_descriptor.annotation is bool and isinstance(value, bool):
            return typers(self, ctx, value)  # Typer's own shortcut
        fast = fast_value(self, value)
        if fast is SLOW:
            return typers(self, ctx, value)
        if self.required and self.value_is_missing(fast):
            raise exceptions.MissingParameter(ctx=ctx, param=self)
        if self.callback is not None:
            fast = self.callback(ctx, self, fast)
        return fast

    core._TyperParameter.process_value = process_value  # type: ignore[method-assign]
