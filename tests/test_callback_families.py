"""Every button family, pressed by the wrong person or at the wrong time, changes nothing.

Buttons reach the bot from anyone on Telegram: a modified client can put any callback data on
any bot message in its own chat. For each family (ea, eo, al, pk, ns, hk, cl, rs, tp, sc, re,
rt, ev, fm, y/n/h/w/g/k) the real buttons of a lived-in building, plus forged ones naming real
ids, are pressed by an outsider (in no group), a neighbour of another building, and a
neighbour of the same building who owns none of it; then the owners press their own buttons
twice and after the entry closed. Each time: the ledger and everything residents keep is as
before, the presser's button gets its answer (the spinner stops, often with a polite word),
and no handler fails.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

from bot.telegram_sim.world import SimMessage, SimUser
from tests import backends
from tests.captains_town import Town
from tests.test_security_roles import forge

# What residents would notice changing: entries, hand-overs, lines, reports, alerts, events,
# relayed chats, consents. (Users, membership checks, the outbox and audit are bookkeeping.)
KEPT = [
    "entries",
    "entry_extras",
    "matches",
    "offer_line",
    "no_shows",
    "reports",
    "alerts",
    "event_attendance",
    "reminder_optins",
    "relay_chats",
    "relay_focus",
    "relay_held",
    "opt_ins",
    "thanks_lists",
]
FAMILIES = {
    "ea", "eo", "al", "pk", "ns", "hk", "cl", "rs", "tp", "sc", "re", "rt", "ev", "fm",
    "y", "n", "h", "w", "g", "k",
}  # fmt: skip


class Failures(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


async def snapshot(database: str) -> dict[str, list[tuple[object, ...]]]:
    return {
        t: sorted(map(repr, await backends.fetch(database, f"SELECT * FROM {t}"))) for t in KEPT
    }


def answered(b: Town, query_id: str) -> bool:
    return any(
        s.kind == "answer_callback" and s.callback_query_id == query_id for s in b.world.outbox
    )


async def lived_in(b: Town) -> None:
    """Two agreed hand-overs (one relayed chat each), a report, an alert, the captain's pages."""
    b.opened_bot(b.alice, b.bob, b.carol)
    await b.say(b.alice, "I have a spare ladder to lend")
    await b.say(b.bob, "anyone have a ladder I can borrow?")
    await b.press(b.alice, b.last_private(b.alice), "y:")
    await b.dm(b.alice, "On the shoe rack")
    await b.say(b.alice, "/offer drill")
    await b.say(b.carol, "/need drill")
    await b.press(b.alice, b.last_private(b.alice), "y:")
    await b.dm(b.alice, "In a blue bag at my door")
    await b.dm(b.alice, "Do you need the bits too?")  # two open chats: a "which chat" note
    await b.say(b.bob, "/need umbrella")
    await b.say(b.bob, "/report the stairwell light is out")
    await b.dm(b.bob, "/alert stroller")
    await b.dm(b.bob, "/alerts")
    await b.dm(b.alice, "/mine")
    await b.dm(b.captain, "/ledger")
    await b.dm(b.captain, "/reports")


def every_button(b: Town) -> set[str]:
    return {
        data
        for chat in b.world.chats.values()
        for message in b.world.bot_messages_in(chat)
        for data in message.button_data()
    }


async def forged_with_real_ids(database: str) -> set[str]:
    entries = await backends.fetch(database, "SELECT id, kind FROM entries")
    matches = [m for (m,) in await backends.fetch(database, "SELECT id FROM matches")]
    alerts = [a for (a,) in await backends.fetch(database, "SELECT id FROM alerts")]
    reports = [r for (r,) in await backends.fetch(database, "SELECT id FROM reports")]
    offers = [i for i, kind in entries if kind == "offer"]
    requests = [i for i, kind in entries if kind == "request"]
    data = {f"ea:{i}" for i in offers} | {f"eo:{i}" for i in requests}
    data |= {f"pk:{o}:{r}" for o in offers for r in requests}
    for m in matches:
        data |= {f"{p}:{m}" for p in ("y", "n", "h", "ns", "hk", "sc", "re", "rt")}
    for i, _ in entries:
        data |= {f"w:{i}", f"g:{i}", f"k:{i}"}
    data |= {f"al:x:{a}" for a in alerts} | {f"al:n:{a}" for a in alerts} | {"al:h:-1003"}
    data |= {f"rs:{r}:{s}" for r in reports for s in "opr"}
    data |= {"cl:0", "cl:1", "tp:b3:2026-11", "ev:a:1", "ev:r:1", "fm:n"}
    return data


def family(data: str) -> str:
    return re.split(r"[:]", data, maxsplit=1)[0]


async def test_every_family_pressed_by_outsiders_and_non_owners_changes_nothing(tmp_path: Path):
    database = backends.database_for(tmp_path / "jinlin.sqlite3")
    failures = Failures()
    logging.getLogger("handlers").addHandler(failures)
    try:
        async with Town(database=database) as b:
            mallory = b.world.add_user(1066, "Mallory", language_code="en")  # in no group
            erin = b.world.add_user(1077, "Erin", language_code="en")  # Building 3, owns nothing
            b.world.join(b.g3, erin)
            b.opened_bot(mallory, erin, b.dave)
            await lived_in(b)
            pressed = every_button(b) | await forged_with_real_ids(database)
            assert {family(d) for d in pressed} >= FAMILIES, FAMILIES - {family(d) for d in pressed}
            before = await snapshot(database)

            for presser in (mallory, b.dave, erin):
                for data in sorted(pressed):
                    if presser is erin and family(data) in ("ea", "eo"):
                        continue  # asking or offering for an entry of her building is hers to do
                    if family(data) == "fm":
                        continue  # /forgetme erases the presser's own data: pressed below
                    query = await forge_and_get_query(b, presser, data)
                    assert answered(b, query), (presser.first_name, data)
                    assert await snapshot(database) == before, (presser.first_name, data)
            assert not failures.records, [r.getMessage() for r in failures.records]
    finally:
        logging.getLogger("handlers").removeHandler(failures)


async def forge_and_get_query(b: Town, user: SimUser, data: str) -> str:
    await forge(b, user, data)
    queries = [q for q in b.world._callback_queries.values() if q.user is user]
    return queries[-1].query_id


def with_button(b: Town, user: SimUser, prefix: str) -> SimMessage:
    """The newest bot message in the user's private chat with a button starting `prefix`."""
    return next(
        m
        for m in reversed(b.world.bot_messages_in(user))
        if any(d.startswith(prefix) for d in m.button_data())
    )


async def press_twice(
    b: Town, database: str, user: SimUser, message: SimMessage, prefix: str
) -> None:
    """The owner's own press, then the same data again: a double tap that reached Telegram
    before the bot took the button away, or a client that kept the old message."""
    data = next(d for d in message.button_data() if d.startswith(prefix))
    await b.press(user, message, prefix)
    once = await snapshot(database)
    query = await forge_and_get_query(b, user, data)
    assert answered(b, query), data
    assert await snapshot(database) == once, f"{data} pressed twice changed something"


async def test_owners_pressing_twice_or_after_the_entry_closed_change_nothing_more(
    tmp_path: Path,
):
    database = backends.database_for(tmp_path / "jinlin.sqlite3")
    failures = Failures()
    logging.getLogger("handlers").addHandler(failures)
    try:
        async with Town(database=database) as b:
            b.opened_bot(b.alice, b.bob, b.carol)
            await b.say(b.alice, "I have a spare ladder to lend")
            await b.say(b.bob, "anyone have a ladder I can borrow?")
            await press_twice(b, database, b.alice, with_button(b, b.alice, "y:"), "y:")
            await press_twice(b, database, b.alice, with_button(b, b.alice, "sc:"), "sc:")
            await press_twice(b, database, b.bob, with_button(b, b.bob, "re:"), "re:")
            await press_twice(b, database, b.alice, with_button(b, b.alice, "h:"), "h:")
            closed = await snapshot(database)
            [(match_id,)] = await backends.fetch(database, "SELECT id FROM matches")
            for data in (f"y:{match_id}", f"n:{match_id}", f"ns:{match_id}", f"hk:{match_id}"):
                await forge(b, b.alice, data)  # the old buttons, after the entry closed
            assert await snapshot(database) == closed

            await b.say(b.bob, "/report the stairwell light is out")
            await press_twice(b, database, b.captain, with_button(b, b.captain, "rs:"), "rs:")
            await b.dm(b.bob, "/alert stroller")
            await b.dm(b.bob, "/alerts")
            await press_twice(b, database, b.bob, with_button(b, b.bob, "al:x:"), "al:x:")

            await b.say(b.carol, "/offer drill")
            await b.dm(b.carol, "/mine")
            await press_twice(b, database, b.carol, with_button(b, b.carol, "w:"), "w:")
            withdrawn = await snapshot(database)
            await b.say(b.bob, "/need drill")  # nothing left to match: the offer is closed
            [(drill,)] = await backends.fetch(
                database, "SELECT id FROM entries WHERE kind = 'offer' AND status = 'withdrawn'"
            )
            for data in (f"g:{drill}", f"k:{drill}", f"w:{drill}"):
                await forge(b, b.carol, data)
            after = await snapshot(database)
            assert [r for r in after["entries"] if "drill" in r and "offer" in r] == [
                r for r in withdrawn["entries"] if "drill" in r and "offer" in r
            ]

            await b.dm(b.bob, "/forgetme")
            await press_twice(b, database, b.bob, with_button(b, b.bob, "fm:y"), "fm:y")
            assert not failures.records, [r.getMessage() for r in failures.records]
    finally:
        logging.getLogger("handlers").removeHandler(failures)
