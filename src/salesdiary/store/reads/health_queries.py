"""The queries behind `sd check`: which records each health rule finds, and how many.

Three passes instead of one query per rule, in two lanes side by side (connection.side_by_side):

- **open deals** — one scan of the open deals computes, for each deal, one bit per deal rule (no next step,
  next step overdue, stale, no analysis meeting, no decision maker, an opponent late in the deal). The costly
  tests (the last visit, the marker, the people) are asked only of the deals the cheap ones leave: a stale test
  only when the deal has been in its stage past the cut-off, and so on. The database returns each rule's deals
  as a list in the rule's order (`_by_rule`); only the first ones, those shown, are then read in full (names,
  the last visit, days late, the opposing people).
- **unmet markers** — the same scan with one bit: a stage the deal has left whose required markers are not all
  met (the costliest test, hence a pass of its own); the stages are listed for the deals shown.
- **accounts** — one scan of the accounts that are not yet customers, each with its number of visits (kept by
  the database), gives the three account rules' bits the same way.

So a rule with 20,000 findings costs its count, not 20,000 rows built and drawn: with PER_RULE, each rule's
rows are those of its first PER_RULE records. On SQLite the open deals are read by a scan of the deal table
(sql.scan: a third of it is open, and fetching those rows one by one through the status index
costs three times more).
"""

from __future__ import annotations

import datetime as dt
import heapq
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from salesdiary.core.playbook import Playbook
from salesdiary.store.connection import Reader, side_by_side
from salesdiary.store.reads.report_queries import LAST_VISIT, Scope, stale_sql
from salesdiary.store.sql import date_param, days, lit, scan

DEAL_RULES = (
    "no_next_step",
    "next_step_overdue",
    "stale_deal",
    "analysis_meeting",
    "analysis_meeting_director",
    "no_decision_maker",
    "opponent_late",
    "markers_unmet",
    "decision_maker_against",
    "no_supporter_in_chain",
    "not_evaluated",
    "evaluation_blocks",
    "close_window",
    "competitors_unknown",
    "no_coach_on_deal",
    "few_tech_exchanges",
    "key_person_below_dating",
    "no_written_needs",
)
ACCOUNT_RULES = ("no_coach", "prospect_below_b", "still_at_c", "info_stage_unmet", "could_be_prospect", "visit_cadence")
# rules of any deal with money outstanding (won deals included): a pass over the receivables
RECEIVABLE_RULES = ("receivable_overdue", "paid_in_full_unpaid")
# rules of the rep's plan, not of a record: a lookup or two by date
PLAN_RULES = ("plan_missing",)
# the record rules whose SQL names the day (a cut-off, a window, :today): asked at every run; the others' answers
# are kept between runs on SQLite (store/health_memo.py; a test holds their SQL the same from one day to the next)
DEAL_TODAY = ("next_step_overdue", "stale_deal", "close_window")
ACCOUNT_TODAY = ("visit_cadence",)


@dataclass
class HealthQuery:
    today: dt.date
    playbooks: list[Playbook]  # the playbooks of the open deals
    stale_cutoffs: dict[str, dict[str, str]]  # playbook → stage → ISO cutoff
    stale_limits: dict[str, dict[str, int]]  # playbook → stage → days
    default_cutoff: str
    default_limit: int
    coach_after_visits: int = 3
    still_c_after_visits: int = 5
    key_roles: tuple[str, ...] = ("decision_maker", "influencer")
    analysis_amount: float = 200_000
    # currency code → its rate to the currency analysis_amount is in (core/currency.py); others count as they are
    rates: dict[str, float] = field(default_factory=dict)
    analysis_marker: str = "analysis_meeting"
    director_amount: float = 500_000  # from this amount a director leads the meeting …
    director_marker: str = "analysis_meeting_director"  # … which this marker records
    # setting (decision_maker_by_stage, opponent_from_stage …) → playbook → the stage key from which the rule
    # applies to that playbook's deals (core/health.Thresholds.stages_from); a playbook left out: never
    stage_from: dict[str, dict[str, str]] = field(default_factory=dict)
    close_amount: float = 300_000  # close_window: from this amount (in the thresholds' currency) …
    close_window: tuple[str, str] = ("", "")  # … the expected close from this ISO date to this one
    tech_exchanges_min: int = 3
    written_needs_marker: str = "written_needs"
    paid_marker: str = "paid_in_full"  # 004 stage 6's end marker: the customer has paid in full
    paid_stages: dict[str, str] = field(default_factory=dict)  # playbook → the stage holding that marker (any)
    # the 20 questions (core/evaluation.py): group key → its question keys, in the groups' order; the scores
    evaluation_groups: tuple[tuple[str, tuple[str, ...]], ...] = ()
    evaluation_points: dict[str, float] = field(default_factory=dict)
    evaluation_weak: float = 2.5
    evaluation_min_known: int = 3
    cadence_cutoffs: dict[str, str] = field(default_factory=dict)  # company grade → ISO date (visit_cadence)
    # plan_missing: the periods whose visit plan is due (Thresholds.plan_periods): (week|month, first, last ISO)
    plan_periods: tuple[tuple[str, str, str], ...] = ()
    rules: tuple[str, ...] = DEAL_RULES + ACCOUNT_RULES + RECEIVABLE_RULES + PLAN_RULES  # which to run
    scope: Scope = field(default_factory=Scope)
    # kind ("deal", "account") → the health_memo.Job whose rows kept between runs the passes read (health()): its
    # SQL is also what a pass computes for a record without its row, so the two never differ
    kept: dict[str, Any] = field(default_factory=dict)


@dataclass
class HealthFound:
    """What the rules found: each rule's rows (those of its first PER_RULE records) and its number of records."""

    rows: dict[str, list[dict[str, Any]]]
    counts: dict[str, int]


_DEAL_COLUMNS = (
    "d.id AS id, d.name AS name, a.name AS account, d.playbook AS playbook, d.stage AS stage, d.amount AS amount,"
    " d.currency AS currency"
)
# the order of a rule's deals: the largest first (no amount last), then by id (_open_deal_rules sorts alike)
_DEAL_ORDER = "CASE WHEN d.amount IS NULL THEN 1 ELSE 0 END, d.amount DESC, d.id"
# a person c of the deal d's account who opposes it (their stance in this deal, else their own)
_OPPOSES = (
    "LEFT JOIN deal_contact dc ON dc.contact_id = c.id AND dc.deal_id = d.id",
    "c.account_id = d.account_id AND COALESCE(dc.stance, c.stance) = 'opponent'",
)


def health(r: Reader, q: HealthQuery, per_rule: int | None = None, *, lanes: bool = True) -> HealthFound:
    """The rows each wanted rule finds (PER_RULE records of each at most) and how many records each finds.

    Three independent passes: the open deals, their unmet markers (a pass of its own: it reads the stages each
    deal has left), the accounts. They run in two lanes side by side (connection.side_by_side), of about equal
    length on the journals of bench/: the open deals in one, the unmet markers then the accounts in the other
    (a thread per pass, three on two cores, took longer). Without LANES, one after the other on R.

    On SQLite the answers of the rules that do not depend on the day are kept between runs (store/health_memo.py):
    the missing ones are computed first (in the same two lanes), then each pass reads a record's kept bits and
    asks only the day's rules; every deal rule is then one pass.
    """
    from salesdiary.store import health_memo

    if lanes and q.scope.deal_id is None and health_memo.usable(r):  # not one record's rules: findings_for
        from dataclasses import replace

        jobs = _memo_jobs(r, q)
        ready = health_memo.ready(r, jobs, fill=q.scope.account_id is None)
        q = replace(q, kept={job.kind.name: job for job in jobs if ready[job.kind.name]})
    runs = [
        lambda reader, lane=lane: _merged([run(reader, q, rules, per_rule) for run, rules in lane])
        for lane in _lanes(q.rules, q.kept)
    ]
    if not lanes:  # one record's rules (q.scope names it): each pass is a few index lookups, no thread pays off
        return _merged(run(r) for run in runs)
    return _merged(side_by_side(r, runs))


def _memo_jobs(r: Reader, q: HealthQuery) -> list[Any]:
    """What store/health_memo keeps: the deals' record rules (in the two parts the lanes compute, as without the
    memo) and the accounts'."""
    from salesdiary.store import health_memo

    deal_rules = [rule for rule in DEAL_RULES if rule not in DEAL_TODAY]
    first = [rule for rule in deal_rules if rule not in _SECOND_LANE]
    second = [rule for rule in deal_rules if rule in _SECOND_LANE]
    deal_params: dict[str, Any] = {}
    parts = tuple(_deal_bits(r, q, rules, deal_params) for rules in (first, second))
    account_rules = [rule for rule in ACCOUNT_RULES if rule not in ACCOUNT_TODAY]
    account_params: dict[str, Any] = {}
    account_bits, join = _account_bits(r, q, account_rules, account_params)
    return [
        health_memo.Job(health_memo.DEALS, parts, deal_params),
        health_memo.Job(health_memo.ACCOUNTS, (account_bits,), account_params, join),
    ]


def siblings(rules: Sequence[str]) -> int:
    """How many connections health() opens besides its reader's for RULES (one per lane after the first)."""
    return max(len(_lanes(rules)) - 1, 0)


# the deal rules read in a pass of their own, in the second lane, before the accounts: the costliest, each reading
# many rows per deal (the stages a deal has left; a deal's visits), so that the two lanes take about as long. With
# 24 rules, no_coach_on_deal (≈ 12 ms on the bench's large journal) went back to the first lane: the second one
# (its own deal pass, the accounts, the receivables) had grown ≈ 20 ms longer than the first
_SECOND_LANE = ("markers_unmet", "few_tech_exchanges")
_Pass = Callable[[Reader, HealthQuery, Sequence[str], int | None], HealthFound]  # a pass, given its rules


def _lanes(rules: Sequence[str], kept: Iterable[str] = ()) -> list[list[tuple[_Pass, list[str]]]]:
    """RULES as the passes each lane runs, with their rules: the open deals | the unmet markers, then the accounts
    (passes and lanes with no rule left out). With the deals' answers KEPT, every deal rule is in the first pass
    (the costly ones are a bit read from the deal's row)."""
    wanted = set(rules)
    second = () if "deal" in kept else _SECOND_LANE
    deals = [rule for rule in DEAL_RULES if rule in wanted and rule not in second]
    markers = [rule for rule in second if rule in wanted]
    accounts = [rule for rule in ACCOUNT_RULES if rule in wanted]
    money = [rule for rule in RECEIVABLE_RULES if rule in wanted]
    plan = [rule for rule in PLAN_RULES if rule in wanted]
    lanes: list[list[tuple[_Pass, list[str]]]] = [
        [(_open_deal_rules, deals)],
        [(_open_deal_rules, markers), (_account_rules, accounts), (_receivable_rules, money), (_plan_rules, plan)],
    ]
    kept_lanes = ([(run, rules) for run, rules in lane if rules] for lane in lanes)
    return [lane for lane in kept_lanes if lane]


def _merged(parts: Iterable[HealthFound]) -> HealthFound:
    found = HealthFound({}, {})
    for part in parts:
        found.rows.update(part.rows)
        found.counts.update(part.counts)
    return found


def _by_rule(
    r: Reader, sql: str, params: dict[str, Any], order: Sequence[str], lists: dict[str, tuple[str, str]], bits: str
) -> dict[str, list[Any]]:
    """A pass's findings rule by rule: for each NAME in LISTS, (VALUE, WHEN) gives the list of VALUE over the rows
    of SQL where WHEN, in ORDER (expressions over the pass's columns, written t.c0, t.c1, …). BITS names the
    column of the rule bits: only the rows some rule found are sorted.

    The database builds each list (a JSON array, in one row): the passes run side by side in threads, and a row
    fetched at a time hands Python's lock from thread to thread tens of thousands of times (each query then
    took 1.5 to 2 times longer than alone); sorting and sorting out tens of thousands of rows in Python cost
    more than in the database, where the other thread goes on meanwhile; from PostgreSQL, thousands of short
    rows read value by value through libpq cost more than the query. The pass is fenced off (LIMIT -1 /
    OFFSET 0) so that its columns are computed once per row, not again for each list.
    """
    import json

    if r.dialect == "sqlite":  # the lists keep the order in which the fenced, ordered pass gives its rows
        inner = ", ".join(term.replace("t.", "") for term in order)
        aggregates = [f"json_group_array({value}) FILTER (WHERE {when})" for value, when in lists.values()]
        source = f"(SELECT * FROM ({sql} LIMIT -1) WHERE {bits} <> 0 ORDER BY {inner} LIMIT -1) t"
    else:
        by = ", ".join(order)
        aggregates = [
            f"COALESCE(json_agg({value} ORDER BY {by}) FILTER (WHERE {when}), '[]')" for value, when in lists.values()
        ]
        source = f"({sql} OFFSET 0) t WHERE t.{bits} <> 0"
    selected = ", ".join(f"{aggregate} AS l{i}" for i, aggregate in enumerate(aggregates))
    row = r.rows(f"SELECT {selected} FROM {source}", params)[0]
    values = [row[f"l{i}"] for i in range(len(lists))]
    return {
        name: json.loads(value) if isinstance(value, (str, bytes)) else value
        for name, value in zip(lists, values, strict=True)
    }


def _ids(r: Reader, name: str) -> str:
    """SQL for the integers of the JSON array in parameter NAME (one parameter for any number of ids)."""
    if r.dialect == "sqlite":
        return f"(SELECT value FROM json_each(:{name}))"
    return f"(SELECT CAST(value AS INTEGER) FROM json_array_elements_text(CAST(:{name} AS json)))"


def _id_list(ids: Sequence[int]) -> str:
    import json

    return json.dumps(list(ids))


def _per_playbook_case(
    expr: str,
    q: HealthQuery,
    values: dict[str, dict[str, Any]],
    default: tuple[str, Any],
    prefix: str,
    param: Callable[[str], str] = lambda name: f":{name}",
) -> tuple[str, dict[str, Any]]:
    """CASE over (playbook, stage) pairs giving a per-stage parameter value (PARAM(name) writes the parameter).

    DEFAULT is (its SQL, its value): the stages whose value is the default's are left to the ELSE (each WHEN is
    a test per deal; with one threshold for every stage there is no CASE at all).
    """
    whens, params = [], {}
    default_sql, default_value = default
    for b, book in enumerate(q.playbooks):
        for s, stage in enumerate(book.stages):
            value = values.get(book.name, {}).get(stage.key)
            if value is None or value == default_value:
                continue
            name = f"{prefix}_{b}_{s}"
            whens.append(f"WHEN d.playbook = {lit(book.name)} AND {expr} = {lit(stage.key)} THEN {param(name)}")
            params[name] = value
    if not whens:
        return default_sql, params
    return f"CASE {' '.join(whens)} ELSE {default_sql} END", params


def _stale_parts(r: Reader, q: HealthQuery) -> tuple[str, str, dict[str, Any]]:
    """(the stage's cut-off date, the stage's limit in days) as SQL, and their parameters."""
    cutoff, params = _per_playbook_case(
        "d.stage",
        q,
        q.stale_cutoffs,
        (date_param(r, "cut_default"), q.default_cutoff),
        "cut",
        lambda name: date_param(r, name),
    )
    limit, limit_params = _per_playbook_case(
        "d.stage",
        q,
        q.stale_limits,
        ("CAST(:limit_default AS INTEGER)", q.default_limit),
        "lim",
        lambda name: f"CAST(:{name} AS INTEGER)",
    )
    params.update(limit_params, cut_default=q.default_cutoff, limit_default=q.default_limit)
    return cutoff, limit, params


# --- the open deals: one pass ------------------------------------------------------------------------------


def _deal_bits(r: Reader, q: HealthQuery, rules: Sequence[str], params: dict[str, Any]) -> str:
    """SQL: the sum of the bits of the RULES the deal d breaks, each at its place in DEAL_RULES (PARAMS gets the
    parameters they name). Each rule's part is the function of DEAL_TESTS named after it."""
    params.setdefault("today", q.today.isoformat())
    tests = [(rule, DEAL_TESTS[rule](r, q, params)) for rule in rules]
    return " + ".join(f"CASE WHEN {test} THEN {_bit(DEAL_RULES, rule)} ELSE 0 END" for rule, test in tests) or "0"


def _bit(rules: Sequence[str], rule: str) -> int:
    return 1 << rules.index(rule)


def no_next_step(r: Reader, q: HealthQuery, params: dict[str, Any]) -> str:
    return "d.next_step IS NULL OR d.next_step = '' OR d.next_step_date IS NULL"


def next_step_overdue(r: Reader, q: HealthQuery, params: dict[str, Any]) -> str:
    return "d.next_step_date < :today"


def stale_deal(r: Reader, q: HealthQuery, params: dict[str, Any]) -> str:
    cutoff, _limit, stale_params = _stale_parts(r, q)
    params.update(stale_params)
    return stale_sql(cutoff)


def analysis_meeting(r: Reader, q: HealthQuery, params: dict[str, Any]) -> str:
    parts = []
    for book in q.playbooks:
        holder = next((s for s in book.stages if q.analysis_marker in s.marker_keys), None)
        if holder is None:
            continue
        keys = ", ".join(lit(s.key) for s in book.stages if s.number >= holder.number)
        held = _none(
            f"SELECT 1 FROM deal_marker m WHERE m.deal_id = d.id AND m.stage = {lit(holder.key)}"
            f" AND m.marker = {lit(q.analysis_marker)}"
        )
        parts.append(f"(d.playbook = {lit(book.name)} AND d.stage IN ({keys}) AND {held})")
    params["amount"] = q.analysis_amount
    return f"{_in_base(q.rates)} >= :amount AND ({' OR '.join(parts)})" if parts else "1 = 0"


def analysis_meeting_director(r: Reader, q: HealthQuery, params: dict[str, Any]) -> str:
    """The meeting held (its marker ticked) but not led by a director (that marker not ticked), from the
    director's amount: the required meeting, where analysis_meeting is the advised one."""
    parts = []
    for book in q.playbooks:
        holder = next((s for s in book.stages if q.analysis_marker in s.marker_keys), None)
        if holder is None or q.director_marker not in holder.marker_keys:
            continue
        keys = ", ".join(lit(s.key) for s in book.stages if s.number >= holder.number)
        # of the two markers, the deal has the meeting's alone (the smallest and the largest it has): one lookup
        meeting = lit(q.analysis_marker)
        alone = (
            f"(SELECT CASE WHEN MIN(m.marker) = {meeting} AND MAX(m.marker) = {meeting} THEN 1 ELSE 0 END"
            f" FROM deal_marker m WHERE m.deal_id = d.id AND m.stage = {lit(holder.key)}"
            f" AND m.marker IN ({meeting}, {lit(q.director_marker)})) = 1"
        )
        parts.append(f"(d.playbook = {lit(book.name)} AND d.stage IN ({keys}) AND {alone})")
    params["director_amount"] = q.director_amount
    return f"{_in_base(q.rates)} >= :director_amount AND ({' OR '.join(parts)})" if parts else "1 = 0"


def no_decision_maker(r: Reader, q: HealthQuery, params: dict[str, Any]) -> str:
    stages, any_ = _from_stage(q, "decision_maker_by_stage")
    # a decision maker: a person of the account who is one by their own role when the deal gives them none, or
    # who is one in this deal (deal_contact.role); asked in that order: the account's decision makers are one
    # short range of the contact index, and finding one spares the deal's people (≈ 15% of the test's time)
    if not any_:
        return "1 = 0"
    return (
        f"{stages} AND NOT EXISTS (SELECT 1 FROM contact c WHERE c.account_id = d.account_id"
        " AND c.role = 'decision_maker' AND NOT EXISTS (SELECT 1 FROM deal_contact dc WHERE dc.deal_id = d.id"
        " AND dc.contact_id = c.id AND dc.role IS NOT NULL))"
        " AND "
        + _none(
            "SELECT 1 FROM deal_contact dc JOIN contact c ON c.id = dc.contact_id"
            " WHERE dc.deal_id = d.id AND dc.role = 'decision_maker' AND c.account_id = d.account_id"
        )
    )


def opponent_late(r: Reader, q: HealthQuery, params: dict[str, Any]) -> str:
    late = _opposed(q)
    join, opposes = _OPPOSES
    return f"{late} AND EXISTS (SELECT 1 FROM contact c {join} WHERE {opposes})" if late else "1 = 0"


def markers_unmet(r: Reader, q: HealthQuery, params: dict[str, Any]) -> str:
    passed = _passed(r, q)
    if passed is None:
        return "1 = 0"
    return f"NOT {passed.too_early} AND EXISTS (SELECT 1 FROM stage_history sh WHERE {passed.found()})"


# the people of the deal d: its account's, each with their role and stance in the deal (else their own)
_PEOPLE = (
    "FROM contact c LEFT JOIN deal_contact dc ON dc.contact_id = c.id AND dc.deal_id = d.id"
    " WHERE c.account_id = d.account_id"
)
_ROLE, _STANCE = "COALESCE(dc.role, c.role)", "COALESCE(dc.stance, c.stance)"
_AGAINST = f"{_ROLE} = 'decision_maker' AND {_STANCE} IN ('opponent', 'non_supporter')"
# the technical exchanges logged about the deal d (visits of its account: the index on account, date and deal)
_TECH_EXCHANGES = (
    "(SELECT COUNT(*) FROM visit v WHERE v.account_id = d.account_id AND v.deal_id = d.id AND v.kind = 'tech_exchange')"
)


def _in_chain(role: str) -> str:
    """SQL: one of the deal d's people in ROLE is a coach or a supporter."""
    return f"EXISTS (SELECT 1 {_PEOPLE} AND {_ROLE} = {lit(role)} AND (c.coach OR {_STANCE} = 'supporter'))"


def decision_maker_against(r: Reader, q: HealthQuery, params: dict[str, Any]) -> str:
    stages, any_ = _from_stage(q, "decision_chain_from_stage")
    return f"{stages} AND EXISTS (SELECT 1 {_PEOPLE} AND {_AGAINST})" if any_ else "1 = 0"


def no_supporter_in_chain(r: Reader, q: HealthQuery, params: dict[str, Any]) -> str:
    stages, any_ = _from_stage(q, "decision_chain_from_stage")
    return f"{stages} AND NOT ({_in_chain('decision_maker')} AND {_in_chain('evaluator')})" if any_ else "1 = 0"


def not_evaluated(r: Reader, q: HealthQuery, params: dict[str, Any]) -> str:
    stages, any_ = _from_stage(q, "evaluation_from_stage")
    if not any_:
        return "1 = 0"
    return f"{stages} AND " + _none("SELECT 1 FROM deal_evaluation e WHERE e.deal_id = d.id AND e.answer <> 'unknown'")


def _verdict(q: HealthQuery) -> str:
    """SQL: the 20 questions' verdict on the deal d as core/evaluation.evaluate() gives it, as far as the rule
    needs it: 'unclear', 'not_real', 'not_ours', 'cannot_win', else 'ok' (the groups in order: the first one
    too little known or weak decides)."""
    blocked = {"real": "not_real", "ours": "not_ours", "winnable": "cannot_win"}
    whens = []
    points = " ".join(f"WHEN {lit(a)} THEN {float(p)!r}" for a, p in q.evaluation_points.items())
    for group, keys in q.evaluation_groups:
        if group not in blocked:
            break
        among = f"e.question IN ({', '.join(lit(k) for k in keys)})"
        known = f"COALESCE(SUM(CASE WHEN {among} AND e.answer IN ('yes', 'partly', 'no') THEN 1 ELSE 0 END), 0)"
        score = f"COALESCE(SUM(CASE WHEN {among} THEN CASE e.answer {points} ELSE 0 END ELSE 0 END), 0)"
        whens.append(f"WHEN {known} < {int(q.evaluation_min_known)} THEN 'unclear'")
        whens.append(f"WHEN {score} < {float(q.evaluation_weak)!r} THEN {lit(blocked[group])}")
    if not whens:
        return "NULL"
    return f"(SELECT CASE {' '.join(whens)} ELSE 'ok' END FROM deal_evaluation e WHERE e.deal_id = d.id)"


def evaluation_blocks(r: Reader, q: HealthQuery, params: dict[str, Any]) -> str:
    stages, any_ = _from_stage(q, "evaluation_from_stage")
    if not any_ or not q.evaluation_groups:
        return "1 = 0"
    # asked only of the deals with an answer (most have none): the verdict reads every answer of the deal
    answered = "EXISTS (SELECT 1 FROM deal_evaluation e WHERE e.deal_id = d.id)"
    return f"{stages} AND {answered} AND {_verdict(q)} IN ('not_real', 'cannot_win')"


def close_window(r: Reader, q: HealthQuery, params: dict[str, Any]) -> str:
    stages, any_ = _from_stage(q, "close_window_stage", exact=True)
    if not any_:
        return "1 = 0"
    params.update(close_amount=q.close_amount, close_from=q.close_window[0], close_until=q.close_window[1])
    return (
        f"{stages} AND {_in_base(q.rates)} >= :close_amount AND (d.expected_close IS NULL"
        f" OR d.expected_close < {date_param(r, 'close_from')} OR d.expected_close > {date_param(r, 'close_until')})"
    )


def competitors_unknown(r: Reader, q: HealthQuery, params: dict[str, Any]) -> str:
    stages, any_ = _from_stage(q, "competitors_from_stage")
    return f"{stages} AND (d.competitors IS NULL OR TRIM(d.competitors) = '')" if any_ else "1 = 0"


def no_coach_on_deal(r: Reader, q: HealthQuery, params: dict[str, Any]) -> str:
    stages, any_ = _from_stage(q, "deal_coach_from_stage")
    if not any_:
        return "1 = 0"
    # the account's coaches (from the index of its people), each asked whether the deal has them: most accounts
    # have none, and the deal's links are never read (from the deal's links, each person's row was read)
    return (
        f"{stages} AND NOT EXISTS (SELECT 1 FROM contact c WHERE c.account_id = d.account_id AND c.coach"
        " AND EXISTS (SELECT 1 FROM deal_contact dc WHERE dc.deal_id = d.id AND dc.contact_id = c.id))"
    )


def few_tech_exchanges(r: Reader, q: HealthQuery, params: dict[str, Any]) -> str:
    # asked at the stage where the solution is settled (ten-step step 6), not of every later deal: each deal's
    # visits are read for their kind
    stages, any_ = _from_stage(q, "tech_exchanges_from_stage", exact=True)
    if not any_:
        return "1 = 0"
    params["tech_min"] = q.tech_exchanges_min
    # counted up to the least needed: a deal that has them is left at its third
    enough = (
        "(SELECT COUNT(*) FROM (SELECT 1 FROM visit v WHERE v.deal_id = d.id AND v.kind = 'tech_exchange'"
        " LIMIT :tech_min) x)"
    )
    return f"{stages} AND {enough} < :tech_min"


def key_person_below_dating(r: Reader, q: HealthQuery, params: dict[str, Any]) -> str:
    stages, any_ = _from_stage(q, "key_person_dating_from_stage")
    if not any_:
        return "1 = 0"
    roles_sql, role_params = _key_roles(q)
    params.update(role_params)
    return (
        f"{stages} AND NOT EXISTS (SELECT 1 FROM contact c WHERE c.account_id = d.account_id"
        f" AND c.role IN ({roles_sql}) AND c.relationship IN ('dating', 'trusting', 'allied'))"
    )


def no_written_needs(r: Reader, q: HealthQuery, params: dict[str, Any]) -> str:
    stages, any_ = _from_stage(q, "written_needs_by_stage")
    if not any_:
        return "1 = 0"
    params["needs_marker"] = q.written_needs_marker
    return f"{stages} AND " + _none("SELECT 1 FROM deal_marker m WHERE m.deal_id = d.id AND m.marker = :needs_marker")


DEAL_TESTS: dict[str, Callable[[Reader, HealthQuery, dict[str, Any]], str]] = {
    "no_next_step": no_next_step,
    "next_step_overdue": next_step_overdue,
    "stale_deal": stale_deal,
    "analysis_meeting": analysis_meeting,
    "analysis_meeting_director": analysis_meeting_director,
    "no_decision_maker": no_decision_maker,
    "opponent_late": opponent_late,
    "markers_unmet": markers_unmet,
    "decision_maker_against": decision_maker_against,
    "no_supporter_in_chain": no_supporter_in_chain,
    "not_evaluated": not_evaluated,
    "evaluation_blocks": evaluation_blocks,
    "close_window": close_window,
    "competitors_unknown": competitors_unknown,
    "no_coach_on_deal": no_coach_on_deal,
    "few_tech_exchanges": few_tech_exchanges,
    "key_person_below_dating": key_person_below_dating,
    "no_written_needs": no_written_needs,
}


def _none(select: str) -> str:
    """SQL: SELECT (one correlated row or none) finds none. Written as a lookup of its first row rather than NOT
    EXISTS, which PostgreSQL may answer by hashing the whole table once (a parallel scan of 500,000 markers, a
    join of every deal's people) where the deal's own few rows are a short index range."""
    return f"COALESCE(({select} LIMIT 1), 0) = 0"


def _in_base(rates: dict[str, float]) -> str:
    """SQL: the deal d's amount in the thresholds' currency, at the configured rates (codes and numbers checked
    by core/currency.py; checked again here before they are inlined)."""
    whens = " ".join(
        f"WHEN '{code}' THEN {float(rate)!r}" for code, rate in sorted(rates.items()) if re.fullmatch(r"[A-Z]{3}", code)
    )
    return f"d.amount * CASE d.currency {whens} ELSE 1 END" if whens else "d.amount"


def _open_deal_rules(r: Reader, q: HealthQuery, rules: Sequence[str], per_rule: int | None) -> HealthFound:
    scope_sql, params = q.scope.deals()
    join = ""
    job = q.kept.get("deal")
    if job is not None:  # the record rules' bits from the deal's kept row (computed here when it has none)
        params.update(job.params)
        mask = sum(_bit(DEAL_RULES, rule) for rule in rules if rule not in DEAL_TODAY)
        today = _deal_bits(r, q, [rule for rule in rules if rule in DEAL_TODAY], params)
        bits = f"(COALESCE(m.bits, {job.bits}) & {mask}) + {today}"
        join = " LEFT JOIN deal_health m ON m.deal_id = d.id"
    else:
        bits = _deal_bits(r, q, rules, params)
    # each rule's deals in the deals' order (_DEAL_ORDER); the overdue ones by their next step's date
    lists = {rule: ("t.c0", f"(t.c3 & {_bit(DEAL_RULES, rule)}) <> 0") for rule in rules}
    if "next_step_overdue" in lists:
        pair = "json_array" if r.dialect == "sqlite" else "json_build_array"
        lists["next_step_overdue"] = (f"{pair}(t.c1, t.c0)", lists["next_step_overdue"][1])
    hits = _by_rule(
        r,
        f"SELECT d.id AS c0, d.next_step_date AS c1, d.amount AS c2, {bits} AS c3 FROM deal d{join}"
        f" WHERE {scan(r, 'd.status')} = 'open'{scope_sql}",
        params,
        ("CASE WHEN t.c2 IS NULL THEN 1 ELSE 0 END", "t.c2 DESC", "t.c0"),
        lists,
        "c3",
    )
    counts = {rule: len(hits[rule]) for rule in rules}
    shown = {rule: ids[:per_rule] for rule, ids in hits.items() if rule != "next_step_overdue"}
    if "next_step_overdue" in hits:  # the most overdue first: [ISO date, id] pairs, compared as they are
        pairs = hits["next_step_overdue"]
        first = sorted(pairs) if per_rule is None else heapq.nsmallest(per_rule, pairs)
        shown["next_step_overdue"] = [deal_id for _day, deal_id in first]
    listed = {"opponent_late": _opponent_rows, "markers_unmet": _markers_rows, "decision_maker_against": _against_rows}
    one_row = [ids for rule, ids in shown.items() if rule not in listed]
    details = _deal_details(r, q, sorted({i for ids in one_row for i in ids}))
    rows = {
        rule: listed[rule](r, q, shown[rule]) if rule in listed else [details[i] for i in shown[rule]] for rule in rules
    }
    return HealthFound(rows, counts)


def _deal_details(r: Reader, q: HealthQuery, ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """The shown deals in full: what each rule's finding says of them."""
    if not ids:
        return {}
    _cutoff, limit, params = _stale_parts(r, q)
    roles_sql, role_params = _key_roles(q)
    params.update(role_params, ids=_id_list(ids), today=q.today.isoformat())
    rows = r.rows(
        f"SELECT {_DEAL_COLUMNS}, d.next_step AS next_step, d.next_step_date AS next_step_date,"
        f" {days(r, ':today', 'd.next_step_date')} AS days_late, {LAST_VISIT} AS last_visit,"
        f" {days(r, ':today', 'd.stage_entered_on')} AS days_in_stage, {limit} AS limit_days,"
        f" d.expected_close AS expected_close, {_TECH_EXCHANGES} AS tech_exchanges,"
        f" CASE WHEN {_in_chain('decision_maker')} THEN 0 ELSE 1 END AS lacks_decision_maker,"
        f" CASE WHEN {_in_chain('evaluator')} THEN 0 ELSE 1 END AS lacks_evaluator,"
        f" {_best_key_relationship(roles_sql)} AS best_key_relationship, {_verdict(q)} AS verdict"
        f" FROM deal d JOIN account a ON a.id = d.account_id WHERE d.id IN {_ids(r, 'ids')}",
        params,
    )
    for row in rows:
        row["days_since_visit"] = (
            (q.today - dt.date.fromisoformat(str(row["last_visit"])[:10])).days if row["last_visit"] else None
        )
    return {int(row["id"]): row for row in rows}


# --- the accounts: one pass --------------------------------------------------------------------------------


def _key_roles(q: HealthQuery) -> tuple[str, dict[str, Any]]:
    names = [f":role{i}" for i in range(len(q.key_roles))]
    return (", ".join(names) or "NULL"), {f"role{i}": role for i, role in enumerate(q.key_roles)}


def _best_key_relationship(roles_sql: str) -> str:
    # the highest relationship stage among the account's key people (acquainted < dating < trusting < allied)
    rank = (
        "CASE c.relationship WHEN 'allied' THEN 4 WHEN 'trusting' THEN 3 WHEN 'dating' THEN 2"
        " WHEN 'acquainted' THEN 1 ELSE 0 END"
    )
    return (
        f"(SELECT CASE MAX({rank}) WHEN 4 THEN 'allied' WHEN 3 THEN 'trusting' WHEN 2 THEN 'dating'"
        f" WHEN 1 THEN 'acquainted' END FROM contact c WHERE c.account_id = a.id AND c.role IN ({roles_sql}))"
    )


_LEAST_VISITS = ("no_coach", "still_at_c")  # the account rules asked only of accounts visited often enough
_VISITS_JOIN = " LEFT JOIN account_visits x ON x.account_id = a.id"  # the visits, kept by the database (0005)


def _account_bits(r: Reader, q: HealthQuery, rules: Sequence[str], params: dict[str, Any]) -> tuple[str, str]:
    """SQL: the sum of the bits of the RULES the account a breaks, each at its place in ACCOUNT_RULES, and the
    join they need (PARAMS gets the parameters they name). Each rule's test of the account's people is asked only
    of the accounts visited often enough for the rule (the visits: kept by the database, migration 0005, read
    once per account by the join)."""
    roles_sql, role_params = _key_roles(q)
    params.update(role_params)
    least = {"no_coach": q.coach_after_visits, "still_at_c": q.still_c_after_visits}
    params.update({f"least_{rule}": n for rule, n in least.items() if rule in rules})
    if "visit_cadence" in rules:
        params.update({f"cadence_{grade}": cutoff for grade, cutoff in q.cadence_cutoffs.items()})
    bits = " + ".join(
        f"CASE WHEN {ACCOUNT_TESTS[rule](r, q, roles_sql)} THEN {_bit(ACCOUNT_RULES, rule)} ELSE 0 END"
        for rule in rules
    )
    return bits or "0", _VISITS_JOIN if {*_LEAST_VISITS, "visit_cadence"} & set(rules) else ""


def _account_rules(r: Reader, q: HealthQuery, rules: Sequence[str], per_rule: int | None) -> HealthFound:
    scope_sql, params = q.scope.accounts()
    roles_sql, role_params = _key_roles(q)
    job = q.kept.get("account")
    if job is not None:  # the record rules' bits from the account's kept row (computed here when it has none)
        params.update(job.params)
        mask = sum(_bit(ACCOUNT_RULES, rule) for rule in rules if rule not in ACCOUNT_TODAY)
        today, _join = _account_bits(r, q, [rule for rule in rules if rule in ACCOUNT_TODAY], params)
        bits = f"(COALESCE(m.bits, {job.bits}) & {mask}) + {today}"
        join = f"{_VISITS_JOIN} LEFT JOIN account_health m ON m.account_id = a.id"  # the job's join and the visits
    else:
        bits, join = _account_bits(r, q, rules, params)
    visits_join = _VISITS_JOIN if {*_LEAST_VISITS, "visit_cadence"} & set(rules) else ""
    visits = "x.visits" if visits_join else "0"
    # each rule's accounts: the most visited first, then by id (prospects by id alone)
    lists = {rule: ("t.c0", f"(t.c2 & {_bit(ACCOUNT_RULES, rule)}) <> 0") for rule in rules}
    hits = _by_rule(
        r,
        f"SELECT a.id AS c0, {visits} AS c1, {bits} AS c2 FROM account a{join}"
        f" WHERE a.info_stage <> 'customer'{scope_sql}",
        params,
        ("t.c1 DESC", "t.c0"),
        lists,
        "c2",
    )
    if "prospect_below_b" in hits:
        hits["prospect_below_b"].sort()
    shown = {rule: ids[:per_rule] for rule, ids in hits.items()}
    ids = sorted({i for ids in shown.values() for i in ids})
    details: dict[int, dict[str, Any]] = {}
    if ids:
        params = {**role_params, "ids": _id_list(ids)}
        for row in r.rows(
            f"SELECT a.id AS id, a.name AS name, a.relation AS relation, {_best_key_relationship(roles_sql)}"
            f" AS best_key_relationship, {visits} AS visits,"
            " (SELECT COUNT(*) FROM contact c WHERE c.account_id = a.id) AS contacts,"
            " a.info_stage AS info_stage, (SELECT MAX(v.date) FROM visit v WHERE v.account_id = a.id) AS last_visit,"
            f" {_has_coach()} AS has_coach, {_has_key_contact(r, roles_sql)} AS has_key_contact,"
            f" {_has_key_coach(r, roles_sql)} AS has_key_coach"
            f" FROM account a{visits_join} WHERE a.id IN {_ids(r, 'ids')}",
            params,
        ):
            details[int(row["id"])] = row
    return HealthFound(
        {rule: [details[i] for i in shown[rule]] for rule in rules}, {rule: len(hits[rule]) for rule in rules}
    )


def _key_at_b(r: Reader, roles_sql: str) -> str:
    """SQL: the account a has a key person at B or better (信赖, 同盟). One seek for the account's people (an
    account has a few), not one per (role, relationship) pair (4 × slower)."""
    return (
        "EXISTS (SELECT 1 FROM contact c WHERE c.account_id = a.id"
        f" AND {scan(r, 'c.role')} IN ({roles_sql}) AND {scan(r, 'c.relationship')} IN ('trusting', 'allied'))"
    )


def no_coach(r: Reader, q: HealthQuery, roles_sql: str) -> str:
    return "x.visits >= :least_no_coach AND NOT EXISTS (SELECT 1 FROM contact c WHERE c.account_id = a.id AND c.coach)"


def prospect_below_b(r: Reader, q: HealthQuery, roles_sql: str) -> str:
    return (
        "a.info_stage = 'prospect' AND (a.relation IS NULL OR a.relation NOT IN ('B', 'A')"
        f" OR NOT {_key_at_b(r, roles_sql)})"
    )


def still_at_c(r: Reader, q: HealthQuery, roles_sql: str) -> str:
    return (
        f"x.visits >= :least_still_at_c AND (a.relation IS NULL OR a.relation = 'C') AND NOT {_key_at_b(r, roles_sql)}"
    )


def _has_coach() -> str:
    """SQL: the account a has an insider (内线关系人: a coach) among its people."""
    return "EXISTS (SELECT 1 FROM contact c WHERE c.account_id = a.id AND c.coach)"


def _has_key_contact(r: Reader, roles_sql: str) -> str:
    """SQL: a key person of the account a has a phone or an email (知晓客户决策链及关键人联系方式). One seek for
    the account's people, not one per role (sql.scan): a third faster on the bench's large journal."""
    return (
        f"EXISTS (SELECT 1 FROM contact c WHERE c.account_id = a.id AND {scan(r, 'c.role')} IN ({roles_sql})"
        " AND (COALESCE(c.phone, '') <> '' OR COALESCE(c.email, '') <> ''))"
    )


def _has_key_coach(r: Reader, roles_sql: str) -> str:
    """SQL: a key person of the account a is an insider (已将决策链上的人发展成了内线关键人)."""
    return (
        f"EXISTS (SELECT 1 FROM contact c WHERE c.account_id = a.id AND {scan(r, 'c.role')} IN ({roles_sql})"
        " AND c.coach)"
    )


def info_stage_unmet(r: Reader, q: HealthQuery, roles_sql: str) -> str:
    """《销售业务手册》§2.1.3's criteria table, the part a journal records: qualified (有效信息) — an insider, a
    key person's phone or email; prospect (准客户) — also a key person developed into an insider. The accounts
    at neither stage are not asked (a string test on the row). Three EXISTS that stop at the first miss: one
    read of the account's people computing all three took twice as long on the bench's large journal."""
    return (
        "CASE WHEN a.info_stage IN ('qualified', 'prospect') THEN"
        f" (NOT {_has_coach()} OR NOT {_has_key_contact(r, roles_sql)}"
        f" OR (a.info_stage = 'prospect' AND NOT {_has_key_coach(r, roles_sql)})) ELSE FALSE END"
    )


def could_be_prospect(r: Reader, q: HealthQuery, roles_sql: str) -> str:
    """A qualified account whose company relationship and a key person's both reach B (§2.4.1): a prospect."""
    return f"a.info_stage = 'qualified' AND a.relation IN ('B', 'A') AND {_key_at_b(r, roles_sql)}"


def visit_cadence(r: Reader, q: HealthQuery, roles_sql: str) -> str:
    """An account with a company grade not visited since its grade's cut-off, its last visit (or, never visited,
    its adding) before it: one seek in the visit index (account, date) per graded account (whether it was ever
    visited: the count the database keeps, account_visits)."""
    grades = sorted(q.cadence_cutoffs)  # A, B, C: sd's own keys, not the user's
    if not grades:
        return "1 = 0"
    whens = " ".join(f"WHEN '{grade}' THEN {date_param(r, 'cadence_' + grade)}" for grade in grades)
    cutoff = f"CASE a.relation {whens} END"
    listed = ", ".join(f"'{grade}'" for grade in grades)
    return (
        f"CASE WHEN a.relation IN ({listed}) AND (x.visits > 0 OR a.created_at < {cutoff}) THEN NOT EXISTS"
        f" (SELECT 1 FROM visit v WHERE v.account_id = a.id AND v.date >= {cutoff}) ELSE FALSE END"
    )


ACCOUNT_TESTS: dict[str, Callable[[Reader, HealthQuery, str], str]] = {
    "no_coach": no_coach,
    "prospect_below_b": prospect_below_b,
    "still_at_c": still_at_c,
    "info_stage_unmet": info_stage_unmet,
    "could_be_prospect": could_be_prospect,
    "visit_cadence": visit_cadence,
}


# --- the receivables: one pass ------------------------------------------------------------------------------

_OUTSTANDING = "rv.amount - rv.paid_amount > 0.005"  # more than half a cent left to pay


def _receivable_tests(q: HealthQuery) -> dict[str, str]:
    """One SQL test per receivable rule over the deal d and x, its receivables with money outstanding."""
    paid = [
        f"(d.playbook = {lit(name)} AND EXISTS (SELECT 1 FROM deal_marker m WHERE m.deal_id = d.id"
        f" AND m.stage = {lit(stage)} AND m.marker = :paid_marker))"
        for name, stage in sorted(q.paid_stages.items())
    ]
    return {
        # a receivable of the deal past its due date with money outstanding (摧龙六式's collection matrix)
        "receivable_overdue": "x.overdue > 0",
        # the deal's paid-in-full marker ticked (in the stage of its playbook that holds it) while money is owed
        "paid_in_full_unpaid": f"({' OR '.join(paid)})" if paid else "1 = 0",
    }


def _receivable_rules(r: Reader, q: HealthQuery, rules: Sequence[str], per_rule: int | None) -> HealthFound:
    """The deals with money outstanding (any status: a won deal is paid after it is won), each rule a bit: one
    scan of the receivables, grouped by deal."""
    scope_sql, params = q.scope.deals()
    params.update(today=q.today.isoformat(), paid_marker=q.paid_marker)
    tests = _receivable_tests(q)
    bits = " + ".join(f"CASE WHEN {tests[rule]} THEN {1 << i} ELSE 0 END" for i, rule in enumerate(rules))
    lists = {rule: ("t.c0", f"(t.c2 & {1 << i}) <> 0") for i, rule in enumerate(rules)}
    hits = _by_rule(
        r,
        f"SELECT d.id AS c0, d.amount AS c1, {bits} AS c2 FROM (SELECT rv.deal_id AS deal_id,"
        " SUM(CASE WHEN rv.due < :today THEN 1 ELSE 0 END) AS overdue"
        f" FROM receivable rv WHERE {_OUTSTANDING} GROUP BY rv.deal_id) x JOIN deal d ON d.id = x.deal_id"
        f" WHERE 1 = 1{scope_sql}",
        params,
        ("CASE WHEN t.c1 IS NULL THEN 1 ELSE 0 END", "t.c1 DESC", "t.c0"),
        lists,
        "c2",
    )
    shown = {rule: ids[:per_rule] for rule, ids in hits.items()}
    ids = sorted({i for ids in shown.values() for i in ids})
    details: dict[int, dict[str, Any]] = {}
    if ids:
        late = days(r, ":today", "rv.due")
        for row in r.rows(
            f"SELECT {_DEAL_COLUMNS}, d.status AS status,"
            f" SUM(rv.amount - rv.paid_amount) AS outstanding,"
            f" SUM(CASE WHEN rv.due < :today THEN rv.amount - rv.paid_amount ELSE 0 END) AS overdue,"
            f" SUM(CASE WHEN rv.due < :today THEN 1 ELSE 0 END) AS overdue_count,"
            f" MAX(CASE WHEN rv.due < :today THEN {late} ELSE 0 END) AS days_overdue"
            " FROM deal d JOIN account a ON a.id = d.account_id JOIN receivable rv ON rv.deal_id = d.id"
            f" WHERE d.id IN {_ids(r, 'ids')} AND {_OUTSTANDING}"
            " GROUP BY d.id, d.name, a.name, d.playbook, d.stage, d.amount, d.currency, d.status",
            {"ids": _id_list(ids), "today": q.today.isoformat()},
        ):
            details[int(row["id"])] = row
    return HealthFound(
        {rule: [details[i] for i in shown[rule]] for rule in rules}, {rule: len(hits[rule]) for rule in rules}
    )


# --- the rep's visit plan: a lookup by date per period due -------------------------------------------------------


def _plan_rules(r: Reader, q: HealthQuery, rules: Sequence[str], per_rule: int | None) -> HealthFound:
    """plan_missing: each period whose plan is due (q.plan_periods) with no visit dated in it and no open
    follow-up due in it, of the rep SCOPE names (else of everyone); one record's or one account's rules have none.
    Two seeks per period, in the visits' date index and the open follow-ups' (done_on, due) one."""
    rows: list[dict[str, Any]] = []
    if q.scope.account_id is None and q.scope.deal_id is None:
        params: dict[str, Any] = {}
        mine_v = mine_f = ""
        if q.scope.owner:
            params["owner"] = q.scope.owner
            mine_v, mine_f = " AND v.owner = :owner", " AND f.owner = :owner"
        for i, (period, first, last) in enumerate(q.plan_periods):
            params.update({f"first{i}": first, f"last{i}": last})
            planned = (
                f"SELECT CASE WHEN EXISTS (SELECT 1 FROM visit v WHERE v.date BETWEEN {date_param(r, f'first{i}')}"
                f" AND {date_param(r, f'last{i}')}{mine_v}) OR EXISTS (SELECT 1 FROM followup f WHERE f.done_on IS NULL"
                f" AND f.due BETWEEN {date_param(r, f'first{i}')} AND {date_param(r, f'last{i}')}{mine_f})"
                " THEN 1 ELSE 0 END AS planned"
            )
            if not r.rows(planned, params)[0]["planned"]:
                rows.append({"period": period, "first": first, "last": last})
    shown = rows[:per_rule] if per_rule is not None else rows
    return HealthFound({"plan_missing": shown}, {"plan_missing": len(rows)})


# --- per person, per stage: asked of the deal in the pass, listed for the deals shown --------------------------


def _from_stage(q: HealthQuery, setting: str, *, exact: bool = False) -> tuple[str, bool]:
    """SQL: the deal d is at the stage its playbook names for SETTING, or later (EXACT: at it); and whether any
    playbook names one (else the SQL is false)."""
    wanted = q.stage_from.get(setting, {})
    parts = []
    for book in q.playbooks:
        start = wanted.get(book.name)
        if start is None:
            continue
        first = book.stage(start).number
        keys = ", ".join(lit(s.key) for s in book.stages if (s.number == first if exact else s.number >= first))
        parts.append(f"(d.playbook = {lit(book.name)} AND d.stage IN ({keys}))")
    return ("(" + " OR ".join(parts) + ")", True) if parts else ("1 = 0", False)


def _opposed(q: HealthQuery) -> str | None:
    """SQL: the deal d is at the stage where an opponent matters, or later; None: no playbook has that stage."""
    stages, any_ = _from_stage(q, "opponent_from_stage")
    return stages if any_ else None


def _opponent_rows(r: Reader, q: HealthQuery, ids: Sequence[int]) -> list[dict[str, Any]]:
    """One row per opposing person of the deals IDS (in the deals' order)."""
    stages = _opposed(q)
    if stages is None or not ids:
        return []
    join, opposes = _OPPOSES
    return r.rows(
        f"SELECT {_DEAL_COLUMNS}, c.name AS contact, c.title AS title"
        f" FROM deal d JOIN account a ON a.id = d.account_id JOIN contact c ON c.account_id = d.account_id {join}"
        f" WHERE d.id IN {_ids(r, 'ids')} AND {stages} AND {opposes} ORDER BY {_DEAL_ORDER}, c.name",
        {"ids": _id_list(ids)},
    )


def _against_rows(r: Reader, q: HealthQuery, ids: Sequence[int]) -> list[dict[str, Any]]:
    """One row per decision maker against us (opponent, non-supporter) of the deals IDS (in the deals' order)."""
    stages, any_ = _from_stage(q, "decision_chain_from_stage")
    if not any_ or not ids:
        return []
    return r.rows(
        f"SELECT {_DEAL_COLUMNS}, c.name AS contact, c.title AS title, {_STANCE} AS stance"
        " FROM deal d JOIN account a ON a.id = d.account_id JOIN contact c ON c.account_id = d.account_id"
        " LEFT JOIN deal_contact dc ON dc.contact_id = c.id AND dc.deal_id = d.id"
        f" WHERE d.id IN {_ids(r, 'ids')} AND {stages} AND {_AGAINST} ORDER BY {_DEAL_ORDER}, c.name",
        {"ids": _id_list(ids)},
    )


# markers_unmet: a stage's markers that are exactly its required ones (≈ 40% of the history rows on the bench's
# huge journal) are known met by one string comparison, not a lookup per marker (≈ 20 ms CPU of ≈ 135 on it)
EXACT_MARKERS = True


@dataclass(frozen=True)
class _Passed:
    """SQL over a deal d and one row sh of its stage history: the stages it has left that have required markers."""

    where: str  # sh is a stage of the deal's playbook that the deal has left
    earlier: str  # sh's stage comes before the deal's stage
    number: str  # sh's stage number
    unmet: str  # how many of sh's required markers the deal has not met (0 for a stage that requires none)
    too_early: str  # the deal d is in a stage before which no stage requires markers (it has nothing to find)

    def found(self) -> str:
        """sh is a stage the deal has left, before its stage, with required markers unmet: the markers are asked
        first (rarely unmet: the stage numbers, two CASEs of string comparisons, are seldom needed). Written as a
        CASE because PostgreSQL orders the conditions of a filter by their estimated cost, and would compare the
        stage numbers of every row first."""
        return f"{self.where} AND CASE WHEN {self.unmet} > 0 THEN {self.earlier} ELSE FALSE END"


def _passed(r: Reader, q: HealthQuery) -> _Passed | None:
    """Stages a deal has left (its current stage being later) whose required markers are not all met.

    Each stage with required markers has its own count of the deal's required markers met in it, read from the
    markers the database keeps on the history row (stage_history.markers, migration 0005: which markers a stage
    requires is the playbook's, a file the user may edit, so the query asks for them by name). The history rows
    and their markers come from one index (deal, playbook, left_on, stage, markers). The per-stage figures are
    CASEs by playbook, then by stage. None: no playbook requires a marker.
    """
    needs = [(book, s) for book in q.playbooks for s in book.stages if s.required_markers]
    if not needs:
        return None

    def per_stage(stage_expr: str, value: Any, stages: Any = needs, default: str = "0") -> str:
        by_book: dict[str, list[str]] = {}
        for book, s in stages:
            by_book.setdefault(book.name, []).append(f"WHEN {lit(s.key)} THEN {value(s)}")
        inner = " ".join(
            f"WHEN {lit(name)} THEN CASE {stage_expr} {' '.join(whens)} ELSE {default} END"
            for name, whens in by_book.items()
        )
        return f"CASE d.playbook {inner} ELSE {default} END"

    def met(s: Any) -> str:  # of the stage's required markers, how many sh.markers (",a,b,c,") holds
        needles = ["'," + lit(m.key)[1:-1] + ",'" for m in s.required_markers]  # ',key,' (a checked key)
        if r.dialect == "sqlite":
            found = [f"(instr(sh.markers, {needle}) > 0)" for needle in needles]
        else:
            found = [f"CAST(strpos(sh.markers, {needle}) > 0 AS INTEGER)" for needle in needles]
        return f"({' + '.join(found)})"

    def left_unmet(s: Any) -> str:  # how many of the stage's required markers sh.markers lacks
        count = f"{len(s.required_markers)} - {met(s)}"
        if not EXACT_MARKERS or len(s.required_markers) < 2:
            return count
        # sh.markers (sorted, as the triggers keep it) is exactly the required ones: one string comparison
        # instead of a lookup per marker; any other string (extra markers, another order) is counted
        exact = "'," + ",".join(lit(key)[1:-1] for key in sorted(m.key for m in s.required_markers)) + ",'"
        return f"CASE WHEN sh.markers = {exact} THEN 0 ELSE {count} END"

    every_stage = [(book, s) for book in q.playbooks for s in book.stages]
    number = per_stage("sh.stage", lambda s: s.number, every_stage)
    current = per_stage("d.stage", lambda s: s.number, every_stage)
    where = "sh.deal_id = d.id AND sh.playbook = d.playbook AND sh.left_on IS NOT NULL"
    unmet = per_stage("sh.stage", left_unmet)
    # a deal in its playbook's first stage (or any before the first that requires markers) has no stage to look up
    too_early = []
    for book in q.playbooks:
        first = min((s.number for s in book.stages if s.required_markers), default=None)
        keys = [lit(s.key) for s in book.stages if first is None or s.number <= first]
        too_early.append(f"(d.playbook = {lit(book.name)} AND d.stage IN ({', '.join(keys)}))")
    return _Passed(where, f"{number} < {current}", number, unmet, f"({' OR '.join(too_early)})")


def _markers_rows(r: Reader, q: HealthQuery, ids: Sequence[int]) -> list[dict[str, Any]]:
    """One row per stage left with required markers unmet, of the deals IDS (in the deals' order)."""
    passed = _passed(r, q)
    if passed is None or not ids:
        return []
    # the move out of the stage is the next history row: it says whether that move was forced, and why
    next_row = "(SELECT MIN(n.id) FROM stage_history n WHERE n.deal_id = sh.deal_id AND n.id > sh.id)"
    return r.rows(
        f"SELECT {_DEAL_COLUMNS}, sh.stage AS passed_stage, {passed.number} AS passed_number,"
        f" MAX({passed.unmet}) AS unmet, MAX(CASE WHEN nx.forced THEN 1 ELSE 0 END) AS forced, MAX(nx.reason) AS reason"
        " FROM deal d JOIN account a ON a.id = d.account_id JOIN stage_history sh ON sh.deal_id = d.id"
        f" LEFT JOIN stage_history nx ON nx.id = {next_row}"
        f" WHERE d.id IN {_ids(r, 'ids')} AND {passed.found()}"
        " GROUP BY d.id, d.name, a.name, d.playbook, d.stage, d.amount, sh.stage"
        f" ORDER BY {_DEAL_ORDER}, {passed.number}",
        {"ids": _id_list(ids)},
    )
