"""Migration 0006 (allocation, relay) lands before the reserved 0004: nothing is skipped."""

from __future__ import annotations

import pytest

from storage import migrations
from storage.driver import open_backend
from tests import backends


async def test_a_reserved_lower_number_landing_later_is_still_applied(tmp_path, monkeypatch):
    path = backends.empty_database_for(tmp_path / "jinlin.sqlite3")
    db = await open_backend(path)
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
        assert "late_feature" in await backends.tables(path)
        assert await migrations.apply_migrations(db) == latest  # and only once
    finally:
        await db.close()
