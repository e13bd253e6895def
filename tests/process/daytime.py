"""The real processes run on the wall clock: their bot lives where it is daytime now, so
quiet hours (which hold private nudges such as a giver's question) never decide a test."""

from __future__ import annotations

from datetime import UTC, datetime


def daytime_zone() -> str:
    """A fixed-offset zone where it is about noon now (Etc/GMT-N is UTC+N)."""
    offset = (12 - datetime.now(UTC).hour + 12) % 24 - 12
    return f"Etc/GMT{-offset:+d}" if offset else "UTC"
