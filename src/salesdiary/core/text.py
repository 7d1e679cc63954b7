"""Bilingual labels: every term of the method has an English and a Chinese form."""

from __future__ import annotations

from dataclasses import dataclass

from salesdiary.i18n import current_language


@dataclass(frozen=True)
class Label:
    en: str
    zh: str

    def __str__(self) -> str:
        return self.zh if current_language() == "zh" and self.zh else self.en

    def get(self, lang: str) -> str:
        return self.zh if lang == "zh" and self.zh else self.en
