"""Migration 0006 (allocation, relay) lands before the reserved 0004: nothing is skipped."""

from __future__ import annotations

import pytest

from storage import migrations
from storage.driver import SqliteBackend


async def test_a_reserved_lower_number_landing_later_is_still_applied(tmp_path, monkeypatch):
    path = tmp_path / "jinlin.sqlite3"
    db = await SqliteBackend.open(path)
    try:
        latest = await migrations.apply_migrations(db)
        assert latest >= 6

        shipped = migrations.available()
        if any(number == 4 for number, _ in shipped):
            pytest.skip("0004 has shipped: the reserved gap is filled")
        late = tmp_path / "0004_late_feature.sql"
        late.write_text("CREATE TABLE late_feature (id INTEGER PRIMARY KEY)", "utf-8")
        monkeypatch.setattr(migrations, "available", lambda: sorted([*shipped, (4, late)]))
        assert await migrations.apply_migrations(db) == latest
        async with db.raw.execute(
            "SELECT name FROM sqlite_master WHERE name = 'late_feature'"
        ) as cur:
            assert await cur.fetchone() is not None
        assert await migrations.apply_migrations(db) == latest  # and only once
    finally:
        await db.close()
