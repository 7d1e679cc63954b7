"""A realistic bilingual sample journal, written through the same functions as the commands."""

from __future__ import annotations

import datetime as dt
import random
import re
from typing import Any

from salesdiary.store.reads.export_queries import KEPT_TABLES
from salesdiary.store.tx import Tx
from salesdiary.store.writes import records

# name, purchase mode, source, industry, region, info stage, relation, tier, lifecycle
ACCOUNTS = [
    ("华东电网有限公司", "group", "relationships", "电力", "上海", "prospect", "B", "strategic", "growing"),
    ("杭州市第一人民医院", "single", "tender", "医疗", "杭州", "qualified", "C", "important", "new"),
    ("招商银行深圳分行", "strategic", "referral", "金融", "深圳", "customer", "A", "strategic", "stable"),
    ("中国移动江苏公司", "group", "association", "通信", "南京", "prospect", "B", "strategic", "growing"),
    ("万科物业服务有限公司", "group", "exhibition", "地产", "深圳", "qualified", "C", "important", "new"),
    ("苏州工业园区管委会", "single", "government", "政府", "苏州", "lead", "C", "important", "potential"),
    ("Northwind Logistics Ltd.", "single", "internet", "Logistics", "Hong Kong", "qualified", "C", "ordinary", "new"),
    (
        "Contoso Manufacturing",
        "group",
        "inbound",
        "Manufacturing",
        "Singapore",
        "prospect",
        "B",
        "important",
        "growing",
    ),
    ("浙江大学", "single", "relationships", "教育", "杭州", "customer", "A", "important", "stable"),
    ("广州地铁集团", "group", "tender", "交通", "广州", "qualified", "C", "strategic", "new"),
    ("Fabrikam Retail Group", "strategic", "referral", "Retail", "Shanghai", "lead", "C", "ordinary", "potential"),
    ("成都天府软件园", "single", "canvassing", "园区", "成都", "lead", "C", "ordinary", "potential"),
]

# per account: (name, title, level, role, relationship, stance, coach, style, attitude, reports_to index)
PEOPLE: dict[int, list[tuple[Any, ...]]] = {
    0: [
        ("王建国", "副总经理", "executive", "decision_maker", "dating", "neutral", False, "driver", "pragmatist", None),
        (
            "李明",
            "信息中心主任",
            "management",
            "influencer",
            "trusting",
            "supporter",
            True,
            "analytical",
            "visionary",
            0,
        ),
        ("赵磊", "网络工程师", "operational", "user", "acquainted", "supporter", False, "amiable", "innovator", 1),
    ],
    1: [
        (
            "陈静",
            "信息科科长",
            "management",
            "evaluator",
            "acquainted",
            "neutral",
            False,
            "analytical",
            "conservative",
            None,
        ),
        (
            "刘洋",
            "设备处采购员",
            "operational",
            "purchaser",
            "acquainted",
            "non_supporter",
            False,
            "amiable",
            "laggard",
            0,
        ),
    ],
    2: [
        (
            "张伟",
            "科技部总经理",
            "executive",
            "decision_maker",
            "allied",
            "supporter",
            False,
            "expressive",
            "visionary",
            None,
        ),
        ("孙丽", "系统架构师", "operational", "designer", "trusting", "supporter", True, "analytical", "innovator", 0),
    ],
    3: [
        (
            "周强",
            "网络部经理",
            "management",
            "decision_maker",
            "dating",
            "neutral",
            False,
            "driver",
            "pragmatist",
            None,
        ),
        ("吴敏", "规划室主任", "management", "influencer", "dating", "supporter", True, "amiable", "visionary", 0),
        (
            "郑凯",
            "采购中心",
            "operational",
            "gatekeeper",
            "acquainted",
            "opponent",
            False,
            "analytical",
            "conservative",
            0,
        ),
    ],
    4: [
        (
            "黄晓东",
            "IT总监",
            "executive",
            "decision_maker",
            "acquainted",
            "neutral",
            False,
            "expressive",
            "pragmatist",
            None,
        )
    ],
    5: [
        (
            "何涛",
            "信息化办公室主任",
            "management",
            "initiator",
            "acquainted",
            "neutral",
            False,
            "driver",
            "conservative",
            None,
        )
    ],
    6: [
        (
            "Emily Chen",
            "Operations Director",
            "executive",
            "decision_maker",
            "dating",
            "supporter",
            False,
            "driver",
            "pragmatist",
            None,
        ),
        (
            "Tom Walsh",
            "IT Manager",
            "management",
            "evaluator",
            "acquainted",
            "neutral",
            False,
            "analytical",
            "innovator",
            0,
        ),
    ],
    7: [
        (
            "Priya Nair",
            "CIO",
            "executive",
            "decision_maker",
            "trusting",
            "supporter",
            False,
            "analytical",
            "visionary",
            None,
        ),
        (
            "Marcus Lee",
            "Plant Engineer",
            "operational",
            "user",
            "dating",
            "supporter",
            True,
            "amiable",
            "pragmatist",
            0,
        ),
    ],
    8: [
        (
            "林教授",
            "网络中心主任",
            "management",
            "decision_maker",
            "allied",
            "supporter",
            True,
            "amiable",
            "innovator",
            None,
        )
    ],
    9: [
        (
            "马超",
            "信息部部长",
            "executive",
            "decision_maker",
            "acquainted",
            "neutral",
            False,
            "driver",
            "pragmatist",
            None,
        ),
        ("高洁", "技术主管", "management", "evaluator", "acquainted", "supporter", False, "analytical", "visionary", 0),
    ],
    10: [
        (
            "Sarah Kim",
            "Head of Stores IT",
            "management",
            "influencer",
            "acquainted",
            "neutral",
            False,
            "expressive",
            "visionary",
            None,
        )
    ],
    11: [
        ("罗斌", "招商部经理", "management", "initiator", "acquainted", "neutral", False, "amiable", "pragmatist", None)
    ],
}

# account index, name, amount, stage, days in stage, next step, next step in days (negative = overdue)
DEALS = [
    (0, "调度中心网络改造", 2_800_000, "standards_set", 21, "提交技术标准建议书", 3),
    (0, "变电站视频监控二期", 650_000, "customer_analysis", 40, "约李主任确认决策流程", -5),
    (1, "智慧病房无线覆盖", 420_000, "project_confirmation", 12, "确认预算和立项时间", 2),
    (2, "数据中心核心交换升级", 5_200_000, "tender_prepared", 9, "准备投标文件", 6),
    (3, "5G专网汇聚层扩容", 3_600_000, "competitiveness", 30, "召开项目分析会", -2),
    (4, "社区门禁对讲系统", 880_000, "initial_acceptance", 16, "安排样板小区参观", 8),
    (5, "园区政务云安全", 1_500_000, "project_info", 5, "拜访信息化办公室", 4),
    (6, "Warehouse Wi-Fi refresh", 260_000, "customer_analysis", 18, "Send site survey report", -1),
    (7, "Plant network segmentation", 1_200_000, "alliance_built", 25, "Reference call with Priya's peer", 1),
    (8, "校园网出口扩容", 760_000, "bid_won", 6, "签订合同", 2),
    (9, "线网运营通信系统", 4_300_000, "project_confirmation", 33, "拿到可研报告", -9),
    (10, "Store POS network", 340_000, "project_info", 3, "Discovery call", 5),
]

VISIT_PLANS = [
    ("visit", "了解项目背景和需求", "客户介绍了现网情况，核心设备已使用8年", "对我们的方案有兴趣，要求提供案例"),
    ("tech_exchange", "技术交流：方案架构", "与技术团队讨论了汇聚层设计", "担心迁移风险，需要割接方案"),
    ("call", "电话跟进资料", "确认已收到资料", "下周内部讨论"),
    ("social", "联谊晚餐", "与主任及两位骨干晚餐，气氛融洽", "透露了竞争对手的报价区间"),
    ("demo", "产品演示与测试", "完成了POC测试，性能达标", "希望延长测试两周"),
    ("tour", "参观样板工程", "带客户参观了同行业样板点", "认可实施质量"),
    ("proposal", "提交方案", "递交了初步方案和报价", "价格偏高，希望再优化"),
]

VISIT_PLANS_EN = [
    ("visit", "Kick-off meeting", "Walked through the requirements with the team", "Wants a phased rollout"),
    ("call", "Follow-up call", "Confirmed they received the proposal", "Will discuss internally next week"),
    ("demo", "Product demo", "Ran the demo on their test bench", "Impressed by the management console"),
    ("tech_exchange", "Design workshop", "Reviewed the network design with IT", "Worried about migration downtime"),
]
ENGLISH_ACCOUNTS = {6, 7, 10}


def fill_demo(tx: Tx, seed: int = 7) -> dict[str, int]:
    """Write the sample journal; returns how many of each record were made."""
    rng = random.Random(seed)
    today = tx.today
    counts = dict(accounts=0, contacts=0, deals=0, visits=0, followups=0)
    account_ids: list[int] = []
    contact_ids: dict[int, list[int]] = {}
    for i, (name, mode, source, industry, region, stage, relation, tier, lifecycle) in enumerate(ACCOUNTS):
        account_ids.append(
            records.add_account(
                tx,
                dict(
                    name=name,
                    purchase_mode=mode,
                    source=source,
                    industry=industry,
                    region=region,
                    info_stage=stage,
                    relation=relation,
                    tier=tier,
                    lifecycle=lifecycle,
                ),
            )
        )
        counts["accounts"] += 1
        ids: list[int] = []
        for person in PEOPLE.get(i, []):
            pname, title, level, role, rel, stance, coach, style, attitude, boss = person
            ids.append(
                records.add_contact(
                    tx,
                    account_ids[-1],
                    dict(
                        name=pname,
                        title=title,
                        level=level,
                        role=role,
                        relationship=rel,
                        stance=stance,
                        coach=coach,
                        style=style,
                        attitude=attitude,
                        phone=f"13{rng.randint(100000000, 999999999)}",
                    ),
                    ids[boss] if boss is not None else None,
                )
            )
            counts["contacts"] += 1
        contact_ids[i] = ids
    for a, name, amount, stage, days, next_step, next_in in DEALS:
        deal_id = records.add_deal(
            tx,
            account_ids[a],
            dict(
                name=name,
                amount=float(amount),
                expected_close=today + dt.timedelta(days=rng.randint(30, 200)),
                next_step=next_step,
                next_step_date=today + dt.timedelta(days=next_in),
                competitors=rng.choice(["华为", "H3C", "Cisco", "锐捷", "华为, H3C"]),
            ),
            stage="project_info",
        )
        counts["deals"] += 1
        _walk_to(tx, deal_id, stage, days)
        people = contact_ids.get(a, [])
        for n in range(rng.randint(2, 4)):
            kind, purpose, summary, feedback = rng.choice(VISIT_PLANS_EN if a in ENGLISH_ACCOUNTS else VISIT_PLANS)
            when = today - dt.timedelta(days=days + 5 * (3 - n) - rng.randint(0, 3))
            met = rng.sample(people, k=min(len(people), rng.randint(1, 2))) if people else []
            records.add_visit(
                tx,
                account_ids[a],
                dict(date=min(when, today), kind=kind, purpose=purpose, summary=summary, feedback=feedback),
                deal_id=deal_id,
                contact_ids=met,
            )
            counts["visits"] += 1
        records.add_followup(
            tx,
            account_ids[a],
            dict(action=next_step, due=today + dt.timedelta(days=next_in)),
            deal_id=deal_id,
            contact_id=people[0] if people else None,
        )
        counts["followups"] += 1
    won = records.add_deal(tx, account_ids[2], dict(name="网点无线网络", amount=1_100_000.0), stage="bid_won")
    records.close_deal(tx, won, "won", on=today - dt.timedelta(days=20))
    lost = records.add_deal(tx, account_ids[1], dict(name="门诊楼布线", amount=300_000.0), stage="competitiveness")
    records.close_deal(tx, lost, "lost", reason="价格高于对手15%", on=today - dt.timedelta(days=12))
    counts["deals"] += 2
    records.add_followup(
        tx,
        account_ids[8],
        dict(action="林教授生日，送贺卡", due=today - dt.timedelta(days=3)),
        contact_id=contact_ids[8][0],
    )
    records.add_followup(
        tx, account_ids[6], dict(action="Plan next quarter's visit", kind="visit", due=today + dt.timedelta(days=10))
    )
    counts["followups"] += 2
    return counts


def _walk_to(tx: Tx, deal_id: int, stage: str, days_in_stage: int) -> None:
    """Move a new demo deal through the stages up to STAGE, with plausible dates."""
    from salesdiary.core.playbook import load_playbook
    from salesdiary.store.models import Deal, StageHistory
    from salesdiary.store.paths import config_dir

    deal = tx.get(Deal, deal_id)
    assert deal is not None
    book = load_playbook(deal.playbook, config_dir())
    target = book.stage(stage)
    start = tx.today - dt.timedelta(days=days_in_stage + 12 * (target.number - 1))
    history = tx.session.get(StageHistory, _first_history_id(tx, deal_id))
    assert history is not None
    tx.update(history, {"entered_on": start})
    day = start
    for st in book.stages[1 : target.number]:
        day = day + dt.timedelta(days=12)
        tx.update(history, {"left_on": day})
        history = tx.insert(StageHistory(deal_id=deal_id, playbook=deal.playbook, stage=st.key, entered_on=day))
    tx.update(deal, {"stage": target.key, "stage_entered_on": tx.today - dt.timedelta(days=days_in_stage)})
    tx.update(history, {"entered_on": tx.today - dt.timedelta(days=days_in_stage)})


def _first_history_id(tx: Tx, deal_id: int) -> int:
    rows = tx.reader.rows("SELECT id FROM stage_history WHERE deal_id = :d ORDER BY id LIMIT 1", {"d": deal_id})
    return int(rows[0]["id"])


# --- taking the demo out again -------------------------------------------------------------------------------

# Tables whose rows the database keeps by itself (export_queries.KEPT_TABLES) or that record the journal's own
# history: not records of the demo's or the rep's.
_NOT_RECORDS = frozenset({*KEPT_TABLES, "changeset", "history", "meta"})
# The demo's changeset: `sd demo` (its command line), or a script's Journal.data.fill_demo ("python: data.fill_demo").
_DEMO_COMMAND = re.compile(r"(^|\s)(demo|data\.fill_demo)(\s|$)")


def demo_changeset(r: Any) -> dict[str, Any] | None:
    """The changeset `sd demo` wrote, while it is in effect (not undone); None when the journal has none."""
    rows = r.rows('SELECT id, at, command, "user", undone_by FROM changeset WHERE undone_by IS NULL ORDER BY id')
    for row in rows:
        command = str(row["command"])
        if _DEMO_COMMAND.search(command) and "--remove" not in command:
            return dict(row)
    return None


def remove_demo(tx: Tx) -> int:
    """Take out exactly the records `sd demo` wrote, as one command `sd undo` can put back.

    Refused, naming the record, when the rep has since changed a demo record or made one of their own that
    refers to one (a visit on a demo account, a marker ticked on a demo deal…): removing the demo then would
    take the rep's own work with it. Returns how many records were removed.
    """
    from salesdiary.core.errors import Conflict
    from salesdiary.i18n import _
    from salesdiary.store.writes import undo

    target = demo_changeset(tx.reader)
    if target is None:
        raise Conflict(_("This journal has no demo data to remove."))
    created: dict[str, set[str]] = {}
    for row in tx.reader.rows(
        "SELECT entity, entity_id FROM history WHERE changeset_id = :id AND action = 'insert'", {"id": target["id"]}
    ):
        created.setdefault(str(row["entity"]), set()).add(str(row["entity_id"]))
    theirs = _records_on_the_demo(tx, created)
    if theirs:
        child, parent = theirs
        raise Conflict(
            _(
                "The demo was not removed: {record} is not the demo's and refers to the demo's {parent}. "
                "Remove or move it first (or keep the demo)."
            ).format(record=undo.record_name(tx, *child), parent=undo.record_name(tx, *parent))
        )
    return undo.undo_changeset(tx, target).changes


def _records_on_the_demo(tx: Tx, created: dict[str, set[str]]) -> tuple[tuple[str, str], tuple[str, str]] | None:
    """The first row not written by the demo that refers to a row the demo wrote: ((table, key), (table, key))."""
    from sqlmodel import SQLModel

    for table in SQLModel.metadata.sorted_tables:
        if table.name in _NOT_RECORDS:
            continue
        keys = [c.name for c in table.primary_key.columns]
        for fk in table.foreign_keys:
            parent = fk.column.table.name
            ids = sorted(int(i) for i in created.get(parent, ()) if i.isdigit())
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                marks = ", ".join(f":p{i}" for i in range(len(chunk)))
                columns = ", ".join(f'"{k}"' for k in keys)
                ref = f'"{fk.parent.name}"'
                sql = f'SELECT {columns}, {ref} AS _ref FROM "{table.name}" WHERE {ref} IN ({marks})'
                for row in tx.reader.rows(sql, {f"p{i}": v for i, v in enumerate(chunk)}):
                    key = "/".join(str(row[k]) for k in keys)
                    if key not in created.get(table.name, ()):
                        return (table.name, key), (parent, str(row["_ref"]))
    return None
