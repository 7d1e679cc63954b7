"""Compile the HTML page template: src/salesdiary/render/templates/report.html.j2 → render/compiled_report.py.

    .venv/bin/python scripts/templates.py          # compile it (after editing the template, or with a new Jinja2)
    .venv/bin/python scripts/templates.py check    # exit 1 when the compiled file is not what this writes

The .j2 file is the source. sd renders an HTML report with the compiled module, which saves Jinja2's compiling
the template at every run, only when the module records the template's SHA-256 as it is now and the version
of the Jinja2 installed (render/html.py precompiled()); otherwise Jinja2 compiles the template as usual, so an
edited template is never shadowed by an older compilation. A test fails when the template was edited and this
was not run.
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from salesdiary.render.html import PAGE, TEMPLATES, environment  # noqa: E402

OUT = ROOT / "src" / "salesdiary" / "render" / "compiled_report.py"


def compiled_text() -> str:
    """The module: what the template was compiled from, then Jinja2's code for it (defer_init: the module takes
    its environment when sd loads it, as Jinja2's own ModuleLoader does)."""
    import jinja2

    env = environment()
    source = (TEMPLATES / PAGE).read_bytes()
    code = env.compile(source.decode("utf-8"), PAGE, PAGE, raw=True, defer_init=True)
    return (  # the code first: its debug_info maps the template's lines to the lines of the module
        f"{code}\n\n"
        f"# Jinja2's compilation of render/templates/{PAGE}, written by scripts/templates.py: do not edit.\n"
        "# render/html.py precompiled() uses it only when both of these still hold.\n"
        f"TEMPLATE_SHA256 = {hashlib.sha256(source).hexdigest()!r}\n"
        f"JINJA2 = {jinja2.__version__!r}\n"
    )


def main(argv: list[str]) -> int:
    wanted = compiled_text()
    current = OUT.read_text(encoding="utf-8") if OUT.exists() else None
    if current == wanted:
        return 0
    if argv[:1] == ["check"]:
        print(f"{OUT.relative_to(ROOT)}: missing or out of date; run scripts/templates.py", file=sys.stderr)
        return 1
    OUT.write_text(wanted, encoding="utf-8")
    print(f"{OUT.relative_to(ROOT)}: compiled")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
