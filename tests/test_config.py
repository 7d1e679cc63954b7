"""sd config: settings a rep can see and change."""

import os


def test_set_and_show(sd, isolated):
    assert sd("config", "set", "user.name", "小王").exit_code == 0
    assert sd("config", "set", "backup.keep", "5").exit_code == 0
    shown = sd("config", "show", "--json").json()
    assert shown["user.name"] == "小王"
    assert shown["backup.keep"] == 5
    assert oct(os.stat(isolated / "config.toml").st_mode & 0o777) == "0o600"


def test_new_records_are_owned_by_the_configured_user(sd):
    sd("config", "set", "user.name", "小王")
    assert sd("account", "add", "华为技术有限公司").exit_code == 0
    assert sd("account", "show", "华为", "--json").json()["owner"] == "小王"


def test_password_is_never_shown(sd):
    sd("config", "set", "database.url", "postgresql+psycopg://rep:s3cret@db.example/sd")
    result = sd("config", "show", "--json")
    assert "s3cret" not in result.output
    assert result.json()["database.url"] == "postgresql+psycopg://rep:***@db.example/sd"


def test_bad_key_and_value(sd):
    assert sd("config", "set", "Bad Key!", "x").exit_code == 2
    result = sd("config", "set", "language", "fr")
    assert result.exit_code == 2
    assert "zh or en" in result.stderr


def test_removing_a_setting(sd):
    sd("config", "set", "user.name", "小王")
    sd("config", "set", "user.name", "")
    assert sd("config", "show", "--json").json()["user.name"] is None


# --- one schema, checked once, for every command (issue 23) -------------------------------------------

import pytest  # noqa: E402

BAD_CONFIGS = {
    "wrong type": ('[health]\nstale_days = "thirty"\n', "health.stale_days", "whole number from 1 to 3650"),
    "unknown key": ('language = "zh"\nbogus = 1\n', "bogus", "not a setting"),
    "broken TOML": ('language = "zh"\n[health\n', "config.toml", "cannot be read"),
    "negative days": ("[collection]\nlong_days = -5\n", "collection.long_days", "from 1 to 3650"),
    "inf": ("[funnel]\nqualified_per_prospect = inf\n", "funnel.qualified_per_prospect", "above 0"),
    "nan": ("[collection]\nlarge_amount = nan\n", "collection.large_amount", "at least 0"),
    "bad stage entry": (
        "[health.stale_days]\ndefault = 30\ntender_prepared = 0\n",
        "health.stale_days.tender_prepared",
        "from 1 to 3650",
    ),
    "value for a section": ("health = 3\n", "health", "section"),
    "list of strangers": ('[map]\nroles = ["boss"]\n', "map.roles", "decision_maker"),
    "a number as a name": ("[user]\nname = 5\n", "user.name", "text"),
}
COMMANDS = [
    ("due",),
    ("today",),
    ("deal", "list"),
    ("account", "list"),
    ("report", "week"),
    ("export", "deals"),
    ("funnel",),
    ("check",),
    ("account", "add", "华东电网有限公司"),
]


def write_config(isolated, text: str) -> None:
    (isolated / "config.toml").write_text(text, encoding="utf-8")


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
@pytest.mark.parametrize("case", list(BAD_CONFIGS))
def test_a_bad_config_stops_every_command_the_same_way(sd, isolated, command, case):
    text, key, expected = BAD_CONFIGS[case]
    write_config(isolated, text)
    result = sd(*command)
    assert result.exit_code == 2, result.output
    line = result.stderr.strip()
    assert "\n" not in line and "Traceback" not in result.output
    assert str(isolated / "config.toml") in line and key in line and expected in line
    assert not (isolated / "journal.sqlite").exists()  # nothing was written


def test_a_bad_config_is_explained_in_chinese(sd, isolated):
    write_config(isolated, '[health]\nstale_days = "thirty"\n')
    result = sd("--lang", "zh", "due")
    assert result.exit_code == 2
    assert "配置文件" in result.stderr and "health.stale_days" in result.stderr and "整数" in result.stderr


def test_language_in_a_good_config_applies_to_every_command(sd, isolated, monkeypatch):
    monkeypatch.delenv("SD_LANG")
    write_config(isolated, 'language = "zh"\n')
    assert "到期跟进" in sd("due").stdout


def test_per_stage_stale_days_stay_valid(sd, demo, isolated):
    write_config(isolated, "[health.stale_days]\ndefault = 30\ntender_prepared = 14\n3 = 21\n")
    assert sd("due").exit_code == 0
    assert sd("check").exit_code in (0, 1)
    assert sd("config", "get", "health.stale_days.tender_prepared").stdout.strip() == "14"


def test_help_version_and_config_itself_still_run_with_a_bad_config(sd, isolated):
    write_config(isolated, "bogus = 1\n")
    assert sd("--version").exit_code == 0
    assert sd("due", "--help").exit_code == 0
    assert sd("config", "path").stdout.strip() == str(isolated / "config.toml")
    shown = sd("config", "show")
    assert shown.exit_code == 2 and "bogus" in shown.stderr


def test_set_refuses_a_bad_key_or_value_and_writes_nothing(sd, isolated):
    write_config(isolated, "[backup]\nkeep = 3\n")
    for key, value, said in [
        ("bogus", "1", "bogus is not a setting"),
        ("health.stale_dayz", "3", "did you mean health.stale_days"),
        ("backup.keep", "many", "backup.keep must be a whole number from 1 to 1000"),
        ("backup.keep", "0", "from 1 to 1000"),
        ("health.stale_days", "9999", "from 1 to 3650"),
        ("collection.large_amount", "inf", "collection.large_amount must be a number of at least 0"),
        ("collection.large_amount", "nan", "at least 0"),
        ("dates.order", "ydm", "one of: dmy, mdy, ymd"),
        ("health.disabled", "no_such_rule", "health.disabled must be a list of names from:"),
        ("currency", "yuan", "three-letter currency code"),
        ("health", "3", "health"),
    ]:
        result = sd("config", "set", key, value)
        assert result.exit_code == 2, (key, result.output)
        assert said in result.stderr, (key, result.stderr)
        assert (isolated / "config.toml").read_text(encoding="utf-8") == "[backup]\nkeep = 3\n"


def test_set_writes_values_of_the_right_type(sd, isolated):
    assert sd("config", "set", "collection.large_amount", "150000.5").exit_code == 0
    assert sd("config", "set", "health.key_roles", "decision_maker, user").exit_code == 0
    assert sd("config", "set", "currency", "usd").exit_code == 0
    assert sd("config", "set", "health.stale_days", "20").exit_code == 0
    assert sd("config", "set", "health.stale_days.tender_prepared", "14").exit_code == 0
    shown = sd("config", "show", "--json").json()
    assert shown["collection.large_amount"] == 150000.5
    assert shown["health.key_roles"] == ["decision_maker", "user"]
    assert shown["currency"] == "USD"
    assert shown["health.stale_days"] == {"default": 20, "tender_prepared": 14}
    assert sd("due").exit_code == 0


def test_get_prints_the_value_in_force(sd, isolated):
    assert sd("config", "get", "backup.keep").stdout == "10\n"  # the default
    sd("config", "set", "backup.keep", "4")
    assert sd("config", "get", "backup.keep").stdout == "4\n"
    assert sd("config", "get", "map.roles", "--json").json()[0] == "decision_maker"
    unset = sd("config", "get", "database.url")
    assert unset.exit_code == 1 and unset.stdout == "" and "database.url is not set" in unset.stderr
    unknown = sd("config", "get", "nope")
    assert unknown.exit_code == 2 and "nope is not a setting" in unknown.stderr


def test_get_hides_a_password(sd):
    sd("config", "set", "database.url", "postgresql+psycopg://rep:s3cret@db.example/sd")
    result = sd("config", "get", "database.url")
    assert result.stdout.strip() == "postgresql+psycopg://rep:***@db.example/sd"


def test_unset_removes_a_setting_and_its_empty_section(sd, isolated):
    sd("config", "set", "backup.keep", "4")
    sd("config", "set", "user.name", "小王")
    result = sd("config", "unset", "backup.keep")
    assert result.exit_code == 0 and "Removed backup.keep" in result.stderr
    assert "backup" not in (isolated / "config.toml").read_text(encoding="utf-8")
    assert sd("config", "get", "backup.keep").stdout == "10\n"
    again = sd("config", "unset", "backup.keep")
    assert again.exit_code == 0 and "was not set" in again.stderr
    assert sd("config", "unset", "nope").exit_code == 2


def test_set_and_unset_repair_a_bad_file(sd, isolated):
    write_config(isolated, 'stray = 1\n[health]\nstale_days = "x"\n')
    assert sd("due").exit_code == 2
    assert sd("config", "unset", "stray").exit_code == 0
    assert sd("config", "set", "health.stale_days", "20").exit_code == 0
    assert sd("due").exit_code == 0


def test_doctor_reports_a_bad_config(sd, demo, isolated):
    write_config(isolated, '[health]\nstale_days = "thirty"\n')
    result = sd("doctor", "--json")
    assert result.exit_code == 1
    config = next(c for c in result.json() if c["name"] == "config")
    assert config["status"] == "fail" and "health.stale_days" in config["detail"]
    assert "sd config" in config["advice"]


def test_doctor_reports_a_bad_config_that_names_the_database(sd, isolated, monkeypatch):
    monkeypatch.delenv("SD_DB")
    write_config(isolated, "[database]\nurl = 5\n")
    result = sd("doctor", "--json")
    assert result.exit_code == 1, result.output
    assert [c["status"] for c in result.json()] == ["fail"]
    assert "database.url" in result.json()[0]["detail"]


def test_completion_offers_every_setting(sd, monkeypatch):
    from salesdiary.core.settings import SETTINGS

    monkeypatch.setenv("_SD_COMPLETE", "complete_bash")
    monkeypatch.setenv("COMP_WORDS", "sd config get health.")
    monkeypatch.setenv("COMP_CWORD", "3")
    offered = sd().stdout.split()
    assert sorted(offered) == sorted(k for k in SETTINGS if k.startswith("health."))
    assert "health.stale_days" in offered and "collection.long_days" not in offered


def test_every_setting_can_be_read_and_its_default_is_the_one_in_use(sd):
    from salesdiary.core.settings import SETTINGS

    for key, setting in SETTINGS.items():
        result = sd("config", "get", key, "--json")
        assert result.exit_code == (1 if setting.default_value() is None else 0), (key, result.output)
    assert sd("config", "get", "health.stale_days").stdout == "30\n"
    assert sd("config", "get", "collection.long_days").stdout == "90\n"
    assert sd("config", "get", "health.key_roles", "--json").json() == ["decision_maker", "influencer"]


def test_a_stage_no_playbook_has_is_refused_in_a_table_by_stage(sd, isolated):
    bad = sd("config", "set", "health.stale_days.bogus2", "5")
    assert bad.exit_code == 2 and "no playbook has a stage 'bogus2'" in bad.stderr
    assert sd("config", "set", "health.stale_days.tender_prepared", "14").exit_code == 0
    (isolated / "config.toml").write_text("[health.stale_days]\ndefault = 30\ncustomr_analysis = 3\n", encoding="utf-8")
    result = sd("due")
    assert result.exit_code == 2 and "customr_analysis" in result.stderr and "customer_analysis" in result.stderr
    (isolated / "config.toml").write_text("[health.stale_days]\ndefault = 30\n3 = 20\n", encoding="utf-8")
    assert sd("due").exit_code == 0


def test_a_value_may_start_with_a_minus_and_a_language_is_stored_as_its_key(sd, isolated):
    negative = sd("config", "set", "health.stale_days", "-3")
    assert negative.exit_code == 2 and "from 1 to 3650" in negative.stderr
    assert sd("config", "set", "language", "zh-TW").exit_code == 0
    assert 'language = "zh"' in (isolated / "config.toml").read_text(encoding="utf-8")


def test_config_show_lists_every_setting_with_what_it_may_be(sd):
    result = sd("config", "show")
    assert result.exit_code == 0
    from salesdiary.core.settings import SETTINGS

    for key in SETTINGS:
        assert key in result.stdout, key
    assert "from 1 to 3650" in result.stdout and "zh or en" in result.stdout
