"""A database's refusal reaches the rep as one sentence: PostgreSQL's CONTEXT and DETAIL lines left out."""

from __future__ import annotations

from types import SimpleNamespace

from salesdiary.store.tx import db_error_text


class _PgError(Exception):
    def __init__(self, text: str, primary: str | None) -> None:
        super().__init__(text)
        self.diag = SimpleNamespace(message_primary=primary)


def test_the_primary_message_without_context():
    raw = "deal #3 belongs to wang\nCONTEXT:  PL/pgSQL function sd_guard() line 12 at RAISE"
    assert db_error_text(_PgError(raw, "deal #3 belongs to wang")) == "deal #3 belongs to wang"
    assert db_error_text(_PgError(raw, None)) == "deal #3 belongs to wang"
    assert db_error_text(Exception("x\nDETAIL:  Key (name_key)=(a) already exists.")) == "x"
    assert db_error_text(Exception("database is locked")) == "database is locked"
