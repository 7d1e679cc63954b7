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


def byte_size(n: float) -> str:
    """A file's size as a person reads it: 512 B, 3.2 MB."""
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GB"
