"""sd log on a team database (PostgreSQL): names found by prefix there too, the note written and undone.

Needs a server: SD_TEST_DATABASE_URL (see tests/pgtools.py); without it this skips (fails under CI=true)."""

from __future__ import annotations

import pytest

import pgtools
from conftest import run_sd


@pytest.fixture
def team(monkeypatch):  # noqa: ANN001, ANN201
    with pgtools.schema() as (_name, url):
        monkeypatch.setenv("SD_DATABASE_URL", url)
        result = run_sd("db", "upgrade")
        assert result.exit_code == 0, result.output
        yield url


def test_a_note_on_a_team_database(sd, team) -> None:  # noqa: ANN001
    for args in (
        ("account", "add", "华为技术有限公司"),
        ("account", "add", "华润集团"),
        ("contact", "add", "张伟", "--account", "华为技术", "--title", "技术总监"),
        ("contact", "add", "Priya Shah", "--account", "华为技术"),
        ("deal", "add", "数据中心网络改造", "--account", "华为技术"),
    ):
        result = sd(*args)
        assert result.exit_code == 0, result.output
    parsed = sd("log", "拜访了华为张总和Priya，下周三回电", "--json").json()
    assert parsed["account"]["name"] == "华为技术有限公司" and parsed["deal"]["name"] == "数据中心网络改造"
    assert [c["name"] for c in parsed["contacts"]] == ["张伟", "Priya Shah"]
    assert sd("log", "@华为 见了张伟", "--json").json()["account"]["name"] == "华为技术有限公司"
    result = sd("log", "拜访了华为张伟，下周三回电", "--yes")
    assert result.exit_code == 0, result.output
    assert len(sd("visit", "list", "--json").json()) == 1
    assert sd("undo").exit_code == 0
    assert sd("visit", "list", "--json").json() == []
