"""`jinlin schedule … | head`: a reader that stops early gets no traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_a_closed_pipe_ends_the_listing_quietly() -> None:
    listing = subprocess.Popen(
        [sys.executable, "-m", "bot", "schedule", "--config", str(ROOT / "config.example.toml"),
         "--from", "2026-01-01", "--to", "2035-12-31"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    # Ten years of reminders (~110 KB) outgrow the pipe's buffer (64 KB): the listing is still
    # writing when the reader stops, whatever the machine's speed.
    assert listing.stdout is not None and listing.stderr is not None
    first = listing.stdout.readline()
    listing.stdout.close()  # what `head -1` does after its line
    errors = listing.stderr.read().decode()
    listing.wait(timeout=60)
    assert first.startswith(b"{")
    assert "Traceback" not in errors
    assert listing.returncode == 141
