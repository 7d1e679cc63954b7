"""Make a realistic journal for the benchmark: small (the demo), large or huge.

    .venv/bin/python bench/generate.py --size large          # -> bench/.data/large.sqlite (+ large.json)

It writes through the project's store, so it cannot drift from the schema:
the file is created and migrated by `store.migrate.ensure_schema` (the same
alembic migrations `sd` runs), and every row goes through SQLAlchemy Core
inserts over the SQLModel tables' `__table__` objects (store/models.py), inside
the project's own engine (`store.engine.engine_for`: foreign keys on, one
BEGIN IMMEDIATE transaction). The small size is `sd demo` itself
(`store.writes.demo.fill_demo` through `store.tx.run_write`).

What the generated data leaves out, on purpose: the bulk path writes no
`history`/`changeset` rows (a real three-year journal would have one per
change); every other table is filled as the commands would fill it. Indexes
that store/models.py declares and the migrations lack (migration 0001 not yet
regenerated) are reported, and created from models.py with
--create-missing-indexes. The rows of a size are made in memory before they are
written (the huge size needs a few GB of RAM).

Sizes (accounts, contacts, deals, visits, follow-ups):
  large  10,000  30,000  20,000    200,000   50,000
  huge   50,000 150,000 100,000  1,000,000  250,000
Names are Chinese and English; deals are spread over the playbook stages with
their stage history and met progress markers; visits span three years up to
"today" (SD_TODAY when set). A JSON file beside the journal records the size,
the counts, the "today" used and how long generation took; bench/run.py reads it.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import random
import sqlite3
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
DATA_DIR = BENCH_DIR / ".data"
BENCH_USER = "王芳"  # the rep whose journal this is (user.name in the bench config)
TEAM = [BENCH_USER, BENCH_USER, BENCH_USER, "李强", "Alice Wong", "陈静", "Tom Baker"]

SIZES: dict[str, dict[str, int]] = {
    "large": dict(accounts=10_000, contacts=30_000, deals=20_000, visits=200_000, followups=50_000),
    "huge": dict(accounts=50_000, contacts=150_000, deals=100_000, visits=1_000_000, followups=250_000),
}

# --- names ------------------------------------------------------------------------------------

CITIES = (
    "上海 北京 深圳 广州 杭州 南京 苏州 成都 重庆 武汉 西安 天津 青岛 宁波 厦门 长沙 郑州 合肥 济南 福州 "
    "无锡 常州 佛山 东莞 昆明 贵阳 南宁 沈阳 大连 哈尔滨 长春 石家庄 太原 南昌 兰州 乌鲁木齐 温州 绍兴 嘉兴 珠海"
).split()
TRADE_CHARS = "华信达通宏远恒泰鑫源瑞康安盛博创新联中天海润金科智云腾飞星辰永兴昌明德隆丰汇晨光启航正"
INDUSTRIES_ZH = [
    ("电力", "电力设计院"),
    ("医疗", "人民医院"),
    ("金融", "农村商业银行"),
    ("通信", "通信工程有限公司"),
    ("地产", "物业服务有限公司"),
    ("政府", "大数据管理局"),
    ("教育", "职业技术学院"),
    ("交通", "轨道交通集团"),
    ("制造", "精密制造有限公司"),
    ("能源", "燃气集团有限公司"),
    ("零售", "商贸连锁有限公司"),
    ("物流", "供应链管理有限公司"),
    ("化工", "化工股份有限公司"),
    ("水务", "水务集团"),
    ("烟草", "烟草专卖局"),
    ("园区", "高新区管委会"),
]
EN_FIRST = (
    "North South East West Blue Red Silver Golden Bright Summit Harbor River Lake Pine Oak Maple Cedar Stone Iron Star"
).split()
EN_SECOND = "wind field bridge gate point ridge view works line stream core path wave field rock light".split()
INDUSTRIES_EN = [
    ("Logistics", "Logistics Ltd."),
    ("Manufacturing", "Manufacturing Inc."),
    ("Retail", "Retail Group"),
    ("Finance", "Capital Partners"),
    ("Healthcare", "Health Systems"),
    ("Energy", "Energy Corp."),
    ("Education", "Academy"),
    ("Hospitality", "Hotels & Resorts"),
]
EN_REGIONS = ["Hong Kong", "Singapore", "Shanghai", "Kuala Lumpur", "Bangkok", "Sydney", "Taipei", "Tokyo"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国晓东海燕鹏飞志红玉兰文斌波宁凯浩然婷雪梅俊"
EN_GIVEN = (
    "James Mary John Linda David Sarah Michael Emily Daniel Grace Kevin Olivia Ryan Chloe Jason Priya Marcus Hannah"
).split()
EN_FAMILY = "Smith Chen Walsh Nair Lee Kim Tan Wong Brown Taylor Müller Garcia Patel Ng Lim Davies Clarke Ong".split()
TITLES_ZH = [
    "信息中心主任",
    "副总经理",
    "网络工程师",
    "采购部经理",
    "IT总监",
    "设备处处长",
    "总工程师",
    "财务总监",
    "科长",
    "技术主管",
]
TITLES_EN = ["CIO", "IT Manager", "Procurement Lead", "Operations Director", "Network Engineer", "CFO", "Head of IT"]
PRODUCTS_ZH = [
    "核心网络改造",
    "数据中心扩容",
    "视频监控二期",
    "无线覆盖",
    "政务云安全",
    "机房建设",
    "灾备中心",
    "运维外包",
    "桌面云",
]
PRODUCTS_EN = ["Network refresh", "Wi-Fi rollout", "Data centre upgrade", "Security audit", "POS network", "SD-WAN"]
COMPETITORS = ["华为", "H3C", "Cisco", "锐捷", "华为, H3C", "中兴", "Juniper", None]
VISITS_ZH = [
    ("visit", "了解项目背景和需求", "客户介绍了现网情况，核心设备已使用{n}年", "对我们的方案有兴趣，要求提供案例"),
    ("tech_exchange", "技术交流：方案架构", "与技术团队讨论了汇聚层设计", "担心迁移风险，需要割接方案"),
    ("call", "电话跟进资料", "确认已收到资料", "下周内部讨论"),
    ("meal", "联谊晚餐", "与主任及{n}位骨干晚餐，气氛融洽", "透露了竞争对手的报价区间"),
    ("demo", "产品演示与测试", "完成了POC测试，性能达标", "希望延长测试{n}周"),
    ("tour", "参观样板工程", "带客户参观了同行业样板点", "认可实施质量"),
    ("proposal", "提交方案", "递交了初步方案和报价", "价格偏高，希望再优化{n}%"),
    ("negotiation", "商务谈判", "就付款方式和交期进行了谈判", "同意分{n}期付款"),
]
VISITS_EN = [
    ("visit", "Kick-off meeting", "Walked through the requirements with {n} people from IT", "Wants a phased rollout"),
    ("call", "Follow-up call", "Confirmed they received the proposal", "Will discuss internally next week"),
    ("demo", "Product demo", "Ran the demo on their test bench", "Impressed by the management console"),
    ("tech_exchange", "Design workshop", "Reviewed the network design with IT", "Worried about {n} hours of downtime"),
]
NEXT_ZH = [
    "提交割接方案",
    "约主任确认决策流程",
    "准备投标文件",
    "安排样板参观",
    "发送报价单",
    "召开项目分析会",
    "确认预算",
]
NEXT_EN = ["Send site survey report", "Book a reference call", "Send the revised quote", "Plan the pilot"]
LOSS_REASONS = ["价格高于对手15%", "客户预算取消", "关系不到位", "Lost on price", "技术方案不符合标准", None]
ROLES = ["decision_maker", "influencer", "gatekeeper", "user", "purchaser", "evaluator", "initiator", "designer"]
STANCES = ["supporter", "neutral", "non_supporter", "opponent"]
RELATIONSHIPS = ["acquainted", "dating", "trusting", "allied"]
STYLES = ["analytical", "amiable", "expressive", "driver"]
ATTITUDES = ["innovator", "visionary", "pragmatist", "conservative", "laggard"]
LEVELS = ["operational", "management", "executive"]
SOURCES = ["canvassing", "internet", "relationships", "exhibition", "association", "government", "referral", "tender"]


def _stamp(day: dt.date, rng: random.Random) -> dt.datetime:
    """A plausible moment of DAY, in UTC (office hours in China)."""
    return dt.datetime(
        day.year, day.month, day.day, rng.randint(0, 10), rng.randint(0, 59), rng.randint(0, 59), tzinfo=dt.UTC
    )


class Generator:
    def __init__(self, counts: dict[str, int], today: dt.date, seed: int) -> None:
        from salesdiary.core.playbook import load_playbook

        self.n = counts
        self.today = today
        self.start = today - dt.timedelta(days=3 * 365)
        self.rng = random.Random(seed)
        self.books = {name: load_playbook(name) for name in ("ten_step", "six_step")}

    def day_between(self, first: dt.date, last: dt.date) -> dt.date:
        span = max(0, (last - first).days)
        return first + dt.timedelta(days=self.rng.randint(0, span))

    # accounts and contacts -------------------------------------------------------------------

    def accounts(self) -> list[dict[str, Any]]:
        from salesdiary.core.naming import account_key

        rng, rows, keys = self.rng, [], set()
        self.english: set[int] = set()
        for i in range(1, self.n["accounts"] + 1):
            english = rng.random() < 0.15
            while True:
                if english:
                    industry, suffix = rng.choice(INDUSTRIES_EN)
                    name = f"{rng.choice(EN_FIRST)}{rng.choice(EN_SECOND)} {suffix}"
                    region = rng.choice(EN_REGIONS)
                else:
                    industry, suffix = rng.choice(INDUSTRIES_ZH)
                    region = rng.choice(CITIES)
                    trade = "".join(rng.sample(TRADE_CHARS, 2))
                    name = f"{region}{trade}{suffix}"
                key = account_key(name)
                if key not in keys:
                    keys.add(key)
                    break
                if rng.random() < 0.5:  # crowded combinations: a branch office is another organisation
                    name = f"{name}第{rng.randint(2, 99)}分公司" if not english else f"{name} ({region} branch)"
                    key = account_key(name)
                    if key not in keys:
                        keys.add(key)
                        break
            if english:
                self.english.add(i)
            created = self.day_between(self.start - dt.timedelta(days=200), self.today - dt.timedelta(days=5))
            stamp = _stamp(created, rng)
            owner = rng.choice(TEAM)
            rows.append(
                dict(
                    id=i,
                    name=name,
                    name_key=key,
                    purchase_mode=rng.choice(["single", "group", "strategic", None]),
                    source=rng.choice(SOURCES),
                    industry=industry,
                    region=region,
                    address=None if english else f"{region}市{rng.choice('东西南北中')}区{rng.randint(1, 999)}号",
                    phone=f"0{rng.randint(10, 999)}-{rng.randint(10000000, 99999999)}",
                    website=f"https://www.{key[:12]}.com" if english else None,
                    info_stage=rng.choices(["lead", "qualified", "prospect", "customer"], [4, 3, 2, 2])[0],
                    relation=rng.choice(["C", "B", "A", None]),
                    tier=rng.choices(["strategic", "important", "ordinary", None], [1, 3, 5, 2])[0],
                    lifecycle=rng.choice(["potential", "new", "growing", "stable", "declining", None]),
                    notes="重点客户，年底有预算" if rng.random() < 0.05 else None,
                    owner=owner,
                    created_by=owner,
                    reported_at=stamp,
                    created_at=stamp,
                    updated_at=stamp,
                )
            )
        self.account_created = {r["id"]: r["created_at"].date() for r in rows}
        self.account_owner = {r["id"]: r["owner"] for r in rows}
        return rows

    def contacts(self) -> list[dict[str, Any]]:
        rng, rows = self.rng, []
        accounts = self.n["accounts"]
        # every account gets one contact, the rest are spread unevenly (big accounts have more people)
        per = [1] * (accounts + 1)
        per[0] = 0
        weights = [0] + [rng.choice((1, 1, 2, 3, 6)) for _ in range(accounts)]
        for a in rng.choices(range(accounts + 1), weights, k=self.n["contacts"] - accounts):
            per[a] += 1
        self.people: dict[int, list[int]] = {}
        cid = 0
        for a in range(1, accounts + 1):
            english = a in self.english
            ids: list[int] = []
            for k in range(per[a]):
                cid += 1
                if english:
                    name = f"{rng.choice(EN_GIVEN)} {rng.choice(EN_FAMILY)}"
                else:
                    name = rng.choice(SURNAMES) + "".join(rng.sample(GIVEN, rng.choice((1, 2))))
                stamp = _stamp(self.day_between(self.account_created[a], self.today), rng)
                rows.append(
                    dict(
                        id=cid,
                        account_id=a,
                        name=name,
                        title=rng.choice(TITLES_EN if english else TITLES_ZH),
                        department=None,
                        phone=f"1{rng.choice('3589')}{rng.randint(100000000, 999999999)}",
                        email=f"c{cid}@example.com" if rng.random() < 0.4 else None,
                        level=rng.choice(LEVELS),
                        role=rng.choice(ROLES),
                        relationship=rng.choice(RELATIONSHIPS),
                        stance=rng.choice(STANCES),
                        coach=rng.random() < 0.08,
                        style=rng.choice(STYLES),
                        attitude=rng.choice(ATTITUDES),
                        reports_to_id=ids[0] if k and rng.random() < 0.6 else None,
                        birthday=f"{rng.randint(1960, 1995)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
                        if rng.random() < 0.2
                        else None,
                        hometown=rng.choice(CITIES) if rng.random() < 0.1 else None,
                        school=None,
                        family=None,
                        hobbies="钓鱼" if rng.random() < 0.05 else None,
                        personal_notes=None,
                        notes=None,
                        created_at=stamp,
                        updated_at=stamp,
                    )
                )
                ids.append(cid)
            self.people[a] = ids
        return rows

    # deals, their stages, markers and people ------------------------------------------------

    def deals(self) -> dict[str, list[dict[str, Any]]]:
        rng = self.rng
        out: dict[str, list[dict[str, Any]]] = {
            k: [] for k in ("deal", "stage_history", "deal_marker", "deal_contact", "receivable")
        }
        accounts = list(range(1, self.n["accounts"] + 1))
        weights = [rng.choice((1, 1, 2, 4)) for _ in accounts]
        self.deals_of: dict[int, list[tuple[int, dt.date, dt.date]]] = {}
        history_id = receivable_id = 0
        for did, a in enumerate(rng.choices(accounts, weights, k=self.n["deals"]), start=1):
            english = a in self.english
            playbook = "six_step" if rng.random() < 0.1 else "ten_step"
            stages = self.books[playbook].stages
            status = rng.choices(["open", "won", "lost", "dropped"], [40, 25, 25, 10])[0]
            last = len(stages) - 1
            if status == "open":
                # more deals early in the funnel than late
                reach = min(last, int(rng.triangular(0, last + 0.99, 0)))
                created = self.day_between(self.today - dt.timedelta(days=540), self.today - dt.timedelta(days=3))
            else:
                reach = rng.randint(max(0, last - 2), last) if status == "won" else rng.randint(0, last - 2)
                created = self.day_between(max(self.start, self.account_created[a]), self.today - dt.timedelta(days=60))
            created = max(created, self.account_created[a])
            # walk the stages: each lasts 5..60 days; an open deal's current stage is still running
            span_end = self.today if status == "open" else self.day_between(created, self.today)
            steps = reach + 1
            bounds = sorted(self.day_between(created, span_end) for _ in range(steps - 1))
            entered = [created, *bounds]
            closed_on = None if status == "open" else span_end
            book_stages = stages[:steps]
            for k, stage in enumerate(book_stages):
                history_id += 1
                left = entered[k + 1] if k + 1 < steps else closed_on
                out["stage_history"].append(
                    dict(
                        id=history_id,
                        deal_id=did,
                        playbook=playbook,
                        stage=stage.key,
                        entered_on=entered[k],
                        left_on=left,
                        forced=False,
                        reason=None,
                    )
                )
                done_markers = stage.markers if k + 1 < steps else [m for m in stage.markers if rng.random() < 0.5]
                for m in done_markers:
                    out["deal_marker"].append(
                        dict(
                            deal_id=did,
                            stage=stage.key,
                            marker=m.key,
                            checked_on=self.day_between(entered[k], left or self.today),
                        )
                    )
            amount = float(rng.choice((5, 8, 12, 20, 26, 42, 65, 88, 120, 150, 280, 360, 520)) * 10_000)
            next_date = None
            if status == "open":
                next_date = self.today + dt.timedelta(days=rng.randint(-30, 45)) if rng.random() < 0.8 else None
            stamp = _stamp(created, rng)
            owner = self.account_owner[a] if rng.random() < 0.9 else rng.choice(TEAM)
            out["deal"].append(
                dict(
                    id=did,
                    account_id=a,
                    name=rng.choice(PRODUCTS_EN if english else PRODUCTS_ZH)
                    + ("" if rng.random() < 0.5 else f" {did}"),
                    external_id=f"CRM-{did:07d}" if rng.random() < 0.1 else None,
                    amount=amount,
                    currency="USD" if english and rng.random() < 0.5 else "CNY",
                    expected_close=(closed_on or self.today + dt.timedelta(days=rng.randint(-20, 240))),
                    playbook=playbook,
                    stage=book_stages[-1].key,
                    stage_entered_on=entered[-1],
                    status=status,
                    closed_on=closed_on,
                    loss_reason=rng.choice(LOSS_REASONS) if status == "lost" else None,
                    competitors=rng.choice(COMPETITORS),
                    strategy=rng.choice(["head_on", "indirect", "divide", "delay", None]),
                    next_step=rng.choice(NEXT_EN if english else NEXT_ZH) if status == "open" else None,
                    next_step_date=next_date,
                    notes=None,
                    owner=owner,
                    created_by=owner,
                    created_at=stamp,
                    updated_at=_stamp(span_end, rng),
                )
            )
            people = self.people[a]
            for cid in rng.sample(people, k=min(len(people), rng.randint(1, 4))):
                out["deal_contact"].append(
                    dict(
                        deal_id=did,
                        contact_id=cid,
                        role=rng.choice(ROLES) if rng.random() < 0.5 else None,
                        stance=rng.choice(STANCES) if rng.random() < 0.5 else None,
                    )
                )
            if status == "won":
                for part in range(rng.randint(1, 3)):
                    receivable_id += 1
                    due = closed_on + dt.timedelta(days=30 + 90 * part)  # type: ignore[operator]
                    paid = due < self.today and rng.random() < 0.8
                    out["receivable"].append(
                        dict(
                            id=receivable_id,
                            deal_id=did,
                            amount=amount / 3,
                            due=due,
                            paid_amount=amount / 3 if paid else 0.0,
                            paid_on=due if paid else None,
                            note=None,
                            owner=owner,
                            created_by=owner,
                            created_at=stamp,
                            updated_at=stamp,
                        )
                    )
            self.deals_of.setdefault(a, []).append((did, created, closed_on or self.today))
        return out

    # visits and follow-ups ------------------------------------------------------------------

    def visits_and_followups(self) -> dict[str, list[dict[str, Any]]]:
        rng = self.rng
        out: dict[str, list[dict[str, Any]]] = {"visit": [], "visit_contact": [], "followup": []}
        accounts = list(range(1, self.n["accounts"] + 1))
        # busy accounts (those with deals) get most of the visits
        weights = [1 + 3 * len(self.deals_of.get(a, ())) for a in accounts]
        from_visits = int(self.n["followups"] * 0.6)
        followup_id = 0
        for vid, a in enumerate(rng.choices(accounts, weights, k=self.n["visits"]), start=1):
            english = a in self.english
            deal_id = None
            deals = self.deals_of.get(a)
            if deals and rng.random() < 0.7:
                deal_id, first, last = rng.choice(deals)
                day = self.day_between(first, last)
            else:
                day = self.day_between(max(self.start, self.account_created[a]), self.today)
            kind, purpose, summary, feedback = rng.choice(VISITS_EN if english else VISITS_ZH)
            n = rng.randint(2, 9)
            follow = None
            next_step = None
            if followup_id < from_visits and rng.random() < from_visits / self.n["visits"] * 1.05:
                follow = day + dt.timedelta(days=rng.randint(1, 21))
                next_step = rng.choice(NEXT_EN if english else NEXT_ZH)
            owner = self.account_owner[a]
            assist = rng.random() < 0.03
            if assist:
                owner = rng.choice(TEAM)
            stamp = _stamp(day, rng)
            out["visit"].append(
                dict(
                    id=vid,
                    account_id=a,
                    deal_id=deal_id,
                    date=day,
                    kind=kind,
                    purpose=purpose,
                    summary=summary.format(n=n),
                    feedback=feedback.format(n=n),
                    next_step=next_step,
                    follow_up_date=follow,
                    assist=assist,
                    owner=owner,
                    created_by=owner,
                    created_at=stamp,
                    updated_at=stamp,
                )
            )
            people = self.people[a]
            met = rng.sample(people, k=min(len(people), rng.choice((0, 1, 1, 1, 2)))) if people else []
            for cid in met:
                out["visit_contact"].append(dict(visit_id=vid, contact_id=cid))
            if follow is not None:
                followup_id += 1
                out["followup"].append(
                    self._followup(followup_id, a, deal_id, met[0] if met else None, vid, follow, next_step, owner)
                )
        while followup_id < self.n["followups"]:
            followup_id += 1
            a = rng.choice(accounts)
            deals = self.deals_of.get(a)
            deal_id = rng.choice(deals)[0] if deals and rng.random() < 0.5 else None
            due = self.day_between(self.start, self.today + dt.timedelta(days=60))
            action = rng.choice(["客户生日，送贺卡", "季度回访", "寄送资料", "Call about the renewal", "确认付款进度"])
            out["followup"].append(
                self._followup(followup_id, a, deal_id, None, None, due, action, self.account_owner[a])
            )
        return out

    def _followup(
        self,
        fid: int,
        account: int,
        deal: int | None,
        contact: int | None,
        visit: int | None,
        due: dt.date,
        action: str | None,
        owner: str,
    ) -> dict[str, Any]:
        rng = self.rng
        age = (self.today - due).days
        # nearly everything older than two weeks is done; a rep's backlog is small but real
        done = (age > 14 and rng.random() < 0.97) or (0 <= age <= 14 and rng.random() < 0.5)
        stamp = _stamp(due - dt.timedelta(days=rng.randint(1, 20)), rng)
        return dict(
            id=fid,
            account_id=account,
            deal_id=deal,
            contact_id=contact,
            visit_id=visit,
            due=due,
            action=action or "跟进",
            kind=rng.choices(["todo", "visit", "call"], [6, 2, 2])[0],
            done_on=due + dt.timedelta(days=rng.randint(-2, 3)) if done else None,
            owner=owner,
            created_by=owner,
            created_at=stamp,
            updated_at=stamp,
        )


def bench_env(data_dir: Path = DATA_DIR) -> dict[str, str]:
    """The environment the generator and the runner share: the bench user's config, no colour."""
    data_dir.mkdir(parents=True, exist_ok=True)
    config = data_dir / "config.toml"
    if not config.exists():
        config.write_text(f'[user]\nname = "{BENCH_USER}"\n', encoding="utf-8")
    return {"SD_CONFIG": str(config), "NO_COLOR": "1"}


def _insert(conn: Any, table: Any, rows: list[dict[str, Any]], chunk: int = 50_000) -> int:
    for i in range(0, len(rows), chunk):
        conn.execute(table.insert(), rows[i : i + chunk])
    return len(rows)


def generate(
    size: str,
    out: Path,
    *,
    seed: int = 2026,
    force: bool = False,
    today: dt.date | None = None,
    counts: dict[str, int] | None = None,
    create_missing_indexes: bool = False,
) -> dict[str, Any]:
    """Write the journal of SIZE (or of COUNTS) to OUT and its description beside it; return the description."""
    for path in (out, out.with_name(out.name + "-wal"), out.with_name(out.name + "-shm")):
        if path.exists():
            if not force:
                raise SystemExit(f"{out} exists; pass --force to make it again.")
            path.unlink()
    started = time.perf_counter()
    with _bench_config(out.parent):
        from salesdiary.core.dates import today as today_date
        from salesdiary.store.paths import Target

        today = today or today_date()
        target = Target(path=out)
        if size == "small":
            from salesdiary.store.tx import run_write
            from salesdiary.store.writes.demo import fill_demo

            made = run_write(target, fill_demo, command="bench/generate.py --size small")
            written = {name.rstrip("s"): n for name, n in made.items()}  # "accounts" -> "account", as below
        else:
            written = _bulk(target, counts or SIZES[size], today, seed)
        missing = missing_indexes(out)
        if missing and create_missing_indexes:
            _create_indexes(target, missing)
        from salesdiary.store.engine import dispose_all

        dispose_all()
    con = sqlite3.connect(out)  # fold the write-ahead log into the file, as a clean close would
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    seconds = time.perf_counter() - started
    info = {
        "size": size,
        "path": str(out),
        "today": today.isoformat(),
        "seed": seed,
        "counts": written,
        "generated_seconds": round(seconds, 1),
        "generated_at": dt.datetime.now().isoformat(timespec="seconds"),
        "bytes": out.stat().st_size,
        # indexes store/models.py declares that the migrations did not create (migration 0001 is behind)
        "missing_indexes": missing,
        "created_missing_indexes": bool(missing and create_missing_indexes),
    }
    out.with_suffix(".json").write_text(json.dumps(info, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return info


@contextlib.contextmanager
def _bench_config(data_dir: Path) -> Iterator[None]:
    """The bench user's config (and no SD_TODAY surprise) while the project's store writes; restored after."""
    from salesdiary.store.paths import load_config

    saved = {k: os.environ.get(k) for k in ("SD_CONFIG", "SD_DATABASE_URL")}
    os.environ["SD_CONFIG"] = bench_env(data_dir)["SD_CONFIG"]
    os.environ.pop("SD_DATABASE_URL", None)
    load_config.cache_clear()
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        load_config.cache_clear()


def missing_indexes(path: Path) -> list[str]:
    """Names of the indexes store/models.py declares that the journal at PATH lacks."""
    from salesdiary.store import models

    declared = {index.name for table in models.SQLModel.metadata.sorted_tables for index in table.indexes}
    con = sqlite3.connect(path)
    try:
        present = {row[0] for row in con.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    finally:
        con.close()
    return sorted(str(name) for name in declared - present if name)


def _create_indexes(target: Any, names: list[str]) -> None:
    """Create the model indexes NAMES from their definitions in store/models.py (not hand-written SQL)."""
    from salesdiary.store import models
    from salesdiary.store.engine import dispose_all, engine_for

    engine = engine_for(target)
    with engine.begin() as conn:
        for table in models.SQLModel.metadata.sorted_tables:
            for index in table.indexes:
                if index.name in names:
                    index.create(conn)
    dispose_all()


def _bulk(target: Any, counts: dict[str, int], today: dt.date, seed: int) -> dict[str, int]:
    from salesdiary.store import models
    from salesdiary.store.engine import dispose_all, engine_for

    engine = engine_for(target)  # creates the file and runs the project's migrations
    gen = Generator(counts, today, seed)
    tables = {t.name: t for t in models.SQLModel.metadata.sorted_tables}
    written: dict[str, int] = {}
    with engine.begin() as conn:  # one BEGIN IMMEDIATE transaction, foreign keys on
        conn.exec_driver_sql("PRAGMA cache_size = -200000")
        for name, rows in (("account", gen.accounts()), ("contact", gen.contacts())):
            written[name] = _insert(conn, tables[name], rows)
            _progress(name, written[name])
        for group in (gen.deals(), gen.visits_and_followups()):
            for name in (
                "deal",
                "deal_marker",  # before the history: each history row then computes its markers once (0005)
                "stage_history",
                "deal_contact",
                "receivable",
                "visit",
                "visit_contact",
                "followup",
            ):
                if name in group:
                    written[name] = _insert(conn, tables[name], group[name])
                    _progress(name, written[name])
    dispose_all()
    return written


def _progress(name: str, n: int) -> None:
    print(f"  {name:<14} {n:>10,}", file=sys.stderr, flush=True)


# --- the same journal on PostgreSQL ----------------------------------------------------------

PG_REP_PASSWORD = "sd-bench-rep"  # the bench rep's login role on the (test) server the benchmark is pointed at
PG_OWN_TABLES = ("alembic_version", "sd_meta")  # facts about the database itself, written by `sd db upgrade`


def with_search_path(url: str, schema: str) -> str:
    """URL whose sessions work in SCHEMA (libpq's `options`)."""
    from urllib.parse import quote

    return url + ("&" if "?" in url else "?") + "options=" + quote(f"-csearch_path={schema}")


def with_login(url: str, user: str, password: str) -> str:
    """URL as USER with PASSWORD, on the same server, database and options."""
    from urllib.parse import quote, urlsplit, urlunsplit

    parts = urlsplit(url)
    netloc = f"{quote(user)}:{quote(password)}@{parts.hostname or 'localhost'}"
    netloc += f":{parts.port}" if parts.port else ""
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, ""))


def postgres_copy(journal: Path, url: str, *, schema: str | None = None, force: bool = False) -> dict[str, Any]:
    """JOURNAL's rows in SCHEMA (default sd_bench_STEM) of the PostgreSQL database at URL; loaded once.

    The tables are made by `sd db upgrade` (store.migrate.upgrade_database, the project's migrations) as the
    URL's role, which thereby owns them, as the manager would. Every row is read from the journal through
    SQLAlchemy over the models' tables (typed values) and written with COPY inside one transaction of the
    project's engine on the URL; then the id sequences are set past the rows and the tables are analysed
    (autovacuum would do that within a minute of such a load: done here so that every run gets the same
    plans). The bench user (BENCH_USER) gets a login role in sd_rep, so that the commands run as a rep does,
    under row-level security. A rerun keeps the copy when the journal's generation stamp, the schema
    revision and every table's row count still match (JOURNAL's stem + .pg.json beside it).
    """
    import psycopg

    from salesdiary.store.pg import conninfo
    from salesdiary.store.version import SCHEMA_HEAD

    info = json.loads(journal.with_suffix(".json").read_text(encoding="utf-8"))
    schema = schema or f"sd_bench_{journal.stem}"
    if not schema.replace("_", "").isalnum() or not schema.isascii():
        raise SystemExit(f"{schema!r}: a schema name of letters, digits and _ please")
    owner_url = with_search_path(url, schema)
    marker = journal.with_name(journal.stem + ".pg.json")
    with psycopg.connect(conninfo(owner_url), autocommit=True) as admin:
        loaded = _postgres_loaded(admin, schema, info, marker, SCHEMA_HEAD)
        if loaded is None or force:
            print(f"Loading {journal.name} into PostgreSQL (schema {schema}) …", file=sys.stderr, flush=True)
            started = time.perf_counter()
            admin.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
            admin.execute(f"CREATE SCHEMA {schema}")
            _postgres_fill(journal, owner_url)
            for table in (*info["counts"], "account_visits", "deal_last_visit"):  # and what the triggers filled
                admin.execute(f"VACUUM ANALYZE {table}")
            loaded = {
                "schema": schema,
                "generated_at": info["generated_at"],
                "revision": SCHEMA_HEAD,
                "counts": info["counts"],
                "loaded_seconds": round(time.perf_counter() - started, 1),
            }
            marker.write_text(json.dumps(loaded, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        rep_url, as_rep = _postgres_rep(admin, owner_url)
    return {**loaded, "url": rep_url, "owner_url": owner_url, "as_rep": as_rep}


def _postgres_loaded(admin: Any, schema: str, info: dict[str, Any], marker: Path, head: str) -> dict | None:
    """The description of the copy in SCHEMA when it is the journal's and complete; else None."""
    if not marker.exists():
        return None
    loaded = json.loads(marker.read_text(encoding="utf-8"))
    if (loaded.get("schema"), loaded.get("generated_at")) != (schema, info["generated_at"]):
        return None
    try:
        if admin.execute("SELECT version_num FROM alembic_version").fetchone() != (head,):
            return None
        for table, n in info["counts"].items():
            if admin.execute(f"SELECT count(*) FROM {table}").fetchone() != (n,):
                return None
    except Exception:  # no schema, no tables: load it
        return None
    return loaded


def _postgres_fill(journal: Path, owner_url: str) -> None:
    """sd's tables in the (empty) schema of OWNER_URL, and the journal's rows in them."""
    from sqlalchemy import select

    from salesdiary.store import models
    from salesdiary.store.engine import dispose_all, engine_for
    from salesdiary.store.migrate import upgrade_database
    from salesdiary.store.paths import Target
    from salesdiary.store.reads.export_queries import NOT_DUMPED

    target = Target(url=owner_url)
    upgrade_database(target)  # what `sd db upgrade` runs
    source = engine_for(Target(path=journal))
    # parents first; not the figures the database keeps itself (its triggers fill them as the rows arrive)
    tables = [t for t in models.SQLModel.metadata.sorted_tables if t.name not in (*PG_OWN_TABLES, *NOT_DUMPED)]
    with engine_for(target).begin() as conn, source.connect() as src:
        raw = conn.connection.driver_connection  # the psycopg connection of the engine's transaction
        for table in tables:
            columns = ", ".join(f'"{c.name}"' for c in table.columns)
            rows = src.execution_options(yield_per=20_000).execute(select(table))
            n = 0
            with raw.cursor() as cur, cur.copy(f'COPY "{table.name}" ({columns}) FROM STDIN') as copy:
                for row in rows:
                    copy.write_row(row)
                    n += 1
            if "id" in table.columns and n:
                conn.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), (SELECT max(id) FROM {table.name}))"
                )
            if n:
                _progress(table.name, n)
    dispose_all()


def _postgres_rep(admin: Any, owner_url: str) -> tuple[str, bool]:
    """(URL, True) to connect as the bench user's rep role (made when missing), else (OWNER_URL, False)."""
    import psycopg
    from psycopg import sql

    from salesdiary.store.pg import conninfo

    rep = sql.Identifier(BENCH_USER)
    try:
        exists = admin.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (BENCH_USER,)).fetchone()
        verb = "ALTER" if exists else "CREATE"
        admin.execute(sql.SQL(verb + " ROLE {} LOGIN PASSWORD {}").format(rep, sql.Literal(PG_REP_PASSWORD)))
        admin.execute(sql.SQL("GRANT sd_rep TO {}").format(rep))
        url = with_login(owner_url, BENCH_USER, PG_REP_PASSWORD)
        psycopg.connect(conninfo(url)).close()
    except psycopg.Error as exc:
        print(f"note: connecting as the URL's role, not as a rep ({' '.join(str(exc).split())})", file=sys.stderr)
        return owner_url, False
    return url, True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", choices=("small", "large", "huge"), default="small")
    parser.add_argument("--out", type=Path, help="journal file (default bench/.data/SIZE.sqlite)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--force", action="store_true", help="replace an existing journal")
    parser.add_argument(
        "--create-missing-indexes",
        action="store_true",
        help="create the indexes store/models.py declares and the migrations lack (while migration 0001 is behind)",
    )
    args = parser.parse_args(argv)
    out = (args.out or DATA_DIR / f"{args.size}.sqlite").resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    info = generate(
        args.size, out, seed=args.seed, force=args.force, create_missing_indexes=args.create_missing_indexes
    )
    print(
        f"{info['size']} journal at {info['path']} ({info['bytes'] / 1e6:,.1f} MB) in {info['generated_seconds']} s: "
        + ", ".join(f"{k} {v:,}" for k, v in info["counts"].items())
    )
    if info["missing_indexes"]:
        done = (
            "created them from store/models.py" if info["created_missing_indexes"] else "they are not in this journal"
        )
        print(
            f"note: the migrations lack indexes store/models.py declares ({', '.join(info['missing_indexes'])}); "
            f"{done}. Migration 0001 needs regenerating.",
            file=sys.stderr,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
