"""Test-wide settings."""

from __future__ import annotations

import os

from hypothesis import settings

# CI must be reproducible: a red run that cannot be replayed teaches nothing. There the fuzz
# tests walk a fixed sequence of examples; on a developer's machine they keep exploring new
# ones (and remember failures in .hypothesis/), which is where new bugs are found.
settings.register_profile("ci", derandomize=True, deadline=None)
settings.register_profile("dev", deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "dev")
