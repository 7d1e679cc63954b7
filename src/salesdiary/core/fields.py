"""What each record holds: field names, kinds, labels and how typed text becomes a value.

One table of fields per entity serves the command options, `show`, JSON and
(later) import and export, so a field is described once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from salesdiary.core import enums
from salesdiary.core.dates import parse_date
from salesdiary.core.enums import Vocabulary
from salesdiary.core.errors import BadInput
from salesdiary.core.text import Label
from salesdiary.core.validate import NAME_MAX, clean_name, clean_text, parse_amount
from salesdiary.i18n import N_, _

# Fields whose option is not their name with dashes (cli/: --follow-up, --close, --next, --mode …)
OPTION_NAMES = {
    "follow_up_date": "--follow-up",
    "expected_close": "--close",
    "next_step": "--next",
    "next_step_date": "--next-date",
    "purchase_mode": "--mode",
    "forecast_category": "--forecast",
}


@dataclass(frozen=True)
class FieldSpec:
    name: str
    label: Label
    kind: str = "text"  # name | text | longtext | enum | date | amount | bool | currency | ref
    vocab: Vocabulary | None = None
    personal: bool = False

    @property
    def option(self) -> str:
        """The option that sets the field, as the commands name it (`--follow-up` sets follow_up_date)."""
        return OPTION_NAMES.get(self.name) or "--" + self.name.replace("_", "-")

    def convert(self, raw: Any, today: dt.date, where: str | None = None) -> Any:
        """The stored value for RAW as typed by a person (None clears a field). WHERE names the value in
        errors: the option (`--name`) unless the command takes it as an argument (`NAME`)."""
        where = where or self.option
        if raw is None:
            return None
        if self.kind == "bool":
            return bool(raw)
        text = str(raw)
        if self.kind == "name":
            return clean_name(text, where)
        if self.kind in ("text", "ref"):
            return clean_text(text, where, max_len=NAME_MAX * 5, multiline=False)
        if self.kind == "longtext":
            return clean_text(text, where)
        cleaned = clean_text(text, where, max_len=200, multiline=False)
        if cleaned is None:
            return None
        if self.kind == "enum":
            assert self.vocab is not None
            return self.vocab.parse(cleaned)
        if self.kind == "date":
            try:
                return parse_date(cleaned, today)
            except BadInput as exc:
                raise BadInput(f"{where}: {exc.message}") from None
        if self.kind == "amount":
            return parse_amount(cleaned, where)
        if self.kind == "currency":
            code = cleaned.upper()
            if not (len(code) == 3 and code.isascii() and code.isalpha()):
                raise BadInput(_("{field}: a currency is a three-letter code like CNY or USD.").format(field=where))
            return code
        raise AssertionError(self.kind)

    def display(self, value: Any) -> str:
        if value is None or value == "":
            return ""
        if self.kind == "enum" and self.vocab is not None:
            return self.vocab.label(value)
        if self.kind == "bool":
            return _("yes") if value else _("no")
        if self.kind == "amount":
            return f"{float(value):,.2f}".rstrip("0").rstrip(".")
        return str(value)


def _f(
    name: str, en: str, zh: str, kind: str = "text", vocab: Vocabulary | None = None, personal: bool = False
) -> FieldSpec:
    return FieldSpec(name, Label(N_(en), zh), kind, vocab, personal)


ACCOUNT = (
    _f("name", "Name", "名称", "name"),
    _f("purchase_mode", "Purchase mode", "采购方式", "enum", enums.PURCHASE_MODE),
    _f("source", "Source", "信息来源", "enum", enums.SOURCE),
    _f("industry", "Industry", "行业"),
    _f("region", "Region", "区域"),
    _f("address", "Address", "地址"),
    _f("phone", "Phone", "电话"),
    _f("website", "Website", "网站"),
    _f("info_stage", "Information stage", "信息阶段", "enum", enums.INFO_STAGE),
    _f("relation", "Company relationship", "公司关系", "enum", enums.RELATION_GRADE),
    _f("tier", "Value tier", "客户价值", "enum", enums.TIER),
    _f("lifecycle", "Lifecycle", "生命周期", "enum", enums.LIFECYCLE),
    _f("owner", "Owner", "负责人"),
    _f("notes", "Notes", "备注", "longtext"),
)

CONTACT = (
    _f("name", "Name", "姓名", "name"),
    _f("title", "Title", "职务"),
    _f("department", "Department", "部门"),
    _f("phone", "Phone", "电话"),
    _f("email", "Email", "邮箱"),
    _f("level", "Level", "层级", "enum", enums.LEVEL),
    _f("role", "Buying role", "采购角色", "enum", enums.ROLE),
    _f("relationship", "Relationship stage", "关系阶段", "enum", enums.RELATIONSHIP),
    _f("stance", "Stance", "立场", "enum", enums.STANCE),
    _f("coach", "Coach", "导师", "bool"),
    _f("style", "Communication style", "沟通风格", "enum", enums.STYLE),
    _f("attitude", "Attitude to innovation", "创新态度", "enum", enums.ATTITUDE),
    _f("birthday", "Birthday", "生日", personal=True),
    _f("hometown", "Hometown", "籍贯", personal=True),
    _f("school", "School", "毕业院校", personal=True),
    _f("family", "Family", "家庭", personal=True),
    _f("hobbies", "Hobbies", "爱好", personal=True),
    _f("personal_notes", "Personal notes", "个人备注", "longtext", personal=True),
    _f("notes", "Notes", "备注", "longtext"),
)

DEAL = (
    _f("name", "Name", "项目名称", "name"),
    _f("amount", "Amount", "金额", "amount"),
    _f("currency", "Currency", "币种", "currency"),
    _f("expected_close", "Expected close", "预计成交", "date"),
    _f("competitors", "Competitors", "竞争对手"),
    _f("strategy", "Competitive strategy", "竞争策略", "enum", enums.STRATEGY),
    _f("next_step", "Next step", "下一步"),
    _f("next_step_date", "Next step date", "下一步日期", "date"),
    _f("external_id", "External id", "外部编号"),
    _f("forecast_category", "Forecast category", "预测类别", "enum", enums.FORECAST_CATEGORY),
    _f("owner", "Owner", "负责人"),
    _f("notes", "Notes", "备注", "longtext"),
)

VISIT = (
    _f("date", "Date", "日期", "date"),
    _f("kind", "Activity", "活动类型", "enum", enums.VISIT_KIND),
    _f("purpose", "Purpose", "目的", "longtext"),
    _f("summary", "What happened", "经过", "longtext"),
    _f("feedback", "Customer feedback", "客户反馈", "longtext"),
    _f("next_step", "Next step", "下一步"),
    _f("follow_up_date", "Follow-up date", "跟进日期", "date"),
    _f("owner", "Owner", "负责人"),
)

FOLLOWUP = (
    _f("action", "What to do", "事项", "name"),
    _f("due", "Due", "到期", "date"),
    _f("kind", "Kind", "类型", "enum", enums.FOLLOWUP_KIND),
    _f("owner", "Owner", "负责人"),
)


def spec(fields: tuple[FieldSpec, ...], name: str) -> FieldSpec:
    for f in fields:
        if f.name == name:
            return f
    raise KeyError(name)


def convert_all(
    fields: tuple[FieldSpec, ...], raw: dict[str, Any], today: dt.date, arguments: tuple[str, ...] = ()
) -> dict[str, Any]:
    """Convert the values a person gave (None = not given; '' = clear the field). ARGUMENTS: the fields the
    command takes as arguments, which errors name as the usage line shows them (NAME), not as an option."""
    out: dict[str, Any] = {}
    for f in fields:
        if f.name in raw and raw[f.name] is not None:
            where = argument_name(f.name) if f.name in arguments else None
            out[f.name] = None if raw[f.name] == "" and f.kind != "name" else f.convert(raw[f.name], today, where)
    return out


def argument_name(name: str) -> str:
    """An argument as usage lines show it: NAME in English, its Chinese name (context "argument") in Chinese."""
    from salesdiary.i18n import current_language, pgettext

    return name.upper() if current_language() == "en" else pgettext("argument", name)
