"""Volunteers' buttons reach the bot from anyone: forged or pressed by the wrong person or at
the wrong time, they change nothing and get a polite answer (no handler fails)."""

from __future__ import annotations

import logging
from datetime import datetime
from zoneinfo import ZoneInfo

from tests import backends
from tests.e2e.test_security_roles import forge
from tests.harness import BUILDING_CONFIG, Building, make_config

SHANGHAI = ZoneInfo("Asia/Shanghai")
TEAMS = '\n[volunteers]\nteams = [{ name = "安全巡查", building = "b3" }]\n'
KEPT = ["duties", "duty_signups", "volunteer_points", "volunteer_members"]


def toast(b: Building) -> str | None:
    answers = [s for s in b.world.outbox if s.kind == "answer_callback"]
    return answers[-1].text if answers else None


async def snapshot(database: str) -> dict[str, list[str]]:
    return {
        t: sorted(map(repr, await backends.fetch(database, f"SELECT * FROM {t}"))) for t in KEPT
    }


class Failures(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


async def test_forged_and_misplaced_presses_change_nothing(tmp_path):
    database = backends.database_for(tmp_path / "jinlin.sqlite3")
    failures = Failures()
    logging.getLogger("handlers").addHandler(failures)
    try:
        async with Building(make_config(BUILDING_CONFIG + TEAMS), database=database) as b:
            mallory = b.world.add_user(1066, "Mallory", language_code="en")  # in no group
            wei = b.world.add_user(9002, "Wei", language_code="en")  # captain of building 5
            b.world.join(b.g5, wei)
            b.opened_bot(b.alice, b.bob, b.dave, b.captain, mallory, wei)
            await b.say(b.captain, "/duty Sat 9:00-11:00 stairwell cleaning 2 people")
            post = b.group_posts()[-1]
            await b.press(b.alice, post, "vt:s:")
            [(signup,)] = await backends.fetch(database, "SELECT id FROM duty_signups")
            await b.dm(b.alice, "/teams")  # the config's team is written on first use
            [(team_id,)] = await backends.fetch(database, "SELECT id FROM volunteer_teams")
            before = await snapshot(database)

            # Outsiders and another building's residents cannot sign up or join.
            cases = [
                (mallory, "vt:s:1", "Only neighbours in this building's group can sign up"),
                (b.dave, "vt:s:1", "只有本楼群里的邻居可以报名"),
                (
                    mallory,
                    f"vt:j:{team_id}",
                    "Only neighbours in this building's (or community's) groups can join this team",
                ),
                (b.dave, "vt:o:1", "您还没有报名"),
                (mallory, "vt:s:999", "This no longer exists"),
                # Nobody confirms attendance before the shift, and only the building's captain.
                (b.captain, f"vt:y:{signup}", "The duty isn't over yet"),
                (b.alice, f"vt:y:{signup}", "Only this building's floor captains can confirm"),
                (wei, f"vt:y:{signup}", "Only this building's floor captains can confirm"),
                (mallory, "vt:n:424242", "This no longer exists"),
            ]
            for user, data, expected in cases:
                await forge(b, user, data)
                assert toast(b) == expected, (user.first_name, data)
                assert await snapshot(database) == before, (user.first_name, data)

            # After the shift: the captain's tap counts once; a double tap changes nothing.
            await b.later(datetime(2026, 12, 5, 11, tzinfo=SHANGHAI) - b.clock.now())
            for user in (b.alice, wei):
                await forge(b, user, f"vt:y:{signup}")
                assert toast(b) == "Only this building's floor captains can confirm"
            await forge(b, b.captain, f"vt:y:{signup}")
            once = await snapshot(database)
            await forge(b, b.captain, f"vt:y:{signup}")
            assert toast(b) == "Already confirmed"
            await forge(b, b.captain, f"vt:n:{signup}")
            assert await snapshot(database) == once
            assert len(once["volunteer_points"]) == 1
            # A press on the closed duty's post changes nothing either.
            await forge(b, b.bob, "vt:s:1")
            assert toast(b) == "This duty has started already"
            assert await snapshot(database) == once
        assert not failures.records, [r.getMessage() for r in failures.records]
    finally:
        logging.getLogger("handlers").removeHandler(failures)
