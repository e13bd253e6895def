"""`jinlin migrate-db`: a district's SQLite file moves to PostgreSQL with every row, and the
bot carries on there.

The target is PostgreSQL, so these run in the [postgresql] run only; the [sqlite] run skips
them. The ordering and type rules are pure and run once, on no database.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import sqlite3
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from bot.app.cli import main as jinlin
from bot.tools.backup import backup_file
from bot.tools.migrate_db import TableShape, coerce, compare, copy_order, redact, render
from storage.driver import SqliteBackend
from storage.migrations import apply_migrations, available
from tests import backends
from tests.harness import Building

LATEST = available()[-1][0]
NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC).isoformat(timespec="microseconds")
LATER = (datetime(2026, 11, 30, 9, 0, tzinfo=UTC) + timedelta(days=30)).isoformat(
    timespec="microseconds"
)


@pytest.fixture(autouse=True)
def _postgres_target(request: pytest.FixtureRequest, backend: str) -> None:
    if request.node.get_closest_marker("no_storage"):
        return
    if backend == "sqlite":
        pytest.skip("migrate-db's target is PostgreSQL: covered by the [postgresql] run")


# --- a district on the earliest schema ------------------------------------------------------


async def _district_on_the_first_schema(path: Path) -> None:
    """A SQLite file at migration 0001 with a small ledger: Alice's ladder is still offered."""
    backend = await SqliteBackend.open(path)
    try:
        assert await apply_migrations(backend, up_to=1) == 1
        await backend.raw.executescript(
            f"""
            INSERT INTO users (user_id, first_name, username, language_code, started,
                               home_chat_id, updated_at)
            VALUES (1001, 'Alice', NULL, 'en', 1, -1003, '{NOW}'),
                   (1002, 'Bob', 'bob', 'en', 1, -1003, '{NOW}');
            INSERT INTO entries (id, kind, status, user_id, chat_id, message_id, building,
                                 community, item_name, canonical, category, medical, urgent,
                                 quantity, unit, remaining, held, text, created_at, expires_at)
            VALUES (1, 'offer', 'available', 1001, -1003, 10, 'b3', 'sunny', 'ladder', 'ladder',
                    'tools', 0, 0, NULL, NULL, 1, 0, 'I have a spare ladder to lend', '{NOW}',
                    '{LATER}'),
                   (2, 'request', 'fulfilled', 1002, -1003, 11, 'b3', 'sunny', 'drill',
                    'drill', 'tools', 0, 0, 1.5, 'pcs', 0, 0, 'anyone have a drill?', '{NOW}',
                    '{LATER}');
            INSERT INTO entry_keys (entry_id, kind, key, building, community, urgent)
            VALUES (1, 'offer', 'ladder', 'b3', 'sunny', 0);
            INSERT INTO matches (id, request_id, offer_id, requester_id, giver_id, quantity,
                                 status, created_at, updated_at)
            VALUES (1, 2, 1, 1002, 1001, 1, 'declined', '{NOW}', '{NOW}');
            INSERT INTO processed_updates (update_id, processed_at)
            VALUES (41, '{NOW}'), (42, '{NOW}');
            INSERT INTO outbox (effect, created_at, sent_at) VALUES ('{{}}', '{NOW}', '{NOW}');
            INSERT INTO pending_notices (user_id, effect, created_at)
            VALUES (1002, '{{}}', '{NOW}');
            """
        )
    finally:
        await backend.close()


def _generic(column_type: str) -> object:
    kind = column_type.upper()
    if "INT" in kind:
        return 1
    if "REAL" in kind:
        return 2.5
    return NOW


def _fill_empty_tables(path: Path) -> None:
    """One row in every table still empty, where a generic row meets its constraints."""
    with contextlib.closing(sqlite3.connect(path)) as db:
        db.execute("PRAGMA foreign_keys = ON")
        tables = [
            row[0]
            for row in db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND name NOT LIKE 'sqlite_%' AND name <> 'schema_version' ORDER BY rowid"
            )
        ]
        for table in tables:
            if db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]:
                continue
            columns = [(r[1], r[2]) for r in db.execute(f"PRAGMA table_info({table})")]
            names = ", ".join(name for name, _ in columns)
            marks = ", ".join("?" for _ in columns)
            with contextlib.suppress(sqlite3.IntegrityError):
                db.execute(
                    f"INSERT INTO {table} ({names}) VALUES ({marks})",
                    [_generic(kind) for _, kind in columns],
                )
        db.commit()


async def _snapshot_rows(path: Path) -> dict[str, set[tuple[Any, ...]]]:
    """Every table's rows (as a set) of the file, upgraded to the latest schema on a copy."""
    copy = path.with_name(path.name + ".expected")
    backup_file(path, copy)
    backend = await SqliteBackend.open(copy)
    try:
        await apply_migrations(backend)
    finally:
        await backend.close()
    with contextlib.closing(sqlite3.connect(copy)) as db:
        tables = [
            row[0]
            for row in db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND name NOT LIKE 'sqlite_%' AND name <> 'schema_version'"
            )
        ]
        return {t: set(db.execute(f"SELECT * FROM {t}")) for t in tables}


async def _postgres_rows(url: str, tables: set[str]) -> dict[str, set[tuple[Any, ...]]]:
    conn = await asyncpg.connect(url)
    try:
        found = {}
        for table in tables:
            columns = [
                r[0]
                for r in await conn.fetch(
                    "SELECT column_name FROM information_schema.columns "
                    "WHERE table_name = $1 ORDER BY ordinal_position",
                    table,
                )
            ]
            rows = await conn.fetch(f"SELECT {', '.join(columns)} FROM {table}")
            found[table] = {tuple(r) for r in rows}
        return found
    finally:
        await conn.close()


async def migrate_db(*args: str) -> int:
    """`jinlin migrate-db ARGS` as typed at a shell (it runs its own event loop)."""
    return await asyncio.to_thread(jinlin, ["migrate-db", *args])


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@contextlib.asynccontextmanager
async def _postgres(url: str) -> AsyncIterator[asyncpg.Connection]:
    conn = await asyncpg.connect(url)
    try:
        yield conn
    finally:
        await conn.close()


# --- moving ---------------------------------------------------------------------------------


async def test_a_file_on_the_first_schema_moves_whole_and_is_left_untouched(tmp_path, capsys):
    source = tmp_path / "district.sqlite3"
    await _district_on_the_first_schema(source)
    _fill_empty_tables(source)
    before = _digest(source)
    url = backends.database_for(tmp_path / "target")

    assert await migrate_db("--from", str(source), "--to", url) == 0
    out = capsys.readouterr().out
    assert f"(schema 1 → {LATEST})" in out
    assert _digest(source) == before  # the source is only read (it stays on schema 1)

    expected = await _snapshot_rows(source)
    total = sum(len(rows) for rows in expected.values())
    assert "✗" not in out and f"✓ all {total} rows of" in out
    assert await _postgres_rows(url, set(expected)) == expected
    # Types kept: BIGINT ids and flags, DOUBLE quantities, ISO text timestamps.
    async with _postgres(url) as pg:
        row = await pg.fetchrow("SELECT quantity, medical, created_at FROM entries WHERE id = 2")
    assert (row["quantity"], row["medical"], row["created_at"]) == (1.5, 0, NOW)


async def test_a_lived_in_district_moves_and_the_bot_carries_on_on_postgresql(tmp_path, capsys):
    source = tmp_path / "district.sqlite3"
    await _district_on_the_first_schema(source)
    async with Building(database=str(source)) as b:  # the district lives on SQLite a while
        b.opened_bot(b.alice, b.bob, b.carol, b.captain)
        offer = await b.say(
            b.alice, "I have 2 spare boxes of ibuprofen, anyone who needs it let me know"
        )
        await b.say(b.bob, "Does anyone have ibuprofen? My son has a fever")
        await b.press(b.alice, b.last_private(b.alice), "y:")
        await b.dm(b.alice, "On the shoe rack by my door, help yourself")
        await b.say(b.carol, "/report The stairwell light on floor 3 is out")
        await b.say(b.captain, "/event add 2026-12-05 10:00 Flea market @ square of building 3")
        await b.dm(b.carol, "/alert drill")
        # A good neighbour nominated and accepted; a question put to the building, voted on.
        await b.say(b.bob, "/nominate Shares medicine when children are ill", reply_to=offer)
        await b.press(b.captain, b.last_private(b.captain), "gn:a:")
        await b.say(b.captain, "/deliberate Paint the door? | Yes | No")
        await b.vote(b.bob, next(m for m in b.group_posts() if m.poll is not None), [0])
        # A duty the neighbours sign up for.
        await b.say(b.captain, "/duty Sat 9:00-11:00 stairwell cleaning 4 people")
        duty = next(
            m
            for m in reversed(b.group_posts())
            if any(d.startswith("vt:s:") for d in m.button_data())
        )
        await b.press(b.alice, duty, "vt:s:")
        await b.later(timedelta(days=1))
        sqlite_ids = {e.id for e in await b.ledger()}, {m.id for m in await b.matches()}
    _fill_empty_tables(source)
    expected = await _snapshot_rows(source)
    filled = {table for table, rows in expected.items() if rows}
    # Tables a generic row cannot fill and this story does not reach (the points, bookings and
    # captain-change tables need their features configured; corrections an unsure reading).
    assert len(filled) >= len(expected) - 4, f"empty: {set(expected) - filled}"
    url = backends.database_for(tmp_path / "target")

    assert await migrate_db("--from", str(source), "--to", url) == 0
    first = capsys.readouterr().out
    total = sum(len(rows) for rows in expected.values())
    assert f"✓ all {total} rows of {len(expected)} tables are in PostgreSQL ({total} " in first
    assert await _postgres_rows(url, set(expected)) == expected

    # A second run (the final catch-up) writes nothing and finds everything.
    assert await migrate_db("--from", str(source), "--to", url) == 0
    assert f"({0} written by this run)" in capsys.readouterr().out
    assert await _postgres_rows(url, set(expected)) == expected

    # The bot on PostgreSQL: the old open ladder offer is matched by a new request, and new
    # entries and matches get ids after the copied ones.
    entry_ids, match_ids = sqlite_ids
    async with Building(database=url) as b:
        b.world._next_update_id = 1000  # Telegram's update ids go on rising after the move
        b.opened_bot(b.alice, b.bob)
        await b.say(b.bob, "anyone have a ladder I can borrow?")
        assert "Bob" in b.last_private(b.alice).content
        matches = await b.matches()
        [new] = [m for m in matches if m.id not in match_ids]
        assert (new.offer_id, new.status) == (1, "asked")
        assert new.id > max(match_ids)
        new_entries = [e for e in await b.ledger() if e.id not in entry_ids]
        assert new_entries and min(e.id for e in new_entries) > max(entry_ids)


async def test_rows_only_postgresql_has_are_a_warning_and_other_content_is_refused(
    tmp_path, capsys
):
    source = tmp_path / "district.sqlite3"
    await _district_on_the_first_schema(source)
    url = backends.database_for(tmp_path / "target")
    assert await migrate_db("--from", str(source), "--to", url) == 0
    capsys.readouterr()

    async with _postgres(url) as pg:  # the bot already ran on PostgreSQL for a moment
        await pg.execute("INSERT INTO processed_updates VALUES (99, $1)", NOW)
    assert await migrate_db("--from", str(source), "--to", url) == 0
    assert "! rows only PostgreSQL has (the bot ran there?): processed_updates (1)" in (
        capsys.readouterr().out
    )

    # Meanwhile on SQLite the ladder was given away and a new update came in.
    with contextlib.closing(sqlite3.connect(source)) as db:
        db.execute("UPDATE entries SET status = 'closed' WHERE id = 1")
        db.execute("INSERT INTO processed_updates VALUES (43, ?)", (NOW,))
        db.commit()
    assert await migrate_db("--from", str(source), "--to", url) == 1
    captured = capsys.readouterr()
    assert "entries  " in captured.out and "1 differ" in captured.out
    [reason] = captured.err.strip().splitlines()
    assert reason.startswith("✗ PostgreSQL holds other content under the same keys in entries")
    assert "--overwrite" in reason
    async with _postgres(url) as pg:  # refused: nothing written, not even the new update
        assert await pg.fetchval("SELECT status FROM entries WHERE id = 1") == "available"
        assert await pg.fetchval("SELECT COUNT(*) FROM processed_updates WHERE update_id = 43") == 0

    # Before the bot starts on PostgreSQL, --overwrite makes it an exact copy.
    assert await migrate_db("--from", str(source), "--to", url, "--overwrite") == 0
    assert "✗" not in capsys.readouterr().out
    expected = await _snapshot_rows(source)
    assert await _postgres_rows(url, set(expected)) == expected


async def test_bad_arguments_get_one_clear_line_and_status_2(tmp_path, capsys):
    url = backends.database_for(tmp_path / "target")
    not_a_database = tmp_path / "notes.txt"
    not_a_database.write_text("hello\n" * 100)
    source = tmp_path / "district.sqlite3"
    await _district_on_the_first_schema(source)
    cases = {
        "no SQLite database at": [str(tmp_path / "missing.sqlite3"), url],
        "is not a readable SQLite database": [str(not_a_database), url],
        "--to must be a postgresql:// URL": [str(source), str(tmp_path / "other.sqlite3")],
        "cannot connect to postgresql://jinlin:***@127.0.0.1:1/x": [
            str(source),
            "postgresql://jinlin:secret@127.0.0.1:1/x",
        ],
    }
    for message, (src, to) in cases.items():
        assert await migrate_db("--from", src, "--to", to) == 2, message
        err = capsys.readouterr().err
        assert message in err and "Traceback" not in err and "secret" not in err
        assert len(err.strip().splitlines()) == 1
    with pytest.raises(SystemExit) as exit_:
        jinlin(["migrate-db", "--from", str(source)])
    assert exit_.value.code == 2


# --- the pure rules -------------------------------------------------------------------------


def _shape(name: str, *parents: str) -> TableShape:
    return TableShape(name, ("id",), ("id",), frozenset(parents))


@pytest.mark.no_storage
def test_parents_are_copied_before_the_tables_that_point_to_them():
    shapes = [
        _shape("relay_focus", "matches"),
        _shape("matches", "entries"),
        _shape("entry_keys", "entries"),
        _shape("entries"),
        _shape("users"),
        _shape("tree", "tree"),  # a reference to itself does not hold a table back
    ]
    assert copy_order(shapes) == [
        "entries",
        "tree",
        "users",
        "entry_keys",
        "matches",
        "relay_focus",
    ]
    with pytest.raises(ValueError, match="cycle among: a, b"):
        copy_order([_shape("a", "b"), _shape("b", "a")])
    with pytest.raises(ValueError, match="missing table"):
        copy_order([_shape("a", "ghost")])


@pytest.mark.no_storage
def test_values_take_the_postgresql_column_types():
    assert coerce(3.0, "bigint") == 3 and isinstance(coerce(3.0, "bigint"), int)
    assert coerce(2, "double precision") == 2.0
    assert isinstance(coerce(2, "double precision"), float)
    assert coerce("2026-12-01T02:00:00+00:00", "text") == "2026-12-01T02:00:00+00:00"
    assert coerce(None, "bigint") is None
    assert coerce("ladder\x00 to lend", "text") == "ladder to lend"  # PostgreSQL refuses NUL
    assert redact("postgresql://u:pw@db:5432/jinlin") == "postgresql://u:***@db:5432/jinlin"


@pytest.mark.no_storage
def test_every_snapshot_row_is_found_by_key_and_content():
    shape = TableShape("entries", ("id", "status"), ("id",), frozenset())
    check = compare(
        shape,
        source=[(1, "available"), (2, "closed"), (3, "available")],
        target=[(1, "available"), (2, "available"), (4, "available")],
    )
    assert (check.missing, check.differing, check.extra, check.ok) == (
        [(3,)],
        [(2,)],
        [(4,)],
        False,
    )
    assert "entries  " in render([check]) and "1 missing, 1 differ, 1 only in postgresql" in (
        render([check])
    )
    # Without a primary key rows are counted as they are: a row twice must be there twice.
    keyless = TableShape("log", ("at", "text"), (), frozenset())
    check = compare(keyless, source=[("t1", "a"), ("t1", "a")], target=[("t1", "a")])
    assert (check.missing, check.ok) == ([("t1", "a")], False)
