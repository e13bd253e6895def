"""`jinlin train`: the shipped model is rebuilt from corpus/ byte for byte, and a deployment's
corrections are read back as labelled examples."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import pytest

from bot.core.understanding.corrections_export import load_corrections
from bot.core.understanding.intent_model import Label
from storage.corrections_store import NewCorrection
from storage.repository import Repository

# Training and reading a SQLite file of our own: nothing to vary by storage backend.
pytestmark = pytest.mark.no_storage

ROOT = Path(__file__).resolve().parents[2]


def test_jinlin_train_reproduces_the_shipped_model():
    done = subprocess.run(
        [sys.executable, "-m", "bot", "train", "--check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "✓ the shipped model is reproduced" in done.stdout
    assert "test intent macro-F1" in done.stdout


def test_corrections_are_read_back_as_training_examples(tmp_path):
    db = tmp_path / "jinlin.sqlite3"

    async def fill() -> None:
        from datetime import UTC, datetime

        repo = await Repository.open(db)
        async with repo.transaction() as tx:
            for label in ("offer", None, "none"):
                await tx.add_correction(
                    NewCorrection(
                        1,
                        -1,
                        7,
                        None,
                        f"text {label}",
                        None,
                        "offer",
                        label,
                        "asked",
                        datetime(2026, 12, 1, tzinfo=UTC),
                    )
                )
        await repo.close()

    asyncio.run(fill())
    examples = load_corrections(config=None, db=str(db))
    assert [(e.text, e.label) for e in examples] == [
        ("text offer", Label.OFFER),
        ("text none", Label.NONE),
    ]


def test_corrections_need_a_database_that_exists(tmp_path):
    with pytest.raises(ValueError, match="no database"):
        load_corrections(config=None, db=str(tmp_path / "missing.sqlite3"))


def test_with_corrections_refuses_to_overwrite_the_shipped_model():
    done = subprocess.run(
        [sys.executable, "-m", "bot", "train", "--with-corrections", "--db", "x.sqlite3"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2 and "--output" in done.stderr
