"""Errors a user can cause. Raised in core/store, turned into one line at the edge."""

from __future__ import annotations


class SdError(Exception):
    """An error the user can act on: a message and an exit code."""

    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class BadInput(SdError):
    """Bad usage or invalid input (exit 2)."""

    exit_code = 2


class BadConfig(BadInput):
    """A config file, or a setting given to `sd config`, of the wrong shape, type or range (exit 2)."""


class NotFound(SdError):
    """A named record does not exist (exit 1)."""

    exit_code = 1


class Conflict(SdError):
    """The request contradicts what is stored (exit 1)."""

    exit_code = 1


class Ambiguous(BadInput):
    """A name matches several records; the message lists them (exit 2)."""


class LockTimeout(Conflict):
    """A write gave up waiting for a lock another session or program holds (exit 1): nothing waits forever.
    The message says who holds it, when the database can tell."""


def is_full_disk_errno(errno_value: int | None) -> bool:
    """An OSError's errno that means no room: the disk (or the quota, or the size a file may reach) is full."""
    import errno

    return errno_value in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)
