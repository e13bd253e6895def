"""`jinlin migrate-db --from bot.sqlite3 --to postgresql://…`: a district moves to PostgreSQL.

What a run does, in order:

1. An online snapshot of the SQLite file (the backup API of `jinlin backup`) into a temporary
   directory: one committed state even while the bot keeps writing. The source file is only
   read, never changed.
2. The snapshot is migrated to the latest schema (the same numbered migrations), so a file
   from an old version moves as well as a current one.
3. The target is opened with `Repository.open(url)`, which creates or migrates its schema.
4. Every table but `schema_version` is copied parents first (the order comes from the
   schema's foreign keys, so tables added later are covered), in batches, inside ONE
   PostgreSQL transaction, with `ON CONFLICT DO NOTHING`: a re-run adds only the rows that
   are new since the last one and never duplicates. Identity sequences are then moved past
   the copied ids, so rows the bot creates on PostgreSQL get fresh ids.
5. Every row is verified before the commit: each snapshot row must be in PostgreSQL under
   its primary key with the same content. Rows that PostgreSQL holds with other content
   under the same key mean the target is not a copy of this district (or the bot changed
   rows since an earlier run): the transaction is rolled back and nothing is written. Rows
   only PostgreSQL has (the bot already ran there, or SQLite deleted them since an earlier
   run) are reported as a warning. `--overwrite` makes PostgreSQL an exact copy instead:
   SQLite's content wins for shared keys and rows only PostgreSQL has are deleted, which is
   right only while the bot has not yet run on PostgreSQL.

The usual switch: run it while the bot still runs on SQLite (most rows move), stop the bot,
run it again with `--overwrite` (the rows that changed in between), start the bot on the
PostgreSQL URL. Exit status: 0 every row accounted for, 1 not (one line says why), 2 bad
arguments (no such file, not a postgresql:// URL, server unreachable).
"""

from __future__ import annotations

import asyncio
import logging
import re
import sqlite3
import sys
import tempfile
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from bot.tools.backup import backup
from storage.driver import Conflict, Connection, SqliteBackend, is_postgres_url
from storage.migrations import apply_migrations, current_version
from storage.repository import Repository

logger = logging.getLogger(__name__)

BATCH_ROWS = 1000
CONNECT_TIMEOUT_S = 10
# Table and column names come from the snapshot's catalogue and are spliced into SQL:
# only plain lower-case identifiers are accepted.
_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]*$")
_SKIPPED = {"schema_version"}

Key = tuple[Any, ...]


class BadArguments(Exception):
    """The command cannot start: exit status 2, with this one-line message."""


class MigrationFailed(Exception):
    """The copy could not be completed or verified: exit status 1, with this message."""


# --- pure parts ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TableShape:
    """One table as the snapshot defines it."""

    name: str
    columns: tuple[str, ...]
    primary_key: tuple[str, ...]  # empty: rows are told apart by their whole content
    parents: frozenset[str]  # tables its foreign keys point to

    @property
    def key_columns(self) -> tuple[str, ...]:
        return self.primary_key or self.columns

    def key_of(self, row: Sequence[Any]) -> Key:
        positions = [self.columns.index(c) for c in self.key_columns]
        return tuple(row[i] for i in positions)


def copy_order(shapes: Iterable[TableShape]) -> list[str]:
    """Table names with every table after the tables its foreign keys point to.

    Ties go alphabetically, so the order is the same on every run. A table's reference to
    itself does not hold it back; a cycle between tables cannot be ordered and is an error.
    """
    waiting = {s.name: set(s.parents) - {s.name} for s in shapes}
    for name, parents in waiting.items():
        unknown = parents - waiting.keys()
        if unknown:
            raise ValueError(f"{name} refers to missing table(s): {', '.join(sorted(unknown))}")
    order: list[str] = []
    while waiting:
        ready = sorted(name for name, parents in waiting.items() if not parents)
        if not ready:
            raise ValueError(f"foreign keys form a cycle among: {', '.join(sorted(waiting))}")
        for name in ready:
            del waiting[name]
            order.append(name)
        for parents in waiting.values():
            parents.difference_update(ready)
    return order


def coerce(value: Any, pg_type: str) -> Any:
    """A SQLite value as the PostgreSQL column of type `pg_type` takes it.

    SQLite stores 1.0 in a REAL column as given but may hand back an int from an expression,
    and asyncpg insists on the exact Python type: ints for BIGINT, floats for DOUBLE. NUL
    characters are dropped from text (PostgreSQL refuses them; they carry no meaning).
    """
    if value is None:
        return None
    if pg_type in ("bigint", "integer", "smallint"):
        if isinstance(value, bool):
            return int(value)
        if isinstance(value, float) and value.is_integer():
            return int(value)
    if pg_type in ("double precision", "real") and isinstance(value, int):
        return float(value)
    if pg_type == "bytea" and isinstance(value, str):
        return value.encode("utf-8")
    if pg_type == "text" and isinstance(value, str) and "\x00" in value:
        # SQLite keeps a NUL that a resident's client sent; PostgreSQL's text cannot hold one.
        return value.replace("\x00", "")
    return value


@dataclass(slots=True)
class TableCheck:
    """One table's rows in the snapshot against PostgreSQL's."""

    table: str
    sqlite: int
    postgresql: int
    copied: int = 0
    updated: int = 0
    missing: list[Key] = field(default_factory=list)  # in SQLite, not in PostgreSQL
    differing: list[Key] = field(default_factory=list)  # same key, other content
    extra: list[Key] = field(default_factory=list)  # in PostgreSQL, not in SQLite

    @property
    def ok(self) -> bool:
        return self.postgresql >= self.sqlite and not self.missing and not self.differing


def compare(
    shape: TableShape, source: Sequence[Sequence[Any]], target: Sequence[Sequence[Any]]
) -> TableCheck:
    """Which snapshot rows PostgreSQL lacks or holds otherwise, and which only it has.

    `source` must already be coerced to PostgreSQL's types; both in `shape.columns` order.
    """
    check = TableCheck(shape.name, len(source), len(target))
    if not shape.primary_key:
        # No key: a multiset of whole rows. A row in SQLite twice must be there twice.
        have, want = Counter(map(tuple, target)), Counter(map(tuple, source))
        check.missing = list((want - have).elements())
        check.extra = list((have - want).elements())
        return check
    theirs = {shape.key_of(row): tuple(row) for row in target}
    ours = {shape.key_of(row): tuple(row) for row in source}
    for key, row in ours.items():
        found = theirs.get(key)
        if found is None:
            check.missing.append(key)
        elif found != row:
            check.differing.append(key)
    check.extra = [key for key in theirs if key not in ours]
    return check


def render(checks: Sequence[TableCheck]) -> str:
    """The verification table: table | sqlite | postgresql | copied | ✓/✗ (and why)."""
    width = max([len("table"), *(len(c.table) for c in checks)])
    lines = [f"{'table':<{width}}  {'sqlite':>7}  {'postgresql':>10}  {'copied':>7}"]
    for c in checks:
        copied = f"{c.copied}" + (f"+{c.updated}u" if c.updated else "")
        line = f"{c.table:<{width}}  {c.sqlite:>7}  {c.postgresql:>10}  {copied:>7}  "
        line += "✓" if c.ok else "✗"
        notes = []
        if c.missing:
            notes.append(f"{len(c.missing)} missing")
        if c.differing:
            notes.append(f"{len(c.differing)} differ")
        if c.extra:
            notes.append(f"{len(c.extra)} only in postgresql")
        if notes:
            line += "  " + ", ".join(notes)
        lines.append(line)
    return "\n".join(lines)


def redact(url: str) -> str:
    """The URL without its password, for messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    user = f"{parts.username}:***@" if parts.username else ""
    return urlunsplit(parts._replace(netloc=user + host))


def _identifier(name: str) -> str:
    if not _IDENTIFIER.match(name):
        raise MigrationFailed(f"unexpected name in the schema: {name!r}")
    return f'"{name}"'


# --- the snapshot -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Snapshot:
    version_before: int
    version: int
    shapes: dict[str, TableShape]
    rows: dict[str, list[tuple[Any, ...]]]


async def read_snapshot(source: Path, workdir: Path) -> Snapshot:
    """A consistent copy of `source`, migrated to the latest schema, read into memory."""
    copy = workdir / "snapshot.sqlite3"
    try:
        await backup(source, copy)
    except sqlite3.DatabaseError as error:
        raise BadArguments(f"{source} is not a readable SQLite database ({error})") from error
    backend = await SqliteBackend.open(copy)
    try:
        before = await current_version(backend)
        version = await apply_migrations(backend, keep_copy=False)  # a copy already
        async with backend.statements() as db:
            shapes = await _shapes(db)
            rows = {name: await _rows(db, shape) for name, shape in shapes.items()}
    finally:
        await backend.close()
    return Snapshot(before, version, shapes, rows)


async def _shapes(db: Connection) -> dict[str, TableShape]:
    tables = await db.execute_fetchall(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "ORDER BY name"
    )
    shapes = {}
    for table in tables:
        name = str(table[0])
        if name in _SKIPPED:
            continue
        info = await db.execute_fetchall(
            "SELECT name, pk FROM pragma_table_info(?) ORDER BY cid", (name,)
        )
        keys = sorted((row[1], row[0]) for row in info if row[1])
        parents = await db.execute_fetchall(
            'SELECT DISTINCT "table" FROM pragma_foreign_key_list(?)', (name,)
        )
        shapes[name] = TableShape(
            name=name,
            columns=tuple(row[0] for row in info),
            primary_key=tuple(column for _, column in keys),
            parents=frozenset(row[0] for row in parents),
        )
    return shapes


# --- the copy -----------------------------------------------------------------------------


class _Rollback(Exception):
    """Raised inside the transaction to undo a copy that did not verify."""


@dataclass(frozen=True, slots=True)
class Outcome:
    snapshot: Snapshot
    checks: list[TableCheck]
    committed: bool

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)


async def _column_types(db: Connection, table: str) -> dict[str, str]:
    rows = await db.execute_fetchall(
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND table_name = ?",
        (table,),
    )
    return {row[0]: row[1] for row in rows}


async def _rows(db: Connection, shape: TableShape) -> list[tuple[Any, ...]]:
    """Every row of a table, in `shape.columns` order (SQL spelled alike on both databases)."""
    columns = ", ".join(_identifier(c) for c in shape.columns)
    rows = await db.execute_fetchall(f"SELECT {columns} FROM {_identifier(shape.name)}")
    return [tuple(row[i] for i in range(len(shape.columns))) for row in rows]


def _insert_sql(shape: TableShape, *, overwrite: bool) -> str:
    columns = ", ".join(_identifier(c) for c in shape.columns)
    marks = ", ".join("?" for _ in shape.columns)
    sql = f"INSERT INTO {_identifier(shape.name)} ({columns}) VALUES ({marks})"
    if not shape.primary_key:
        return sql  # only rows found missing are inserted
    keys = ", ".join(_identifier(c) for c in shape.primary_key)
    others = [c for c in shape.columns if c not in shape.primary_key]
    if overwrite and others:
        sets = ", ".join(f"{_identifier(c)} = EXCLUDED.{_identifier(c)}" for c in others)
        return f"{sql} ON CONFLICT ({keys}) DO UPDATE SET {sets}"
    return f"{sql} ON CONFLICT ({keys}) DO NOTHING"


async def _copy_table(
    db: Connection, shape: TableShape, rows: list[tuple[Any, ...]], *, overwrite: bool
) -> TableCheck:
    types = await _column_types(db, shape.name)
    if not types:
        raise MigrationFailed(
            f"PostgreSQL has no table {shape.name}: its schema is not this version's"
        )
    absent = [c for c in shape.columns if c not in types]
    if absent:
        raise MigrationFailed(
            f"PostgreSQL's {shape.name} has no column(s) {', '.join(absent)}: "
            "its schema is not this version's"
        )
    source = [
        tuple(coerce(v, types[c]) for c, v in zip(shape.columns, row, strict=True)) for row in rows
    ]
    before = compare(shape, source, await _rows(db, shape))
    todo = set(before.missing) | (set(before.differing) if overwrite else set())
    if shape.primary_key:
        pending = [row for row in source if shape.key_of(row) in todo]
    else:
        pending = list(before.missing)
    sql = _insert_sql(shape, overwrite=overwrite)
    try:
        for start in range(0, len(pending), BATCH_ROWS):
            await db.executemany(sql, pending[start : start + BATCH_ROWS])
    except (asyncpg.DataError, asyncpg.IntegrityConstraintViolationError) as error:
        raise MigrationFailed(f"PostgreSQL refused a row of {shape.name}: {error}") from error
    after = compare(shape, source, await _rows(db, shape))
    after.copied = len(before.missing) - len(after.missing)
    after.updated = len(before.differing) - len(after.differing)
    return after


async def _advance_sequences(db: Connection) -> None:
    """Every identity sequence past the highest id its table holds."""
    identities = await db.execute_fetchall(
        "SELECT table_name, column_name FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND is_identity = 'YES'"
    )
    for identity in identities:
        table, column = str(identity[0]), str(identity[1])
        (row,) = await db.execute_fetchall(
            f"SELECT pg_get_serial_sequence(?, ?) AS seq, MAX({_identifier(column)}) AS top "
            f"FROM {_identifier(table)}",
            (table, column),
        )
        if row["top"] is None:
            continue
        (last,) = await db.execute_fetchall(
            "SELECT pg_sequence_last_value(CAST(? AS regclass))", (row["seq"],)
        )
        if last[0] is None or last[0] < row["top"]:
            await db.execute("SELECT setval(?, ?)", (row["seq"], row["top"]))


async def _delete_extra(db: Connection, shape: TableShape, keys: list[Key]) -> None:
    where = " AND ".join(f"{_identifier(c)} IS NOT DISTINCT FROM ?" for c in shape.key_columns)
    # A keyless table's duplicate rows: ctid picks one of them per statement.
    sql = (
        f"DELETE FROM {_identifier(shape.name)} WHERE {where}"
        if shape.primary_key
        else f"DELETE FROM {_identifier(shape.name)} WHERE ctid = "
        f"(SELECT ctid FROM {_identifier(shape.name)} WHERE {where} LIMIT 1)"
    )
    for key in keys:
        await db.execute(sql, key)


async def migrate(source: str | Path, url: str, *, overwrite: bool = False) -> Outcome:
    """Copy `source`'s snapshot into the PostgreSQL database at `url` and verify it.

    Commits only when every snapshot row is accounted for; otherwise rolls back and returns
    the checks that say why. `overwrite`: PostgreSQL becomes an exact copy (SQLite's content
    wins for keys both hold; rows only PostgreSQL has are deleted, children first).
    """
    source = Path(source)
    if not source.is_file():
        raise BadArguments(f"no SQLite database at {source}")
    if not is_postgres_url(url):
        raise BadArguments(f"--to must be a postgresql:// URL, not {url!r}")
    await _probe(url)
    with tempfile.TemporaryDirectory(prefix="jinlin-migrate-") as workdir:
        snapshot = await read_snapshot(source, Path(workdir))
    order = copy_order(snapshot.shapes.values())
    repo = await Repository.open(url)
    try:
        checks: list[TableCheck] = []

        try:
            async with repo.backend.transaction(lengthy=True) as db:
                for name in order:
                    shape = snapshot.shapes[name]
                    checks.append(
                        await _copy_table(db, shape, snapshot.rows[name], overwrite=overwrite)
                    )
                if overwrite:
                    by_name = {c.table: c for c in checks}
                    for name in reversed(order):
                        check = by_name[name]
                        await _delete_extra(db, snapshot.shapes[name], check.extra)
                        check.postgresql -= len(check.extra)
                        check.extra = []
                await _advance_sequences(db)
                if not all(c.ok for c in checks):
                    raise _Rollback
        except _Rollback:
            return Outcome(snapshot, checks, committed=False)
        except Conflict as error:
            raise MigrationFailed(
                "another process wrote to PostgreSQL during the copy; run it again"
            ) from error
    finally:
        await repo.close()
    return Outcome(snapshot, checks, committed=True)


async def _probe(url: str) -> None:
    """Fail early, with exit status 2, when the server cannot be reached or logged into."""
    try:
        conn = await asyncpg.connect(url, timeout=CONNECT_TIMEOUT_S)
    except (
        OSError,
        TimeoutError,
        asyncpg.PostgresError,
        asyncpg.InterfaceError,
        ValueError,
    ) as error:
        reason = str(error) or type(error).__name__
        raise BadArguments(f"cannot connect to {redact(url)}: {reason}") from error
    await conn.close()


# --- the command --------------------------------------------------------------------------


def _reason(outcome: Outcome) -> str:
    failed = [c for c in outcome.checks if not c.ok]
    differing = [c for c in failed if c.differing]
    if differing:
        tables = ", ".join(f"{c.table} ({len(c.differing)})" for c in differing)
        return (
            f"PostgreSQL holds other content under the same keys in {tables}; nothing was "
            "written. If the bot has not run on PostgreSQL yet, run again with --overwrite"
        )
    tables = ", ".join(f"{c.table} ({len(c.missing)})" for c in failed)
    return f"rows missing in PostgreSQL after the copy: {tables}; nothing was written"


def cmd_migrate_db(args: Any) -> int:
    """`jinlin migrate-db --from FILE --to URL [--overwrite]`."""
    out = sys.stdout
    try:
        outcome = asyncio.run(migrate(args.source, args.target, overwrite=args.overwrite))
    except BadArguments as error:
        print(f"✗ {error}", file=sys.stderr)
        return 2
    except (MigrationFailed, ValueError) as error:
        print(f"✗ {error}", file=sys.stderr)
        return 1
    except (asyncpg.PostgresError, asyncpg.InterfaceError, sqlite3.Error, OSError) as error:
        # The connection dropped mid-way, the disk filled up…: the transaction rolled back.
        print(f"✗ migration failed, nothing was written: {error}", file=sys.stderr)
        return 1
    snapshot = outcome.snapshot
    upgraded = (
        f" (schema {snapshot.version_before} → {snapshot.version})"
        if snapshot.version_before != snapshot.version
        else ""
    )
    print(f"{args.source}{upgraded} → {redact(args.target)}", file=out)
    print(render(outcome.checks), file=out)
    extra = [c for c in outcome.checks if c.extra]
    if extra:
        tables = ", ".join(f"{c.table} ({len(c.extra)})" for c in extra)
        print(f"! rows only PostgreSQL has (the bot ran there?): {tables}", file=out)
    if not outcome.committed:
        print(f"✗ {_reason(outcome)}", file=sys.stderr)
        return 1
    total = sum(c.sqlite for c in outcome.checks)
    copied = sum(c.copied + c.updated for c in outcome.checks)
    print(
        f"✓ all {total} rows of {len(outcome.checks)} tables are in PostgreSQL "
        f"({copied} written by this run)",
        file=out,
    )
    return 0
