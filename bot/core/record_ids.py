"""Record numbers typed in commands (/remove 12, /event cancel 3, /duty cancel 4…)."""

from __future__ import annotations

import re

_DIGITS = re.compile(r"[0-9]+")
# Ids are SQLite/PostgreSQL 64-bit integers; twelve digits is more rows than Jinlin will see.
_LONGEST = 12


def record_id(text: str) -> int | None:
    """The number a resident typed, or None when it is not one (usage). A number too long to
    be any record's is 0 — no record has it, so the caller answers "no such #…" rather than
    the database overflowing ("²" and other Unicode digits are not numbers here)."""
    text = text.strip().lstrip("#")
    if not _DIGITS.fullmatch(text):
        return None
    return int(text) if len(text) <= _LONGEST else 0
