"""Which failures mean "not now" (the update is applied again later) and which mean "never".

An update whose handler failed for good is logged and confirmed; one that failed for a passing
reason is kept and applied again. Running out of a resource for a moment (every file
descriptor in use, no buffer for a socket) passes: confirming the update would lose what a
resident wrote, though Telegram was told it arrived.
"""

from __future__ import annotations

import errno
import sqlite3

import pytest

from storage.driver import Conflict, is_passing_fault


@pytest.mark.parametrize(
    "error",
    [
        OSError(errno.EMFILE, "Too many open files"),
        OSError(errno.ENFILE, "Too many open files in system"),
        OSError(errno.ENOBUFS, "No buffer space available"),
        OSError(errno.ENOMEM, "Cannot allocate memory"),
        ConnectionResetError(errno.ECONNRESET, "Connection reset by peer"),
        TimeoutError(),
        Conflict("another worker"),
    ],
)
def test_a_moment_without_a_resource_or_a_link_passes(error):
    assert is_passing_fault(error)


@pytest.mark.parametrize(
    "error",
    [
        FileNotFoundError(errno.ENOENT, "No such file or directory"),
        PermissionError(errno.EACCES, "Permission denied"),
        OSError("no errno at all"),
        ValueError("a bug"),
        sqlite3.IntegrityError("UNIQUE constraint failed"),
    ],
)
def test_a_fault_that_would_fail_the_same_way_every_time_does_not(error):
    assert not is_passing_fault(error)
