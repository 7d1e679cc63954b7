"""The health rules as the coach asks them: one record's findings, the very ones `sd check --all` has for it."""

from __future__ import annotations

import pytest

from salesdiary.core.errors import BadInput, NotFound
from salesdiary.journal import Journal
from salesdiary.store.paths import load_config


def test_one_records_findings_are_those_sd_check_all_has_for_it(sd, demo):
    everything = sd("check", "--json", "--all").json()
    assert everything  # the demo journal has findings of both kinds
    assert {f["entity"] for f in everything} == {"deal", "account"}
    with Journal.open() as j:
        deals = [row["id"] for row in j.reader.rows("SELECT id FROM deal ORDER BY id")]
        accounts = [row["id"] for row in j.reader.rows("SELECT id FROM account ORDER BY id")]
        for entity, ids in (("deal", deals), ("account", accounts)):
            for record in ids:
                report = j.findings_for(**{entity: record})
                expected = [f for f in everything if f["entity"] == entity and f["id"] == record]
                assert report.as_json() == expected, (entity, record)
                assert report.found == bool(expected)
        named = j.findings_for(deal=str(deals[0]))  # a reference as sd takes it
        assert named.as_json() == j.findings_for(deal=deals[0]).as_json()


def test_one_records_findings_follow_the_config_like_sd_check(sd, demo, isolated):
    first = next(f for f in sd("check", "--json", "--all").json() if f["entity"] == "deal")
    (isolated / "config.toml").write_text(f"[health]\ndisabled = ['{first['rule']}']\n", encoding="utf-8")
    load_config.cache_clear()  # the config as a new process reads it
    with Journal.open() as j:
        assert first["rule"] not in {f.rule for f in j.findings_for(deal=first["id"]).findings}


def test_one_record_is_named_once(demo):
    with Journal.open() as j:
        with pytest.raises(BadInput):
            j.findings_for()
        with pytest.raises(BadInput):
            j.findings_for(deal=1, account=1)
        with pytest.raises(NotFound):
            j.findings_for(deal=999_999)
