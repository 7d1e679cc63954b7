"""The journal works end to end at all: demo, list, show."""


def test_demo_then_lists(sd, demo):
    for noun in ("account", "contact", "deal", "visit", "followup"):
        result = sd(noun, "list", "--json")
        assert result.exit_code == 0, result.output
        assert result.json(), noun


def test_installed_sd_runs(sd_process):
    result = sd_process("--version")
    assert result.exit_code == 0
    assert result.stdout.startswith("sd ")
