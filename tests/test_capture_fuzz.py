"""core.capture.read_note on any text: it never fails with anything but a one-line SdError, and whatever it
reads stands in the note (hypothesis)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from hypothesis import given, settings
from hypothesis import strategies as st

from salesdiary.core.capture import Found, read_note
from salesdiary.core.errors import NotFound, SdError

TODAY = dt.date(2026, 12, 9)


class Names:
    """A directory of two accounts, three people and one deal, in memory."""

    accounts = [Found(1, "华为技术有限公司", None, "华为技术"), Found(2, "Contoso Ltd", None, "contoso")]
    people = [Found(1, "张伟", 1, "技术总监"), Found(2, "李娜", 1, ""), Found(3, "Priya Shah", 2, "CTO")]

    def account(self, ref: str) -> Found:
        for a in self.accounts:
            if ref == str(a.id) or a.detail.startswith(ref.lower()):
                return a
        raise NotFound("no such account")

    def accounts_starting(self, probes: Sequence[str]) -> list[Found]:
        return [a for a in self.accounts if any(a.detail.startswith(p) for p in probes)]

    def people_named(self, names: Sequence[str], first_names: Sequence[str]) -> list[Found]:
        return [p for p in self.people if p.name in names or any(p.name.startswith(f + " ") for f in first_names)]

    def people_of(self, account_id: int) -> list[Found]:
        return [p for p in self.people if p.account_id == account_id]

    def deal(self, ref: str, account_id: int | None) -> Found:
        if "数据" in ref:
            return Found(1, "数据中心网络改造", 1)
        raise NotFound("no such deal")

    def open_deals(self, account_id: int) -> list[Found]:
        return [Found(1, "数据中心网络改造", 1)] if account_id == 1 else []


PIECES = st.sampled_from(
    ["华为", "张伟", "张总", "小李", "@华为", "#数据", "#", "@", "下周三", "周五前", "月底", "3天后", "昨天", "回电",
     "拜访了", "吃饭", "Contoso", "Priya", "Ms Shah", "met", "call back", "next Wed", "by Friday", "12/02", "，",
     "。", " ", "刘建国", "新来的", "采购", "of", "in 3 days", "yesterday", "\u3000", "Ｆｒｉ", "2026-12-01"]
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(PIECES, st.text(max_size=6)), max_size=12))
def test_any_note_reads_without_failing(parts: list[str]) -> None:
    text = "".join(parts)
    try:
        cap = read_note(text, TODAY, Names())
    except SdError as exc:
        assert "\n" not in exc.message
        return
    assert cap.summary == text.replace("@", "").replace("#", "").strip() or "@" in text or "#" in text
    if cap.next_step:
        assert cap.next_step in text and cap.follow_up_date is not None and cap.follow_up_date > TODAY
    for name in cap.new_contacts:
        assert name in text
    assert cap.date <= TODAY
