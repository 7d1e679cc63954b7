"""Files sd writes at the user's request (--output, --ics …): private, whole, and never in the wrong place.

A regular file is replaced atomically through a private temp file beside it; a pipe or a device is written
into, never replaced; a folder is refused; a link planted where the temp file goes cannot redirect the data;
a failure leaves the old file as it was and no temp file behind.
"""

from __future__ import annotations

import os
import resource
import signal
import stat
import subprocess
from pathlib import Path

import pytest

from conftest import SD_BIN


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def leftovers(folder: Path) -> list[Path]:
    return [p for p in folder.iterdir() if p.name.endswith(".partial")]


# --- every file sd writes is 0600, per command ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "name"),
    [
        (("export", "deals", "--output"), "deals.csv"),
        (("export", "contacts", "--include-personal", "--format", "json", "--output"), "contacts.json"),
        (("export", "all", "--output"), "all.json"),
        (("report", "week", "--output"), "week.txt"),
        (("report", "month", "--format", "html", "--output"), "month.html"),
        (("report", "week", "--owner", "all", "--format", "markdown", "--output"), "week.md"),
        (("report", "week", "--format", "json", "--output"), "week.json"),
        (("due", "--ics"), "due.ics"),
    ],
    ids=[
        "export-table",
        "export-personal",
        "export-all",
        "report-text",
        "report-html",
        "report-markdown",
        "report-json",
        "due-ics",
    ],
)
def test_every_file_written_is_private(sd, demo, isolated, args, name):
    os.umask(0o022)  # the usual umask: a file opened plainly would be 0644
    target = isolated / name
    result = sd(*args, target)
    assert result.exit_code == 0, result.output
    assert target.stat().st_size > 0
    assert mode(target) == 0o600
    # a file that was there, readable by all, is replaced by a private one
    target.chmod(0o644)
    assert sd(*args, target).exit_code == 0
    assert mode(target) == 0o600
    assert not leftovers(isolated)


def test_a_backup_is_private_too(sd, demo, isolated):
    target = isolated / "copy.sqlite"
    assert sd("backup", target).exit_code == 0
    assert mode(target) == 0o600
    assert sd("backup").exit_code == 0
    [copy] = (isolated / "backups").glob("*.sqlite")
    assert mode(copy) == 0o600 and mode(copy.parent) == 0o700


# --- pipes, devices, folders ---------------------------------------------------------------------------------


def test_output_into_a_fifo_writes_into_it_and_leaves_it_a_fifo(sd, demo, isolated):
    fifo = isolated / "pipe"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)  # a reader waits, so the writer does not block
    try:
        result = sd("export", "deals", "--output", fifo)
        assert result.exit_code == 0, result.output
        data = os.read(reader, 1 << 20).decode("utf-8")
    finally:
        os.close(reader)
    assert data == sd("export", "deals").stdout
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert not leftovers(isolated)


@pytest.fixture
def null_device(isolated: Path) -> Path:
    """A character device that swallows what is written: a node of our own as root, else /dev/null."""
    if os.geteuid() == 0:
        node = isolated / "null"
        os.mknod(node, stat.S_IFCHR | 0o666, os.makedev(1, 3))
        return node
    return Path("/dev/null")


def test_output_to_a_character_device_writes_into_it_and_leaves_it_a_device(sd, demo, null_device):
    for args in (("export", "deals"), ("export", "all"), ("report", "week"), ("due", "--ics")):
        flag = () if args[0] == "due" else ("--output",)
        result = sd(*args, *flag, null_device)
        assert result.exit_code == 0, (args, result.output)
        assert stat.S_ISCHR(os.lstat(null_device).st_mode), args
    assert not leftovers(null_device.parent) or null_device.parent == Path("/dev")


def test_output_to_dev_stdout_goes_to_stdout(sd, demo, isolated):
    proc = subprocess.run(
        [str(SD_BIN), "export", "deals", "--output", "/dev/stdout"], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == sd("export", "deals").stdout


def test_a_device_that_is_full_is_one_line_and_exit_1(sd, demo):
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full")
    result = sd("export", "deals", "--output", "/dev/full")
    assert result.exit_code == 1
    assert result.stderr.strip().count("\n") == 0 and "The disk is full: /dev/full" in result.stderr
    assert stat.S_ISCHR(os.lstat("/dev/full").st_mode)


@pytest.mark.parametrize(
    "args",
    [("export", "deals", "--output"), ("export", "all", "--output"), ("report", "week", "--output"), ("due", "--ics")],
)
def test_a_folder_is_refused(sd, demo, isolated, args):
    folder = isolated / "out"
    folder.mkdir()
    result = sd(*args, folder)
    assert result.exit_code == 2, result.output
    assert "is a folder" in result.stderr and "Traceback" not in result.output
    assert folder.is_dir() and list(folder.iterdir()) == []
    assert not leftovers(isolated)


# --- links ---------------------------------------------------------------------------------------------------


def test_a_link_planted_at_the_old_temp_name_is_not_followed(sd, demo, isolated):
    victim = isolated / "victim.txt"
    victim.write_text("keep me\n")
    target = isolated / "deals.csv"
    (isolated / "deals.csv.partial").symlink_to(victim)
    assert sd("export", "deals", "--output", target).exit_code == 0
    assert victim.read_text() == "keep me\n"
    assert target.read_text(encoding="utf-8") == sd("export", "deals").stdout


def test_a_link_planted_at_the_temp_name_is_skipped_never_followed(sd, demo, isolated, monkeypatch):
    import secrets

    names = iter(["aaaaaaaaaaaa", "bbbbbbbbbbbb"])
    monkeypatch.setattr(secrets, "token_hex", lambda n=None: next(names))
    victim = isolated / "victim.txt"
    victim.write_text("keep me\n")
    (isolated / ".due.ics.aaaaaaaaaaaa.partial").symlink_to(victim)
    result = sd("due", "--ics", isolated / "due.ics")
    assert result.exit_code == 0, result.output
    assert victim.read_text() == "keep me\n"
    assert "BEGIN:VCALENDAR" in (isolated / "due.ics").read_text(encoding="utf-8")
    assert mode(isolated / "due.ics") == 0o600


def test_output_to_a_link_replaces_the_file_it_points_to_and_keeps_the_link(sd, demo, isolated):
    real_dir = isolated / "shared"
    real_dir.mkdir()
    real = real_dir / "deals.csv"
    real.write_text("old\n")
    link = isolated / "deals.csv"
    link.symlink_to(real)
    assert sd("export", "deals", "--output", link).exit_code == 0
    assert link.is_symlink() and link.resolve() == real
    assert real.read_text(encoding="utf-8") == sd("export", "deals").stdout
    assert mode(real) == 0o600
    assert not leftovers(isolated) and not leftovers(real_dir)


# --- failures leave nothing behind ---------------------------------------------------------------------------


def test_an_error_while_writing_leaves_the_old_file_and_no_temp(sd, demo, isolated, monkeypatch):
    from salesdiary.render import writers

    target = isolated / "deals.csv"
    target.write_text("old\n")

    def fails(stream, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        stream.write("half a row")
        raise KeyboardInterrupt

    monkeypatch.setattr(writers, "write_rows", fails)
    result = sd("export", "deals", "--output", target)
    assert result.exit_code == 130
    assert target.read_text() == "old\n"
    assert not leftovers(isolated)


def test_a_full_disk_while_writing_leaves_the_old_file_and_no_temp(sd, demo, isolated):
    target = isolated / "all.json"
    target.write_text("old\n")

    def small_files() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, 64 * 1024))

    proc = subprocess.run(
        [str(SD_BIN), "export", "all", "--output", str(target)],
        capture_output=True,
        text=True,
        preexec_fn=small_files,
        timeout=120,
    )
    assert proc.returncode == 1, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "The disk is full" in lines[0] and "left as it was" in lines[0], proc.stderr
    assert target.read_text() == "old\n"
    assert not leftovers(isolated)


# --- the journal, the config and the folders sd creates ------------------------------------------------------


def test_folders_sd_creates_are_private_up_to_the_first_that_was_there(sd, isolated, monkeypatch):
    os.umask(0o022)
    journal = isolated / "new" / "deep" / "journal.sqlite"
    monkeypatch.setenv("SD_DB", str(journal))
    assert sd("account", "add", "Contoso").exit_code == 0
    assert mode(journal) == 0o600
    assert mode(journal.parent) == 0o700 and mode(isolated / "new") == 0o700
    config = isolated / "cfg" / "sd" / "config.toml"
    monkeypatch.setenv("SD_CONFIG", str(config))
    assert sd("config", "set", "user.name", "Li Lei").exit_code == 0
    assert mode(config) == 0o600
    assert mode(config.parent) == 0o700 and mode(isolated / "cfg") == 0o700


def test_config_set_never_writes_through_a_planted_link(sd, isolated):
    victim = isolated / "victim.txt"
    victim.write_text("keep me\n")
    (isolated / "config.tmp").symlink_to(victim)  # the name config set used to write first
    assert sd("config", "set", "user.name", "Li Lei").exit_code == 0
    assert victim.read_text() == "keep me\n"
    assert 'name = "Li Lei"' in (isolated / "config.toml").read_text(encoding="utf-8")
    assert mode(isolated / "config.toml") == 0o600
    assert [p.name for p in isolated.iterdir() if p.name.endswith(".tmp")] == ["config.tmp"]


def test_dev_stdout_redirected_to_a_file_keeps_what_the_shell_decided(sd, demo, isolated):
    target = isolated / "out.csv"
    expected = sd("export", "deals").stdout
    for how, before in (("w", ""), ("a", "earlier line\n")):
        target.write_text("earlier line\n")
        with open(target, how) as fh:  # `> out.csv`, then `>> out.csv`
            proc = subprocess.run(
                [str(SD_BIN), "export", "deals", "-o", "/dev/stdout"], stdout=fh, stderr=subprocess.PIPE, timeout=60
            )
        assert proc.returncode == 0, proc.stderr
        assert target.read_text(encoding="utf-8") == before + expected, how


@pytest.mark.parametrize("suffix", ["", "-wal", "-shm"])
def test_output_onto_the_journal_is_refused_and_the_journal_kept(sd, demo, isolated, suffix):
    journal = isolated / "journal.sqlite"
    before = sd("account", "list", "--all", "--json").json()
    target = str(journal) + suffix
    for args in (("export", "all", "--output"), ("export", "deals", "-o"), ("report", "week", "-o"), ("due", "--ics")):
        result = sd(*args, target)
        assert result.exit_code == 2 and "is the journal itself" in result.stderr, (args, result.output)
    link = isolated / "innocent.json"
    link.symlink_to(journal)
    assert sd("export", "all", "--output", link).exit_code == 2
    assert sd("account", "list", "--all", "--json").json() == before


def test_a_link_another_user_planted_in_a_shared_folder_is_not_followed(sd, isolated):
    """/tmp-like folder (sticky, writable by all): a link made there by someone else would let them point an
    export at the rep's own files (~/.bashrc); refused, and the file it points to is left alone."""
    shared = isolated / "shared"
    shared.mkdir()
    os.chmod(shared, 0o1777)
    victim = isolated / "victim.txt"
    victim.write_text("keep me\n", encoding="utf-8")
    link = shared / "out.csv"
    link.symlink_to(victim)
    os.lchown(link, 65534, 65534)  # made by nobody
    result = sd("export", "accounts", "--output", str(link))
    assert result.exit_code == 2 and "link another user made" in result.stderr, result.output
    assert victim.read_text(encoding="utf-8") == "keep me\n"
    mine = shared / "mine.csv"  # a link of one's own there is followed as before
    mine.symlink_to(isolated / "target.csv")
    assert sd("export", "accounts", "--output", str(mine)).exit_code == 0
    assert (isolated / "target.csv").exists()
