"""Playbooks: the shipped methods are faithful to their seeds, and bad files are reported clearly."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from salesdiary.core.errors import BadInput, NotFound
from salesdiary.core.playbook import (
    DEFAULT_PLAYBOOK,
    Playbook,
    PlaybookError,
    builtin_dir,
    list_playbooks,
    load_playbook,
    parse_playbook,
    playbook_paths,
)

TEN_STEP = [
    ("project_info", 5, "获得项目信息", "Project information"),
    ("project_confirmation", 10, "项目确认", "Project confirmation"),
    ("customer_analysis", 25, "客户分析", "Customer analysis"),
    ("competitiveness", 30, "竞争力评估", "Competitiveness assessment"),
    ("initial_acceptance", 50, "客户初步认可", "Initial acceptance"),
    ("standards_set", 60, "标准确立", "Standards set"),
    ("alliance_built", 70, "建立同盟", "Alliance built"),
    ("tender_prepared", 80, "标局设立", "Tender prepared"),
    ("bid_won", 90, "中标", "Bid won"),
    ("order_payment", 100, "下单回款", "Order and payment"),
]

# Every 进展标志 of seed 000 (项目销售十步法), copied verbatim, per step. Where the seed lists several
# markers on one line separated by commas (step 1) or 、 (the last line of step 2), each part is one marker.
# Step 4's "具体请参阅 我司项目销售技能培训项目分析五种武器" is a reading reference, not a marker.
TEN_STEP_SEED_MARKERS: dict[str, list[str]] = {
    "project_info": ["获得用户单位具体名称", "项目名称", "大致需求", "人脉关系"],
    "project_confirmation": [
        "具有明确预算",
        "目前网络需求存在燃眉之急或者有明确的建网思路",
        "有明确的实施采购时间",
        "有明确的立项标志事件",
        "有明确的客户信息(主要负责部门、决策人、技术负责人)",
        "政策要求必须实施的工程",
        "年底财政拨款结余需要购置添加设备",
    ],
    "customer_analysis": [
        "资金来源清晰,用于此项目的资金预算分布清晰(服务器、存储、汇聚、核心、安全)",
        "组织结构和决策圈清晰,参与部门,参与人员以及参与部门和人员相关的权力和地位清晰",
        "客户倾向合作的SI清晰",
        "决策标准清晰,选择标准清晰",
        "决策程序清晰",
        "主要人员的掌控和影响力清晰",
        "有明确的竞争对手",
        "有项目事件时间分布表",
    ],
    "competitiveness": [
        "存在销售机会吗?从客户采购申请和计划、客户现状和运行情况、客户财务状况、资金四个方面判断是否存在销售机会",
        "我司能提供解决方案吗?产品和解决方案的适合程度?预测我司的产品和方案是否满足客户的需要?需要修改和加强吗?"
        "我们提供的产品和方案是否有独特的价值卖点?是否能够给用户带来特殊的好处?用户选择我司产品和方案的顾虑是否存在?"
        "是什么?如何解决?",
        "我们能赢吗?我们与客户的关系如何?和所有竞争对手相比,谁和客户的关系更好?在客户高层和关键人物的关系上有无突破的"
        "可能?和客户的文化兼容吗?谁是最有影响力的人?",
        "值得赢吗?短期和长期的收益是什么?有战略价值吗?需要风险评估吗?",
        "需要的资源:要拿下这个项目,我们需要投入多少人力,物力,时间?是否需要额外的内外部的特殊资源?",
        "如果能够确定我们在这个项目中的竞争力,那么我们的行动计划是什么?",
    ],
    "initial_acceptance": [
        "客户对我方产生好感(客户经理的专业形象、言谈举止、公司的经营理念、专业服务方案、成功客户案例,"
        "认可公司的品牌、质量和服务水平)",
        "可以约会(聚餐、宴会、运动、比赛、娱乐),能够与客户在约定的时间和地点进行与客户个人兴趣或者项目相关的销售活动",
        "初步产生信赖,客户个人接受了公司和客户经理的价值。如果客户个人能够决定,他将做出对我司有利的选择",
        "初步的项目规划建议书已经提交给用户,并能够确认用户中的决策者、主要评估者对我司的方案持基本认可态度,"
        "至少是认可我方提交的初步方案",
        "用户决策圈中的关键人物已经了解了我司的独特价值,主要技术标准的制订者和主要决策标准的制定者是我司的支持者,"
        "产品和方案已经完成,获得通过和客户认可,用户初步的技术方案和产品性能指标是以我司产品和方案为主要参照来制定的",
        "可以确定我司在用户决策者和主要评估者中分别有至少一位导师或支持者",
        "我司的不支持者和敌人已经基本清晰",
        "拍板者不是我司的敌人或不支持者",
        "我方已经全面了解了整个项目的进度时间表以及决策流程",
    ],
    "standards_set": [
        "用户技术标准的制订者(主笔人)成为我司的导师或支持者,并且按照我们提供的标准来制定主要技术指标"
        "(隐蔽的或者强势必须的指标,详细请参阅我司项目销售技能培训招投标十面埋伏)",
        "我司已经较全面地了解到用户拍板者对本项目的想法和考虑,并且拍板人给出的招标指导思想对我方非常有利,对竞争对手条件苛刻",
        "主要竞争对手推荐的方案和产品我方非常清晰,并能做出针对部署",
        "我们推荐的方案和产品具有技术壁垒或者突出优势",
    ],
    "alliance_built": [
        "项目中最有影响力的人是我们的支持者,(至少不能是对手的支持者)",
        "用户愿意采纳我司的建网思路和技术特点,并写入标书或决策标准中",
        "我司的导师和支持者对我司的优势和对手的劣势非常清楚。并准备采用我们提供的黑材料攻击竞争对手",
        "用户的决策中最有影响力的人最希望我们胜出,认为我们的成功对用户最有利。"
        "并且采购标准一旦不利于我方,能立即改变决策标准或者决策程序",
        "方案和产品获包括拍板者、决策者和评估者在内的用户决策圈的认可",
        "支持者与我们建立利益关系成为导师,不仅个人支持我司,在整个采购过程中,在明处或者暗处对我司进行支持,"
        "同时乐于将我司的产品和服务介绍给朋友、下级单位",
        "导师源源不断的为我们提供竞争对手的情报,并作为我方的“间谍”探听竞争对手的虚实和行动计划,产品型号和预计成交价格",
        "导师指导公关我方的不支持者或者对该项目有影响的决策人(领导)并牵线搭桥协调安排与此项目相关部门的走访,"
        "并拉拢参与我方的活动",
        "导师在内部需要决策时,旗帜鲜明的支持我们",
    ],
    "tender_prepared": [
        "首先清楚竞争对手的针对此项目的策略,如果没有竞争对手参与应邀请三家以上合作伙伴参与,并协调好关系达成统一认识",
        "完成我方的投标策略,包含所有商务条件确定,甚至打分条款和分值的确认",
        "完成标书制作(大项目需通过项目分析会审核通过)",
        "对合作伙伴能力的评估已经完成并确定,合作伙伴策略已经确定(选几家,怎么配合,为什么做这样的安排?)",
        "完成投标前拜访工作(主要针对评标过程中的评委与决策人)",
    ],
    "bid_won": ["接到中标通知书"],
    "order_payment": ["用户与我司签订正式合同", "用户下单"],
}

# Seed 004 (摧龙六式): (key, zh label, start marker 开始标志, end marker 结束标志), verbatim.
SIX_STEP = [
    ("customer_analysis", "客户分析", "锁定目标客户", "判断并发现明确的销售机会"),
    ("build_trust", "建立信任", "判断并发现明确的销售机会", "与关键客户建立良好的客户关系"),
    ("uncover_needs", "挖掘需求", "与关键客户建立约会以上的客户关系", "得到客户明确的需求(通常是书面形式)"),
    ("present_value", "呈现价值", "得到客户明确的需求(通常是书面形式)", "开始商务谈判"),
    ("win_commitment", "赢取承诺", "开始商务谈判", "签署协议"),
    ("follow_up_service", "跟进服务", "签署协议", "客户支付全部账款"),
]

HAN = re.compile(r"[\u4e00-\u9fff]")


def _seed_dir() -> Path | None:
    env = os.environ.get("SD_SEEDS_DIR")
    for candidate in (Path(env) if env else None, Path(__file__).resolve().parents[2] / "shared" / "seeds"):
        if candidate is not None and candidate.is_dir():
            return candidate
    return None


@pytest.fixture(scope="module")
def ten() -> Playbook:
    return load_playbook("ten_step")


@pytest.fixture(scope="module")
def six() -> Playbook:
    return load_playbook("six_step")


# --- the shipped playbooks ------------------------------------------------------------------


def test_builtin_playbooks_load_and_validate() -> None:
    paths = playbook_paths(None)
    assert {"ten_step", "six_step"} <= set(paths)
    assert all(p.parent == builtin_dir() for p in paths.values())
    books = list_playbooks()
    assert books[0].name == DEFAULT_PLAYBOOK == "ten_step"
    assert {b.name for b in books} == {"ten_step", "six_step"}
    for book in books:
        assert book.label.en and book.label.zh and book.source
        assert book.path.endswith(f"{book.name}.toml")


def test_the_compiled_playbooks_are_the_toml_files_parsed() -> None:
    import json
    import tomllib

    from salesdiary.core.playbook import compiled_path

    for path in playbook_paths(None).values():
        compiled = json.loads(compiled_path(path).read_text(encoding="utf-8"))
        text = path.read_text(encoding="utf-8")
        assert compiled["source"] == text, f"{path.name} changed: run scripts/playbooks.py"
        assert compiled["data"] == tomllib.loads(text)


def _shipped(folder: Path, monkeypatch: pytest.MonkeyPatch, compiled_source: str, title: str) -> Path:
    """A built-in folder holding the ten steps, compiled from COMPILED_SOURCE, with the title TITLE in the JSON."""
    import json
    import shutil
    import tomllib

    from salesdiary.core import playbook as module

    toml = folder / "ten_step.toml"
    shutil.copy(builtin_dir() / "ten_step.toml", toml)
    data = tomllib.loads(toml.read_text(encoding="utf-8"))
    data["label"] = {**data["label"], "en": title}
    (folder / "compiled").mkdir()
    (folder / "compiled" / "ten_step.json").write_text(json.dumps({"source": compiled_source, "data": data}))
    monkeypatch.setattr(module, "builtin_dir", lambda: folder)
    return toml


def test_a_builtin_playbook_is_read_from_its_compiled_form_when_made_from_the_same_text(tmp_path, monkeypatch):
    from salesdiary.core.playbook import load_file

    text = (builtin_dir() / "ten_step.toml").read_text(encoding="utf-8")
    toml = _shipped(tmp_path, monkeypatch, text, "From the JSON")
    assert load_file(toml).label.en == "From the JSON"


def test_an_edited_builtin_playbook_is_never_shadowed_by_an_older_compilation(tmp_path, monkeypatch):
    from salesdiary.core.playbook import load_file

    toml = _shipped(tmp_path, monkeypatch, "an older text", "From the JSON")
    assert load_file(toml).label.en == load_playbook("ten_step").label.en != "From the JSON"


def test_ten_step_stages(ten: Playbook) -> None:
    assert ten.label.zh == "项目销售十步法"
    got = [(s.key, s.probability, s.label.zh, s.label.en) for s in ten.stages]
    assert got == TEN_STEP
    assert [s.number for s in ten.stages] == list(range(1, 11))
    assert ten.first_stage.key == "project_info"
    assert ten.stage("project_info").goal.zh == "收集项目信息"


def _plain(text: str) -> str:
    """TEXT with the book's ASCII punctuation: the playbooks write ，；：？（） where the book has , ; : ? ( )."""
    return text.translate(str.maketrans("，；：？！（）", ",;:?!()"))


def test_every_ten_step_seed_marker_is_present(ten: Playbook) -> None:
    assert set(TEN_STEP_SEED_MARKERS) == set(ten.keys)
    for key, seed_markers in TEN_STEP_SEED_MARKERS.items():
        texts = [_plain(m.label.zh) for m in ten.stage(key).markers]
        for wanted in seed_markers:
            assert _plain(wanted) in texts, f"{key}: seed marker missing: {wanted}"


def test_ten_step_marker_texts_are_verbatim_from_the_seed(ten: Playbook) -> None:
    seeds = _seed_dir()
    if seeds is None or not (seeds / "000_688a9ac06e39ff70.txt").is_file():
        pytest.skip("seed 000 not available (set SD_SEEDS_DIR)")
    text = (seeds / "000_688a9ac06e39ff70.txt").read_text(encoding="utf-8")
    text = _plain(re.sub(r"\n\n\d+、", "", text))  # the extraction splits the document into numbered chunks
    for stage in ten.stages:
        for marker in stage.markers:
            if marker.key in ("analysis_meeting", "analysis_meeting_director"):  # from the step's first tip
                continue
            assert _plain(marker.label.zh) in text, f"{stage.key}.{marker.key} is not verbatim: {marker.label.zh}"


def test_ten_step_required_markers(ten: Playbook) -> None:
    step2 = ten.stage("project_confirmation")
    optional = {m.key for m in step2.markers if not m.required}
    assert optional == {"policy_mandated", "year_end_funds"}
    assert {m.key for m in step2.required_markers} >= {
        "budget",
        "urgent_need",
        "purchase_time",
        "approval_event",
    }
    assert ten.stage("bid_won").marker("award_notice").required
    for stage in ten.stages:
        assert stage.required_markers, f"{stage.key} has no required marker"
        assert stage.tips, f"{stage.key} has no tips"


def test_analysis_meeting_marker(ten: Playbook) -> None:
    marker = ten.stage(4).marker("analysis_meeting")
    assert "200,000" in marker.label.en and "500,000" in marker.label.en
    assert "20万" in marker.label.zh and "50万" in marker.label.zh and "总监" in marker.label.zh


def test_six_step_stages(six: Playbook) -> None:
    assert [s.key for s in six.stages] == [row[0] for row in SIX_STEP]
    assert [s.label.zh for s in six.stages] == [row[1] for row in SIX_STEP]
    assert [s.label.en for s in six.stages] == [
        "Customer analysis",
        "Build trust",
        "Uncover needs",
        "Present value",
        "Win commitment",
        "Follow-up service",
    ]
    assert [s.probability for s in six.stages] == [10, 25, 40, 60, 80, 100]
    for stage, (_key, _zh, start, end) in zip(six.stages, SIX_STEP, strict=True):
        texts = {_plain(m.label.zh): m for m in stage.markers}
        assert _plain(start) in texts and not texts[_plain(start)].required
        assert [_plain(m.label.zh) for m in stage.required_markers] == [_plain(end)]
        assert stage.goal.zh and stage.tips


def test_texts_are_bilingual(ten: Playbook, six: Playbook) -> None:
    for book in (ten, six):
        for stage in book.stages:
            labels = [stage.label, stage.goal, *stage.tips, *(m.label for m in stage.markers)]
            for label in labels:
                assert HAN.search(label.zh), f"{book.name}.{stage.key}: zh text without Chinese: {label.zh}"
                assert not HAN.search(label.en), f"{book.name}.{stage.key}: en text with Chinese: {label.en}"


# --- lookups --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "customer_analysis",
        "3",
        3,
        "Customer analysis",
        "customer ANALYSIS",
        "客户分析",
        " 客户分析 ",
        "customer-analysis",
    ],
)
def test_stage_lookup(ten: Playbook, text: str | int) -> None:
    assert ten.stage(text).key == "customer_analysis"


def test_stage_lookup_other_labels(ten: Playbook, six: Playbook) -> None:
    assert ten.stage("下单回款").number == 10
    assert ten.stage("order and payment").key == "order_payment"
    assert six.stage("挖掘需求").key == "uncover_needs"
    assert six.stage("Uncover needs").number == 3


@pytest.mark.parametrize("text", ["nope", "0", 11, "客户", ""])
def test_unknown_stage_lists_valid_keys(ten: Playbook, text: str | int) -> None:
    with pytest.raises(BadInput) as caught:
        ten.stage(text)
    assert "project_info" in caught.value.message and "order_payment" in caught.value.message
    assert caught.value.exit_code == 2


def test_stage_order(ten: Playbook) -> None:
    assert ten.index("project_info") == 0
    assert ten.index("中标") == 8
    nxt = ten.next_stage("customer_analysis")
    assert nxt is not None and nxt.key == "competitiveness"
    assert ten.next_stage("order_payment") is None
    assert ten.previous_stage("project_info") is None


def test_marker_lookup(ten: Playbook) -> None:
    stage = ten.stage("project_confirmation")
    assert stage.marker("budget").key == "budget"
    assert stage.marker("1").key == "budget"
    assert stage.marker("具有明确预算").key == "budget"
    assert stage.marker("a definite budget exists").key == "budget"
    with pytest.raises(NotFound) as caught:
        stage.marker("budgets")
    assert "budget" in caught.value.message and "approval_event" in caught.value.message


def test_unknown_playbook() -> None:
    with pytest.raises(NotFound) as caught:
        load_playbook("nine_step")
    assert "ten_step" in caught.value.message and "six_step" in caught.value.message


# --- user playbooks and errors --------------------------------------------------------------

GOOD = """\
name = "{name}"
version = 1
source = "test"
[label]
en = "Mine"
zh = "我的"

[[stages]]
key = "first"
number = 1
probability = 20
label = {{ en = "First", zh = "第一" }}
goal = {{ en = "Start", zh = "开始" }}

[[stages.markers]]
key = "met"
required = true
en = "Met"
zh = "见面"

[[stages.tips]]
en = "Be kind"
zh = "友善"

[[stages]]
key = "second"
number = 2
probability = 60
label = {{ en = "Second", zh = "第二" }}
goal = {{ en = "Finish", zh = "结束" }}
"""


def _write(config_dir: Path, name: str, text: str) -> Path:
    folder = config_dir / "playbooks"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_user_playbook_is_listed_and_loaded(tmp_path: Path) -> None:
    path = _write(tmp_path, "mine", GOOD.format(name="mine"))
    assert playbook_paths(tmp_path)["mine"] == path
    names = [b.name for b in list_playbooks(tmp_path)]
    assert names[0] == "ten_step" and "mine" in names and "six_step" in names
    mine = load_playbook("mine", tmp_path)
    assert mine.path == str(path)
    assert mine.stage("第二").key == "second"
    assert mine.stage("first").required_markers[0].key == "met"
    assert mine.stage("second").markers == () and mine.stage("second").tips == ()


def test_user_playbook_shadows_builtin(tmp_path: Path) -> None:
    _write(tmp_path, "six_step", GOOD.format(name="six_step"))
    assert load_playbook("six_step", tmp_path).keys == ("first", "second")
    assert load_playbook("six_step").keys[0] == "customer_analysis"


def test_edited_file_is_reloaded(tmp_path: Path) -> None:
    path = _write(tmp_path, "mine", GOOD.format(name="mine"))
    assert load_playbook("mine", tmp_path).stage(1).probability == 20
    path.write_text(GOOD.format(name="mine").replace("probability = 20", "probability = 25"), encoding="utf-8")
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 1_000_000_000))
    assert load_playbook("mine", tmp_path).stage(1).probability == 25


BAD_CASES = [
    # (description, transform of the good text, stage named in the message or None, words of the problem)
    (
        "missing stage label",
        lambda t: t.replace('label = { en = "Second", zh = "第二" }\n', ""),
        "second",
        ["missing", "label"],
    ),
    (
        "missing playbook label",
        lambda t: t.replace('[label]\nen = "Mine"\nzh = "我的"\n', ""),
        None,
        ["label"],
    ),
    ("duplicate stage key", lambda t: t.replace('key = "second"', 'key = "first"'), "first", ["duplicate"]),
    ("probability 150", lambda t: t.replace("probability = 60", "probability = 150"), "second", ["150"]),
    (
        "decreasing probability",
        lambda t: t.replace("probability = 60", "probability = 10"),
        "second",
        ["probability", "10"],
    ),
    ("number out of order", lambda t: t.replace("number = 2", "number = 3"), "second", ["number", "3"]),
    (
        "duplicate marker key",
        lambda t: t.replace(
            "[[stages.tips]]", '[[stages.markers]]\nkey = "met"\nen = "x"\nzh = "的"\n\n[[stages.tips]]'
        ),
        "first",
        ["duplicate", "met"],
    ),
    ("required not bool", lambda t: t.replace("required = true", 'required = "yes"'), "first", ["required"]),
    (
        "unknown stage key",
        lambda t: t.replace("number = 2\n", "number = 2\ncolour = 1\n"),
        "second",
        ["colour"],
    ),
    (
        "unknown top-level key",
        lambda t: t.replace('source = "test"', 'source = "test"\nowner = 1'),
        None,
        ["owner"],
    ),
    ("label without zh", lambda t: t.replace(', zh = "第二"', ""), "second", ["zh"]),
    ("tip without en", lambda t: t.replace('en = "Be kind"\n', ""), "first", ["en"]),
    ("no stages", lambda t: t[: t.index("[[stages]]")], None, ["stages"]),
    (
        "bad stage key",
        lambda t: t.replace('key = "second"', 'key = "Second Stage"'),
        "Second Stage",
        ["snake_case"],
    ),
]


@pytest.mark.parametrize(("description", "transform", "stage", "words"), BAD_CASES, ids=[c[0] for c in BAD_CASES])
def test_malformed_playbook(tmp_path: Path, description: str, transform, stage: str | None, words: list[str]) -> None:
    text = transform(GOOD.format(name="bad"))
    assert text != GOOD.format(name="bad"), description
    path = _write(tmp_path, "bad", text)
    with pytest.raises(PlaybookError) as caught:
        load_playbook("bad", tmp_path)
    error = caught.value
    assert isinstance(error, BadInput) and error.exit_code == 2
    assert str(path) in error.message
    if stage is not None:
        assert f"stage {stage}:" in error.message
        assert error.stage == stage
    for word in words:
        assert word in error.message, error.message


def test_toml_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    text = GOOD.format(name="bad").replace('key = "second"', 'key = "second', 1)
    line = text.splitlines().index('key = "second') + 1
    path = _write(tmp_path, "bad", text)
    with pytest.raises(PlaybookError) as caught:
        load_playbook("bad", tmp_path)
    assert str(path) in caught.value.message
    assert caught.value.line == line
    assert f"line {line}" in caught.value.message
    assert "TOML" in caught.value.message


def test_name_must_match_file(tmp_path: Path) -> None:
    path = _write(tmp_path, "mine", GOOD.format(name="other"))
    with pytest.raises(PlaybookError) as caught:
        load_playbook("mine", tmp_path)
    assert str(path) in caught.value.message and "other" in caught.value.message


def test_a_broken_user_file_is_reported_by_list(tmp_path: Path) -> None:
    _write(tmp_path, "bad", "name = ")
    with pytest.raises(PlaybookError):
        list_playbooks(tmp_path)


def test_parse_playbook_directly() -> None:
    import tomllib

    data = tomllib.loads(GOOD.format(name="direct"))
    book = parse_playbook(data, "<memory>")
    assert book.name == "direct" and book.path == "<memory>" and len(book.stages) == 2
    data["stages"][1]["probability"] = -1
    with pytest.raises(PlaybookError) as caught:
        parse_playbook(data, "<memory>")
    assert caught.value.message.startswith("Playbook <memory>: stage second:")
