"""Onboarding a busy group: `jinlin import result.json --group ID` rebuilds its open entries."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.chat_import import TextPiece, import_chat, plain_text
from bot.cli import main
from storage.repository import Repository
from tests import backends
from tests.harness import BUILDING_CONFIG, T0, Building, make_config

SAMPLE = Path(__file__).parent / "data" / "sample_export.json"
BOT_ID = 7000000  # the bot's own acknowledgements in the export are not residents' posts

# (message id, kind, author, item as written, catalogue key, urgent, quantity, unit)
EXPECTED = [
    (10262, "offer", 5550001, "美林", "ibuprofen_children", False, 1.0, "瓶"),
    (10273, "offer", 1003, "drill", "drill", False, None, None),
    (10280, "request", 5550004, "布洛芬", "ibuprofen", True, None, None),
    (10293, "offer", 5550002, "纸箱", "moving_boxes", False, None, None),
    (10303, "request", 1002, "phone charger", "charger", False, None, None),
    (10304, "offer", 5550001, "婴儿床", "crib", False, None, None),
]


async def ledger_of(database: str) -> list:
    repo = await Repository.open(database)
    try:
        async with repo.transaction() as tx:
            return await tx.all_entries()
    finally:
        await repo.close()


def rows(entries) -> list[tuple]:
    return [
        (e.message_id, e.kind, e.user_id, e.item_name, e.canonical, e.urgent, e.quantity, e.unit)
        for e in entries
    ]


async def test_importing_the_sample_rebuilds_the_open_entries_and_a_second_import_adds_nothing(
    tmp_path,
):
    database = backends.database_for(tmp_path / "jinlin.sqlite3")
    config = make_config()
    summary = await import_chat(config, SAMPLE, -1003, database, T0, bot_id=BOT_ID)
    assert (summary.messages, summary.offers, summary.requests) == (26, 4, 2)
    assert (summary.too_old, summary.closed, summary.unknown_senders) == (5, 5, 1)
    assert (summary.from_bot, summary.prescription) == (1, 1)

    entries = await ledger_of(database)
    assert rows(entries) == EXPECTED
    assert {e.status for e in entries} == {"available", "open"}
    assert {(e.chat_id, e.building, e.community) for e in entries} == {(-1003, "b3", "sunny")}
    medicine = entries[0]
    # Created when posted (24 Nov 19:40 in Shanghai), expiring a week later.
    assert medicine.created_at == datetime(2026, 11, 24, 11, 40, tzinfo=UTC)
    assert medicine.expires_at == datetime(2026, 12, 1, 11, 40, tzinfo=UTC)

    again = await import_chat(config, SAMPLE, -1003, database, T0, bot_id=BOT_ID)
    assert (again.offers, again.requests, again.already_imported) == (0, 0, 7)
    assert rows(await ledger_of(database)) == EXPECTED


async def test_imported_entries_are_matched_by_the_next_message_and_stay_private(tmp_path):
    database = backends.database_for(tmp_path / "jinlin.sqlite3")
    await import_chat(make_config(), SAMPLE, -1003, database, T0, bot_id=BOT_ID)
    async with Building(database=database) as b:
        b.opened_bot(b.bob, b.carol)
        assert b.world.outbox == []  # importing sent nothing
        await b.say(b.bob, "anyone have a drill I can borrow?")
        ask = b.last_private(b.carol)  # Carol's drill offer from the export
        assert "Bob" in ask.content and any(d.startswith("y:") for d in ask.button_data())

        await b.say(b.captain, "/digest")
        digest = b.group_posts()[-1].content
        assert "ibuprofen" in digest and "crib" in digest
        assert "13812345678" not in digest and "1203" not in digest


def test_text_may_be_a_list_of_strings_and_entities():
    assert plain_text("plain") == "plain"
    pieces = ["Giving away a ", TextPiece(type="bold", text="baby stroller"), ", free"]
    assert plain_text(pieces) == "Giving away a baby stroller, free"
    assert plain_text([]) == ""


def write_config(tmp_path: Path) -> str:
    path = tmp_path / "config.toml"
    path.write_text(BUILDING_CONFIG, encoding="utf-8")
    return str(path)


def test_the_command_prints_a_summary(tmp_path, capsys):
    config = write_config(tmp_path)
    database = backends.database_for(tmp_path / "jinlin.sqlite3")
    args = ["import", str(SAMPLE), "--group", "-1003", "--config", config, "--db", database]
    args += ["--bot-id", str(BOT_ID), "--now", "2026-12-01T10:00"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "messages read:            26" in out
    assert "offers imported:          4" in out and "requests imported:        2" in out
    assert "skipped as too old:       5" in out and "skipped as closed:        5" in out
    assert "unknown senders:          1" in out
    assert main(args) == 0
    assert "offers imported:          0" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("content", "group", "code", "says"),
    [
        (None, "-1003", 1, "no such file"),
        ("this is not json {", "-1003", 1, "is not JSON"),
        ('{"chats": {"list": []}}', "-1003", 1, "whole-account export"),
        ('{"name": "x", "messages": {"id": 1}}', "-1003", 1, "not a Telegram chat export"),
        ('{"messages": ' + "[" * 100_000 + "]" * 100_000 + "}", "-1003", 1, "nested too deeply"),
        ('{"name": "x"}', "-1003", 1, "no 'messages' list"),
        ("sample", "-1005", 2, "not of group -1005"),
        ("sample", "-1009", 2, "-1009 is not in the config"),
    ],
)
def test_bad_input_is_explained_without_a_traceback(tmp_path, capsys, content, group, code, says):
    config = write_config(tmp_path)
    export = tmp_path / "result.json"
    if content == "sample":
        export = SAMPLE
    elif content is not None:
        export.write_text(content, encoding="utf-8")
    database = backends.database_for(tmp_path / "jinlin.sqlite3")
    args = ["import", str(export), "--group", group, "--config", config, "--db", database]
    assert main(args) == code
    err = capsys.readouterr().err
    assert says in err and "Traceback" not in err
    assert asyncio.run(backends.untouched(database))  # a refused import never touches it


def _message(id_: object, text: str, **fields: object) -> dict[str, object]:
    return {
        "id": id_,
        "type": "message",
        "date": "2026-11-30T09:00:00",
        "from": "Bob",
        "from_id": "user1002",
        "text": text,
        **fields,
    }


def test_bad_and_future_messages_are_skipped_and_counted_the_rest_imported(tmp_path, capsys):
    config = write_config(tmp_path)
    export = tmp_path / "result.json"
    messages = [
        _message(1, "I have a spare ladder to lend"),
        _message(10**30, "I have a spare drill to lend"),  # no message id is that big
        _message(3, "I have a spare kettle to lend", from_id="user" + "9" * 20),
        _message(4, "I have a spare hammer to lend", date_unixtime="9" * 30),
        _message(5, "I have a spare saw to lend", date="99999-01-01T00:00:00"),
        _message(6, "I have a spare tent to lend", reply_to_message_id=10**40),
        _message(7, "I have a spare umbrella to lend", date="2099-01-01T09:00:00"),
        _message("abc", "I have a spare rope to lend"),
        "not a message at all",
    ]
    export.write_text(json.dumps({"name": "B3", "messages": messages}), encoding="utf-8")
    database = backends.database_for(tmp_path / "jinlin.sqlite3")
    args = ["import", str(export), "--group", "-1003", "--config", config, "--db", database]
    assert main([*args, "--now", "2026-12-01T10:00"]) == 0
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    assert "offers imported:          1" in captured.out
    assert "bad messages skipped:     7" in captured.out
    assert "dated in the future:      1" in captured.out
    assert [e.item_name for e in asyncio.run(ledger_of(database))] == ["ladder"]
