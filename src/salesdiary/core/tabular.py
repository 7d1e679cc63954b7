"""Tables as files: the columns every export writes and the fields every import reads.

Export columns are a promise to scripts and spreadsheets: English snake_case names
in a fixed order, ids and names side by side (a row is readable alone), dates ISO
8601, amounts plain numbers, enum values as their keys. README.md lists them; a test
keeps the two in step. Imports accept the same names (and the English or Chinese
labels of a field), so an export imports back unchanged.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from salesdiary.core import enums, fields
from salesdiary.core.dates import parse_date
from salesdiary.core.errors import BadInput
from salesdiary.core.fields import FieldSpec
from salesdiary.core.text import Label
from salesdiary.core.validate import clean_name, clean_text
from salesdiary.i18n import N_, _

# Kinds of export column: id · text · enum · date · datetime · amount · bool · names · ids
LIST_SEPARATOR = "\x1f"  # between the items of a names/ids column as the query returns them


@dataclass(frozen=True)
class Column:
    name: str
    kind: str = "text"
    personal: bool = False


def _c(names: str, kind: str) -> tuple[Column, ...]:
    return tuple(Column(n, kind) for n in names.split())


EXPORT_TABLES = ("accounts", "contacts", "deals", "visits", "followups", "stages")
IMPORT_TABLES = ("accounts", "contacts", "deals", "visits")

_PERSONAL = tuple(Column(f.name, "text", personal=True) for f in fields.CONTACT if f.personal)

COLUMNS: dict[str, tuple[Column, ...]] = {
    "accounts": (
        Column("id", "id"),
        Column("name"),
        *_c("purchase_mode source", "enum"),
        *_c("industry region address phone website", "text"),
        *_c("info_stage relation tier lifecycle", "enum"),
        Column("owner"),
        Column("reported_at", "datetime"),
        Column("notes"),
    ),
    "contacts": (
        Column("id", "id"),
        Column("name"),
        Column("account_id", "id"),
        Column("account"),
        *_c("title department phone email", "text"),
        *_c("level role relationship stance", "enum"),
        Column("coach", "bool"),
        *_c("style attitude", "enum"),
        Column("reports_to_id", "id"),
        Column("reports_to"),
        Column("notes"),
        *_PERSONAL,
    ),
    "deals": (
        Column("id", "id"),
        Column("name"),
        Column("external_id"),
        Column("account_id", "id"),
        Column("account"),
        *_c("playbook stage status", "enum"),
        Column("amount", "amount"),
        Column("currency"),
        *_c("expected_close stage_entered_on closed_on", "date"),
        *_c("loss_reason competitors", "text"),
        Column("strategy", "enum"),
        Column("next_step"),
        Column("next_step_date", "date"),
        Column("owner"),
        Column("notes"),
    ),
    "visits": (
        Column("id", "id"),
        Column("date", "date"),
        Column("kind", "enum"),
        Column("account_id", "id"),
        Column("account"),
        Column("deal_id", "id"),
        Column("deal"),
        Column("contact_ids", "ids"),
        Column("contacts", "names"),
        *_c("purpose summary feedback next_step", "text"),
        Column("follow_up_date", "date"),
        Column("assist", "bool"),
        Column("owner"),
    ),
    "followups": (
        Column("id", "id"),
        Column("due", "date"),
        Column("action"),
        Column("kind", "enum"),
        Column("done_on", "date"),
        Column("account_id", "id"),
        Column("account"),
        Column("deal_id", "id"),
        Column("deal"),
        Column("contact_id", "id"),
        Column("contact"),
        Column("visit_id", "id"),
        Column("owner"),
    ),
    "stages": (
        Column("id", "id"),
        Column("deal_id", "id"),
        Column("deal"),
        Column("account_id", "id"),
        Column("account"),
        *_c("playbook stage", "enum"),
        *_c("entered_on left_on", "date"),
        Column("forced", "bool"),
        Column("reason"),
    ),
}


def export_columns(table: str, *, include_personal: bool = False) -> tuple[Column, ...]:
    return tuple(c for c in COLUMNS[table] if include_personal or not c.personal)


class Rows:
    """The rows of an export, streamed once: TUPLES hold the values in the order of NAMES.

    Iterating gives each row as a dict (name → value); the writers take the tuples as they come, which spares
    a dict per row on a long export.
    """

    __slots__ = ("names", "tuples")

    def __init__(self, names: Sequence[str], tuples: Iterable[tuple[Any, ...]]) -> None:
        self.names = tuple(names)
        self.tuples: Iterator[tuple[Any, ...]] = iter(tuples)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return self

    def __next__(self) -> dict[str, Any]:
        return dict(zip(self.names, next(self.tuples), strict=True))


# Imports ----------------------------------------------------------------------------------------------


def _spec(name: str, en: str, zh: str, kind: str = "ref", vocab: enums.Vocabulary | None = None) -> FieldSpec:
    return FieldSpec(name, Label(N_(en), zh), kind, vocab)


_ACCOUNT_REF = _spec("account", "Account", "客户")
_OWNER = fields.spec(fields.ACCOUNT, "owner")

IMPORT_FIELDS: dict[str, tuple[FieldSpec, ...]] = {
    "accounts": (*fields.ACCOUNT, _spec("reported_at", "Reported at", "报备时间", "datetime")),
    "contacts": (
        *fields.CONTACT,
        _ACCOUNT_REF,
        _spec("reports_to", "Reports to", "上级"),
    ),
    "deals": (
        *fields.DEAL,
        _ACCOUNT_REF,
        _spec("playbook", "Playbook", "方法"),
        _spec("stage", "Stage", "阶段"),
        _spec("status", "Status", "状态", "enum", enums.DEAL_STATUS),
        _spec("stage_entered_on", "Stage entered on", "进入阶段日期", "date"),
        _spec("closed_on", "Closed on", "关闭日期", "date"),
        _spec("loss_reason", "Loss reason", "丢单原因"),
    ),
    "visits": (
        *fields.VISIT,
        _ACCOUNT_REF,
        _spec("deal", "Deal", "项目"),
        _spec("contacts", "Contacts met", "拜访对象", "names"),
        _spec("assist", "Assist", "协助", "bool"),
    ),
}
REQUIRED = {
    "accounts": ("name",),
    "contacts": ("name", "account"),
    "deals": ("name", "account"),
    "visits": ("account", "date"),
}

# Columns an export writes that an import reads past: ids belong to the journal that wrote them,
# the names beside them say the same thing in a form another journal understands.
EXPORT_ONLY = {table: tuple(c.name for c in COLUMNS[table] if c.kind in ("id", "ids")) for table in IMPORT_TABLES}

_ALIASES = {
    "account": ("account_name", "company", "customer", "客户名称", "公司"),
    "name": ("full_name",),
    "external_id": ("opportunity_id", "crm_id"),
    "contacts": ("contact", "contact_names", "联系人"),
    "deal": ("deal_name", "opportunity", "商机"),
    "email": ("e_mail", "mail"),
}


def header_key(text: str) -> str:
    """A column heading as a comparable key: 'Expected close' → 'expected_close'."""
    return re.sub(r"[\s\-./]+", "_", text.strip().casefold()).strip("_")


# Headings Chinese spreadsheets and CRM exports commonly use, by field (any table that has the field) …
_CHINESE_HEADINGS = {
    "amount": ("项目金额", "合同金额", "预算", "预算金额", "预计金额", "金额(元)", "金额（元）", "金额（万元）"),
    "stage": ("销售阶段", "项目阶段", "商机阶段"),
    "date": ("拜访日期", "拜访时间", "时间", "活动日期"),
    "expected_close": ("预计成交日期", "预计签约日期", "预计签单日期", "预计关闭日期"),
    "phone": ("手机", "手机号", "联系电话", "电话号码", "办公电话"),
    "email": ("电子邮件", "邮件", "电子邮箱", "e-mail"),
    "title": ("职位", "岗位", "头衔"),
    "industry": ("所属行业",),
    "region": ("地区", "所在地区", "省份", "城市"),
    "owner": ("销售", "销售人员", "业务员", "客户经理", "跟进人", "所有者"),
    "notes": ("说明", "备注信息"),
    "summary": ("拜访内容", "内容", "纪要", "拜访纪要", "沟通内容", "拜访记录"),
    "kind": ("拜访方式", "方式", "类型", "活动方式"),
    "purpose": ("拜访目的",),
    "feedback": ("反馈",),
    "next_step": ("下一步计划", "下步计划", "后续计划"),
    "follow_up_date": ("下次跟进日期", "跟进时间"),
    "competitors": ("竞争对手情况", "竞品"),
    "currency": ("货币",),
    "status": ("项目状态", "商机状态"),
    "address": ("详细地址", "公司地址"),
    "website": ("网址", "官网"),
    "department": ("所在部门", "科室"),
    "account": ("客户名称", "公司名称", "单位名称", "客户全称", "所属客户", "公司", "单位"),
    "contacts": ("联系人", "拜访人", "拜访对象姓名"),
}
# … and the headings whose meaning depends on the table: in an accounts file 客户名称 is the account's own name.
_CHINESE_HEADINGS_BY_TABLE: dict[str, dict[str, tuple[str, ...]]] = {
    "accounts": {"name": ("客户名称", "客户", "公司名称", "单位名称", "客户全称", "公司", "单位")},
    "contacts": {"name": ("联系人", "联系人姓名", "名字")},
    "deals": {"name": ("项目", "商机名称", "商机", "机会名称")},
}


def field_names(table: str) -> dict[str, FieldSpec]:
    """Every heading an import of TABLE understands, folded, with the field it fills: the field's name and
    labels, the usual English aliases, the usual Chinese headings; those of the table itself win."""
    known: dict[str, FieldSpec] = {}
    for f in IMPORT_FIELDS[table]:
        for form in (*_CHINESE_HEADINGS.get(f.name, ()), f.label.zh, f.label.en, *_ALIASES.get(f.name, ()), f.name):
            known[header_key(form)] = f
    for f in IMPORT_FIELDS[table]:
        for form in _CHINESE_HEADINGS_BY_TABLE.get(table, {}).get(f.name, ()):
            known[header_key(form)] = f
    return known


@dataclass
class ColumnPlan:
    """Which field each column of a file fills; what is left over."""

    fields: dict[str, FieldSpec]  # column → field
    unknown: list[str]  # columns no field matches (reported, not imported)


def plan_columns(
    table: str, columns: Iterable[str], mapping: dict[str, str | None], given: Iterable[str] = ()
) -> ColumnPlan:
    """Match the file's COLUMNS to fields; MAPPING (column → field, None = leave out) comes first.

    A field that is needed may be missing from the file when it is GIVEN otherwise (--default)."""
    columns = list(columns)
    known = field_names(table)
    by_name = {f.name: f for f in IMPORT_FIELDS[table]}
    folded_columns = {header_key(c): c for c in columns}
    for source in mapping:
        if source not in columns and header_key(source) not in folded_columns:
            raise BadInput(
                _("--map {source}: the file has no column {source!r}. Its columns: {columns}.").format(
                    source=source, columns=", ".join(columns)
                )
            )
    explicit = {folded_columns.get(header_key(s), s): t for s, t in mapping.items()}
    plan = ColumnPlan({}, [])
    taken: dict[str, str] = {}
    for column in columns:
        if column in explicit:
            target = explicit[column]
            if target is None:
                continue
            f = by_name.get(target) or known.get(header_key(target))
            if f is None:
                raise BadInput(
                    _("--map {column}={target}: {table} have no field {target!r}. Fields: {fields}.").format(
                        column=column, target=target, table=table, fields=", ".join(by_name)
                    )
                )
        else:
            key = header_key(column)
            f = known.get(key)
            if f is None:
                if key not in EXPORT_ONLY.get(table, ()):
                    plan.unknown.append(column)
                continue
        if f.name in taken:
            raise BadInput(
                _(
                    "Columns {first!r} and {second!r} both fill the field {field}; leave one out with --map {second}=."
                ).format(first=taken[f.name], second=column, field=f.name)
            )
        taken[f.name] = column
        plan.fields[column] = f
    missing = [name for name in REQUIRED[table] if name not in taken and name not in set(given)]
    if missing:
        raise BadInput(
            _("The file has no column for {fields} (needed for {table}); name one with --map COLUMN={field}.").format(
                fields=", ".join(missing), table=table, field=missing[0]
            )
        )
    return plan


def parse_assignments(items: Iterable[str], option: str, *, allow_empty: bool = False) -> dict[str, str | None]:
    """'a=b' pairs from repeated options, each of which may hold several separated by commas."""
    out: dict[str, str | None] = {}
    for item in items:
        for part in _split_pairs(item):
            source, eq, target = part.partition("=")
            source, target = source.strip(), target.strip()
            if not eq or not source or (not target and not allow_empty):
                raise BadInput(
                    _("{option}: expected SOURCE=VALUE pairs separated by commas, not {part!r}.").format(
                        option=option, part=part
                    )
                )
            out[source] = None if target in ("", "-") else target
    return out


def _split_pairs(text: str) -> list[str]:
    """Split 'a=b,c=d' at commas; a piece without '=' belongs to its neighbour ('Name, full=name')."""
    parts: list[str] = []
    carry = ""
    for piece in text.split(","):
        if "=" not in piece:
            if parts and not carry:
                parts[-1] += "," + piece
            else:
                carry += piece + ","
            continue
        parts.append(carry + piece)
        carry = ""
    if carry:
        parts.append(carry.rstrip(","))
    return [p for p in (p.strip() for p in parts) if p]


_YES = {"true", "yes", "y", "1", "是", "✓", "√", "t"}
_NO = {"false", "no", "n", "0", "否", "f"}
_DAY_FIRST = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4}|\d{2})$")
_ISO_PREFIX = re.compile(r"^\d{4}-\d{2}-\d{2}(?:[T ]|$)")
DATE_ORDERS = ("ymd", "dmy", "mdy")


def parse_bool(text: str) -> bool:
    folded = text.strip().casefold()
    if folded in _YES:
        return True
    if folded in _NO:
        return False
    raise BadInput(_("expected yes or no (true/false, 1/0), not {value!r}.").format(value=text))


def parse_file_date(text: str, order: str, today: dt.date) -> dt.date:
    """A date as files carry it: ISO (also a timestamp's date), day-first or month-first, or any sd form."""
    value = text.strip()
    if _ISO_PREFIX.match(value):
        try:
            return dt.date.fromisoformat(value[:10])
        except ValueError:
            raise BadInput(_("{value!r} is not a date.").format(value=value)) from None
    match = _DAY_FIRST.match(value)
    if match and order in ("dmy", "mdy"):
        a, b, year = (int(g) for g in match.groups())
        if len(match.group(3)) == 2:
            year += 2000 if year < 69 else 1900
        day, month = (a, b) if order == "dmy" else (b, a)
        try:
            return dt.date(year, month, day)
        except ValueError:
            raise BadInput(_("{value!r} is not a date ({order}).").format(value=value, order=order)) from None
    return parse_date(value, today)


def parse_timestamp(text: str, order: str, today: dt.date) -> dt.datetime:
    """An ISO 8601 time (UTC unless it says otherwise), or a date (midnight UTC)."""
    value = text.strip()
    if len(value) > 10 and _ISO_PREFIX.match(value):
        try:
            stamp = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise BadInput(_("{value!r} is not a date and time.").format(value=value)) from None
        if stamp.tzinfo is None:
            return stamp.replace(tzinfo=dt.UTC)
        return stamp.astimezone(dt.UTC)
    day = parse_file_date(value, order, today)
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)


def convert_cell(f: FieldSpec, raw: Any, today: dt.date, date_order: str = "ymd") -> Any:
    """The stored value for one cell of a file (BadInput with a reason when it cannot be read).

    None or '' is no value. JSON values (numbers, booleans, lists) are read as their text would be.
    """
    if raw is None or raw == "" or raw == []:
        return None
    try:
        if f.kind == "names":
            items = raw if isinstance(raw, list) else re.split(r"[;；\x1f]", str(raw))
            names = [clean_name(str(i), f.option) for i in items if str(i).strip()]
            return list(dict.fromkeys(names)) or None
        if isinstance(raw, list | dict):
            raise BadInput(_("expected a single value, not a list."))
        if f.kind == "bool":
            return raw if isinstance(raw, bool) else parse_bool(str(raw))
        text = str(raw)
        if f.kind == "amount" and isinstance(raw, bool):
            raise BadInput(_("expected a number, not {value!r}.").format(value=text))
        if f.kind in ("date", "datetime"):
            cleaned = clean_text(text, f.option, max_len=200, multiline=False)
            if cleaned is None:
                return None
            if f.kind == "datetime":
                return parse_timestamp(cleaned, date_order, today)
            return parse_file_date(cleaned, date_order, today)
        return f.convert(text, today)
    except BadInput as exc:
        raise BadInput(exc.message.removeprefix(f.option + ": ")) from None
