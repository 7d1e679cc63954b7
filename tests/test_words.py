"""The words a rep reads: the books' names and vocabulary, never sd's internal labels.

The methods come from books; a rep knows them as 《项目销售十步法》, 《摧龙六式》, 《销售业务手册》 and
《大客户销售管理》, so no screen may show a file label such as "seed 004" or "(000 step 4)". Chinese text is
written with full-width punctuation, and the activities and roles the books name are accepted as typed.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from salesdiary.core import enums
from salesdiary.core.coach import activities_for
from salesdiary.core.health import RULES
from salesdiary.core.playbook import builtin_dir

SRC = Path(__file__).resolve().parent.parent / "src" / "salesdiary"
# "seed 004", "Seed 000's", "(000 step 4)", "(001 §2.3.1.3)", "001 §2.4.1", "000 step 7"
INTERNAL_LABEL = re.compile(r"seed \d{3}|\(\d{3} |\b\d{3} (step|stage|§)|\b\d{3} §", re.IGNORECASE)
CJK = r"[\u3400-\u9fff]"
# an ASCII , ; : ? ( ) next to a Chinese character: zh text writes ，；：？（）
ASCII_IN_ZH = re.compile(rf"{CJK}\s*[,;:?()]|[,;:?()]\s*{CJK}")
URL = re.compile(r"\S+://\S+")  # postgresql://用户@主机:端口/数据库 keeps its ASCII


def _playbook_texts() -> list[tuple[str, str, str]]:
    """(where, en, zh) for every label, goal, marker and tip of the built-in playbooks."""
    import tomllib

    out = []
    for path in sorted(builtin_dir().glob("*.toml")):
        data = tomllib.loads(path.read_text(encoding="utf-8"))

        def walk(node: object, where: str) -> None:
            if isinstance(node, dict):
                if "en" in node or "zh" in node:
                    out.append((where, str(node.get("en", "")), str(node.get("zh", ""))))
                for k, v in node.items():
                    walk(v, f"{where}.{k}")
            elif isinstance(node, list):
                for i, v in enumerate(node):
                    walk(v, f"{where}[{i}]")
            elif isinstance(node, str) and where.endswith(".source"):
                out.append((where, node, ""))

        walk(data, path.stem)
    return out


def _rule_texts() -> list[tuple[str, str, str]]:
    out = []
    for key, rule in RULES.items():
        for part in ("name", "action", "source"):
            label = getattr(rule, part, None)
            if label is not None and hasattr(label, "en"):
                out.append((f"{key}.{part}", label.en, label.zh))
    return out


def _vocabulary_texts() -> list[tuple[str, str, str]]:
    return [
        (f"{v.name}.{c.key}", c.label.en, c.label.zh)
        for v in vars(enums).values()
        if isinstance(v, enums.Vocabulary)
        for c in v.choices
    ]


def _catalog_entries() -> list[tuple[str, str, str]]:
    """(where, msgid, msgstr) of the zh catalog (its msgids are the English texts)."""
    from babel.messages.pofile import read_po

    path = SRC / "locale" / "zh" / "LC_MESSAGES" / "salesdiary.po"
    with path.open("rb") as f:
        catalog = read_po(f)
    out = []
    for m in catalog:
        if not m.id:
            continue
        ids = m.id if isinstance(m.id, tuple | list) else (m.id,)
        strs = m.string if isinstance(m.string, tuple | list) else (m.string,)
        for i, s in zip(ids, strs, strict=False):
            out.append((f"po:{ids[0][:40]}", i, s or ""))
    return out


def _all_texts() -> list[tuple[str, str, str]]:
    return _playbook_texts() + _rule_texts() + _vocabulary_texts() + _catalog_entries()


def test_the_scan_finds_what_it_is_for():
    """The patterns themselves catch the labels and the punctuation they are meant to (so the tests below can fail)."""
    for bad in ("seed 004", "Seed 000's matrix", "(000 step 4)", "(001 §2.3.2.4)", "001 §2.4.1"):
        assert INTERNAL_LABEL.search(bad), bad
    for good in ("Six-step method, step 3", "《销售业务手册》§2.3.2.4", "200,000", "step 4"):
        assert not INTERNAL_LABEL.search(good), good
    for bad in ("约定下次会面,保持", "目标:客户", "资料;个人", "好感(PMP", "是否购买?何时"):
        assert ASCII_IN_ZH.search(bad), bad
    for good in ("约定下次会面，保持", "（PMP／小礼品）", "3～5次", "sd qualify {id}"):
        assert not ASCII_IN_ZH.search(good), good
    assert len(_playbook_texts()) > 200 and len(_rule_texts()) > 40 and len(_catalog_entries()) > 1000


@pytest.mark.parametrize("part", ["playbooks", "rules", "vocabularies", "catalog"])
def test_no_internal_labels_in_what_a_rep_reads(part):
    texts = {
        "playbooks": _playbook_texts,
        "rules": _rule_texts,
        "vocabularies": _vocabulary_texts,
        "catalog": _catalog_entries,
    }[part]()
    bad = [(where, t) for where, en, zh in texts for t in (en, zh) if INTERNAL_LABEL.search(t)]
    assert bad == []


def test_no_internal_labels_in_the_compiled_playbooks():
    for path in sorted((builtin_dir() / "compiled").glob("*.json")):
        assert not INTERNAL_LABEL.search(path.read_text(encoding="utf-8")), path.name


@pytest.mark.parametrize("part", ["playbooks", "rules", "vocabularies", "catalog"])
def test_chinese_text_uses_full_width_punctuation(part):
    texts = {
        "playbooks": _playbook_texts,
        "rules": _rule_texts,
        "vocabularies": _vocabulary_texts,
        "catalog": _catalog_entries,
    }[part]()
    bad = [(where, zh) for where, _en, zh in texts if ASCII_IN_ZH.search(URL.sub("", zh))]
    assert bad == []


def test_english_names_the_relationship_and_the_activities_as_a_person_would(sd, fresh_journal):
    assert enums.RELATIONSHIP.label("dating") != "Dating"
    words = " ".join(en for _w, en, _zh in _playbook_texts() + _rule_texts() + _vocabulary_texts())
    for wrong in (
        "Dating",
        "dating",
        "online academy",
        "Three axe",
        "shared interest in our success",
        "Develop guides",
        "becomes a guide",
    ):
        assert wrong not in words, wrong
    for right in (
        "networking academy",
        "compliments and small gifts",
        "out-of-town",
        "a personal stake in our winning",
        "three key moves of the bid",
    ):
        assert right.lower() in words.lower(), right


def test_chinese_says_the_same_thing_with_one_word():
    zh = " ".join(z for _w, _en, z in _rule_texts() + _catalog_entries() + _playbook_texts())
    for wrong in ("未知拍板者", "决策因数", "条发现", "加权商机", "按销售统计的商机"):
        assert wrong not in zh, wrong
    assert "尚未找到拍板者" in zh


# --- activity kinds and role synonyms the books name ----------------------------------------------------


@pytest.fixture
def acme(sd, fresh_journal):  # noqa: ANN001, ANN201
    for args in (("account", "add", "Acme"), ("contact", "add", "王总", "--account", "Acme")):
        assert sd(*args).exit_code == 0


@pytest.mark.parametrize(
    ("typed", "key", "en", "zh"),
    [
        ("executive_visit", "executive_visit", "Executive visit", "高层拜访"),
        ("高层拜访", "executive_visit", "Executive visit", "高层拜访"),
        ("valuable gift", "valuable_gift", "Valuable gift", "贵重礼品"),
        ("贵重礼品", "valuable_gift", "Valuable gift", "贵重礼品"),
        ("吃饭", "meal", "Meal or tea", "吃饭喝茶"),
        ("联谊", "social", "Social event", "联谊活动"),
        ("异地参观", "reference_visit", "Out-of-town visit", "异地参观"),
    ],
)
def test_the_books_activity_kinds_are_accepted_and_shown(sd, acme, typed, key, en, zh):  # noqa: ANN001
    result = sd("visit", "add", "-A", "Acme", "-C", "王总", "--kind", typed, "--summary", "x")
    assert result.exit_code == 0, result.output
    assert sd("visit", "list", "--json").json()[0]["kind"] == key
    assert en in sd("visit", "list").stdout
    assert zh in sd("--lang", "zh", "visit", "list").stdout


def test_what_each_activity_builds_follows_the_six_step_ladder():
    assert enums.RELATIONSHIP_BUILT_BY_KIND["meal"] == "dating"  # an ordinary meal builds 约会
    trusting = activities_for("trusting")
    for kind in ("executive_visit", "valuable_gift", "social", "reference_visit", "family"):
        assert enums.VISIT_KIND.label(kind) in trusting, kind
    assert enums.VISIT_KIND.label("meal") in activities_for("dating")


@pytest.mark.parametrize(
    ("typed", "key", "en"), [("决策人", "decision_maker", "Decision maker"), ("购买者", "purchaser", "Purchaser")]
)
def test_role_synonyms_are_accepted(sd, acme, typed, key, en):  # noqa: ANN001
    result = sd("contact", "add", "李工", "--account", "Acme", "--role", typed)
    assert result.exit_code == 0, result.output
    person = next(c for c in sd("contact", "list", "--json").json() if c["name"] == "李工")
    assert person["role"] == key
    assert en in sd("contact", "show", "李工").stdout


def test_an_unknown_kind_is_refused_with_the_new_ones_listed(sd, acme):  # noqa: ANN001
    result = sd("visit", "add", "-A", "Acme", "--kind", "yacht trip", "--summary", "x")
    assert result.exit_code == 2
    assert "executive_visit" in result.stderr and "Traceback" not in result.output
    assert sd("visit", "list", "--json").json() == []


@pytest.mark.parametrize(
    ("note", "kind"),
    [
        ("@Acme 王总 高层拜访，谈明年合作", "executive_visit"),
        ("@Acme 送王总贵重礼品", "valuable_gift"),
        ("@Acme 宴请王总", "social"),
        ("@Acme 和王总吃饭", "meal"),
        ("@Acme 给王总送了礼品", "gift"),
    ],
)
def test_sd_log_reads_the_new_kinds_from_a_note(sd, acme, note, kind):  # noqa: ANN001
    result = sd("log", note, "--json")
    assert result.exit_code == 0, result.output
    assert result.json()["kind"] == kind
