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
